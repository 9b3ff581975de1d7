/**
 * Records one AMQP connection: runs a frame decoder per direction and the AMQP session over the TCP layer's
 * output, and keeps (1) the facts the diagnosis rules judge (handshake, closes, last payload and frame per side,
 * silences with their TCP evidence, TCP ends) and (2) a bounded timeline of events.
 *
 * The work is shared out by responsibility: TCP segment facts and silence evidence (tcp-facts.ts,
 * silence-evidence.ts), what every frame notes (frame-facts.ts), method facts (method-facts.ts), and the bounded
 * selection of timeline events (selection.ts over raw-events.ts). This module wires them to the decoders and the
 * session, for frames built as objects and frames that come as views alike.
 */
import { FrameDecoder } from '../amqp/frame-decoder.js';
import type { FrameView } from '../amqp/frame-view.js';
import { AmqpSession } from '../amqp/session.js';
import { FRAME_HEADER, FRAME_HEARTBEAT, FRAME_METHOD, type DecodeIssue, type Frame, type FrameSink, type MethodFrame, type ProtocolHeader } from '../amqp/types.js';
import { TCP_FIN, TCP_RST, TCP_SYN } from '../net/types.js';
import type { ConnectionInfo, Dir, EndReason, GapReason, SegmentInfo, StreamHandler } from '../tcp/types.js';
import type { TlsEvent, TlsFacts, TlsObserver } from '../tls/types.js';
import { frameName } from '../amqp/names.js';
import { FrameFacts } from './frame-facts.js';
import { DELIVER, methodFacts, QUIET_ACK, QUIET_PUBLISH } from './method-facts.js';
import { frameEntry, tcpEntry } from './raw-events.js';
import { TimelineSelection } from './selection.js';
import { copyEvidence, copyMoment, moment, newEvidence } from './silence-evidence.js';
import { NOTABLE_ANALYSIS, tcpEventType, TcpFacts } from './tcp-facts.js';
import { DirectionState } from './direction-state.js';
import type { ConnectionFacts, Moment, TimelineEntry } from './types.js';

export { FULL_TIMELINE_EVENTS } from './selection.js';
export { MIN_RECORDED_SILENCE, newEvidence, resetEvidence } from './silence-evidence.js';

const MAX_DECODE_PROBLEMS = 200;
/** The frame type a record that could not be decrypted stands for (report-contract.md, AMQPS). */
export const TLS_APPLICATION_DATA = 'TLS application data';
const MAX_REDELIVERED_IDENTITIES = 2000;
/** The timeline of a connection not ended yet (one function for all). */
const NO_ROWS = (): TimelineEntry[] => [];

export class ConnectionRecorder implements StreamHandler, TlsObserver {
  readonly facts: ConnectionFacts;
  private readonly decoders: Record<Dir, FrameDecoder>;
  private readonly session: AmqpSession;
  private done = false;
  private readonly onDone: (facts: ConnectionFacts) => void;
  private readonly timeline: TimelineSelection;
  private readonly tcp: TcpFacts;
  private readonly frames: FrameFacts;

  /**
   * @param onDone receives the facts once the connection ends.
   * @param onEntry receives every event as it happens (for --frames streaming); the entry may be kept.
   * @param captureStart the capture's first packet (default: the connection's first one).
   */
  constructor(
    info: ConnectionInfo,
    onDone: (facts: ConnectionFacts) => void,
    private readonly onEntry: ((entry: TimelineEntry) => void) | null = null,
    private readonly frameObjects = false,
    captureStart: Moment | null = null,
  ) {
    this.onDone = onDone;
    const first = moment(info.firstPacket, info.firstTsSec, info.firstTsNsec);
    const trailing = { c2s: newEvidence(), s2c: newEvidence() };
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
      user: null,
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
      synAckSeen: false,
      clientFin: null,
      serverFin: null,
      clientRst: null,
      serverRst: null,
      firstPayload: { c2s: null, s2c: null },
      lastPayload: { c2s: null, s2c: null },
      lastFrame: { c2s: null, s2c: null },
      trailing,
      atFirstEnd: null,
      silences: [],
      stats: { c2s: new DirectionState(trailing.c2s), s2c: new DirectionState(trailing.s2c) },
      decodeProblems: [],
      unacked: { count: 0, identities: [], oldest: null },
      redeliveredIdentities: [],
      lastPacket: first,
      inputEnd: null,
      captureStart: captureStart !== null ? moment(captureStart.packet, captureStart.tsSec, captureStart.tsNsec) : moment(first.packet, first.tsSec, first.tsNsec),
      endedBy: 'capture-end',
      portReused: false,
      portReaccepted: false,
      timeline: NO_ROWS,
      eventCount: 0,
      tls: null,
    };
    this.timeline = new TimelineSelection(onEntry);
    this.tcp = new TcpFacts(this.facts, () => this.takeEndSnapshot());
    this.frames = new FrameFacts(this.facts, info.firstTsSec, info.firstTsNsec);
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
    const reopened = this.tcp.onSegment(seg);
    // Timeline: segments that say something at TCP level. Data segments show up through their frames, except the
    // one that reopens a zero window: the window coming back is evidence, and always gets its row.
    const flags = seg.tcpFlags;
    const a = seg.analysis;
    const type = tcpEventType(flags, a, seg.payloadLength) ?? (reopened ? 'Window Update' : null);
    if (type === null) return;
    const notable = reopened || (flags & (TCP_SYN | TCP_FIN | TCP_RST)) !== 0 || (a & NOTABLE_ANALYSIS) !== 0;
    if (this.timeline.tcpNeedsEntry(seg.dir, notable)) {
      this.timeline.addEvent(tcpEntry(0, seg.packet, seg.tsSec, seg.tsNsec, seg.dir, type, flags, a, seg.window, seg.payloadLength), notable);
      return;
    }
    // Not kept (yet): raw, like the frames that come as views (a busy connection's ACKs build no objects).
    this.timeline.addRawTcp(seg.dir, seg, type, notable);
  }

  onData(dir: Dir, bytes: Uint8Array, packet: number, tsSec: number, tsNsec: number): void {
    this.decoders[dir].push(bytes, packet, tsSec, tsNsec);
  }

  onGap(dir: Dir, length: number, reason: GapReason, packet: number, tsSec: number, tsNsec: number): void {
    const st = this.facts.stats[dir];
    st.gaps++;
    st.gapBytes += length;
    st.gapsByReason[reason]++;
    st.lastGap = moment(packet, tsSec, tsNsec);
    this.session.onGap(dir);
    this.decoders[dir].gap(length, packet, tsSec, tsNsec);
  }

  onEnd(reason: EndReason): void {
    if (this.done) return;
    this.done = true;
    const f = this.facts;
    this.tcp.finish();
    f.endedBy = reason === 'capture-end' && f.clientRst === null && f.serverRst === null && (f.clientFin === null || f.serverFin === null) ? 'capture-end' : 'closed';
    f.portReused = reason === 'port-reused' || reason === 'port-reaccepted';
    f.portReaccepted = reason === 'port-reaccepted';
    this.session.finish(); // messages cut off by the end of the connection still count
    Object.assign(f, this.completion());
    let rows: TimelineEntry[] | null = null;
    const selection = this.timeline;
    const lastPacket = f.lastPacket;
    f.timeline = () => (rows ??= selection.build(lastPacket));
    this.onDone(f);
  }

  // ---- Live mode (src/live/) ------------------------------------------------------------------------------------

  /** T in force now: Tune-Ok's, else inferred from the broker's idle heartbeats so far; null when unknown. */
  liveHeartbeat(): { seconds: number; source: 'negotiated' | 'inferred' } | null {
    if (this.facts.tuneOk !== null) return { seconds: this.facts.tuneOk.heartbeat, source: 'negotiated' };
    const t = this.frames.inferredHeartbeat();
    return t !== null ? { seconds: t, source: 'inferred' } : null;
  }

  /** The client's connection_name so far (its Start-Ok), or null. */
  liveName(): string | null {
    const name = this.session.clientProperties?.['connection_name'];
    return typeof name === 'string' ? name : null;
  }

  /**
   * The facts as they stand now, completed the way onEnd completes them, for live mode to judge a connection the
   * moment it closes (the tracker hands it over only once stray segments stop coming). A copy: the recording goes
   * on untouched. Without the timeline, whose building consumes the selection.
   */
  preview(): ConnectionFacts {
    return { ...this.facts, endedBy: 'closed', ...this.completion(), timeline: NO_ROWS };
  }

  /** What the facts take from the session, the frames and the timeline when the connection ends (or is previewed). */
  private completion(): Pick<ConnectionFacts, 'inferredHeartbeat' | 'unacked' | 'clientProperties' | 'serverProperties' | 'lastFrame' | 'eventCount'> {
    const f = this.facts;
    const unacked = this.session.unacked();
    return {
      inferredHeartbeat: f.tuneOk === null ? (this.frames.inferredHeartbeat() ?? f.inferredHeartbeat) : f.inferredHeartbeat,
      unacked: {
        count: unacked.length,
        identities: unacked.slice(0, MAX_REDELIVERED_IDENTITIES).flatMap((u) => (u.identity !== null ? [u.identity] : [])),
        oldest: unacked.length > 0 ? moment(unacked[0]!.packet, unacked[0]!.tsSec, unacked[0]!.tsNsec) : null,
      },
      clientProperties: this.session.clientProperties ?? f.clientProperties,
      serverProperties: this.session.serverProperties ?? f.serverProperties,
      lastFrame: { c2s: this.frames.frameMoment('c2s'), s2c: this.frames.frameMoment('s2c') },
      eventCount: this.timeline.eventCount,
    };
  }

  // ---- TLS -----------------------------------------------------------------------------------------------------

  attachTls(facts: TlsFacts): void {
    this.facts.tls = facts;
  }

  /**
   * A TLS event. An application record that could not be decrypted stands for the AMQP frames inside it: it is
   * noted like a frame (counts, latest frame, heartbeat-sized records as heartbeats, the broker's cadence for T),
   * and the report shows frame counts as unknown for such a connection.
   */
  onTlsEvent(dir: Dir, e: TlsEvent): void {
    const entry: TimelineEntry = { ordinal: 0, packet: e.packet, tsSec: e.tsSec, tsNsec: e.tsNsec, dir, kind: 'tls', type: e.text, payloadLength: e.size };
    if (e.kind === 'application') {
      this.frames.note(dir, e.heartbeatSized, e.packet, e.tsSec, e.tsNsec, TLS_APPLICATION_DATA, 0);
      this.timeline.addEvent(entry, e.notable);
      this.timeline.noteClientFrame(dir, entry.ordinal);
      return;
    }
    this.timeline.addEvent(entry, e.notable);
  }

  // ---- AMQP ----------------------------------------------------------------------------------------------------

  private sinkFor(dir: Dir): FrameSink {
    // --frames streams every event as an object anyway: views would only be built into objects at once.
    return !this.frameObjects && this.onEntry === null ? new ViewSink(this, this.session, dir) : new DirectionSink(this, this.session, dir);
  }

  /** @internal (the direction's FrameSink) */
  onProtocolHeader(dir: Dir, h: ProtocolHeader): void {
    const f = this.facts;
    if (dir === 'c2s') {
      if (f.protocolVersion === null) {
        f.protocolVersion = h.version;
        f.protocolSupported = h.supported;
      }
    } else {
      f.serverSentProtocolHeader ??= moment(h.packet, h.tsSec, h.tsNsec);
    }
    this.timeline.addEvent(
      { ordinal: 0, packet: h.packet, tsSec: h.tsSec, tsNsec: h.tsNsec, dir, kind: 'amqp', type: `Protocol-Header ${h.version}` },
      true,
    );
  }

  /** @internal (the direction's FrameSink) */
  onIssue(dir: Dir, issue: DecodeIssue): void {
    const f = this.facts;
    if (issue.code === 'not-amqp' && dir === 'c2s') f.notAmqp = true;
    const m = issue.malformed;
    if (m !== undefined) {
      // A frame the peer sent whole but malformed: not a frame (not counted; RabbitMQ answers 501 FRAME_ERROR), yet
      // what the peer last sent, so its latest frame and a notable timeline row with what could be read of it.
      const type = `${m.name} (malformed)`;
      this.frames.noteLatest(dir, issue.packet, issue.tsSec, issue.tsNsec, type, m.channel);
      const entry: TimelineEntry = {
        ordinal: 0, packet: issue.packet, tsSec: issue.tsSec, tsNsec: issue.tsNsec, dir, kind: 'amqp', type, channel: m.channel,
        summary: `${m.name} on channel ${m.channel} ends with 0x${m.frameEnd.toString(16).padStart(2, '0').toUpperCase()} instead of 0xCE: malformed frame`,
      };
      this.timeline.addEvent(entry, true);
      this.timeline.noteClientFrame(dir, entry.ordinal);
    }
    if (f.decodeProblems.length < MAX_DECODE_PROBLEMS) {
      const p = { dir, code: issue.code, message: issue.message, packet: issue.packet, tsSec: issue.tsSec, tsNsec: issue.tsNsec };
      f.decodeProblems.push(issue.bytes !== undefined ? { ...p, bytes: issue.bytes } : p);
    }
  }

  /** @internal (the direction's FrameSink) */
  onFrame(dir: Dir, frame: Frame): void {
    this.session.onFrame(dir, frame);
    const type = frameName(frame);
    this.frames.note(dir, frame.kind === 'heartbeat', frame.packet, frame.tsSec, frame.tsNsec, type, frame.channel);
    const notable = frame.kind === 'method' && this.onMethod(dir, frame);
    const entry = frameEntry(dir, type, frame);
    this.timeline.addEvent(entry, notable);
    this.timeline.noteClientFrame(dir, entry.ordinal);
  }

  /**
   * A frame that came as the decoder's view: the same facts and event as `onFrame(dir, view.frame())`, without
   * building the frame unless a fact or a kept row needs it; otherwise the event is stored raw (an EventLog, or RawEvents once the connection is large).
   * --frames streaming never gets here: it needs every event as an object anyway (see sinkFor).
   * @internal (the direction's FrameSink)
   */
  onView(dir: Dir, v: FrameView): void {
    this.session.onView(dir, v);
    this.frames.note(dir, v.type === FRAME_HEARTBEAT, v.packet, v.tsSec, v.tsNsec, v.name, v.channel);
    let notable = false;
    if (v.type === FRAME_METHOD) {
      const key = v.classId * 0x10000 + v.methodId;
      // A Basic.Deliver matters here only when redelivered (its bit follows consumer-tag and delivery-tag).
      const quiet = key === QUIET_PUBLISH || key === QUIET_ACK || (key === DELIVER && (v.octet(v.afterShortstr(4) + 8) & 1) === 0);
      if (!quiet) notable = this.onMethod(dir, v.frame() as MethodFrame);
    }
    let ordinal: number;
    if (this.timeline.frameNeedsEntry(dir, v.type, v.end - v.start, notable)) {
      const entry = frameEntry(dir, v.name, v.frame());
      this.timeline.addEvent(entry, notable);
      ordinal = entry.ordinal;
    } else {
      ordinal = this.timeline.addRawFrame(dir, v, notable);
    }
    this.timeline.noteClientFrame(dir, ordinal);
  }

  /** Facts from method frames. Returns whether the frame is notable. */
  private onMethod(dir: Dir, m: MethodFrame): boolean {
    return methodFacts(this.facts, dir, m, this.setFrameMax);
  }

  /** A Tune-Ok's frame-max reaches both decoders. */
  private readonly setFrameMax = (frameMax: number): void => {
    this.decoders.c2s.setFrameMax(frameMax);
    this.decoders.s2c.setFrameMax(frameMax);
  };

  private onRedelivered(identity: string, at: Moment): void {
    const f = this.facts;
    if (f.redeliveredIdentities.length < MAX_REDELIVERED_IDENTITIES) {
      f.redeliveredIdentities.push({ identity, moment: moment(at.packet, at.tsSec, at.tsNsec) });
    }
  }

  /** Freeze each side's last payload, last frame and silence evidence as they stood before the first FIN or RST. */
  private takeEndSnapshot(): void {
    const f = this.facts;
    f.atFirstEnd = {
      // Copies: the live moments are moved in place by later segments (tcp-facts.ts).
      lastPayload: { c2s: copyMoment(f.lastPayload.c2s), s2c: copyMoment(f.lastPayload.s2c) },
      lastFrame: { c2s: this.frames.frameMoment('c2s'), s2c: this.frames.frameMoment('s2c') },
      trailing: { c2s: copyEvidence(f.trailing.c2s), s2c: copyEvidence(f.trailing.s2c) },
    };
  }
}

/** A direction's frame sink: the recorder's handlers with the direction bound (one object, not a closure each). */
class DirectionSink implements FrameSink {
  constructor(
    protected readonly recorder: ConnectionRecorder,
    private readonly session: AmqpSession,
    protected readonly dir: Dir,
  ) {}

  onProtocolHeader(h: ProtocolHeader): void {
    this.recorder.onProtocolHeader(this.dir, h);
  }

  onFrame(frame: Frame): void {
    this.recorder.onFrame(this.dir, frame);
  }

  onBodyData(channel: number, bytes: Uint8Array, start: number, end: number): void {
    this.session.onBodyData(this.dir, channel, bytes, start, end);
  }

  onIssue(issue: DecodeIssue): void {
    this.recorder.onIssue(this.dir, issue);
  }
}

/** The same, taking frames as the decoder's views. */
class ViewSink extends DirectionSink {
  onView(view: FrameView): void {
    this.recorder.onView(this.dir, view);
  }
}
