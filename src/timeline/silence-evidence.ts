/**
 * Silence evidence: what each side's kernel did while that side sent no payload, and the silences recorded with
 * it. Objects here are updated in place on the hot path (one per data segment would cost measurably).
 */
import type { SegmentInfo } from '../tcp/types.js';
import type { Moment, Silence, SilenceEvidence } from './types.js';

/** Silences shorter than this are not recorded at all; the diagnosis filters further against T. */
export const MIN_RECORDED_SILENCE = 1.0;
const MAX_SILENCES = 64;

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
export function copyEvidence(e: SilenceEvidence): SilenceEvidence {
  return {
    ...e,
    lastAck: e.lastAck === null ? null : moment(e.lastAck.packet, e.lastAck.tsSec, e.lastAck.tsNsec),
    lastSignOfLife: e.lastSignOfLife === null ? null : moment(e.lastSignOfLife.packet, e.lastSignOfLife.tsSec, e.lastSignOfLife.tsNsec),
  };
}

/** `m` moved to the segment's moment, or a new moment if there is none yet. */
export function at(m: Moment | null, seg: SegmentInfo): Moment {
  if (m === null) return moment(seg.packet, seg.tsSec, seg.tsNsec);
  m.packet = seg.packet;
  m.tsSec = seg.tsSec;
  m.tsNsec = seg.tsNsec;
  return m;
}

/** Adds a silence to the list, which keeps the MAX_SILENCES longest. */
export function recordSilence(list: Silence[], s: Silence): void {
  list.push(s);
  if (list.length > MAX_SILENCES) {
    // Keep the longest: drop the shortest one.
    let shortest = 0;
    for (let i = 1; i < list.length; i++) if (list[i]!.duration < list[shortest]!.duration) shortest = i;
    list.splice(shortest, 1);
  }
}

/**
 * Whether recordSilence would keep a silence this long: once the list is full it drops the shortest (the earlier
 * one on a tie), so a silence shorter than every kept one would be dropped at once. Asked first, so that such a
 * silence is not built at all: on a capture of thousands of idle connections, every heartbeat gap is one.
 */
export function keepsSilence(list: readonly Silence[], duration: number): boolean {
  if (list.length < MAX_SILENCES) return true;
  for (const s of list) if (s.duration <= duration) return true;
  return false;
}

export function moment(packet: number, tsSec: number, tsNsec: number): Moment {
  return { packet, tsSec, tsNsec };
}

export function copyMoment(m: Moment | null): Moment | null {
  return m === null ? null : moment(m.packet, m.tsSec, m.tsNsec);
}

export function seconds(a: Moment, b: { tsSec: number; tsNsec: number }): number {
  return b.tsSec - a.tsSec + (b.tsNsec - a.tsNsec) / 1e9;
}
