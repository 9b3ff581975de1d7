/**
 * Records one AMQP connection: runs a frame decoder per direction and the AMQP session over the TCP layer's
 * output, and keeps (1) the facts the diagnosis rules judge (handshake, closes, last payload and frame per side,
 * silences with their TCP evidence, TCP ends) and (2) a bounded timeline of events.
 *
 * Memory per connection is bounded whatever its length: a small connection keeps every event; a large one keeps
 * the first events (the handshake), every notable event with a few events of context on each side, the events
 * around the client's last frame, and the last events before the end.
 */
import { FrameDecoder } from '../amqp/frame-decoder.js';
import { frameFromPayload, type FrameView } from '../amqp/frame-view.js';
import { AmqpSession } from '../amqp/session.js';
import { FRAME_HEADER, FRAME_HEARTBEAT, FRAME_METHOD, type DecodeIssue, type Frame, type FrameSink, type MethodFrame, type ProtocolHeader } from '../amqp/types.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../net/types.js';
import {
  TA_ACK_ADVANCED,
  TA_ANY_RETRANSMISSION,
  TA_DUP_ACK,
  TA_KEEP_ALIVE,
  TA_KEEP_ALIVE_ACK,
  TA_LOST_SEGMENT,
  TA_PURE_ACK,
  TA_WINDOW_FULL,
  TA_WINDOW_UPDATE,
  TA_ZERO_WINDOW,
  TA_ZERO_WINDOW_PROBE,
  TA_ZERO_WINDOW_PROBE_ACK,
  type ConnectionInfo,
  type Dir,
  type EndReason,
  type GapReason,
  type SegmentInfo,
  type StreamHandler,
} from '../tcp/types.js';
import { frameName } from '../amqp/names.js';
import type {
  CloseFrame,
  ConnectionFacts,
  DirectionStats,
  FrameMoment,
  Moment,
  Silence,
  SilenceEvidence,
  TcpEnd,
  TimelineEntry,
} from './types.js';

/** A connection with at most this many events keeps all of them. */
export const FULL_TIMELINE_EVENTS = 600;
const HEAD_EVENTS = 80;
const TAIL_EVENTS = 60;
const CONTEXT_EVENTS = 4;
const AFTER_LAST_CLIENT_FRAME = 40;
const MAX_KEPT_EVENTS = 1500;
/** Silences shorter than this are not recorded at all; the diagnosis filters further against T. */
export const MIN_RECORDED_SILENCE = 1.0;
const MAX_SILENCES = 64;
const MAX_DECODE_PROBLEMS = 200;
const MAX_REDELIVERED_IDENTITIES = 2000;
const MAX_HEARTBEAT_INTERVALS = 64;

/** Payload bytes a ring slot keeps of a frame that came as a view; larger frames are kept as objects. */
const SLOT_BYTES = 128;
/**
 * Basic.Publish and Basic.Ack (class << 16 | method): never notable, no facts of their own in onMethod, so the view
 * path skips building them. If onMethod ever reads them, the reports with and without views differ and
 * test/amqp/frame-view.test.ts (and every fuzz case) fails.
 */
const QUIET_PUBLISH = 0x003c0028;
const QUIET_ACK = 0x003c0050;
const DELIVER = 0x003c003c;

const NOTABLE_ANALYSIS = TA_ANY_RETRANSMISSION | TA_LOST_SEGMENT | TA_ZERO_WINDOW | TA_ZERO_WINDOW_PROBE | TA_KEEP_ALIVE | TA_WINDOW_FULL;

export function newEvidence(): SilenceEvidence {
  return {
    peerPayloadSegments: 0, acksAdvanced: 0, pureAcks: 0, peerRetransmissions: 0, zeroWindows: 0,
    peerKeepAlives: 0, keepAliveAcks: 0, peerHeartbeats: 0, lastAck: null, lastSignOfLife: null,
    peerRetransmissionsUnanswered: 0, peerKeepAlivesUnanswered: 0,
  };
}

/** Clears evidence for reuse; its moments are dropped, not changed (a copy of the evidence may share them). */
export function resetEvidence(e: SilenceEvidence): void {
  // Field by field, as newEvidence() above lists them (Object.assign from a template cost measurably per data
  // segment); test/timeline/recorder-evidence.test.ts checks that a reset equals a new one.
  e.peerPayloadSegments = 0;
  e.acksAdvanced = 0;
  e.pureAcks = 0;
  e.peerRetransmissions = 0;
  e.zeroWindows = 0;
  e.peerKeepAlives = 0;
  e.keepAliveAcks = 0;
  e.peerHeartbeats = 0;
  e.lastAck = null;
  e.lastSignOfLife = null;
  e.peerRetransmissionsUnanswered = 0;
  e.peerKeepAlivesUnanswered = 0;
}

/** A copy that shares nothing mutable with the original (its moments are updated in place). */
function copyEvidence(e: SilenceEvidence): SilenceEvidence {
  return {
    ...e,
    lastAck: e.lastAck === null ? null : moment(e.lastAck.packet, e.lastAck.tsSec, e.lastAck.tsNsec),
    lastSignOfLife: e.lastSignOfLife === null ? null : moment(e.lastSignOfLife.packet, e.lastSignOfLife.tsSec, e.lastSignOfLife.tsNsec),
  };
}

/** `m` moved to the segment's moment, or a new moment if there is none yet. */
function at(m: Moment | null, seg: SegmentInfo): Moment {
  if (m === null) return moment(seg.packet, seg.tsSec, seg.tsNsec);
  m.packet = seg.packet;
  m.tsSec = seg.tsSec;
  m.tsNsec = seg.tsNsec;
  return m;
}

function newStats(): DirectionStats {
  return {
    frames: 0, heartbeats: 0, payloadSegments: 0, payloadBytes: 0, keepAlives: 0, keepAliveAcks: 0, zeroWindows: 0,
    zeroWindowProbes: 0, windowFull: 0, retransmissions: 0, dupAcks: 0, lostSegments: 0, gaps: 0, gapBytes: 0,
    firstZeroWindow: null, lastZeroWindow: null, zeroWindowEpisodes: 0, longestZeroWindow: 0, zeroWindowAtEnd: false,
    keepAlivesIntoZeroWindow: 0,
  };
}

function other(dir: Dir): Dir {
  return dir === 'c2s' ? 's2c' : 'c2s';
}

function moment(packet: number, tsSec: number, tsNsec: number): Moment {
  return { packet, tsSec, tsNsec };
}

function seconds(a: Moment, b: { tsSec: number; tsNsec: number }): number {
  return b.tsSec - a.tsSec + (b.tsNsec - a.tsNsec) / 1e9;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export class ConnectionRecorder implements StreamHandler {
  readonly facts: ConnectionFacts;
  private readonly decoders: Record<Dir, FrameDecoder>;
  private readonly session: AmqpSession;
  private done = false;
  private readonly onDone: (facts: ConnectionFacts) => void;

  // Timeline bookkeeping.
  private ordinal = 0;
  /**
   * Every event while there are at most FULL_TIMELINE_EVENTS: entries, or indexes into `allRaw` for frames that
   * came as views and were not needed as objects so far.
   */
  private all: (TimelineEntry | number)[] | null = [];
  private allRaw: RawEvents | null = null;
  private readonly head: TimelineEntry[] = [];
  /**
   * The last TAIL_EVENTS events. A slot holds an entry, or null for a frame that came as a view: its fields and
   * payload are then in `raw` (allocated once a connection outgrows FULL_TIMELINE_EVENTS) and become an entry only
   * if the event is kept. A busy connection builds no object per frame.
   */
  private readonly ring: (TimelineEntry | null)[] = []; // grows by appending to TAIL_EVENTS slots
  private raw: RawEvents | null = null;
  private ringCount = 0;
  private ringPos = 0;
  private readonly kept = new Map<number, TimelineEntry>();
  private afterNotable = 0;
  /**
   * The client's latest frame, and events around it that left the ring: if that frame turns out to be its last,
   * these rows explain the silence. Events are retained only when the ring evicts them (rarely), so a busy
   * connection pays nothing per frame for this.
   */
  private lastClientOrdinal = -1;
  private readonly aroundLastClient = new Map<number, TimelineEntry>();
  /** The same for events that left the ring as raw slots: copied raw (a busy client's window moves every frame). */
  private aroundRaw: RawEvents | null = null;
  /** Each side's latest frame, updated in place; facts.lastFrame is copied from it when needed. */
  private readonly latestFrame: Record<Dir, FrameMoment> = {
    c2s: { packet: 0, tsSec: 0, tsNsec: 0, type: '', channel: 0 },
    s2c: { packet: 0, tsSec: 0, tsNsec: 0, type: '', channel: 0 },
  };

  // Per-direction bookkeeping.
  private readonly usualTtl: Record<Dir, number> = { c2s: -1, s2c: -1 };
  /** Each side's last advertised window, and since when it has been zero (null: open). */
  private readonly lastWindow: Record<Dir, number> = { c2s: -1, s2c: -1 };
  private readonly zeroWindowSince: Record<Dir, Moment | null> = { c2s: null, s2c: null };
  private lastHeartbeatOnly = -1; // time (s, relative to the connection) of the last S->C heartbeat with no other S->C frame since
  private readonly heartbeatIntervals: number[] = [];
  private lastServerFrameWasHeartbeat = false;
  private readonly originSec: number;
  private readonly originNsec: number;

  /**
   * @param onDone receives the facts once the connection ends.
   * @param onEntry receives every event as it happens (for --frames streaming); the entry may be kept.
   */
  constructor(
    info: ConnectionInfo,
    onDone: (facts: ConnectionFacts) => void,
    private readonly onEntry: ((entry: TimelineEntry) => void) | null = null,
    private readonly frameObjects = false,
  ) {
    this.onDone = onDone;
    this.originSec = info.firstTsSec;
    this.originNsec = info.firstTsNsec;
    const first = moment(info.firstPacket, info.firstTsSec, info.firstTsNsec);
    this.facts = {
      info,
      protocolVersion: null,
      protocolSupported: false,
      notAmqp: false,
      serverSentProtocolHeader: null,
      start: null,
      startOk: null,
      tune: null,
      tuneOk: null,
      openOk: null,
      vhost: null,
      clientProperties: null,
      serverProperties: null,
      inferredHeartbeat: null,
      clientClose: null,
      serverClose: null,
      clientCloseOk: null,
      serverCloseOk: null,
      channelCloses: [],
      blocked: [],
      returns: [],
      consumerCancels: [],
      redeliveries: { count: 0, first: null },
      clientFin: null,
      serverFin: null,
      clientRst: null,
      serverRst: null,
      firstPayload: { c2s: null, s2c: null },
      lastPayload: { c2s: null, s2c: null },
      lastFrame: { c2s: null, s2c: null },
      trailing: { c2s: newEvidence(), s2c: newEvidence() },
      atFirstEnd: null,
      silences: [],
      stats: { c2s: newStats(), s2c: newStats() },
      decodeProblems: [],
      unacked: { count: 0, identities: [], oldest: null },
      redeliveredIdentities: [],
      lastPacket: first,
      endedBy: 'capture-end',
      timeline: [],
      eventCount: 0,
    };
    this.session = new AmqpSession({
      onRedelivered: (identity: string, at: Moment) => this.onRedelivered(identity, at),
    });
    this.decoders = {
      c2s: new FrameDecoder(this.sinkFor('c2s'), { expectProtocolHeader: true }),
      s2c: new FrameDecoder(this.sinkFor('s2c'), { expectProtocolHeader: false }),
    };
  }

  // ---- StreamHandler -------------------------------------------------------------------------------------------

  onSegment(seg: SegmentInfo): void {
    const f = this.facts;
    const dir = seg.dir;
    const peer = other(dir);
    const st = f.stats[dir];
    const a = seg.analysis;
    // Updated in place: nothing keeps this object before the connection ends.
    const lastPacket = f.lastPacket;
    lastPacket.packet = seg.packet;
    lastPacket.tsSec = seg.tsSec;
    lastPacket.tsNsec = seg.tsNsec;

    const flags = seg.tcpFlags;
    // Freeze the per-side state just before the first FIN or RST changes it.
    if ((flags & (TCP_FIN | TCP_RST)) !== 0 && f.atFirstEnd === null) this.takeEndSnapshot();
    if ((flags & TCP_RST) === 0) this.usualTtl[dir] = seg.ttl;

    // Payload that moves the stream forward counts as activity (RabbitMQ's receiver counts received bytes).
    const isActivity = seg.payloadLength > 0 && (a & (TA_KEEP_ALIVE | TA_ZERO_WINDOW_PROBE | TA_ANY_RETRANSMISSION)) === 0;
    if (isActivity) {
      st.payloadSegments++;
      st.payloadBytes += seg.payloadLength;
      const now = moment(seg.packet, seg.tsSec, seg.tsNsec);
      const last = f.lastPayload[dir];
      let recorded = false;
      if (last !== null) {
        const gap = seconds(last, now);
        if (gap >= MIN_RECORDED_SILENCE) {
          this.recordSilence({ dir, from: last, to: now, duration: gap, evidence: f.trailing[dir] });
          recorded = true;
        }
      }
      if (f.firstPayload[dir] === null) f.firstPayload[dir] = now;
      f.lastPayload[dir] = now;
      // A recorded silence keeps its evidence; otherwise the object is reused (no allocation per data segment).
      if (recorded) f.trailing[dir] = newEvidence();
      else resetEvidence(f.trailing[dir]);
      f.trailing[peer].peerPayloadSegments++;
    }
    const silentSelf = f.trailing[dir];
    const silentPeer = f.trailing[peer];
    // Any segment proves this side's kernel is alive: the peer's earlier probes and retransmissions were answered.
    // The evidence's moments are updated in place: only recorded silences (whose evidence is never touched again)
    // and the end snapshot (which copies them) keep them.
    silentSelf.lastSignOfLife = at(silentSelf.lastSignOfLife, seg);
    silentSelf.peerRetransmissionsUnanswered = 0;
    silentSelf.peerKeepAlivesUnanswered = 0;
    if ((a & TA_ANY_RETRANSMISSION) !== 0) {
      st.retransmissions++;
      silentPeer.peerRetransmissions++;
      silentPeer.peerRetransmissionsUnanswered++;
    }
    if ((a & TA_ACK_ADVANCED) !== 0) {
      silentSelf.acksAdvanced++;
      silentSelf.lastAck = at(silentSelf.lastAck, seg);
    }
    if ((a & TA_PURE_ACK) !== 0) silentSelf.pureAcks++;
    if ((a & TA_ZERO_WINDOW) !== 0) {
      st.zeroWindows++;
      silentSelf.zeroWindows++;
      const m = moment(seg.packet, seg.tsSec, seg.tsNsec);
      if (st.firstZeroWindow === null) st.firstZeroWindow = m;
      st.lastZeroWindow = m;
      if (this.zeroWindowSince[dir] === null) {
        this.zeroWindowSince[dir] = m;
        st.zeroWindowEpisodes++;
      }
    } else if ((flags & (TCP_SYN | TCP_RST)) === 0 && seg.window > 0) {
      if (this.zeroWindowSince[dir] !== null) this.closeZeroWindow(dir, moment(seg.packet, seg.tsSec, seg.tsNsec));
    }
    if ((flags & (TCP_SYN | TCP_RST)) === 0) this.lastWindow[dir] = seg.window;
    if ((a & TA_KEEP_ALIVE) !== 0) {
      st.keepAlives++;
      if (this.lastWindow[peer] === 0) {
        st.keepAlivesIntoZeroWindow++;
      } else {
        silentPeer.peerKeepAlives++;
        silentPeer.peerKeepAlivesUnanswered++;
      }
    }
    if ((a & TA_KEEP_ALIVE_ACK) !== 0) {
      st.keepAliveAcks++;
      silentSelf.keepAliveAcks++;
    }
    if ((a & TA_ZERO_WINDOW_PROBE) !== 0) st.zeroWindowProbes++;
    if ((a & TA_WINDOW_FULL) !== 0) st.windowFull++;
    if ((a & TA_DUP_ACK) !== 0) st.dupAcks++;
    if ((a & TA_LOST_SEGMENT) !== 0) st.lostSegments++;

    if ((flags & TCP_FIN) !== 0) {
      const end = this.tcpEnd(seg);
      if (dir === 'c2s') f.clientFin ??= end;
      else f.serverFin ??= end;
    }
    if ((flags & TCP_RST) !== 0) {
      const end = this.tcpEnd(seg);
      if (dir === 'c2s') f.clientRst ??= end;
      else f.serverRst ??= end;
    }

    // Timeline: segments that say something at TCP level. Data segments show up through their frames.
    const type = tcpEventType(flags, a, seg.payloadLength);
    if (type === null) return;
    const notable = (flags & (TCP_SYN | TCP_FIN | TCP_RST)) !== 0 || (a & NOTABLE_ANALYSIS) !== 0;
    if (this.needsEntry(notable)) {
      this.addEvent(
        {
          ordinal: 0, packet: seg.packet, tsSec: seg.tsSec, tsNsec: seg.tsNsec, dir, kind: 'tcp', type,
          tcpFlags: flags, analysis: a, window: seg.window, payloadLength: seg.payloadLength,
        },
        notable,
      );
      return;
    }
    // Not kept (yet): raw, like the frames that come as views (a busy connection's ACKs build no objects).
    const ordinal = this.ordinal++;
    const log = this.rawLog();
    if (log !== null) {
      const j = log.append();
      log.putTcp(j, dir, seg, type, ordinal);
      this.addToAll(j);
    }
    this.rawRing().putTcp(this.rawRingSlot(), dir, seg, type, ordinal);
  }

  onData(dir: Dir, bytes: Uint8Array, packet: number, tsSec: number, tsNsec: number): void {
    this.decoders[dir].push(bytes, packet, tsSec, tsNsec);
  }

  onGap(dir: Dir, length: number, reason: GapReason, packet: number, tsSec: number, tsNsec: number): void {
    const st = this.facts.stats[dir];
    st.gaps++;
    st.gapBytes += length;
    this.session.onGap(dir);
    this.decoders[dir].gap(length, packet, tsSec, tsNsec);
    void reason;
  }

  onEnd(reason: EndReason): void {
    if (this.done) return;
    this.done = true;
    const f = this.facts;
    for (const dir of ['c2s', 's2c'] as const) {
      if (this.zeroWindowSince[dir] !== null) {
        f.stats[dir].zeroWindowAtEnd = true;
        this.closeZeroWindow(dir, f.lastPacket);
      }
    }
    f.endedBy = reason === 'capture-end' && f.clientRst === null && f.serverRst === null && (f.clientFin === null || f.serverFin === null) ? 'capture-end' : 'closed';
    // The silence still running at the end is evidence too (often the decisive one).
    for (const dir of ['c2s', 's2c'] as const) {
      const last = f.lastPayload[dir];
      if (last !== null) {
        const gap = seconds(last, f.lastPacket);
        if (gap >= MIN_RECORDED_SILENCE) this.recordSilence({ dir, from: last, to: null, duration: gap, evidence: f.trailing[dir] });
      }
    }
    f.silences.sort((x, y) => x.from.packet - y.from.packet);
    if (f.tuneOk === null && this.heartbeatIntervals.length >= 2) {
      const sorted = [...this.heartbeatIntervals].sort((x, y) => x - y);
      const median = sorted[sorted.length >> 1]!;
      const t = Math.round(median * 2);
      if (t > 0) f.inferredHeartbeat = t;
    }
    this.session.finish(); // messages cut off by the end of the connection still count
    const unacked = this.session.unacked();
    f.unacked = {
      count: unacked.length,
      identities: unacked.slice(0, MAX_REDELIVERED_IDENTITIES).flatMap((u) => (u.identity !== null ? [u.identity] : [])),
      oldest: unacked.length > 0 ? moment(unacked[0]!.packet, unacked[0]!.tsSec, unacked[0]!.tsNsec) : null,
    };
    f.clientProperties = this.session.clientProperties ?? f.clientProperties;
    f.serverProperties = this.session.serverProperties ?? f.serverProperties;
    f.lastFrame = { c2s: this.frameMoment('c2s'), s2c: this.frameMoment('s2c') };
    f.eventCount = this.ordinal;
    f.timeline = this.buildTimeline();
    this.onDone(f);
  }

  // ---- AMQP ----------------------------------------------------------------------------------------------------

  private sinkFor(dir: Dir): FrameSink {
    const sink: FrameSink = {
      onProtocolHeader: (h: ProtocolHeader) => this.onProtocolHeader(dir, h),
      onFrame: (frame: Frame) => this.onFrame(dir, frame),
      onBodyData: (channel: number, bytes: Uint8Array, start: number, end: number) => this.session.onBodyData(dir, channel, bytes, start, end),
      onIssue: (issue: DecodeIssue) => this.onIssue(dir, issue),
    };
    // --frames streams every event as an object anyway: views would only be built into objects at once.
    if (!this.frameObjects && this.onEntry === null) sink.onView = (view: FrameView) => this.onView(dir, view);
    return sink;
  }

  private onProtocolHeader(dir: Dir, h: ProtocolHeader): void {
    const f = this.facts;
    if (dir === 'c2s') {
      if (f.protocolVersion === null) {
        f.protocolVersion = h.version;
        f.protocolSupported = h.supported;
      }
    } else {
      f.serverSentProtocolHeader ??= moment(h.packet, h.tsSec, h.tsNsec);
    }
    this.addEvent(
      { ordinal: 0, packet: h.packet, tsSec: h.tsSec, tsNsec: h.tsNsec, dir, kind: 'amqp', type: `Protocol-Header ${h.version}` },
      true,
    );
  }

  private onIssue(dir: Dir, issue: DecodeIssue): void {
    const f = this.facts;
    if (issue.code === 'not-amqp' && dir === 'c2s') f.notAmqp = true;
    if (f.decodeProblems.length < MAX_DECODE_PROBLEMS) {
      const p = { dir, code: issue.code, message: issue.message, packet: issue.packet, tsSec: issue.tsSec, tsNsec: issue.tsNsec };
      f.decodeProblems.push(issue.bytes !== undefined ? { ...p, bytes: issue.bytes } : p);
    }
  }

  private onFrame(dir: Dir, frame: Frame): void {
    this.session.onFrame(dir, frame);
    const type = frameName(frame);
    this.noteFrame(dir, frame.kind === 'heartbeat', frame.packet, frame.tsSec, frame.tsNsec, type, frame.channel);
    const notable = frame.kind === 'method' && this.onMethod(dir, frame);
    const entry = frameEntry(dir, type, frame);
    this.addEvent(entry, notable);
    this.noteClientFrame(dir, entry.ordinal);
  }

  /**
   * A frame that came as the decoder's view: the same facts and event as `onFrame(dir, view.frame())`, without
   * building the frame unless a fact or a kept row needs it; otherwise the event is stored raw (RawEvents).
   * --frames streaming never gets here: it needs every event as an object anyway (see sinkFor).
   */
  private onView(dir: Dir, v: FrameView): void {
    this.session.onView(dir, v);
    this.noteFrame(dir, v.type === FRAME_HEARTBEAT, v.packet, v.tsSec, v.tsNsec, v.name, v.channel);
    let notable = false;
    if (v.type === FRAME_METHOD) {
      const key = v.classId * 0x10000 + v.methodId;
      // A Basic.Deliver matters here only when redelivered (its bit follows consumer-tag and delivery-tag).
      const quiet = key === QUIET_PUBLISH || key === QUIET_ACK || (key === DELIVER && (v.octet(v.afterShortstr(4) + 8) & 1) === 0);
      if (!quiet) notable = this.onMethod(dir, v.frame() as MethodFrame);
    }
    let ordinal: number;
    if (this.needsEntry(notable) || ((v.type === FRAME_METHOD || v.type === FRAME_HEADER) && v.end - v.start > SLOT_BYTES)) {
      const entry = frameEntry(dir, v.name, v.frame());
      this.addEvent(entry, notable);
      ordinal = entry.ordinal;
    } else {
      ordinal = this.ordinal++;
      const log = this.rawLog();
      if (log !== null) {
        const j = log.append();
        log.put(j, dir, v, ordinal);
        this.addToAll(j);
      }
      this.rawRing().put(this.rawRingSlot(), dir, v, ordinal);
    }
    this.noteClientFrame(dir, ordinal);
  }

  /** Per-frame facts common to both paths: counts, each side's latest frame, the broker's heartbeat rhythm. */
  private noteFrame(dir: Dir, heartbeat: boolean, packet: number, tsSec: number, tsNsec: number, type: string, channel: number): void {
    const f = this.facts;
    const st = f.stats[dir];
    st.frames++;
    this.noteLatest(dir, packet, tsSec, tsNsec, type, channel);
    if (heartbeat) {
      st.heartbeats++;
      f.trailing[other(dir)].peerHeartbeats++;
      if (dir === 's2c') this.noteServerHeartbeat(tsSec, tsNsec);
    } else if (dir === 's2c') {
      this.lastServerFrameWasHeartbeat = false;
    }
  }

  /** A client frame moves the window of events kept around the client's last frame. */
  private noteClientFrame(dir: Dir, ordinal: number): void {
    if (dir !== 'c2s') return;
    this.lastClientOrdinal = ordinal;
    this.clearAroundLastClient();
  }

  /** Whether the next event must be an entry now: streamed, in the head, or kept as or beside a notable one. */
  private needsEntry(notable: boolean): boolean {
    return this.onEntry !== null || this.head.length < HEAD_EVENTS || ((notable || this.afterNotable > 0) && this.kept.size < MAX_KEPT_EVENTS);
  }

  /** The log of every event while the connection is small enough to keep them all; null after. */
  private rawLog(): RawEvents | null {
    return this.all === null ? null : (this.allRaw ??= new RawEvents(64, true));
  }

  private rawRing(): RawEvents {
    return (this.raw ??= new RawEvents(TAIL_EVENTS, false));
  }

  /** The ring slot for the next raw event (an entry it held is dropped). */
  private rawRingSlot(): number {
    const i = this.ringNext();
    this.ring[i] = null;
    return i;
  }

  private clearAroundLastClient(): void {
    if (this.aroundLastClient.size > 0) this.aroundLastClient.clear();
    if (this.aroundRaw !== null) this.aroundRaw.count = 0;
  }

  private noteLatest(dir: Dir, packet: number, tsSec: number, tsNsec: number, type: string, channel: number): void {
    const l = this.latestFrame[dir];
    l.packet = packet;
    l.tsSec = tsSec;
    l.tsNsec = tsNsec;
    l.type = type;
    l.channel = channel;
  }

  private frameMoment(dir: Dir): FrameMoment | null {
    const l = this.latestFrame[dir];
    return l.type === '' ? null : { packet: l.packet, tsSec: l.tsSec, tsNsec: l.tsNsec, type: l.type, channel: l.channel };
  }

  /** Idle broker heartbeats come every T/2: their spacing gives T when the handshake was not captured. */
  private noteServerHeartbeat(tsSec: number, tsNsec: number): void {
    const t = tsSec - this.originSec + (tsNsec - this.originNsec) / 1e9;
    if (this.lastServerFrameWasHeartbeat && this.lastHeartbeatOnly >= 0 && this.heartbeatIntervals.length < MAX_HEARTBEAT_INTERVALS) {
      this.heartbeatIntervals.push(t - this.lastHeartbeatOnly);
    }
    this.lastHeartbeatOnly = t;
    this.lastServerFrameWasHeartbeat = true;
  }

  /** Facts from method frames. Returns whether the frame is notable. */
  private onMethod(dir: Dir, m: MethodFrame): boolean {
    const f = this.facts;
    const at = moment(m.packet, m.tsSec, m.tsNsec);
    const args = m.args;
    switch (m.name) {
      case 'Connection.Start':
        f.start ??= at;
        return true;
      case 'Connection.Start-Ok':
        f.startOk ??= at;
        return true;
      case 'Connection.Tune':
        f.tune ??= { ...at, heartbeat: num(args['heartbeat']), frameMax: num(args['frame-max']), channelMax: num(args['channel-max']) };
        return true;
      case 'Connection.Tune-Ok': {
        const frameMax = num(args['frame-max']);
        f.tuneOk ??= { ...at, heartbeat: num(args['heartbeat']), frameMax, channelMax: num(args['channel-max']) };
        if (frameMax > 0) {
          this.decoders.c2s.setFrameMax(frameMax);
          this.decoders.s2c.setFrameMax(frameMax);
        }
        return true;
      }
      case 'Connection.Open':
        f.vhost ??= str(args['virtual-host']);
        return true;
      case 'Connection.Open-Ok':
        f.openOk ??= at;
        return true;
      case 'Connection.Close': {
        const close: CloseFrame = {
          ...at, replyCode: num(args['reply-code']), replyText: str(args['reply-text']), classId: num(args['class-id']), methodId: num(args['method-id']),
        };
        if (dir === 'c2s') f.clientClose ??= close;
        else f.serverClose ??= close;
        return true;
      }
      case 'Connection.Close-Ok':
        if (dir === 'c2s') f.clientCloseOk ??= at;
        else f.serverCloseOk ??= at;
        return true;
      case 'Connection.Blocked':
        if (dir === 's2c') f.blocked.push({ blocked: { ...at, reason: str(args['reason']) }, unblocked: null });
        return true;
      case 'Connection.Unblocked': {
        const open = f.blocked.find((b) => b.unblocked === null);
        if (open !== undefined) open.unblocked = at;
        return true;
      }
      case 'Channel.Close':
        f.channelCloses.push({
          ...at, dir, channel: m.channel, replyCode: num(args['reply-code']), replyText: str(args['reply-text']),
          classId: num(args['class-id']), methodId: num(args['method-id']),
        });
        return true;
      case 'Basic.Return':
        if (f.returns.length < MAX_DECODE_PROBLEMS) {
          f.returns.push({ ...at, replyCode: num(args['reply-code']), replyText: str(args['reply-text']), exchange: str(args['exchange']), routingKey: str(args['routing-key']) });
        }
        return true;
      case 'Basic.Cancel':
        if (dir === 's2c') f.consumerCancels.push({ ...at, consumerTag: str(args['consumer-tag']) });
        return true;
      case 'Basic.Deliver':
      case 'Basic.Get-Ok':
        if (args['redelivered'] === true) {
          f.redeliveries.count++;
          f.redeliveries.first ??= at;
          return f.redeliveries.count <= 20;
        }
        return false;
      case 'Channel.Close-Ok':
      case 'Channel.Flow':
      case 'Basic.Recover':
      case 'Basic.Recover-Async':
      case 'Connection.Update-Secret':
        return true;
      default:
        return false;
    }
  }

  private onRedelivered(identity: string, at: Moment): void {
    const f = this.facts;
    if (f.redeliveredIdentities.length < MAX_REDELIVERED_IDENTITIES) {
      f.redeliveredIdentities.push({ identity, moment: moment(at.packet, at.tsSec, at.tsNsec) });
    }
  }

  // ---- facts helpers -------------------------------------------------------------------------------------------

  private closeZeroWindow(dir: Dir, at: Moment): void {
    const since = this.zeroWindowSince[dir];
    if (since === null) return;
    this.zeroWindowSince[dir] = null;
    const st = this.facts.stats[dir];
    st.longestZeroWindow = Math.max(st.longestZeroWindow, seconds(since, at));
  }

  /** Freeze each side's last payload, last frame and silence evidence as they stood before the first FIN or RST. */
  private takeEndSnapshot(): void {
    const f = this.facts;
    f.atFirstEnd = {
      lastPayload: { ...f.lastPayload },
      lastFrame: { c2s: this.frameMoment('c2s'), s2c: this.frameMoment('s2c') },
      trailing: { c2s: copyEvidence(f.trailing.c2s), s2c: copyEvidence(f.trailing.s2c) },
    };
  }

  private tcpEnd(seg: SegmentInfo): TcpEnd {
    return { packet: seg.packet, tsSec: seg.tsSec, tsNsec: seg.tsNsec, ttl: seg.ttl, usualTtl: this.usualTtl[seg.dir] };
  }

  private recordSilence(s: Silence): void {
    const list = this.facts.silences;
    list.push(s);
    if (list.length > MAX_SILENCES) {
      // Keep the longest: drop the shortest one.
      let shortest = 0;
      for (let i = 1; i < list.length; i++) if (list[i]!.duration < list[shortest]!.duration) shortest = i;
      list.splice(shortest, 1);
    }
  }

  // ---- timeline ------------------------------------------------------------------------------------------------

  private addEvent(e: TimelineEntry, notable: boolean): void {
    e.ordinal = this.ordinal++;
    if (this.onEntry !== null) this.onEntry(e);
    this.addToAll(e);
    if (this.head.length < HEAD_EVENTS) this.head.push(e);
    this.keep(e, notable);
    this.ringPut(e);
  }

  private addToAll(e: TimelineEntry | number): void {
    if (this.all === null) return;
    this.all.push(e);
    if (this.all.length > FULL_TIMELINE_EVENTS) {
      this.all = null;
      this.allRaw = null;
    }
  }

  /** Notable events are kept with CONTEXT_EVENTS events on each side. */
  private keep(e: TimelineEntry, notable: boolean): void {
    if (notable && this.kept.size < MAX_KEPT_EVENTS) {
      for (const r of this.recentEvents(CONTEXT_EVENTS)) this.kept.set(r.ordinal, r);
      this.kept.set(e.ordinal, e);
      this.afterNotable = CONTEXT_EVENTS;
    } else if (this.afterNotable > 0 && this.kept.size < MAX_KEPT_EVENTS) {
      this.kept.set(e.ordinal, e);
      this.afterNotable--;
    }
  }

  /** The ring slot for the next event, after evicting its oldest one. */
  private ringNext(): number {
    const i = this.ringPos;
    if (this.ringCount < TAIL_EVENTS) {
      this.ringCount++;
    } else {
      const ordinal = this.slotOrdinal(i);
      const sinceClient = ordinal - this.lastClientOrdinal;
      if (this.lastClientOrdinal >= 0 && sinceClient >= -CONTEXT_EVENTS && sinceClient <= AFTER_LAST_CLIENT_FRAME) {
        const e = this.ring[i];
        if (e !== null && e !== undefined) this.aroundLastClient.set(ordinal, e);
        else (this.aroundRaw ??= new RawEvents(CONTEXT_EVENTS + AFTER_LAST_CLIENT_FRAME + 1, false)).copy(this.raw as RawEvents, i);
      }
    }
    this.ringPos = (i + 1) % TAIL_EVENTS;
    return i;
  }

  private ringPut(e: TimelineEntry): void {
    this.ring[this.ringNext()] = e;
  }

  private slotOrdinal(i: number): number {
    const e = this.ring[i];
    return e !== null && e !== undefined ? e.ordinal : (this.raw as RawEvents).ordinal[i] as number;
  }

  /** The event in ring slot i, built from its raw fields the first time it is needed. */
  private slotEvent(i: number): TimelineEntry {
    const e = this.ring[i];
    if (e !== null && e !== undefined) return e;
    const built = (this.raw as RawEvents).entry(i);
    this.ring[i] = built;
    return built;
  }

  /** The last `n` events, oldest first. */
  private recentEvents(n: number): TimelineEntry[] {
    const count = Math.min(n, this.ringCount);
    const out: TimelineEntry[] = [];
    // The newest `count` events sit just before ringPos, modulo the ring size.
    for (let i = 0; i < count; i++) out.push(this.slotEvent((this.ringPos - count + i + TAIL_EVENTS) % TAIL_EVENTS));
    return out;
  }

  private buildTimeline(): TimelineEntry[] {
    let events: TimelineEntry[];
    if (this.all !== null) {
      const log = this.allRaw;
      events = this.all.map((e) => (typeof e === 'number' ? (log as RawEvents).entry(e) : e));
    } else {
      const byOrdinal = new Map<number, TimelineEntry>();
      for (const list of [this.head, this.kept.values(), this.aroundLastClient.values()]) {
        for (const e of list) byOrdinal.set(e.ordinal, e);
      }
      for (let i = 0; i < this.ringCount; i++) {
        const e = this.slotEvent(i);
        byOrdinal.set(e.ordinal, e);
      }
      const around = this.aroundRaw;
      for (let i = 0; around !== null && i < around.count; i++) {
        const e = around.entry(i);
        byOrdinal.set(e.ordinal, e);
      }
      events = [...byOrdinal.values()].sort((x, y) => x.ordinal - y.ordinal);
    }
    // Bytes held out of order are delivered later than their packet: keep the rows in packet order.
    events.sort((x, y) => x.packet - y.packet || x.ordinal - y.ordinal);
    const out: TimelineEntry[] = [];
    let expected = 0;
    for (const e of events) {
      if (e.ordinal > expected && this.all === null) {
        out.push({ ordinal: expected, packet: e.packet, tsSec: e.tsSec, tsNsec: e.tsNsec, dir: e.dir, kind: 'elided', type: 'elided', elided: e.ordinal - expected });
      }
      out.push(e);
      expected = Math.max(expected, e.ordinal + 1);
    }
    if (this.all === null && expected < this.ordinal) {
      const last = this.facts.lastPacket;
      out.push({ ordinal: expected, packet: last.packet, tsSec: last.tsSec, tsNsec: last.tsNsec, dir: 'c2s', kind: 'elided', type: 'elided', elided: this.ordinal - expected });
    }
    return out;
  }
}

/** A frame's timeline row (its ordinal set when it is added). */
function frameEntry(dir: Dir, type: string, frame: Frame): TimelineEntry {
  return { ordinal: 0, packet: frame.packet, tsSec: frame.tsSec, tsNsec: frame.tsNsec, dir, kind: 'amqp', type, channel: frame.channel, frame };
}

/** The event a segment stands for in the timeline, or null for plain data segments (their frames speak). */
function tcpEventType(flags: number, a: number, payloadLength: number): string | null {
  if ((flags & TCP_SYN) !== 0) return (flags & TCP_ACK) !== 0 ? 'SYN-ACK' : 'SYN';
  if ((flags & TCP_RST) !== 0) return 'RST';
  if ((flags & TCP_FIN) !== 0) return 'FIN';
  if ((a & TA_ZERO_WINDOW_PROBE) !== 0) return 'ZeroWindowProbe';
  if ((a & TA_ZERO_WINDOW_PROBE_ACK) !== 0) return 'ZeroWindowProbeAck';
  if ((a & TA_KEEP_ALIVE) !== 0) return 'Keep-Alive';
  if ((a & TA_KEEP_ALIVE_ACK) !== 0) return 'Keep-Alive ACK';
  if ((a & TA_ANY_RETRANSMISSION) !== 0) return 'Retransmission';
  if ((a & TA_ZERO_WINDOW) !== 0) return 'ZeroWindow';
  if ((a & TA_LOST_SEGMENT) !== 0) return 'Previous segment not captured';
  if ((a & TA_WINDOW_FULL) !== 0) return 'Window Full';
  if (payloadLength > 0) return null;
  if ((a & TA_DUP_ACK) !== 0) return 'Dup ACK';
  if ((a & TA_WINDOW_UPDATE) !== 0) return 'Window Update';
  if ((a & TA_PURE_ACK) !== 0) return 'ACK';
  return null;
}

/**
 * Events not (yet) needed as objects: frames that came as views (raw fields and a copy of their payload) and TCP
 * events (their fields), in typed arrays (struct of arrays: no object per event), built into entries when needed. Two uses: the ring (fixed slots of SLOT_BYTES payload each, `put`)
 * and the log of every event of a small connection (growing, payloads appended, `add`).
 */
class RawEvents {
  ordinal: Float64Array;
  packet: Float64Array;
  tsSec: Float64Array;
  tsNsec: Float64Array;
  size: Float64Array;
  firstPacket: Float64Array;
  channel: Uint16Array;
  type: Uint8Array;
  s2c: Uint8Array;
  payloadAt: Uint32Array;
  payloadLength: Uint16Array;
  bytes: Uint8Array;
  /** TCP events: their type (null for a frame), flags, analysis bits and window; `size` is their payload length. */
  tcpType: (string | null)[];
  tcpFlags: Uint8Array;
  analysis: Uint32Array;
  window: Float64Array;
  count = 0;
  private bytesUsed = 0;

  constructor(
    private capacity: number,
    private readonly growable: boolean,
  ) {
    this.ordinal = new Float64Array(capacity);
    this.packet = new Float64Array(capacity);
    this.tsSec = new Float64Array(capacity);
    this.tsNsec = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.firstPacket = new Float64Array(capacity);
    this.channel = new Uint16Array(capacity);
    this.type = new Uint8Array(capacity);
    this.s2c = new Uint8Array(capacity);
    this.payloadAt = new Uint32Array(capacity);
    this.payloadLength = new Uint16Array(capacity);
    this.bytes = new Uint8Array(growable ? capacity * 32 : capacity * SLOT_BYTES);
    this.tcpType = new Array<string | null>(capacity).fill(null);
    this.tcpFlags = new Uint8Array(capacity);
    this.analysis = new Uint32Array(capacity);
    this.window = new Float64Array(capacity);
  }

  /** The index of a new event at the end (growable log); fill it with put or putTcp. */
  append(): number {
    if (this.count === this.capacity) this.grow();
    return this.count++;
  }

  /** Writes a TCP event into slot i. */
  putTcp(i: number, dir: Dir, seg: SegmentInfo, type: string, ordinal: number): void {
    this.ordinal[i] = ordinal;
    this.packet[i] = seg.packet;
    this.tsSec[i] = seg.tsSec;
    this.tsNsec[i] = seg.tsNsec;
    this.size[i] = seg.payloadLength;
    this.s2c[i] = dir === 's2c' ? 1 : 0;
    this.tcpType[i] = type;
    this.tcpFlags[i] = seg.tcpFlags;
    this.analysis[i] = seg.analysis;
    this.window[i] = seg.window;
    this.payloadLength[i] = 0;
  }

  /** Writes an event into slot i (ring), or at the end (log). */
  put(i: number, dir: Dir, v: FrameView, ordinal: number): void {
    this.tcpType[i] = null;
    this.ordinal[i] = ordinal;
    this.packet[i] = v.packet;
    this.tsSec[i] = v.tsSec;
    this.tsNsec[i] = v.tsNsec;
    this.size[i] = v.size;
    this.firstPacket[i] = v.firstPacket;
    this.channel[i] = v.channel;
    this.type[i] = v.type;
    this.s2c[i] = dir === 's2c' ? 1 : 0;
    // Bodies and heartbeats are described by their size alone; methods and headers by their payload.
    const n = v.type === FRAME_METHOD || v.type === FRAME_HEADER ? v.end - v.start : 0;
    // Room is reserved in whole words: the copy below moves 4 bytes a step (2-3x faster than a byte loop over a
    // Buffer-or-Uint8Array source), and the 0-3 bytes past the payload are never read.
    const room = (n + 3) & ~3;
    let at: number;
    if (this.growable) {
      at = this.bytesUsed;
      if (at + room > this.bytes.length) {
        const next = new Uint8Array(Math.max(this.bytes.length * 2, at + room));
        next.set(this.bytes.subarray(0, at));
        this.bytes = next;
      }
      this.bytesUsed = at + room;
    } else {
      at = i * SLOT_BYTES; // SLOT_BYTES is a multiple of 4, and n <= SLOT_BYTES here
    }
    this.payloadAt[i] = at;
    this.payloadLength[i] = n;
    const src = v.bytes;
    const from = v.start;
    const dst = this.bytes;
    for (let k = 0; k < room; k += 4) {
      dst[at + k] = src[from + k] as number;
      dst[at + k + 1] = src[from + k + 1] as number;
      dst[at + k + 2] = src[from + k + 2] as number;
      dst[at + k + 3] = src[from + k + 3] as number;
    }
  }

  /** Appends a copy of `src`'s event i (fixed slots; the caller bounds how many, and a surplus is dropped). */
  copy(src: RawEvents, i: number): void {
    if (this.count === this.capacity) return;
    const j = this.count++;
    this.ordinal[j] = src.ordinal[i] as number;
    this.packet[j] = src.packet[i] as number;
    this.tsSec[j] = src.tsSec[i] as number;
    this.tsNsec[j] = src.tsNsec[i] as number;
    this.size[j] = src.size[i] as number;
    this.firstPacket[j] = src.firstPacket[i] as number;
    this.channel[j] = src.channel[i] as number;
    this.type[j] = src.type[i] as number;
    this.s2c[j] = src.s2c[i] as number;
    this.tcpType[j] = src.tcpType[i] ?? null;
    this.tcpFlags[j] = src.tcpFlags[i] as number;
    this.analysis[j] = src.analysis[i] as number;
    this.window[j] = src.window[i] as number;
    const n = src.payloadLength[i] as number;
    const at = j * SLOT_BYTES;
    this.payloadAt[j] = at;
    this.payloadLength[j] = n;
    const from = src.payloadAt[i] as number;
    const s = src.bytes;
    const d = this.bytes;
    for (let k = 0; k < n; k++) d[at + k] = s[from + k] as number;
  }

  /** The timeline entry of event i. */
  entry(i: number): TimelineEntry {
    const tcpType = this.tcpType[i];
    if (tcpType !== null && tcpType !== undefined) {
      return {
        ordinal: this.ordinal[i] as number, packet: this.packet[i] as number, tsSec: this.tsSec[i] as number, tsNsec: this.tsNsec[i] as number,
        dir: this.s2c[i] === 1 ? 's2c' : 'c2s', kind: 'tcp', type: tcpType, tcpFlags: this.tcpFlags[i] as number,
        analysis: this.analysis[i] as number, window: this.window[i] as number, payloadLength: this.size[i] as number,
      };
    }
    const at = this.payloadAt[i] as number;
    const frame = frameFromPayload(
      this.type[i] as number, this.channel[i] as number, this.size[i] as number, this.packet[i] as number, this.tsSec[i] as number,
      this.tsNsec[i] as number, this.firstPacket[i] as number, this.bytes, at, at + (this.payloadLength[i] as number),
    );
    const e = frameEntry(this.s2c[i] === 1 ? 's2c' : 'c2s', frameName(frame), frame);
    e.ordinal = this.ordinal[i] as number;
    return e;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    this.ordinal = grown(this.ordinal, new Float64Array(cap));
    this.packet = grown(this.packet, new Float64Array(cap));
    this.tsSec = grown(this.tsSec, new Float64Array(cap));
    this.tsNsec = grown(this.tsNsec, new Float64Array(cap));
    this.size = grown(this.size, new Float64Array(cap));
    this.firstPacket = grown(this.firstPacket, new Float64Array(cap));
    this.channel = grown(this.channel, new Uint16Array(cap));
    this.type = grown(this.type, new Uint8Array(cap));
    this.s2c = grown(this.s2c, new Uint8Array(cap));
    this.payloadAt = grown(this.payloadAt, new Uint32Array(cap));
    this.payloadLength = grown(this.payloadLength, new Uint16Array(cap));
    this.tcpFlags = grown(this.tcpFlags, new Uint8Array(cap));
    this.analysis = grown(this.analysis, new Uint32Array(cap));
    this.window = grown(this.window, new Float64Array(cap));
    for (let i = this.capacity; i < cap; i++) this.tcpType.push(null);
    this.capacity = cap;
  }
}

/** `to`, holding `from`'s values at its start. */
function grown<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
