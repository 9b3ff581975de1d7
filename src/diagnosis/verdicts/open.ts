/**
 * open: the connection was still open when the capture ended. When the broker was by then retransmitting to a
 * client that no longer answered, say so: the connection is half-open, and without heartbeats only the broker's
 * kernel will notice, when its retransmissions run out (tcp_retries2, about 15 minutes on Linux).
 */
import { formatSeconds } from '../client-library.js';
import { addNote, judgement } from '../judgement.js';
import { annotateClientSilence } from '../silence-notes.js';
import type { Judgement, RuleContext } from '../types.js';

const MIN_UNANSWERED = 3;

export function stillOpen(ctx: RuleContext): Judgement {
  const f = ctx.facts;
  const last = ctx.atEnd.lastPayload.c2s;
  const ev = ctx.atEnd.trailing.c2s;
  const quiet = last !== null ? ctx.seconds(last, f.lastPacket) : null;
  const t = ctx.heartbeat;
  if (ev.peerRetransmissionsUnanswered >= MIN_UNANSWERED || ev.peerKeepAlivesUnanswered >= MIN_UNANSWERED) {
    const j = judgement('open', f.lastPacket, {
      cause: 'client-unreachable',
      severity: 'error',
      by: null,
      how: null,
      explanation:
        `Half-open when the capture ended: the client sent nothing for ${quiet !== null ? formatSeconds(quiet) : 'the rest of the capture'} and ` +
        `${ev.peerRetransmissionsUnanswered >= MIN_UNANSWERED ? `${ev.peerRetransmissionsUnanswered} broker retransmissions` : `${ev.peerKeepAlivesUnanswered} keep-alive probes`} went unanswered: the client host or the path is gone. ` +
        (t === 0
          ? 'With heartbeats disabled the broker notices only when its kernel gives up ({inet_error,etimedout}, about 15 minutes with tcp_retries2=15): enable heartbeats or tune TCP keep-alives.'
          : 'Expect the broker to drop it for missed heartbeats, or its kernel to give up ({inet_error,etimedout}).'),
      evidence: { unansweredRetransmissions: ev.peerRetransmissionsUnanswered, unansweredKeepAlives: ev.peerKeepAlivesUnanswered },
    });
    if (last !== null) {
      addNote(j, last.packet, "client's last byte");
      annotateClientSilence(j, f, last);
    }
    return j;
  }
  return judgement('open', f.lastPacket, {
    severity: 'info',
    by: null,
    how: null,
    explanation:
      'Still open when the capture ended.' +
      (quiet !== null && t !== null && t > 0 && quiet > t ? ` The client had sent nothing for the last ${formatSeconds(quiet)} (more than T=${t} s).` : ''),
  });
}
