/**
 * Wireshark's TCP sequence analysis, rule for rule, so that amqpscope's counts of keep-alives, retransmissions and
 * zero windows are the ones an operator sees in Wireshark (`tcp.analysis.*`). The rules and their order follow
 * `tcp_analyze_sequence_number` in packet-tcp.c (3.6); ../shared/docs/wire-formats.md §2 lists them.
 *
 * Two deliberate differences, both about state Wireshark keeps as "0 means unset": we keep explicit booleans, so
 * a sequence number that is exactly 0 after wrapping is not mistaken for "nothing seen yet".
 */
import { seqGt, seqLe, seqLt } from './sequence.js';
import {
  TA_ACK_ADVANCED,
  TA_ACKED_UNSEEN,
  TA_DUP_ACK,
  TA_FAST_RETRANSMISSION,
  TA_KEEP_ALIVE,
  TA_KEEP_ALIVE_ACK,
  TA_LOST_SEGMENT,
  TA_OUT_OF_ORDER,
  TA_PURE_ACK,
  TA_RETRANSMISSION,
  TA_SPURIOUS_RETRANSMISSION,
  TA_WINDOW_FULL,
  TA_WINDOW_UPDATE,
  TA_ZERO_WINDOW,
  TA_ZERO_WINDOW_PROBE,
  TA_ZERO_WINDOW_PROBE_ACK,
} from './types.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../net/types.js';

/** Window-scale states, as Wireshark keeps them. */
export const WSCALE_UNKNOWN = -1; // no SYN seen: the window field cannot be scaled
export const WSCALE_NONE = -2; // the handshake was seen and scaling is not in use

/**
 * Per-direction analysis state ("fwd" is the sender of the segment being analysed, "rev" the other side).
 *
 * Sequence and acknowledgement numbers are kept as signed 32-bit integers (the same value modulo 2^32; every
 * comparison and sum here is modulo 2^32 anyway): V8 keeps such a number in the object itself, while an unsigned
 * one from 2^31 up becomes a separate heap object, one more for the garbage collector to copy and one more wait on
 * memory per packet when thousands of connections take turns.
 */
export class FlowAnalysis {
  nextseq = 0;
  hasNextseq = false;
  /** When nextseq last advanced and the last segment came, as capture seconds and nanoseconds (see SegmentContext). */
  nextseqSec = 0;
  nextseqNsec = 0;
  lastack = 0;
  hasLastack = false;
  lastackSec = 0;
  lastackNsec = 0;
  /**
   * Raw window field of the last segment. Wireshark starts it at G_MAXUINT32 so that the first segment never
   * matches; -1 does the same (a window field is 0-65535) and stays a small integer.
   */
  window = -1;
  winScale = WSCALE_UNKNOWN;
  lastSegmentFlags = 0;
  dupacknum = 0;
  maxseqtobeacked = 0;
  hasMaxseqtobeacked = false;
}

/**
 * What the rules need of the connection beyond its two directions. Times are kept as integer seconds and
 * nanoseconds, not as fractional seconds: V8 stores a fractional number in a separate heap object, one more per field
 * for the garbage collector and one more wait on memory per packet, while `seconds` turns them back into exactly the
 * number the tracker computed for that packet.
 */
export interface SegmentContext {
  /** Seconds from SYN to the ACK that completed the handshake; 0 while unknown (Wireshark's ts_first_rtt). */
  readonly firstRtt: number;
  /** A capture time in seconds since the capture's first packet (the `t` the tracker gives the same time). */
  seconds(sec: number, nsec: number): number;
}

/** Wireshark: "if the first RTT is not known, use 3 ms" as the out-of-order threshold. */
const DEFAULT_OOO_THRESHOLD = 0.003;
/** Wireshark: a fast retransmission follows the duplicate ACKs within 20 ms. */
const FAST_RETRANSMISSION_WINDOW = 0.02;

/**
 * Window-scale bookkeeping for SYN segments (Wireshark's dissect_tcpopt_wscale + verify_tcp_window_scaling).
 * Must run before `analyzeSegment` for the same segment.
 */
export function noteSynOptions(fwd: FlowAnalysis, rev: FlowAnalysis, tcpFlags: number, windowScale: number): void {
  if ((tcpFlags & TCP_SYN) === 0) return;
  if (windowScale >= 0) fwd.winScale = Math.min(windowScale, 14); // RFC 7323: shifts above 14 are treated as 14
  if (fwd.winScale === WSCALE_UNKNOWN) {
    // This SYN (or SYN-ACK) has no window-scale option, so scaling will not be used in either direction.
    fwd.winScale = WSCALE_NONE;
    rev.winScale = WSCALE_NONE;
  } else if ((tcpFlags & TCP_ACK) !== 0 && rev.winScale === WSCALE_NONE) {
    // The SYN-ACK carries the option but the SYN did not: the endpoints will not scale, and neither do we.
    fwd.winScale = WSCALE_NONE;
  }
}

/**
 * The scale shift to apply to a direction's window field, or 0 when none or unknown: at most 14 (noteSynOptions caps
 * it as RFC 7323 says), so `1 << shift` is exact.
 */
export function windowShift(flow: FlowAnalysis): number {
  return flow.winScale >= 0 ? flow.winScale : 0;
}

/**
 * Analyse one segment and update both directions' state. Returns TA_* bits. `t` is the segment's capture time
 * (tsSec, tsNsec) as ctx.seconds gives it.
 */
export function analyzeSegment(
  fwd: FlowAnalysis,
  rev: FlowAnalysis,
  ctx: SegmentContext,
  tcpFlags: number,
  seq: number,
  ack: number,
  window: number,
  seglen: number,
  t: number,
  tsSec: number,
  tsNsec: number,
): number {
  // As signed 32-bit integers, like the state they are compared with (see FlowAnalysis).
  seq |= 0;
  ack |= 0;
  let ta = 0;
  const synFinRst = tcpFlags & (TCP_SYN | TCP_FIN | TCP_RST);
  const nextseq = fwd.nextseq;

  // Rule 1: zero-window probe: one byte at the next sequence number while the receiver advertises 0.
  const zeroWindowProbe = seglen === 1 && fwd.hasNextseq && seq === nextseq && rev.window === 0;
  if (zeroWindowProbe) {
    ta |= TA_ZERO_WINDOW_PROBE;
  } else {
    // Rule 2: zero window.
    if (window === 0 && synFinRst === 0) ta |= TA_ZERO_WINDOW;
    // Rule 3: previous segment not captured.
    if (fwd.hasNextseq && seqGt(seq, nextseq) && (tcpFlags & TCP_RST) === 0) ta |= TA_LOST_SEGMENT;
    // Rule 4: keep-alive: 0 or 1 byte, one below the next expected sequence number.
    if ((seglen === 0 || seglen === 1) && fwd.hasNextseq && seq === ((nextseq - 1) | 0) && synFinRst === 0) {
      ta |= TA_KEEP_ALIVE;
    }
    const sameAckAtNext = seglen === 0 && seq === nextseq && fwd.hasLastack && ack === fwd.lastack && synFinRst === 0;
    // Rule 5: window update.
    if (sameAckAtNext && window !== 0 && window !== fwd.window) ta |= TA_WINDOW_UPDATE;
    // Rule 6: window full: the segment fills the receiver's advertised window exactly.
    if (seglen > 0 && rev.winScale !== WSCALE_UNKNOWN && rev.hasLastack && synFinRst === 0) {
      const edge = (rev.lastack + rev.window * (1 << windowShift(rev))) | 0;
      if (((seq + seglen) | 0) === edge) ta |= TA_WINDOW_FULL;
    }
    let finished = false;
    // Rule 7: keep-alive ACK.
    if (sameAckAtNext && window !== 0 && window === fwd.window && (rev.lastSegmentFlags & TA_KEEP_ALIVE) !== 0) {
      ta |= TA_KEEP_ALIVE_ACK;
      finished = true;
    }
    // Rule 8: zero-window-probe ACK (newer Wireshark also accepts ack == lastack + 1).
    if (
      !finished &&
      seglen === 0 &&
      window === 0 &&
      window === fwd.window &&
      seq === nextseq &&
      fwd.hasLastack &&
      (ack === fwd.lastack || ack === ((fwd.lastack + 1) | 0)) &&
      (rev.lastSegmentFlags & TA_ZERO_WINDOW_PROBE) !== 0 &&
      synFinRst === 0
    ) {
      ta |= TA_ZERO_WINDOW_PROBE_ACK;
      finished = true;
    }
    // Rule 9: duplicate ACK.
    if (!finished && sameAckAtNext && window !== 0 && window === fwd.window) {
      fwd.dupacknum++;
      ta |= TA_DUP_ACK;
    }
  }

  // finished_fwd: a changed acknowledgement number resets the duplicate-ACK count.
  if (!fwd.hasLastack || ack !== fwd.lastack) fwd.dupacknum = 0;

  // Rule 10: ACKed unseen segment.
  if ((tcpFlags & TCP_ACK) !== 0 && rev.hasMaxseqtobeacked && seqGt(ack, rev.maxseqtobeacked)) {
    ta |= TA_ACKED_UNSEEN;
    rev.maxseqtobeacked = rev.nextseq;
  }

  // Rule 11: the retransmission family, only for segments that occupy sequence space and are not keep-alives.
  if ((ta & (TA_KEEP_ALIVE | TA_ZERO_WINDOW_PROBE)) === 0 && (seglen > 0 || (tcpFlags & (TCP_SYN | TCP_FIN)) !== 0)) {
    let seqNotAdvanced = fwd.hasNextseq && seqLt(seq, nextseq);
    if (seglen > 1 && fwd.hasNextseq && seq === ((nextseq - 1) | 0)) seqNotAdvanced = false;
    if (seglen > 0 && rev.hasLastack && seqLe((seq + seglen) | 0, rev.lastack)) {
      ta |= TA_SPURIOUS_RETRANSMISSION;
    } else if (seqNotAdvanced) {
      const firstRtt = ctx.firstRtt;
      const oooThreshold = firstRtt > 0 ? firstRtt : DEFAULT_OOO_THRESHOLD;
      if (rev.dupacknum >= 2 && rev.lastack === seq && t - ctx.seconds(rev.lastackSec, rev.lastackNsec) < FAST_RETRANSMISSION_WINDOW) {
        ta |= TA_FAST_RETRANSMISSION;
      } else if (t - ctx.seconds(fwd.nextseqSec, fwd.nextseqNsec) < oooThreshold && nextseq !== ((seq + seglen) | 0)) {
        ta |= TA_OUT_OF_ORDER;
      } else {
        ta |= TA_RETRANSMISSION;
      }
    }
  }

  // Advance the highest sequence number seen (not for zero-window probes, whose byte the receiver refuses).
  let segEnd = (seq + seglen) | 0;
  if ((tcpFlags & (TCP_SYN | TCP_FIN)) !== 0) segEnd = (segEnd + 1) | 0;
  if ((ta & TA_ZERO_WINDOW_PROBE) === 0 && (!fwd.hasNextseq || seqGt(segEnd, fwd.nextseq))) {
    fwd.nextseq = segEnd;
    fwd.hasNextseq = true;
    fwd.nextseqSec = tsSec;
    fwd.nextseqNsec = tsNsec;
  }
  // Highest contiguous sequence number, for "ACKed unseen segment".
  if (
    (ta & TA_ZERO_WINDOW_PROBE) === 0 &&
    (!fwd.hasMaxseqtobeacked || (seq === fwd.maxseqtobeacked && seqGt(segEnd, fwd.maxseqtobeacked)))
  ) {
    fwd.maxseqtobeacked = segEnd;
    fwd.hasMaxseqtobeacked = true;
  }

  if ((tcpFlags & TCP_ACK) !== 0) {
    if (seglen === 0 && synFinRst === 0) ta |= TA_PURE_ACK;
    if (fwd.hasLastack && seqGt(ack, fwd.lastack)) ta |= TA_ACK_ADVANCED;
  }
  fwd.window = window;
  fwd.lastack = ack;
  fwd.hasLastack = (tcpFlags & TCP_ACK) !== 0 || fwd.hasLastack;
  fwd.lastackSec = tsSec;
  fwd.lastackNsec = tsNsec;
  fwd.lastSegmentFlags = ta;
  return ta;
}
