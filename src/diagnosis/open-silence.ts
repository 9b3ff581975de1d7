/**
 * A side's silence on a connection that is still open: how far it has gone (T, 2T), why (the same kernel evidence
 * that explains a missed-heartbeat close), and when RabbitMQ's heartbeat timer will close the connection unless the
 * client writes. One pure function, used by the `open` verdict at the end of a capture and by a live reader that
 * alerts as capture time passes.
 *
 * RabbitMQ's receiver (rabbit_heartbeat.erl, failure-modes.md §1.1) drops a silent client at the second
 * consecutive check without received bytes, checks being T apart: between 2T and 3T after the client's last byte.
 * RabbitMQ runs no timer on its own silence; a client's timer for the broker's silence depends on the library
 * (pika T+5..2(T+5), Java >2T, Go 1.5T), so no close moment is predicted for it.
 */
import { isoTime } from '../capture/timestamp.js';
import type { SilenceEvidence } from '../timeline/types.js';
import type { Cause } from './types.js';

/** A capture timestamp (Moment and the capture layer's packets have these). */
export interface CaptureTime {
  tsSec: number;
  tsNsec: number;
}

export interface OpenSilenceInput {
  /** Whose payload stopped. */
  side: 'client' | 'server';
  /** T in seconds (negotiated, else inferred); null when unknown, 0 when heartbeats are disabled. */
  heartbeat: number | null;
  /**
   * When the side's silence began, in seconds on any origin shared with `now`: its last payload byte, or the
   * capture's start when that byte is not in the capture (then set `atLeast`).
   */
  since: number;
  /** `since` is the capture's start, not the last byte: the silence is a lower bound. */
  atLeast: boolean;
  /** The latest capture time seen (the last packet), same origin as `since`. */
  now: number;
  /** What the silent side's kernel did since `since` (timeline/types.ts). */
  evidence: SilenceEvidence;
}

export interface OpenSilence {
  /** now - since (a lower bound when `atLeast`). */
  seconds: number;
  atLeast: boolean;
  /** Alert thresholds crossed: 0 (up to T), 1 (over T), 2 (over 2T). Always 0 without a heartbeat. */
  level: 0 | 1 | 2;
  /** The capture times (same origin) at which the silence crosses T and 2T; null without a heartbeat. */
  thresholds: { t1: number; t2: number } | null;
  /** Why the side is silent, from its kernel's behaviour; null when the evidence does not say. */
  cause: Cause | null;
  /**
   * Where RabbitMQ's heartbeat timer closes the connection unless the client writes (same origin), for a client
   * silence with heartbeats on; null otherwise, or when that moment has already passed.
   */
  expectedClose: { earliest: number; latest: number } | null;
}

/**
 * Why a client sent nothing, from what its kernel did meanwhile (the missed-heartbeats causes):
 *   - it advertised a zero window      -> client-not-reading (its application stopped reading the socket)
 *   - the broker retransmitted, no ACK -> client-unreachable (host or path gone)
 *   - it ACKed the broker's segments   -> client-stalled (alive, but the application did not write)
 */
export function clientSilenceCause(ev: SilenceEvidence): Cause | null {
  if (ev.zeroWindows > 0) return 'client-not-reading';
  // The broker retransmitted after the client's last packet of any kind: nothing reached the client any more.
  if (ev.peerRetransmissionsUnanswered > 0 || (ev.lastSignOfLife === null && ev.peerPayloadSegments > 0)) return 'client-unreachable';
  if (ev.acksAdvanced > 0 || ev.keepAliveAcks > 0) return 'client-stalled';
  return null;
}

/**
 * Why the broker sent nothing: server-stalled while the client kept writing and the broker's kernel acknowledged it;
 * null when that is not shown. A client whose latest bytes are being retransmitted unanswered, even once or twice,
 * does not show a live broker kernel: the ACK that came just after the broker's last heartbeat predates whatever
 * happened (fleet-broker-unreachable.pcap up to packet 150: amqplib's heartbeat retransmitted twice, an ACK
 * 40 ms into the silence, and the path already dead).
 */
export function serverSilenceCause(ev: SilenceEvidence): Cause | null {
  if (ev.peerRetransmissionsUnanswered > 0) return null;
  return ev.peerPayloadSegments > 0 && ev.acksAdvanced > 0 ? 'server-stalled' : null;
}

/** "once", "twice", "3 times": how often the client's last bytes were retransmitted unanswered. */
export function timesText(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}

/** Unanswered retransmissions (or keep-alive probes) that make a side's host or path gone, not a passing loss. */
export const MIN_UNANSWERED = 3;

/**
 * Seconds the broker may leave a client's first bytes unanswered before it is said not to take the connection: the
 * live alert, and an open connection at the end of a capture. RabbitMQ writes Connection.Start (or its TLS
 * ServerHello) within milliseconds of the protocol header; clients give up after their connection timeout, 10-15 s
 * (pika's 15 s stack timeout in fleet-fd-limit.pcap): at 5 s they still wait.
 */
export const FIRST_ANSWER_SECONDS = 5;

/**
 * Without a heartbeat to measure it by, a silence this long (seconds) under unanswered retransmissions: three take
 * 1.4 s (RTO 0.2 s, doubling), and a loss of a second or two is no host gone.
 */
export const MIN_SILENCE_NO_T = 5;

/**
 * The client retransmitted into the broker's silence MIN_UNANSWERED times and got no answer (not even an ACK): the
 * broker host or the path to it is gone (netns-broker-unreachable.pcap, taken on the client's side), whatever the
 * client's own silence says. The same threshold for the report at the end and for live mode's alerts (review 32).
 */
export function brokerUnreachable(ev: SilenceEvidence): boolean {
  return ev.peerRetransmissionsUnanswered >= MIN_UNANSWERED;
}

export function judgeOpenSilence(input: OpenSilenceInput): OpenSilence {
  const { side, heartbeat: t, since, atLeast, now, evidence } = input;
  const seconds = Math.max(0, now - since);
  const on = t !== null && t > 0;
  const level = !on ? 0 : seconds > 2 * t ? 2 : seconds > t ? 1 : 0;
  // The broker's silence is server-stalled only while the client kept writing (server-unresponsive's evidence), and
  // its kernel took the bytes: a client retransmitting into it unanswered has lost the broker host or the path.
  const cause = side === 'client' ? clientSilenceCause(evidence) : serverSilenceCause(evidence);
  let expectedClose: OpenSilence['expectedClose'] = null;
  if (on && side === 'client') {
    // Known last byte L: the close falls in [L+2T, L+3T]. Only a bound (L <= since): the connection is still open
    // now, so the close comes after now and no later than since+3T.
    const earliest = atLeast ? now : since + 2 * t;
    const latest = since + 3 * t;
    if (latest > now) expectedClose = { earliest, latest };
  }
  return { seconds, atLeast, level, thresholds: on ? { t1: since + t, t2: since + 2 * t } : null, cause, expectedClose };
}

/**
 * "Expect the broker to close it between 02:10:19.6 and 02:10:23.6 UTC unless the client writes.": `window` as
 * times of day, its seconds counted from `origin` (the capture time they share, e.g. the capture's first packet).
 */
export function expectedCloseSentence(origin: CaptureTime, window: { earliest: number; latest: number }): string {
  return `Expect the broker to close it between ${timeOfDay(origin, window.earliest)} and ${timeOfDay(origin, window.latest)} UTC unless the client writes.`;
}

/** HH:MM:SS.s (UTC) of `origin` plus `offset` seconds, to the tenth (also live mode's alerts). */
export function timeOfDay(origin: CaptureTime, offset: number): string {
  const tenths = Math.round((origin.tsSec + origin.tsNsec / 1e9 + offset) * 10);
  return isoTime(Math.floor(tenths / 10), (tenths % 10) * 1e8, 1).slice(11, 21);
}
