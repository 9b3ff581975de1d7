/**
 * What a silence means while it is still going on: its cause, from the silent side's TCP evidence, and when
 * RabbitMQ's heartbeat timer will act on it.
 */
import { checkHeartbeatWindow, heartbeatTolerance } from '../diagnosis/heartbeat.js';
import type { Cause } from '../diagnosis/types.js';
import type { Dir } from '../tcp/types.js';
import type { SilenceEvidence } from '../timeline/types.js';

export interface LiveSilenceJudgement {
  cause: Cause | null;
  /** Capture-clock seconds between which RabbitMQ would close it; null: not its timer. */
  expectedClose: { earliest: number; latest: number } | null;
}

/**
 * LIVE-SILENCE-JUDGEMENT: the live layer's own small computation, kept in this ONE function so that it can be
 * swapped for the shared pure function of src/diagnosis/ (branch issue12-judge) once that exists. Mirrors
 * verdicts/missed-heartbeats.ts: a zero window means the client stopped reading; retransmissions after its last
 * sign of life (or payload the kernel never ACKed) mean it is unreachable; ACKs of the broker's bytes mean its
 * kernel is alive and its application stalled.
 *
 * The close window follows rabbit_heartbeat.erl (failure-modes.md §1.1): the receiver checks every T on a grid
 * anchored at Tune-Ok and fires on the second check that saw no byte, so 2T-3T after the client's last byte; with
 * the anchor captured, at check A+2 exactly (within the scheduling tolerance). When the silence is only a lower
 * bound (no client byte since the capture started) the last byte was earlier still: the close can come at any
 * moment from `now`, and at the latest 3T after the bound.
 *
 * Times are capture-clock seconds (since the first packet).
 * @param last the silent side's last byte, or the lower bound
 * @param anchor Tune-Ok's time, null when not captured
 */
export function judgeLiveSilence(dir: Dir, ev: SilenceEvidence, t: number, last: number, atLeast: boolean, anchor: number | null, now: number): LiveSilenceJudgement {
  if (dir === 's2c') {
    // The broker's kernel ACKs the client's bytes but RabbitMQ writes nothing: the broker (or its scheduler) stalled.
    return { cause: ev.acksAdvanced > 0 || ev.keepAliveAcks > 0 ? 'server-stalled' : null, expectedClose: null };
  }
  let cause: Cause | null = null;
  if (ev.zeroWindows > 0) cause = 'client-not-reading';
  else if (ev.peerRetransmissionsUnanswered > 0 || (ev.lastSignOfLife === null && ev.peerPayloadSegments > 0)) cause = 'client-unreachable';
  else if (ev.acksAdvanced > 0 || ev.keepAliveAcks > 0) cause = 'client-stalled';
  if (atLeast) return { cause, expectedClose: { earliest: now, latest: Math.max(now, last + 3 * t) } };
  const check = checkHeartbeatWindow(t, last, last, anchor);
  if (check.predicted !== null) {
    const tol = heartbeatTolerance(t);
    return { cause, expectedClose: { earliest: check.predicted - tol, latest: check.predicted + tol } };
  }
  return { cause, expectedClose: { earliest: last + 2 * t, latest: last + 3 * t } };
}
