/**
 * AMQP 0-9-1 framing for ONE direction of a reassembled TCP stream: bytes in (any split), frames out.
 *
 *   0      1         3             7                  size+7 size+8
 *   +------+---------+-------------+  +------------+  +-----------+
 *   | type | channel |    size     |  |  payload   |  | frame-end |
 *   +------+---------+-------------+  +------------+  +-----------+
 *    octet   short       long          size octets       0xCE
 *
 * The client direction opens with the 8-byte protocol header `AMQP 0 0 9 1`; RabbitMQ also SENDS that header (and
 * closes) when it refuses a client's header, so a header is accepted at the start of either direction.
 *
 * Contract (call order: push/gap any number of times, then optionally end()):
 * - `push(bytes, ...)`: the next bytes of the stream. `bytes` is read during the call only; nothing keeps it. Frames
 *   are stamped with the packet/time of the push that delivered their frame-end byte, and `firstPacket` is the
 *   push that delivered their first byte (as Wireshark attributes a reassembled PDU).
 * - `gap(n, ...)`: n bytes of the stream were never captured. Inside a frame of known size the decoder skips to the
 *   frame's end and still emits the frame with `lost` set (a method/header frame with the arguments/properties its
 *   captured prefix holds, if that prefix names it at all); on or across a frame boundary it searches forward for a
 *   plausible frame ("resync"). A search interrupted by a gap resumes at its pending candidate when that candidate
 *   passed every check but the 0xCE one, which the gap makes impossible (snap-length captures stay in sync).
 * - `end(...)`: optional; reports a frame or protocol header the stream ended inside ('truncated').
 * - Malformed input becomes a DecodeIssue (frame-error, resync, capture-gap, unsupported-version, not-amqp,
 *   truncated), never an exception: NOTHING THROWS, whatever the bytes.
 *
 * What this does that Wireshark's dissector (packet-amqp.c, see docs wire-formats §1.10) does not:
 * - A capture that starts mid-connection or mid-frame resyncs on the first plausible frame (type, channel, size,
 *   0xCE exactly at the end, known class/method, arguments that parse) instead of mis-sniffing "AMQP 1.0" and
 *   decoding nothing for the whole connection. Capture gaps (lost segments, snap length) are handled the same way,
 *   where Wireshark gives up on the frame and, mid-frame, on the stream.
 * - No 1 MiB clamp: a frame is as long as its size field says. Body payloads are streamed to the sink as they arrive
 *   and never buffered, so a 2 MiB (or 2 GB) body costs no memory. Only method/header payloads are accumulated, and
 *   only up to MAX_METHOD_PAYLOAD (16 MiB); beyond that a declared size is a frame-error and we resync instead of
 *   buffering.
 * - The frame-end octet 0xCE is checked on every frame; heartbeats must be channel 0 and size 0.
 * - Connection.Update-Secret / -Ok (10/70, 10/71) are in the method table (spec.ts).
 * - The 0-9-1 protocol header is recognised; other AMQP versions are reported as such.
 *
 * Performance: the hot loop (`fast`) handles every frame that lies whole inside one push with no copying (payloads
 * are decoded in place, body bytes are passed as a range of the pushed array); only a method/header payload that
 * straddles pushes is copied, into a reused carry buffer. Per-byte loops exist only in the resync search. A sink
 * with `onView` gets every clean complete frame as the reused FrameView (frame-view.ts) instead of an object: the
 * arguments are checked in place (codec.ts skipArgs/scanBasicHeader) and decoded only if the sink asks. Measured (test/amqp/
 * bench.test.ts's workload run on the tsc output under plain Node 20, 2-vCPU VM shared with other jobs, best of 5):
 * - 1 M x (Basic.Publish + content header + 64 B body + Basic.Ack) = 4 M frames / 173 MB in 1460-byte pushes,
 *   fully decoded to frame objects with arguments and properties: ~5-6.5 M frames/s (~220-280 MB/s, by load);
 * - the framing loop alone (body + heartbeat frames, 112 MB): ~30 M frames/s (~850 MB/s).
 * Under vitest the same code measures about half that (its module runner adds a getter call per imported binding).
 */

import { BASIC_CLASS_ID, methodInfo, methodName } from './spec.js';
import { readU16, readU32, scanBasicHeader, skipArgs } from './codec.js';
import { FRAME_TYPE_NAMES, FrameEmitter, hexBytes } from './frame-emitter.js';
import { FrameView } from './frame-view.js';
import { ACCEPT, NEED_MORE, REJECT, plausibleFrame, type CandidateBudget } from './frame-candidate.js';
import { foreignProtocol, protocolVersion } from './stream-opening.js';
import type { FrameSink } from './types.js';
import * as wire from './types.js';

// Module-local copies of the frame constants of types.ts, read once: the per-byte resync loop and the per-frame
// loop compare against them, and under vitest's module runner every access to an imported binding is a getter call
// (10x slower resync scans in tests). Native ESM inlines either form.
const FRAME_METHOD: number = wire.FRAME_METHOD;
const FRAME_HEADER: number = wire.FRAME_HEADER;
const FRAME_BODY: number = wire.FRAME_BODY;
const FRAME_HEARTBEAT: number = wire.FRAME_HEARTBEAT;
const FRAME_END: number = wire.FRAME_END;

const NO_BYTES = new Uint8Array(0);
/** The marks of a decoder not searching: shared, never written (append makes its own arrays first). */
const NO_MARKS: number[] = [];
/**
 * The view every decoder passes its frames as: a view is valid during the sink's call only, and a decoder never
 * runs inside another's call, so one serves them all (a capture holds thousands of decoders).
 */
const SHARED_VIEW = new FrameView();
/** The resync buffer's size when a stream starts: its first 8 bytes decide what it is. */
const START_BYTES = 64;
const CARRY_START = 256;

/** Largest method or content-header payload we buffer: RabbitMQ's own frame_max ceiling is far below it. */
export const MAX_METHOD_PAYLOAD = 16 * 1024 * 1024;
/** RabbitMQ's default frame_max, used for resync plausibility until setFrameMax() says otherwise. */
export const DEFAULT_FRAME_MAX = 131072;
/** A body frame larger than max(this, frame-max) is treated as impossible (desynchronised size field). */
export const MAX_PLAUSIBLE_BODY = 16 * 1024 * 1024;
/**
 * The resync search's work is bounded by a budget, or crafted bytes make it quadratic (found for issue 6: 123 KB
 * took 17 s). Trying a candidate costs up to its size: the bytes up to its frame-end are buffered and, for a method
 * or header, decoded in full. Thousands of candidates nested in each other's field tables can all parse the same
 * long tail and fail at its end; with a heartbeat and a bad octet between them, each is tried in a new search,
 * which buffered the whole lookahead again. So over a direction's lifetime the sizes of the candidates tried may
 * add up to RESYNC_BUDGET_BASE plus RESYNC_BUDGET_PER_BYTE per byte the search has skipped; a candidate beyond that
 * is rejected untried. The budget counts content (bytes skipped, sizes declared), not pushes: the outcome still
 * does not depend on how the stream was split.
 */
const RESYNC_BUDGET_BASE = 256 * 1024;
const RESYNC_BUDGET_PER_BYTE = 4;
/** The search buffers at most this much more input per step (plus what the candidate under test needs). */
const RESYNC_STEP = 1024;

// Decoder states.
const S_START = 0; // before the first 8 bytes: protocol header, a frame, or something else?
const S_HDR = 1; // at (or inside) a 7-byte frame header
const S_ACCUM = 2; // accumulating a method/header payload into `carry`
const S_BODY = 3; // streaming a body payload to the sink
const S_END = 4; // waiting for the frame-end octet
const S_DROP = 5; // skipping the rest of a payload hit by a capture gap
const S_RESYNC = 6; // searching for a plausible frame
const S_DEAD = 7; // not AMQP 0-9-1: ignore the rest of this direction

/** A run of bytes waiting to be processed, with the packet that delivered it (resync replays, reinjection). */
interface Segment {
  readonly b: Uint8Array;
  readonly off: number;
  readonly end: number;
  readonly pkt: number;
  readonly sec: number;
  readonly nsec: number;
}

export interface FrameDecoderOptions {
  /**
   * True for the client->server direction, which normally opens with the protocol header. Both directions accept
   * a header at their start either way (RabbitMQ sends one back when refusing a client's header); the flag only
   * words the diagnostics when the header is missing (capture began mid-connection).
   */
  expectProtocolHeader?: boolean;
}

export class FrameDecoder extends FrameEmitter implements CandidateBudget {
  private readonly expectHeader: boolean;
  /** The sink takes views (`onView`): the one shared view, valid during the call only. */
  private readonly views: boolean;

  private state = S_START;
  private sawHeader = false;

  // The 7-byte header of the frame in progress (slow path), kept for reinjection on error; made on first use.
  private hdr: Uint8Array = NO_BYTES;
  private hdrLen = 0;

  // The frame in progress (slow path).
  private fType = 0;
  private fChannel = 0;
  private fSize = 0;
  /** Payload bytes still to come. */
  private fRemain = 0;
  /** Payload bytes lost to gaps. */
  private fLost = 0;
  /** The frame was hit by a gap: the carry then holds only the payload prefix captured before it. */
  private fDropped = false;
  private fFirst = 0;
  private fFirstSec = 0;
  private fFirstNsec = 0;

  // Method/header payload that straddles pushes; allocated on first use (an idle or half-open connection never
  // needs one, and a capture can hold tens of thousands of them).
  private carry: Uint8Array = NO_BYTES;
  private carryLen = 0;

  // Resync search buffer: bytes [rsPos, rsLen) not yet rejected, with the packet that delivered each run
  // (parallel arrays: run i starts at markAt[i]).
  private rsBuf: Uint8Array | null = null;
  private rsPos = 0;
  private rsLen = 0;
  private rsSkipped = 0;
  /** Resync budget (see RESYNC_BUDGET_BASE): bytes skipped and candidate sizes charged, over the lifetime. */
  private rsScanned = 0;
  private rsCharged = 0;
  /** The candidate last charged, as (search number, bytes skipped before it): it is not charged again. */
  private rsSearch = 0;
  private rsChargedSearch = -1;
  private rsChargedAt = -1;
  private rsReason = '';
  private rsPacket = 0;
  private rsSec = 0;
  private rsNsec = 0;
  private markAt = NO_MARKS;
  private markPkt = NO_MARKS;
  private markSec = NO_MARKS;
  private markNsec = NO_MARKS;

  /** Segments to process before anything else (resync replays, reinjected bytes). */
  private work: Segment[] | null = null;

  constructor(sink: FrameSink, options?: FrameDecoderOptions) {
    super(sink);
    this.expectHeader = options?.expectProtocolHeader === true;
    this.views = typeof sink.onView === 'function';
  }

  /** Frames decoded (emitted through onFrame) so far. */
  get frames(): number {
    return this.nFrames;
  }

  /**
   * The negotiated frame-max (Connection.Tune-Ok), used for plausibility only: it bounds the resync search (a
   * candidate frame may be up to max(frame-max, 131072) bytes), raises the body-size ceiling above 16 MiB if
   * larger, and frames whose payload exceeds it are reported (RabbitMQ closes the connection with 501
   * FRAME_ERROR "frame_too_large" for those). 0 means "no limit negotiated".
   */
  setFrameMax(frameMax: number): void {
    this.frameMax = Number.isFinite(frameMax) && frameMax > 0 ? Math.floor(frameMax) : 0;
  }

  push(bytes: Uint8Array, packet: number, tsSec: number, tsNsec: number): void {
    if (this.state === S_DEAD || bytes.length === 0) return;
    this.process(bytes, 0, bytes.length, packet, tsSec, tsNsec);
    this.drain();
  }

  gap(length: number, packet: number, tsSec: number, tsNsec: number): void {
    if (this.state === S_DEAD || !(length > 0)) return;
    this.onGap(length, packet, tsSec, tsNsec);
    this.drain();
  }

  /**
   * The stream ended (FIN, RST or end of capture). Reports a frame or protocol header left incomplete ('truncated'),
   * or bytes the resync search never placed; after this the decoder ignores further input. Optional.
   */
  end(packet: number, tsSec: number, tsNsec: number): void {
    const st = this.state;
    this.state = S_DEAD;
    if (st === S_START) {
      if (this.rsLen > 0) {
        this.issue('truncated', `stream ended after ${this.rsLen} bytes, before a complete protocol header or frame`, packet, tsSec, tsNsec, this.rsLen);
      }
    } else if (st === S_HDR) {
      if (this.hdrLen > 0) this.issue('truncated', `stream ended inside a frame header (${this.hdrLen} of 7 bytes)`, packet, tsSec, tsNsec, this.hdrLen);
    } else if (st === S_ACCUM || st === S_BODY || st === S_END || st === S_DROP) {
      const seen = this.fSize - this.fRemain;
      this.issue(
        'truncated',
        `stream ended inside a ${this.describeFrame()} (${seen} of ${this.fSize} payload bytes${st === S_END ? ', no frame-end' : ''})`,
        packet,
        tsSec,
        tsNsec,
        this.fRemain + 1,
      );
    } else if (st === S_RESYNC) {
      const pending = this.rsLen - this.rsPos;
      const total = this.rsSkipped + pending;
      if (total > 0) {
        if (this.nFrames === 0 && !this.sawHeader) {
          this.issue('not-amqp', `no AMQP protocol header or plausible frame in the ${total} bytes of this direction`, packet, tsSec, tsNsec, total);
        } else {
          this.issue('resync', `${total} bytes skipped ${this.rsReason}: no plausible frame before the stream ended`, packet, tsSec, tsNsec, total);
        }
      }
    }
    this.rsBuf = null;
  }

  // ---- driver ---------------------------------------------------------------------------------------------------

  private drain(): void {
    // this.work is read again each time: processing may queue more (reinject), or drain it itself (a gap that
    // resumes decoding before it: onGap -> resumeBeforeGap -> drain).
    for (let work = this.work; work !== null && work.length > 0 && this.state !== S_DEAD; work = this.work) {
      const w = work.shift() as Segment;
      this.process(w.b, w.off, w.end, w.pkt, w.sec, w.nsec);
    }
    // Given back once done: thousands of decoders, and reinjection is rare.
    this.work = null;
  }

  private process(b: Uint8Array, off: number, end: number, pkt: number, sec: number, nsec: number): void {
    while (off < end) {
      switch (this.state) {
        case S_HDR:
          if (this.hdrLen === 0) {
            off = this.fast(b, off, end, pkt, sec, nsec);
            if (off >= end || this.state !== S_HDR) break;
          }
          off = this.header(b, off, end, pkt, sec, nsec);
          break;
        case S_ACCUM: {
          const n = Math.min(this.fRemain, end - off);
          this.ensureCarry(this.carryLen + n);
          this.carry.set(b.subarray(off, off + n), this.carryLen);
          this.carryLen += n;
          this.fRemain -= n;
          off += n;
          if (this.fRemain === 0) this.state = S_END;
          break;
        }
        case S_BODY: {
          const n = Math.min(this.fRemain, end - off);
          this.sink.onBodyData(this.fChannel, b, off, off + n);
          this.fRemain -= n;
          off += n;
          if (this.fRemain === 0) this.state = S_END;
          break;
        }
        case S_DROP: {
          const n = Math.min(this.fRemain, end - off);
          this.fRemain -= n;
          off += n;
          if (this.fRemain === 0) this.state = S_END;
          break;
        }
        case S_END:
          off = this.frameEnd(b, off, end, pkt, sec, nsec);
          break;
        case S_RESYNC:
          off = this.resync(b, off, end, pkt, sec, nsec);
          break;
        case S_START:
          off = this.start(b, off, end, pkt, sec, nsec);
          break;
        default:
          return; // S_DEAD
      }
    }
  }

  // ---- the hot loop -----------------------------------------------------------------------------------------------

  /**
   * Decodes every frame that lies whole inside b[off, end), in place. Returns where it stopped: at the first frame
   * that is incomplete or unusual (left to the slow path, which owns all validation except the end-octet check
   * of complete frames), or after switching to resync.
   */
  private fast(b: Uint8Array, off: number, end: number, pkt: number, sec: number, nsec: number): number {
    const sink = this.sink;
    const frameMax = this.frameMax;
    while (end - off >= 8) {
      const type = b[off] as number;
      const size = readU32(b, off + 3);
      if (type === FRAME_BODY) {
        if ((size > MAX_PLAUSIBLE_BODY && size > frameMax) || !this.bodyFits(b, off, size)) break;
      } else if (size > MAX_METHOD_PAYLOAD || (type !== FRAME_METHOD && type !== FRAME_HEADER && type !== FRAME_HEARTBEAT)) {
        break;
      }
      const fe = off + 7 + size;
      if (fe >= end) break;
      const channel = ((b[off + 1] as number) << 8) | (b[off + 2] as number);
      if (frameMax !== 0 && size > frameMax) this.tooLarge(type, channel, size, pkt, sec, nsec);
      if (type === FRAME_BODY && size > 0) {
        this.bodyTaken(channel, size);
        // Streamed before the end octet is checked, exactly as when the frame straddles pushes (the output must not
        // depend on how the stream was split).
        sink.onBodyData(channel, b, off + 7, fe);
      }
      if (b[fe] !== FRAME_END) {
        this.badFrameEnd(type, channel, size, b[fe] as number, pkt, sec, nsec, b, off + 7, fe - off - 7);
        this.enterResync('after a frame-error', pkt, sec, nsec);
        // Body frames resync from the bad octet (as the slow path must, having streamed the payload); others from
        // the byte after the frame's type octet, since their size field may be what is wrong.
        return type === FRAME_BODY ? fe : off + 1;
      }
      if (this.views && this.viewed(type, b, off + 7, fe, channel, size, pkt, sec, nsec, pkt)) {
        // passed as a view
      } else if (type === FRAME_BODY) {
        this.emitBody(channel, size, pkt, sec, nsec, pkt, 0);
      } else if (type === FRAME_METHOD) {
        this.emitMethod(b, off + 7, fe, channel, size, pkt, sec, nsec, pkt, 0);
      } else if (type === FRAME_HEADER) {
        this.emitHeader(b, off + 7, fe, channel, size, pkt, sec, nsec, pkt, 0);
      } else {
        this.emitHeartbeat(channel, size, pkt, sec, nsec, pkt, 0);
      }
      off = fe + 1;
    }
    return off;
  }

  /**
   * Passes a complete frame of the fast loop as the reused view when it decodes cleanly (what the emit* methods
   * would report nothing about); returns false to let them emit it as an object, with its issues.
   */
  private viewed(type: number, b: Uint8Array, start: number, end: number, channel: number, size: number, pkt: number, sec: number, nsec: number, first: number): boolean {
    const v = SHARED_VIEW;
    if (type === FRAME_METHOD) {
      if (size < 4) return false;
      const info = methodInfo(readU16(b, start), readU16(b, start + 2));
      if (info === undefined || skipArgs(b, start + 4, end, info.argTypes) !== end) return false;
      v.reset(type, channel, size, pkt, sec, nsec, first, b, start, end);
      v.classId = info.classId;
      v.methodId = info.methodId;
      v.name = info.name;
      this.expectBody(channel, 0); // a method ends any content in flight on its channel
    } else if (type === FRAME_HEADER) {
      if (size < 14 || readU16(b, start) !== BASIC_CLASS_ID || scanBasicHeader(b, start + 4, end, v) !== end) return false;
      v.reset(type, channel, size, pkt, sec, nsec, first, b, start, end);
      v.classId = BASIC_CLASS_ID;
      v.methodId = 0;
      v.name = 'Content-Header';
      this.expectBody(channel, v.bodySize);
    } else if (type === FRAME_BODY) {
      v.reset(type, channel, size, pkt, sec, nsec, first, b, start, end);
      v.name = 'Content-Body';
    } else {
      if (channel !== 0 || size !== 0) return false;
      v.reset(type, channel, size, pkt, sec, nsec, first, b, start, end);
      v.name = 'Heartbeat';
    }
    this.nFrames++;
    (this.sink.onView as (view: FrameView) => void)(v);
    // Do not pin the pushed chunk (or the last frame) between pushes: a capture has hundreds of decoders.
    v.release();
    return true;
  }

  // ---- the slow path --------------------------------------------------------------------------------------------

  /** Collects a frame header that straddles pushes (or starts an incomplete frame), then validates it. */
  private header(b: Uint8Array, off: number, end: number, pkt: number, sec: number, nsec: number): number {
    if (this.hdrLen === 0) {
      this.fFirst = pkt;
      this.fFirstSec = sec;
      this.fFirstNsec = nsec;
    }
    const n = Math.min(7 - this.hdrLen, end - off);
    if (this.hdr.length === 0) this.hdr = new Uint8Array(8);
    for (let i = 0; i < n; i++) this.hdr[this.hdrLen + i] = b[off + i] as number;
    this.hdrLen += n;
    off += n;
    if (this.hdrLen < 7) return off;
    this.hdrLen = 0;
    const h = this.hdr;
    const type = h[0] as number;
    const channel = ((h[1] as number) << 8) | (h[2] as number);
    const size = readU32(h, 3);
    this.fType = type;
    this.fChannel = channel;
    this.fSize = size;
    this.fRemain = size;
    this.fLost = 0;
    this.fDropped = false;
    this.carryLen = 0;

    let problem = '';
    if (type !== FRAME_METHOD && type !== FRAME_HEADER && type !== FRAME_BODY && type !== FRAME_HEARTBEAT) {
      problem = `unknown frame type ${type} (0x${type.toString(16)})`;
    } else if (type === FRAME_BODY) {
      if (size > MAX_PLAUSIBLE_BODY && size > this.frameMax) {
        problem = `content body frame declares ${size} bytes, beyond max(16 MiB, frame-max${this.frameMax ? ` ${this.frameMax}` : ''})`;
      } else if (!this.bodyFits(h, 0, size)) {
        problem = `content body frame declares ${size} bytes, but its message has only ${this.expectedBody(channel) ?? 0} body bytes left (content header)`;
      } else if (size > 0) {
        this.bodyTaken(channel, size);
      }
    } else if (size > MAX_METHOD_PAYLOAD) {
      problem = `${FRAME_TYPE_NAMES[type]} frame declares ${size} bytes, beyond the ${MAX_METHOD_PAYLOAD}-byte limit for buffered payloads`;
    }
    if (problem !== '') {
      this.issue('frame-error', `${problem} (header ${hexBytes(h, 0, 7)}, channel ${channel}); searching for the next plausible frame`, pkt, sec, nsec);
      this.enterResync('after a frame-error', pkt, sec, nsec);
      // Rescan from the header's second byte: the real next frame may start inside this bogus header.
      this.reinject(h.slice(1, 7), b, off, end, pkt, sec, nsec);
      return end;
    }
    if (this.frameMax !== 0 && size > this.frameMax) this.tooLarge(type, channel, size, pkt, sec, nsec);
    if (size === 0) this.state = S_END;
    else this.state = type === FRAME_BODY ? S_BODY : S_ACCUM;
    return off;
  }

  /** At the frame-end octet of a slow-path frame. */
  private frameEnd(b: Uint8Array, off: number, end: number, pkt: number, sec: number, nsec: number): number {
    const octet = b[off] as number;
    const type = this.fType;
    if (octet !== FRAME_END) {
      this.badFrameEnd(type, this.fChannel, this.fSize, octet, pkt, sec, nsec, this.carry, 0, type === FRAME_BODY ? 0 : this.carryLen);
      if (type === FRAME_BODY || this.fDropped) {
        // The payload is gone (streamed or skipped): rescan from the bad octet itself.
        this.enterResync('after a frame-error', pkt, sec, nsec);
        return off;
      }
      // Rescan from the header's second byte, through the buffered payload, then on from the bad octet.
      const again = new Uint8Array(6 + this.carryLen);
      again.set(this.hdr.subarray(1, 7), 0);
      again.set(this.carry.subarray(0, this.carryLen), 6);
      this.enterResync('after a frame-error', pkt, sec, nsec);
      this.reinject(again, b, off, end, pkt, sec, nsec);
      return end;
    }
    this.state = S_HDR;
    this.finishFrame(pkt, sec, nsec);
    return off + 1;
  }

  /** Emits the slow-path frame whose payload is complete (frame-end seen or lost in a gap). */
  private finishFrame(pkt: number, sec: number, nsec: number): void {
    const type = this.fType;
    if (this.views && this.fLost === 0 && this.viewed(type, this.carry, 0, this.carryLen, this.fChannel, this.fSize, pkt, sec, nsec, this.fFirst)) {
      // passed as a view
    } else if (type === FRAME_BODY) {
      this.emitBody(this.fChannel, this.fSize, pkt, sec, nsec, this.fFirst, this.fLost);
    } else if (type === FRAME_HEARTBEAT) {
      this.emitHeartbeat(this.fChannel, this.fSize, pkt, sec, nsec, this.fFirst, this.fLost);
    } else if (type === FRAME_METHOD) {
      this.emitMethod(this.carry, 0, this.carryLen, this.fChannel, this.fSize, pkt, sec, nsec, this.fFirst, this.fLost);
    } else {
      this.emitHeader(this.carry, 0, this.carryLen, this.fChannel, this.fSize, pkt, sec, nsec, this.fFirst, this.fLost);
    }
    this.carryLen = 0;
    if (this.carry.length > 1 << 20) this.carry = NO_BYTES; // do not pin a huge one-off buffer
  }

  private ensureCarry(need: number): void {
    if (need <= this.carry.length) return;
    let cap = Math.max(CARRY_START, this.carry.length * 2);
    while (cap < need) cap *= 2;
    // Grow with the bytes actually received, not the declared size: a bogus 16 MiB header costs nothing until
    // 16 MiB really arrive. The first buffer is CARRY_START at least (and grows by doubling): frames straddling
    // pushes come in every packet of a busy stream, and must not each grow it; most are methods and content
    // headers of tens of bytes, and an open connection keeps its carry.
    const next = new Uint8Array(Math.max(CARRY_START, Math.min(cap, Math.max(need, this.fSize))));
    next.set(this.carry.subarray(0, this.carryLen));
    this.carry = next;
  }

  private describeFrame(): string {
    const t = this.fType;
    const where = `channel ${this.fChannel}`;
    if (t === FRAME_METHOD) {
      const name = this.carryLen >= 4 ? methodName(readU16(this.carry, 0), readU16(this.carry, 2)) : 'method';
      return `${name} frame (${where}, ${this.fSize} bytes)`;
    }
    return `${FRAME_TYPE_NAMES[t] ?? `type-${t}`} frame (${where}, ${this.fSize} bytes)`;
  }

  // ---- the start of the stream -----------------------------------------------------------------------------------

  /**
   * Collects the first 8 bytes (in the resync buffer, with their packets) and decides: a protocol header, a
   * well-known foreign protocol, or frames (possibly starting mid-frame), which the resync search then places.
   */
  private start(b: Uint8Array, off: number, end: number, pkt: number, sec: number, nsec: number): number {
    if (this.rsLen === 0 && end - off >= 8) {
      const next = this.startInPlace(b, off, end, pkt, sec, nsec);
      if (next >= 0) return next;
    }
    // Room for the 8 bytes that decide, and a little more (append() grows it if the resync search follows).
    if (this.rsBuf === null) this.resetResyncBuffer(START_BYTES);
    const n = Math.min(8 - this.rsLen, end - off);
    this.append(b, off, n, pkt, sec, nsec);
    off += n;
    if (this.rsLen < 8) return off;
    if (this.opened(this.rsBuf as Uint8Array, 0, pkt, sec, nsec)) {
      this.rsBuf = null;
      this.releaseMarks();
      return this.state === S_DEAD ? end : off;
    }
    // Frames without a protocol header: the capture began mid-connection, perhaps mid-frame. The resync search
    // places the first frame (offset 0 if the capture began on a frame boundary, silently).
    this.state = S_RESYNC;
    this.rsSearch++;
    this.rsSkipped = 0;
    this.rsReason = this.expectHeader ? 'at the start of the stream (no protocol header: the capture began mid-connection)' : 'at the start of the stream (the capture began mid-connection)';
    this.rsPacket = pkt;
    this.rsSec = sec;
    this.rsNsec = nsec;
    return this.scanAndMaybeResume(b, off, end, pkt, sec, nsec);
  }

  /**
   * The protocol header or a well-known foreign opening in bytes[at, at + 8): reported, the state set (S_HDR, or
   * S_DEAD for another protocol or an AMQP version other than 0-9-1), and true; false if neither (frames).
   */
  private opened(bytes: Uint8Array, at: number, pkt: number, sec: number, nsec: number): boolean {
    if (bytes[at] === 0x41 && bytes[at + 1] === 0x4d && bytes[at + 2] === 0x51 && bytes[at + 3] === 0x50) {
      // "AMQP" + protocol id/version octets.
      const v = protocolVersion(bytes[at + 4] as number, bytes[at + 5] as number, bytes[at + 6] as number, bytes[at + 7] as number);
      this.sawHeader = true;
      this.sink.onProtocolHeader({ version: v.version, supported: v.supported, packet: pkt, tsSec: sec, tsNsec: nsec });
      if (v.supported) {
        this.state = S_HDR;
        return true;
      }
      this.issue('unsupported-version', `protocol header for AMQP ${v.version} (${hexBytes(bytes, at, at + 8)}); amqpscope decodes 0-9-1 only, so the rest of this direction is not decoded`, pkt, sec, nsec);
      this.state = S_DEAD;
      return true;
    }
    const foreign = foreignProtocol(bytes, at);
    if (foreign === null) return false;
    this.issue('not-amqp', `this direction starts with ${foreign} bytes (${hexBytes(bytes, at, at + 8)}), not AMQP; it is not decoded`, pkt, sec, nsec);
    this.state = S_DEAD;
    return true;
  }

  /**
   * The usual start, decided in the first push without copying: the protocol header, a well-known foreign opening,
   * or (every broker side) a first frame that is complete in this push and plausible at its first byte. Leaves what
   * start() and the resync search would (the same decoding state, issues and charges), without the resync buffer, its
   * packet marks and the replay of the copied bytes: a fleet of thousands of connections starts twice per connection.
   * Returns where decoding goes on, or -1 to take the general path (nothing changed then).
   */
  private startInPlace(b: Uint8Array, off: number, end: number, pkt: number, sec: number, nsec: number): number {
    if (this.opened(b, off, pkt, sec, nsec)) return this.state === S_DEAD ? end : off + 8;
    // Frames without a protocol header: the search's first candidate, numbered as start() numbers a search, at
    // offset 0 of the bytes it would have buffered (hence the view). Its charge is undone if it is not accepted.
    const search = this.rsSearch;
    const charged = this.rsCharged;
    const chargedSearch = this.rsChargedSearch;
    const chargedAt = this.rsChargedAt;
    this.rsSearch++;
    if (plausibleFrame(b.subarray(off, end), 0, end - off, this.resyncLimit(), this) !== ACCEPT) {
      this.rsSearch = search;
      this.rsCharged = charged;
      this.rsChargedSearch = chargedSearch;
      this.rsChargedAt = chargedAt;
      return -1;
    }
    // resumeAt() at offset 0 with nothing skipped: no issue, decoding goes on at the frame. (What start() notes for
    // the search's issues, its reason and packet, is read only while a search runs, and the next one sets its own.)
    this.state = S_HDR;
    return off;
  }

  // ---- gaps -------------------------------------------------------------------------------------------------------

  private onGap(length: number, pkt: number, sec: number, nsec: number): void {
    const st = this.state;
    if ((st === S_START || st === S_RESYNC) && this.resumeBeforeGap(pkt, sec, nsec)) {
      // Decoding resumed at a frame whose end lies beyond the gap: the gap now counts toward that frame.
      this.onGap(length, pkt, sec, nsec);
      return;
    }
    if (st === S_START) {
      const had = this.rsLen;
      this.issue('capture-gap', `${length} bytes missing ${had === 0 ? 'at the start of the stream' : `after the first ${had} bytes`}; searching for a plausible frame`, pkt, sec, nsec, length);
      this.enterResync('after a capture gap', pkt, sec, nsec);
      this.rsSkipped = had;
      return;
    }
    if (st === S_RESYNC) {
      // Candidates spanning the gap cannot be checked; whatever was pending is skipped.
      this.issue('capture-gap', `${length} bytes missing while searching for a plausible frame`, pkt, sec, nsec, length);
      this.rsSkipped += this.rsLen - this.rsPos;
      this.rsPos = 0;
      this.rsLen = 0;
      this.rsSearch++; // (a candidate after the gap is a new one, even at the same count of skipped bytes)
      this.clearMarks();
      return;
    }
    if (st === S_HDR) {
      const partial = this.hdrLen;
      this.issue(
        'capture-gap',
        `${length} bytes missing ${partial === 0 ? 'at a frame boundary' : `inside a frame header (${partial} of 7 bytes seen)`}; what they held is unknown, searching for the next plausible frame`,
        pkt,
        sec,
        nsec,
        length,
      );
      this.hdrLen = 0;
      this.enterResync('after a capture gap', pkt, sec, nsec);
      this.rsSkipped = partial;
      return;
    }
    // Inside a frame of known size: the gap's bytes count toward it. Body frames and heartbeats are kept whole;
    // method and header frames are kept with what their captured prefix decodes to (if it names them at all).
    const desc = this.describeFrame();
    const t = this.fType;
    const partial = t === FRAME_METHOD || t === FRAME_HEADER;
    const named = t === FRAME_METHOD ? this.carryLen >= 4 : t === FRAME_HEADER ? this.carryLen >= 12 : true;
    let fate: string;
    if (st === S_END) {
      // Payload complete (or already cut), frame-end octet lost.
      fate = this.fDropped && partial && !named ? 'frame dropped' : 'frame kept, its end unverified';
    } else if (!partial) {
      fate = 'frame kept with the lost bytes counted';
    } else if (named) {
      fate = `frame kept with what its first ${this.carryLen} payload bytes decode to`;
    } else {
      fate = 'frame dropped (too little of it captured to name it)';
    }
    if (st === S_END) {
      this.issue('capture-gap', `${length} bytes missing from the frame-end octet of a ${desc}; ${fate}${length > 1 ? ', searching for the next plausible frame' : ''}`, pkt, sec, nsec, length);
      this.state = S_HDR;
      this.finishFrame(pkt, sec, nsec);
      if (length > 1) this.enterResync('after a capture gap', pkt, sec, nsec);
      return;
    }
    const remain = this.fRemain; // payload bytes still expected, then 1 frame-end octet
    if (length <= remain) {
      this.fRemain -= length;
      this.fLost += length;
      if (partial) {
        this.fDropped = true;
        this.state = S_DROP; // the carry keeps the prefix; bytes after the hole are skipped
      }
      if (this.fRemain === 0) this.state = S_END;
      this.issue('capture-gap', `${length} bytes missing inside a ${desc}; ${fate}, decoding continues after it`, pkt, sec, nsec, length);
      return;
    }
    // The gap covers the rest of the frame, its end octet, and perhaps more.
    this.fLost += remain;
    this.fRemain = 0;
    if (partial) this.fDropped = true;
    const beyond = length - remain - 1;
    this.issue(
      'capture-gap',
      `${length} bytes missing from the last ${remain} payload bytes of a ${desc}${beyond > 0 ? ` and ${beyond} bytes after it` : ''}; ${fate}${beyond > 0 ? ', searching for the next plausible frame' : ''}`,
      pkt,
      sec,
      nsec,
      length,
    );
    this.state = S_HDR;
    this.finishFrame(pkt, sec, nsec);
    if (beyond > 0) this.enterResync('after a capture gap', pkt, sec, nsec);
  }

  // ---- resynchronisation ----------------------------------------------------------------------------------------

  /**
   * Before a gap lands on the resync search: if the bytes held contain a verified frame, or end in a candidate that
   * passed every check except the 0xCE one (its end lies in or beyond the gap, so that check can never be made),
   * resume decoding there, so that the gap is then skipped inside that frame instead of discarding the candidate.
   * This is what keeps a snap-length capture (every segment cut after N bytes) in sync: the frame that starts a
   * segment usually ends beyond the cut. Returns true if decoding resumed (the state is no longer a search).
   */
  private resumeBeforeGap(pkt: number, sec: number, nsec: number): boolean {
    const buf = this.rsBuf;
    if (buf === null) return false;
    if (this.state === S_START) {
      if (this.rsLen < 7 || buf[0] === 0x41) return false; // too little to judge, or a protocol header cut short
      this.state = S_RESYNC;
      this.rsSkipped = 0;
      this.rsReason = 'at the start of the stream (the capture began mid-connection)';
      this.rsPacket = pkt;
      this.rsSec = sec;
      this.rsNsec = nsec;
    }
    this.scanAndMaybeResume(buf, 0, 0, pkt, sec, nsec);
    if (this.state === S_RESYNC) {
      const p = this.rsPos;
      const len = this.rsLen;
      if (len - p < 7 || plausibleFrame(buf, p, len, this.resyncLimit(), this) !== NEED_MORE) return false;
      const type = buf[p] as number;
      if ((type === FRAME_METHOD || type === FRAME_HEADER) && p + 11 > len) return false; // class/method not yet checked
      this.resumeAt(buf, p, len, 'an unverified', buf, 0, 0, pkt, sec, nsec);
    }
    this.drain();
    return this.state !== S_RESYNC;
  }

  /** Largest payload a resync candidate may declare ("generous": RabbitMQ's default 131072, or frame-max if larger). */
  private resyncLimit(): number {
    return Math.max(this.frameMax, DEFAULT_FRAME_MAX);
  }

  private resetResyncBuffer(size = 4096): void {
    // Small at first (append() grows it): a search may start after every frame-error, and most end within bytes.
    this.rsBuf = new Uint8Array(Math.min(size, this.resyncLimit() + 8));
    this.rsPos = 0;
    this.rsLen = 0;
    this.clearMarks();
  }

  /** The marks' arrays given back (a connection that opened with its protocol header may never need them again). */
  private releaseMarks(): void {
    this.markAt = NO_MARKS;
    this.markPkt = NO_MARKS;
    this.markSec = NO_MARKS;
    this.markNsec = NO_MARKS;
  }

  private clearMarks(): void {
    this.markAt.length = 0;
    this.markPkt.length = 0;
    this.markSec.length = 0;
    this.markNsec.length = 0;
  }

  private enterResync(reason: string, pkt: number, sec: number, nsec: number): void {
    this.state = S_RESYNC;
    this.rsSearch++;
    this.bodyLeft?.clear(); // what was lost may have ended or started messages
    this.bcChan = -1;
    this.hdrLen = 0;
    this.carryLen = 0;
    this.rsSkipped = 0;
    this.rsReason = reason;
    this.rsPacket = pkt;
    this.rsSec = sec;
    this.rsNsec = nsec;
    this.resetResyncBuffer();
  }

  /** Queues `copy` (bytes already consumed, to be rescanned) and then b[off, end) ahead of all other work. */
  private reinject(copy: Uint8Array, b: Uint8Array, off: number, end: number, pkt: number, sec: number, nsec: number): void {
    // The copied bytes arrived between the frame's first packet and now; they are attributed to the first.
    const segs: Segment[] = [{ b: copy, off: 0, end: copy.length, pkt: this.fFirst, sec: this.fFirstSec, nsec: this.fFirstNsec }];
    if (off < end) segs.push({ b, off, end, pkt, sec, nsec });
    (this.work ??= []).unshift(...segs);
  }

  /** Appends b[off, off+n) to the resync buffer, noting the packet that delivered it. */
  private append(b: Uint8Array, off: number, n: number, pkt: number, sec: number, nsec: number): void {
    let buf = this.rsBuf as Uint8Array;
    if (this.rsLen + n > buf.length) {
      const next = new Uint8Array(Math.max(buf.length * 2, this.rsLen + n));
      next.set(buf.subarray(0, this.rsLen));
      buf = next;
      this.rsBuf = next;
    }
    buf.set(b.subarray(off, off + n), this.rsLen);
    if (this.markAt === NO_MARKS) {
      this.markAt = [];
      this.markPkt = [];
      this.markSec = [];
      this.markNsec = [];
    }
    const last = this.markAt.length - 1;
    if (last < 0 || this.markPkt[last] !== pkt || this.markSec[last] !== sec || this.markNsec[last] !== nsec) {
      this.markAt.push(this.rsLen);
      this.markPkt.push(pkt);
      this.markSec.push(sec);
      this.markNsec.push(nsec);
    }
    this.rsLen += n;
  }

  /** Drops the rejected bytes [0, rsPos) from the resync buffer. */
  private compact(): void {
    const d = this.rsPos;
    if (d === 0) return;
    const buf = this.rsBuf as Uint8Array;
    buf.copyWithin(0, d, this.rsLen);
    this.rsLen -= d;
    this.rsPos = 0;
    // Keep the marks that still cover bytes: the last one at or before d, and all after it.
    let keep = 0;
    while (keep + 1 < this.markAt.length && (this.markAt[keep + 1] as number) <= d) keep++;
    if (keep > 0) {
      this.markAt.splice(0, keep);
      this.markPkt.splice(0, keep);
      this.markSec.splice(0, keep);
      this.markNsec.splice(0, keep);
    }
    for (let i = 0; i < this.markAt.length; i++) this.markAt[i] = Math.max(0, (this.markAt[i] as number) - d);
  }

  private resync(b: Uint8Array, off: number, end: number, pkt: number, sec: number, nsec: number): number {
    // Keep the buffer bounded: a pending candidate never needs more than resyncLimit() + 8 bytes, so compacting
    // the rejected prefix and appending at most one window at a time suffices.
    const window = this.resyncLimit() + 8 + 64 * 1024;
    if (this.rsPos > 0 && (this.rsPos >= 64 * 1024 || this.rsLen + (end - off) > window)) this.compact();
    const n = Math.min(end - off, Math.max(window - this.rsLen, 1024), RESYNC_STEP);
    this.append(b, off, n, pkt, sec, nsec);
    return this.scanAndMaybeResume(b, off + n, end, pkt, sec, nsec);
  }

  /**
   * Runs the search over the buffer. On success, queues the buffer from the accepted frame on (by delivering
   * packet) and then b[off, end) for normal decoding, and returns `end`; otherwise returns `off` to be appended next.
   */
  private scanAndMaybeResume(b: Uint8Array, off: number, end: number, pkt: number, sec: number, nsec: number): number {
    const buf = this.rsBuf as Uint8Array;
    let p = this.rsPos;
    const len = this.rsLen;
    let verdict = NEED_MORE;
    while (len - p >= 7) {
      const t = buf[p] as number;
      // Cheap filter first: only four octets can start a frame.
      if (t === FRAME_METHOD || t === FRAME_BODY || t === FRAME_HEARTBEAT || t === FRAME_HEADER) {
        verdict = plausibleFrame(buf, p, len, this.resyncLimit(), this);
        if (verdict !== REJECT) break;
      }
      p++;
    }
    this.rsSkipped += p - this.rsPos;
    this.rsScanned += p - this.rsPos;
    this.rsPos = p;
    if (verdict !== ACCEPT || len - p < 7) return off;

    this.resumeAt(buf, p, len, 'a', b, off, end, pkt, sec, nsec);
    return end;
  }

  /**
   * Leaves the search at buf[p]: reports the bytes skipped, and queues buf[p, len) (by delivering packet) and then
   * b[off, end) for normal decoding, ahead of all other work.
   */
  private resumeAt(buf: Uint8Array, p: number, len: number, verified: string, b: Uint8Array, off: number, end: number, pkt: number, sec: number, nsec: number): void {
    const segs: Segment[] = [];
    let resumePkt = this.rsPacket;
    let resumeSec = this.rsSec;
    let resumeNsec = this.rsNsec;
    for (let i = 0; i < this.markAt.length; i++) {
      const from = Math.max(this.markAt[i] as number, p);
      const to = i + 1 < this.markAt.length ? (this.markAt[i + 1] as number) : len;
      if (to <= from) continue;
      const seg: Segment = { b: buf, off: from, end: to, pkt: this.markPkt[i] as number, sec: this.markSec[i] as number, nsec: this.markNsec[i] as number };
      if (segs.length === 0) {
        resumePkt = seg.pkt;
        resumeSec = seg.sec;
        resumeNsec = seg.nsec;
      }
      segs.push(seg);
    }
    if (this.rsSkipped > 0) {
      const what = FRAME_TYPE_NAMES[buf[p] as number] ?? '';
      this.issue('resync', `skipped ${this.rsSkipped} bytes ${this.rsReason}; resumed at ${verified} ${what} frame`, resumePkt, resumeSec, resumeNsec, this.rsSkipped);
    }
    if (off < end) segs.push({ b, off, end, pkt, sec, nsec });
    // The queued segments reference `buf`: give the next search a fresh buffer instead of overwriting it. The marks'
    // arrays too: a stream that began without a protocol header (every broker side) resumes here once, at its start.
    this.rsBuf = null;
    this.rsPos = 0;
    this.rsLen = 0;
    this.releaseMarks();
    this.state = S_HDR;
    this.hdrLen = 0;
    (this.work ??= []).unshift(...segs);
  }

  /** Charges trying the candidate buf[p, e] to the resync budget, once; false if the budget cannot pay for it. */
  /** @internal (CandidateBudget, for plausibleFrame) */
  affordable(p: number, e: number): boolean {
    const at = this.rsScanned + (p - this.rsPos); // (the loop in scanAndMaybeResume adds p - rsPos after)
    if (this.rsChargedSearch === this.rsSearch && this.rsChargedAt === at) return true;
    if (this.rsCharged + (e - p) > RESYNC_BUDGET_BASE + RESYNC_BUDGET_PER_BYTE * at) return false;
    this.rsCharged += e - p;
    this.rsChargedSearch = this.rsSearch;
    this.rsChargedAt = at;
    return true;
  }
}
