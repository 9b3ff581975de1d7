/**
 * The emitting half of the AMQP frame decoder (frame-decoder.ts extends it): turns a complete frame's payload into a
 * frame object for the sink, or a DecodeIssue for what is wrong with it, and keeps the per-channel count of body
 * bytes a message still expects (which the framing uses to judge a body frame's size). Nothing here reads the
 * stream: frame-decoder.ts finds the frames, handles gaps, the start of the stream and the resync search.
 */
import { BASIC_CLASS_ID, methodInfo, methodName } from './spec.js';
import { CodecError, decodeArgs, decodeBasicHeader, readU16, readU32, readU64 } from './codec.js';
import { bodyFrame, headerFrame, heartbeatFrame, methodFrame } from './frame-view.js';
import { sharedArgs } from './shared-args.js';
import type { DecodeIssue, DecodeIssueCode, FieldValue, FrameSink, HeaderFrame, MethodFrame } from './types.js';
import * as wire from './types.js';

// Module-local copies of the frame constants (see frame-decoder.ts: imported bindings are getter calls under vitest).
const FRAME_METHOD: number = wire.FRAME_METHOD;
const FRAME_HEADER: number = wire.FRAME_HEADER;
const FRAME_BODY: number = wire.FRAME_BODY;
const FRAME_HEARTBEAT: number = wire.FRAME_HEARTBEAT;

export const FRAME_TYPE_NAMES: Record<number, string> = {
  [FRAME_METHOD]: 'method',
  [FRAME_HEADER]: 'content header',
  [FRAME_BODY]: 'content body',
  [FRAME_HEARTBEAT]: 'heartbeat',
};

export function hexBytes(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += (i > start ? ' ' : '') + ((b[i] as number) < 16 ? '0' : '') + (b[i] as number).toString(16);
  return s;
}

/** Rewrites a CodecError's absolute offsets ("at 123") as offsets into the frame payload starting at `start`. */
export function offsets(message: string, start: number): string {
  return message.replace(/at (\d+)/g, (_, n: string) => `at payload offset ${Number(n) - start}`);
}

export class FrameEmitter {
  protected readonly sink: FrameSink;
  /** The negotiated frame-max, 0 for none (see FrameDecoder.setFrameMax). */
  protected frameMax = 0;
  protected nFrames = 0;
  /**
   * Body bytes still expected per channel, from the last content header (only channels with a message in flight).
   * A body frame larger than what its message has left is an impossible size: the stream is desynchronised, and
   * streaming it would swallow the frames that follow. Unknown channels (capture began mid-message) are not judged.
   */
  protected bodyLeft: Map<number, number> | null = null;
  /** One-entry cache in front of bodyLeft (the usual case: one message in flight): a channel is in one or the other. */
  protected bcChan = -1;
  protected bcLeft = 0;

  constructor(sink: FrameSink) {
    this.sink = sink;
  }

  /** Body bytes the message in flight on `channel` still expects, or undefined if none is known. */
  protected expectedBody(channel: number): number | undefined {
    if (channel === this.bcChan) return this.bcLeft;
    return this.bodyLeft === null || this.bodyLeft.size === 0 ? undefined : this.bodyLeft.get(channel);
  }

  /** Records that `channel` now expects `n` body bytes (0: none). */
  protected expectBody(channel: number, n: number): void {
    if (channel === this.bcChan) {
      if (n > 0) this.bcLeft = n;
      else this.bcChan = -1;
      return;
    }
    if (this.bodyLeft !== null && this.bodyLeft.size !== 0) this.bodyLeft.delete(channel);
    if (n <= 0) return;
    if (this.bcChan === -1) {
      this.bcChan = channel;
      this.bcLeft = n;
    } else {
      (this.bodyLeft ??= new Map()).set(channel, n);
    }
  }

  /** Does a body frame of `size` bytes fit what its channel's message has left? (header bytes at h[o..o+7)) */
  protected bodyFits(h: Uint8Array, o: number, size: number): boolean {
    const left = this.expectedBody(((h[o + 1] as number) << 8) | (h[o + 2] as number));
    return left === undefined || size <= left;
  }

  protected bodyTaken(channel: number, size: number): void {
    const left = this.expectedBody(channel);
    if (left !== undefined) this.expectBody(channel, left - size);
  }

  // ---- emitting ---------------------------------------------------------------------------------------------------

  /**
   * Emits a method frame from its payload b[start, end). `lost` > 0: the payload was cut by a capture gap and
   * b[start, end) is only the prefix captured before it; the arguments decoded from it are kept, the rest is unknown
   * (the gap was reported already, so a cut is not a frame-error).
   */
  protected emitMethod(b: Uint8Array, start: number, end: number, channel: number, size: number, pkt: number, sec: number, nsec: number, first: number, lost: number): void {
    if (end - start < 4) {
      if (lost === 0) this.issue('frame-error', `method frame on channel ${channel} has a ${size}-byte payload, too short for class-id and method-id`, pkt, sec, nsec);
      return;
    }
    const classId = readU16(b, start);
    const methodId = readU16(b, start + 2);
    const info = methodInfo(classId, methodId);
    let args: Record<string, FieldValue> = {};
    let name: string;
    const shared = info !== undefined && lost === 0 ? sharedArgs(info, b, start + 4, end) : null;
    if (info === undefined) {
      name = methodName(classId, methodId);
      this.issue('frame-error', `unknown method ${name} (class ${classId}, method ${methodId}) on channel ${channel}`, pkt, sec, nsec);
    } else if (shared !== null) {
      name = info.name; // decoded whole and clean: no issue to report
      args = shared;
    } else {
      name = info.name;
      // decodeArgs stores each argument only once it decoded whole, in order: after a cut `args` holds exactly the
      // arguments that lie before it.
      const r = decodeArgs(b, start + 4, end, info.argNames, info.argTypes, args);
      if (lost === 0) {
        if (r instanceof CodecError) {
          this.issue('frame-error', `${name} on channel ${channel}: arguments do not parse: ${offsets(r.message, start)}`, pkt, sec, nsec);
          return;
        }
        if (r !== end) this.issue('frame-error', `${name} on channel ${channel}: ${end - r} unexpected bytes after the last argument`, pkt, sec, nsec);
      }
    }
    this.expectBody(channel, 0); // a method ends any content in flight on its channel
    this.nFrames++;
    const frame: MethodFrame = methodFrame(channel, size, pkt, sec, nsec, first, classId, methodId, name, args);
    if (lost > 0) frame.lost = lost;
    this.sink.onFrame(frame);
  }

  /** Emits a content header frame; `lost` as for emitMethod (needs class, weight and body-size, 12 bytes, captured). */
  protected emitHeader(b: Uint8Array, start: number, end: number, channel: number, size: number, pkt: number, sec: number, nsec: number, first: number, lost: number): void {
    const have = end - start;
    if (have < (lost === 0 ? 14 : 12)) {
      if (lost === 0) this.issue('frame-error', `content header frame on channel ${channel} has a ${size}-byte payload, shorter than the 14-byte minimum`, pkt, sec, nsec);
      return;
    }
    const classId = readU16(b, start);
    const weight = readU16(b, start + 2);
    if (classId !== BASIC_CLASS_ID) {
      this.issue('frame-error', `content header for class ${classId} on channel ${channel}: only Basic (60) carries content`, pkt, sec, nsec);
      return;
    }
    const properties: Record<string, FieldValue> = {};
    let bodySize: number;
    if (lost === 0) {
      const r = decodeBasicHeader(b, start + 4, end, properties);
      if (r instanceof CodecError) {
        this.issue('frame-error', `content header on channel ${channel} does not parse: ${offsets(r.message, start)}`, pkt, sec, nsec);
        return;
      }
      if (r[1] !== end) this.issue('frame-error', `content header on channel ${channel}: ${end - r[1]} unexpected bytes after the properties`, pkt, sec, nsec);
      bodySize = r[0].bodySize;
    } else {
      bodySize = readU64(b, start + 4);
      if (!Number.isSafeInteger(bodySize)) return;
      // The properties that lie whole in the captured prefix (each is stored only once decoded whole).
      if (have >= 14) decodeBasicHeader(b, start + 4, end, properties);
    }
    this.expectBody(channel, bodySize);
    this.nFrames++;
    const frame: HeaderFrame = headerFrame(channel, size, pkt, sec, nsec, first, classId, weight, bodySize, properties);
    if (lost > 0) frame.lost = lost;
    this.sink.onFrame(frame);
  }

  protected emitBody(channel: number, size: number, pkt: number, sec: number, nsec: number, first: number, lost: number): void {
    this.nFrames++;
    const frame = bodyFrame(channel, size, pkt, sec, nsec, first);
    if (lost > 0) frame.lost = lost;
    this.sink.onFrame(frame);
  }

  protected emitHeartbeat(channel: number, size: number, pkt: number, sec: number, nsec: number, first: number, lost: number): void {
    if (channel !== 0 || size !== 0) {
      // Spec §4.2.7: "Heartbeat frames MUST have a channel number of zero" and carry no payload. Wireshark shows both
      // without a warning; RabbitMQ closes the connection (501).
      this.issue('frame-error', `heartbeat frame with channel ${channel} and size ${size}: heartbeats must be channel 0, size 0`, pkt, sec, nsec);
    }
    this.nFrames++;
    const frame = heartbeatFrame(channel, size, pkt, sec, nsec, first);
    if (lost > 0) frame.lost = lost;
    this.sink.onFrame(frame);
  }

  /**
   * A frame whose frame-end octet is not 0xCE. `payload[start, start + have)` is what is known of its payload (a
   * method frame is named from its class and method ids when they are there).
   */
  protected badFrameEnd(type: number, channel: number, size: number, octet: number, pkt: number, sec: number, nsec: number, payload: Uint8Array, start: number, have: number): void {
    const name = type === FRAME_METHOD && have >= 4 ? methodName(readU16(payload, start), readU16(payload, start + 2)) : `${FRAME_TYPE_NAMES[type] ?? `type-${type}`} frame`;
    this.sink.onIssue({
      code: 'frame-error',
      message: `${name} on channel ${channel} (${size} bytes) ends with 0x${octet.toString(16).padStart(2, '0')} instead of 0xce; searching for the next plausible frame`,
      packet: pkt,
      tsSec: sec,
      tsNsec: nsec,
      malformed: { name, channel, size, frameEnd: octet },
    });
  }

  protected tooLarge(type: number, channel: number, size: number, pkt: number, sec: number, nsec: number): void {
    this.issue(
      'frame-error',
      `${FRAME_TYPE_NAMES[type] ?? `type-${type}`} frame on channel ${channel} carries ${size} payload bytes, more than the negotiated frame-max ${this.frameMax} (RabbitMQ answers 501 FRAME_ERROR frame_too_large); decoded anyway`,
      pkt,
      sec,
      nsec,
    );
  }

  protected issue(code: DecodeIssueCode, message: string, packet: number, tsSec: number, tsNsec: number, bytes?: number): void {
    const issue: DecodeIssue = bytes === undefined ? { code, message, packet, tsSec, tsNsec } : { code, message, packet, tsSec, tsNsec, bytes };
    this.sink.onIssue(issue);
  }
}
