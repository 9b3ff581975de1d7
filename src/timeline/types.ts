/**
 * The timeline layer's output for one connection: what happened, in facts the diagnosis rules can judge without
 * looking at bytes again. Everything that happened at a moment carries its packet number and capture time.
 */
import type { FieldTable, FieldValue, Frame } from '../amqp/types.js';
import type { ConnectionInfo, Dir, GapReason } from '../tcp/types.js';
import type { TlsFacts } from '../tls/types.js';
import type { TrafficRun } from './runs.js';

/** A moment in the capture: packet number (1-based) and time. */
export interface Moment {
  packet: number;
  tsSec: number;
  tsNsec: number;
}

export interface FrameMoment extends Moment {
  /** `Basic.Consume`, `Heartbeat`, `Content-Header`, ... */
  type: string;
  channel: number;
}

export interface CloseFrame extends Moment {
  replyCode: number;
  replyText: string;
  classId: number;
  methodId: number;
}

export interface TcpEnd extends Moment {
  ttl: number;
  /** The IP TTL this side's packets usually carried before (its mode), or -1 if unknown. */
  usualTtl: number;
}

/**
 * Evidence gathered while one side sent no payload (reset whenever that side sends payload). Answers: was the
 * silent side's kernel alive (it ACKed the peer's data), unreachable (the peer retransmitted and got no ACK), or
 * not reading (it advertised a zero window)?
 */
export interface SilenceEvidence {
  /** The peer's segments carrying payload (heartbeats, deliveries) during the silence. */
  peerPayloadSegments: number;
  /** The silent side's segments whose ACK number moved forward: its kernel received the peer's bytes. */
  acksAdvanced: number;
  /** The silent side's segments with no payload at all (pure ACKs, keep-alive ACKs). */
  pureAcks: number;
  /** The peer's retransmissions during the silence. */
  peerRetransmissions: number;
  /** Zero windows advertised by the silent side. */
  zeroWindows: number;
  /** Keep-alive probes sent by the peer, and those the silent side answered. */
  peerKeepAlives: number;
  keepAliveAcks: number;
  /** Heartbeat frames the peer sent during the silence. */
  peerHeartbeats: number;
  /** The silent side's last ACK-advancing segment during the silence, if any. */
  lastAck: Moment | null;
  /** The silent side's last segment of any kind during the silence: its kernel's last sign of life. */
  lastSignOfLife: Moment | null;
  /** The peer's retransmissions and keep-alive probes since that last sign of life: unanswered ones. */
  peerRetransmissionsUnanswered: number;
  peerKeepAlivesUnanswered: number;
}

/** Per-side state frozen at the first FIN or RST, so that what happens during the teardown does not blur it. */
export interface SideState {
  lastPayload: Record<Dir, Moment | null>;
  lastFrame: Record<Dir, FrameMoment | null>;
  trailing: Record<Dir, SilenceEvidence>;
}

export interface Silence {
  /** Whose payload stopped. */
  dir: Dir;
  /** Last payload before the silence (its packet and time) and the first after it (null: never again). */
  from: Moment;
  to: Moment | null;
  /** Seconds; for an unfinished silence, up to the connection's last packet. */
  duration: number;
  evidence: SilenceEvidence;
}

export interface DirectionStats {
  frames: number;
  heartbeats: number;
  payloadSegments: number;
  payloadBytes: number;
  keepAlives: number;
  keepAliveAcks: number;
  zeroWindows: number;
  zeroWindowProbes: number;
  windowFull: number;
  retransmissions: number;
  /** The latest retransmission's packet (-1: none) and time, and the seconds since the one before it (0: first). */
  lastRetransmissionPacket: number;
  lastRetransmissionSec: number;
  lastRetransmissionNsec: number;
  retransmissionGap: number;
  dupAcks: number;
  lostSegments: number;
  gaps: number;
  gapBytes: number;
  /** The gaps by why the bytes are missing (the TCP layer's reason). */
  gapsByReason: Record<GapReason, number>;
  /** Where the latest gap was noticed (the packet after the missing bytes); null for none. */
  lastGap: Moment | null;
  /** First zero window advertised by this side. */
  firstZeroWindow: Moment | null;
  /** Time of the last zero window advertised by this side. */
  lastZeroWindow: Moment | null;
  /** Stretches during which this side's advertised window stayed at zero. */
  zeroWindowEpisodes: number;
  /** The longest such stretch, in seconds (an episode still open at the end counts up to the last packet). */
  longestZeroWindow: number;
  /** The window was still zero when the connection ended. */
  zeroWindowAtEnd: boolean;
  /**
   * The latest zero-window stretch: where it began, and where the window opened again (null while still zero).
   * The broker's zero window means it stopped reading from the client (a resource alarm, flow control), and
   * RabbitMQ's heartbeat check does not count the client's silence meanwhile.
   */
  lastZeroWindowFrom: Moment | null;
  lastZeroWindowUntil: Moment | null;
  /**
   * Keep-alive-shaped probes this side sent while the peer advertised a zero window. Linux probes a zero window
   * with seq = snd_una - 1, so Wireshark labels them Keep-Alive (and counts them in keepAlives); they are
   * zero-window probes, not SO_KEEPALIVE.
   */
  keepAlivesIntoZeroWindow: number;
  /**
   * Of `retransmissions`, those the peer reported as duplicates (a D-SACK, RFC 2883, covering the retransmitted
   * bytes): the data had arrived the first time; its acknowledgement was late, nothing was lost.
   */
  spuriousRetransmissions: number;
}

export type TimelineKind = 'amqp' | 'tcp' | 'tls' | 'elided';

export interface TimelineEntry {
  /** Position among all the connection's events (0-based), so elisions can be counted. */
  ordinal: number;
  packet: number;
  tsSec: number;
  tsNsec: number;
  dir: Dir;
  kind: TimelineKind;
  type: string;
  channel?: number;
  /** Frame, for AMQP events (summarised at render time only for the events kept). */
  frame?: Frame;
  /** The description of an AMQP event that is no frame (a malformed one), instead of a frame's. */
  summary?: string;
  /** For TCP events: header flags, analysis bits, window, payload length. */
  tcpFlags?: number;
  analysis?: number;
  window?: number;
  payloadLength?: number;
  /** For elided runs: how many events were left out. */
  elided?: number;
  /** For elided runs: the run of the same traffic the left-out events all belong to (runs.ts). */
  runs?: TrafficRun[];
  notes?: string[];
}

export interface DecodeProblem extends Moment {
  dir: Dir;
  code: string;
  message: string;
  bytes?: number;
}

export interface BlockedEpisode {
  /**
   * Connection.Blocked and its reason; for an episode `beforeCapture`, the capture's first packet (it was blocked
   * at least since then) and a reason of null (it was in the Blocked frame).
   */
  blocked: Moment & { reason: string | null };
  unblocked: Moment | null;
  /**
   * The capture joined the connection while it was blocked: the capture holds its Connection.Unblocked and not the
   * Blocked before it.
   */
  beforeCapture: boolean;
  /**
   * Its Connection.Blocked is not in the capture, but a gap in the broker's bytes before its Unblocked is: it was
   * lost there. `blocked` is where the gap was noticed: it was blocked at least since then.
   */
  lostInGap: boolean;
}

export interface ConnectionFacts {
  info: ConnectionInfo;
  protocolVersion: string | null;
  protocolSupported: boolean;
  /** The bytes from the client did not look like AMQP at all. */
  notAmqp: boolean;
  serverSentProtocolHeader: Moment | null;
  start: Moment | null;
  startOk: Moment | null;
  tune: (Moment & { heartbeat: number; frameMax: number; channelMax: number }) | null;
  tuneOk: (Moment & { heartbeat: number; frameMax: number; channelMax: number }) | null;
  openOk: Moment | null;
  vhost: string | null;
  /** The user the client logged in as (Start-Ok's PLAIN or AMQPLAIN response; never its password), or null. */
  user: string | null;
  clientProperties: FieldTable | null;
  serverProperties: FieldTable | null;
  /** Heartbeat inferred from the broker's idle cadence (T/2), when no Tune-Ok was captured. */
  inferredHeartbeat: number | null;
  clientClose: CloseFrame | null;
  serverClose: CloseFrame | null;
  clientCloseOk: Moment | null;
  serverCloseOk: Moment | null;
  channelCloses: (CloseFrame & { dir: Dir; channel: number })[];
  blocked: BlockedEpisode[];
  returns: (Moment & { replyCode: number; replyText: string; exchange: string; routingKey: string })[];
  consumerCancels: (Moment & { consumerTag: string })[];
  redeliveries: { count: number; first: Moment | null };
  /** The broker's SYN-ACK was captured. */
  synAckSeen: boolean;
  clientFin: TcpEnd | null;
  serverFin: TcpEnd | null;
  clientRst: TcpEnd | null;
  serverRst: TcpEnd | null;
  firstPayload: Record<Dir, Moment | null>;
  lastPayload: Record<Dir, Moment | null>;
  lastFrame: Record<Dir, FrameMoment | null>;
  /** Evidence since each side's last payload, up to the end of the connection. */
  trailing: Record<Dir, SilenceEvidence>;
  /** The same three, frozen just before the first FIN or RST (null if there was none). */
  atFirstEnd: SideState | null;
  /** Silences longer than the recording threshold, the longest kept (bounded), in time order. */
  silences: Silence[];
  stats: Record<Dir, DirectionStats>;
  decodeProblems: DecodeProblem[];
  /** Deliveries not acknowledged when the connection ended. */
  unacked: { count: number; identities: string[]; oldest: Moment | null };
  /** Identities of messages delivered with redelivered set (bounded), for cross-connection matching. */
  redeliveredIdentities: { identity: string; moment: Moment }[];
  lastPacket: Moment;
  /**
   * Still open when the input ended: the run's last packet, up to which its silences run (a connection whose last
   * packet came long before the capture stopped has been silent since, not only to its last packet). Null while
   * the input goes on, and for a connection that closed.
   */
  inputEnd: Moment | null;
  /**
   * The capture's first packet. When the capture started after the connection opened, a side that sent nothing
   * in it has been silent at least since this moment (its last byte is before the capture).
   */
  captureStart: Moment;
  /** How the TCP layer ended it: the capture ended while it was open, or it closed. */
  endedBy: 'capture-end' | 'closed';
  /**
   * A new connection took its ports (a SYN with another initial sequence number) while it was open: the client
   * lost it without a FIN or RST in the capture.
   */
  portReused: boolean;
  /** And the broker accepted that new connection (SYN-ACK): it no longer held this one (EndReason 'port-reaccepted'). */
  portReaccepted: boolean;
  /**
   * Builds the timeline's rows, the first time it is called (a large run reports no timeline for most healthy
   * connections: their rows are never built).
   */
  timeline: () => TimelineEntry[];
  /** All events the connection had (timeline holds a bounded selection). */
  eventCount: number;
  /** What the TLS layer learnt, for a connection that used TLS (or met a TLS server); null for plain AMQP. */
  tls: TlsFacts | null;
}

export type { FieldValue };
