/**
 * What the TCP layer hands upward for each AMQP connection: every segment with Wireshark's analysis flags, then the
 * in-order bytes it made available (or explicit gaps where bytes were never captured), then the end.
 */

/** Direction relative to the AMQP client. */
export type Dir = 'c2s' | 's2c';

/**
 * Analysis flags, one bit each, computed with Wireshark's rules (tcp_analyze_sequence_number in packet-tcp.c; see
 * analysis.ts). A segment can carry several.
 */
export const TA_RETRANSMISSION = 0x0001;
export const TA_LOST_SEGMENT = 0x0002; // "previous segment not captured"
export const TA_ACKED_UNSEEN = 0x0004; // "ACKed unseen segment"
export const TA_KEEP_ALIVE = 0x0008;
export const TA_DUP_ACK = 0x0010;
export const TA_ZERO_WINDOW = 0x0020;
export const TA_ZERO_WINDOW_PROBE = 0x0040;
export const TA_ZERO_WINDOW_PROBE_ACK = 0x0080;
export const TA_KEEP_ALIVE_ACK = 0x0100;
export const TA_OUT_OF_ORDER = 0x0200;
export const TA_FAST_RETRANSMISSION = 0x0400;
export const TA_WINDOW_UPDATE = 0x0800;
export const TA_WINDOW_FULL = 0x1000;
export const TA_SPURIOUS_RETRANSMISSION = 0x4000;
/** Not a Wireshark flag: a segment with no payload and only ACK set. It proves the sender's kernel was alive. */
export const TA_PURE_ACK = 0x10000;
/** Not a Wireshark flag: the acknowledgement number moved forward (the peer's bytes were received). */
export const TA_ACK_ADVANCED = 0x20000;

/** Wireshark's `tcp.analysis.retransmission` is set for plain, fast and spurious retransmissions alike. */
export const TA_ANY_RETRANSMISSION = TA_RETRANSMISSION | TA_FAST_RETRANSMISSION | TA_SPURIOUS_RETRANSMISSION;

/** Names for the flags, in the order Wireshark prints them in the Info column. */
export const ANALYSIS_NAMES: ReadonlyArray<readonly [number, string]> = [
  [TA_ZERO_WINDOW_PROBE, 'ZeroWindowProbe'],
  [TA_ZERO_WINDOW_PROBE_ACK, 'ZeroWindowProbeAck'],
  [TA_ZERO_WINDOW, 'ZeroWindow'],
  [TA_LOST_SEGMENT, 'Previous segment not captured'],
  [TA_ACKED_UNSEEN, 'ACKed unseen segment'],
  [TA_KEEP_ALIVE, 'Keep-Alive'],
  [TA_KEEP_ALIVE_ACK, 'Keep-Alive ACK'],
  [TA_WINDOW_UPDATE, 'Window Update'],
  [TA_WINDOW_FULL, 'Window Full'],
  [TA_DUP_ACK, 'Dup ACK'],
  [TA_SPURIOUS_RETRANSMISSION, 'Spurious Retransmission'],
  [TA_FAST_RETRANSMISSION, 'Fast Retransmission'],
  [TA_RETRANSMISSION, 'Retransmission'],
  [TA_OUT_OF_ORDER, 'Out-Of-Order'],
];

/**
 * One segment of an AMQP connection as the upper layers see it. OWNERSHIP: the tracker reuses one object; it is
 * valid only during `onSegment`.
 */
export interface SegmentInfo {
  packet: number;
  tsSec: number;
  tsNsec: number;
  dir: Dir;
  /** TCP header flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). */
  tcpFlags: number;
  /** TA_* analysis bits. */
  analysis: number;
  seq: number;
  ack: number;
  /** Advertised window in bytes, scaled when the scale factor is known. */
  window: number;
  payloadLength: number;
  ttl: number;
  ipId: number;
  /** The segment's first SACK block (TcpSegment.sackLeft/sackRight), -1 when none. */
  sackLeft: number;
  sackRight: number;
}

export type GapReason =
  | 'not-captured' // a segment that was on the wire (the peer ACKed it) never reached the capture
  | 'snap-length' // the packet was cut by the capture's snap length
  | 'connection-end'; // held out-of-order data whose predecessor never came

/**
 * 'port-reused': a new connection took its ports while it was open; 'port-reaccepted': and the broker accepted that
 * new connection (SYN-ACK), which it does only on ports it no longer holds: this one had ended on its side too.
 */
export type EndReason = 'capture-end' | 'idle-after-close' | 'port-reused' | 'port-reaccepted';

/** Facts about one TCP connection, fixed when it is first reported. */
export interface ConnectionInfo {
  /** `client:port->server:port`, IPv6 in brackets. */
  id: string;
  ipVersion: 4 | 6;
  clientAddress: string;
  clientPort: number;
  serverAddress: string;
  serverPort: number;
  /** How the client side was decided. */
  clientBy: 'syn' | 'port' | 'amqp-header' | 'first-bytes' | 'first-packet';
  /** The client's SYN was captured. */
  synSeen: boolean;
  firstPacket: number;
  firstTsSec: number;
  firstTsNsec: number;
}

/**
 * Receives one connection's traffic, in capture order. Call order per packet: onSegment, then onData/onGap for the
 * bytes that packet made available in order (possibly none, possibly bytes held from earlier out-of-order packets).
 */
export interface StreamHandler {
  onSegment(segment: SegmentInfo): void;
  /** `bytes` is a view valid only during the call. `packet`/`ts` are those of the packet that carried the bytes. */
  onData(dir: Dir, bytes: Uint8Array, packet: number, tsSec: number, tsNsec: number): void;
  /** `length` bytes of the stream will never be seen. */
  onGap(dir: Dir, length: number, reason: GapReason, packet: number, tsSec: number, tsNsec: number): void;
  onEnd(reason: EndReason): void;
}

/**
 * Where the tracker keeps a connection's handler, read again for every call. A handler that has become a pure relay
 * (a deferred handler once made, the TLS layer once both sides spoke plain AMQP) puts the handler it relays to here,
 * and the tracker calls that one directly from then on: one object fewer to fetch from memory for every packet. With
 * thousands of connections taking turns, each such object is a cache miss per packet (10,000 connections: about
 * 50 ms each over the 150 MB benchmark capture).
 */
export interface HandlerSlot {
  handler: StreamHandler | null;
}
