/**
 * RabbitMQ's heartbeat arithmetic (rabbit_heartbeat.erl, as summarised in ../shared/docs/failure-modes.md §1.1):
 * the receiver checks the socket's received-byte counter every T seconds, on a grid anchored when Tune-Ok is
 * processed, and fires on the second consecutive check that saw no new bytes. So the broker drops a silent client
 * between 2T and 3T after the client's last byte: exactly at check A+2, where A is the first check at or after it.
 */
import type { Moment } from '../timeline/types.js';

/** Slack for scheduling jitter and capture position: failure-modes.md §1.1 recipe step 4. */
export function heartbeatTolerance(t: number): number {
  return Math.max(0.5, 0.02 * t);
}

export interface HeartbeatWindowCheck {
  /** Seconds from the client's last byte to the close. */
  silence: number;
  /** silence / T, e.g. 3.0. */
  multiple: number;
  withinWindow: boolean;
  /** The check at which RabbitMQ should have fired, in seconds from `anchor`, when an anchor is known. */
  predicted: number | null;
  /** |close - predicted| is within tolerance: the close sits on RabbitMQ's receiver grid. */
  onGrid: boolean;
}

/**
 * Is a close `closeAt` seconds after the client's last byte (`lastAt`) what RabbitMQ's receiver does for T?
 * Times are seconds on any common origin; `anchorAt` is the Tune-Ok time (null when not captured).
 */
export function checkHeartbeatWindow(t: number, lastAt: number, closeAt: number, anchorAt: number | null): HeartbeatWindowCheck {
  const tol = heartbeatTolerance(t);
  const silence = closeAt - lastAt;
  const withinWindow = silence >= 2 * t - tol && silence <= 3 * t + tol;
  let predicted: number | null = null;
  let onGrid = false;
  if (anchorAt !== null && lastAt >= anchorAt) {
    const firstCheck = Math.ceil((lastAt - anchorAt) / t - 1e-9);
    predicted = anchorAt + (firstCheck + 2) * t;
    onGrid = Math.abs(closeAt - predicted) <= tol;
  }
  return { silence, multiple: silence / t, withinWindow, predicted, onGrid };
}

/** Seconds rounded to the microsecond, for evidence fields (no float noise such as 12.000442000000001). */
export function roundMicros(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

export function secondsBetween(a: Moment, b: Moment): number {
  return b.tsSec - a.tsSec + (b.tsNsec - a.tsNsec) / 1e9;
}

/**
 * A silence worth reporting: longer than one heartbeat interval (T/2) plus slack, i.e. at least one heartbeat that
 * was due did not come. An idle connection's ordinary gaps of exactly T/2 are not silences. With heartbeats off or
 * unknown, any recorded silence (over a second) is reported.
 */
export function isSignificantSilence(duration: number, t: number | null): boolean {
  if (t === null || t <= 0) return true;
  return duration > t / 2 + Math.max(0.5, t / 8);
}
