/**
 * missed-heartbeats: the broker dropped the connection (RST, or FIN with a non-default linger) without
 * Connection.Close, 2T-3T after the client's last payload byte (failure-modes.md F1, F2, F4). The cause comes from
 * what the client's kernel did during the silence (clientSilenceCause).
 *
 * When the capture started after the connection opened and the client sent nothing in it, its last byte is before
 * the capture: the silence runs at least from the capture's start, and a close at least 2T after that start (and
 * no later than 3T) is judged the same way, said to be a bound (`silenceAtLeast`).
 */
import { checkHeartbeatWindow, roundMicros, secondsBetween } from '../heartbeat.js';
import { clientSilenceCause } from '../open-silence.js';
import { formatSeconds, identifyClient, stalledClientFix } from '../client-library.js';
import { addNote, judgement } from '../judgement.js';
import { annotateClientEnd, clientSilenceStart } from '../silence-notes.js';
import type { Judgement, RuleContext } from '../types.js';

export function missedHeartbeats(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  const t = ctx.heartbeat;
  const end = ctx.firstTcpEnd;
  const start = clientSilenceStart(ctx);
  const { since: last, atLeast } = start;
  if (t === null || t <= 0 || end === null || end.dir !== 's2c' || last === null) return null;
  if (f.clientClose !== null || f.serverClose !== null) return null;
  // Times relative to the client's last byte.
  const anchor = f.tuneOk !== null ? secondsBetween(last, f.tuneOk) : null;
  const check = checkHeartbeatWindow(t, 0, secondsBetween(last, end.moment), anchor);
  if (!check.withinWindow) return null;

  const ev = ctx.atEnd.trailing.c2s;
  const cause = clientSilenceCause(ev);

  const lib = identifyClient(f.clientProperties);
  const who = lib.label !== null ? `The client (${lib.label})` : 'The client';
  const silence = `${atLeast ? 'at least ' : ''}${formatSeconds(check.silence)}`;
  const mult = `${atLeast ? '>= ' : ''}${check.multiple.toFixed(1)} x T`;
  const since = atLeast ? "the capture's start (the client's last byte is before it)" : "the client's last byte";
  let explanation: string;
  switch (cause) {
    case 'client-stalled':
      explanation = `${who} sent nothing for ${silence} while its kernel kept ACKing the broker's heartbeats: the application stalled, and RabbitMQ closed the connection for missed heartbeats (T=${t} s${ctx.heartbeatSource === 'inferred' ? ', inferred from its heartbeats' : ''}) ${mult} after ${since}. Fix: ${stalledClientFix(lib, t)}.`;
      break;
    case 'client-not-reading':
      explanation = `${who} stopped reading its socket (it advertised a zero window, so the broker's heartbeats could not get through) and sent nothing for ${silence}; RabbitMQ closed it for missed heartbeats (T=${t} s). Fix: ${stalledClientFix(lib, t)}; a lower prefetch keeps the receive buffer from filling.`;
      break;
    case 'client-unreachable':
      explanation = `The client's host stopped answering: after its last byte (${silence} before the close) the broker's segments were retransmitted and never ACKed, so the client host or the network path vanished; RabbitMQ closed the connection for missed heartbeats (T=${t} s). Heartbeats did their job: check the client host, firewalls, NAT and load balancers on the path.`;
      break;
    default:
      explanation = `${who} sent nothing for ${silence} and RabbitMQ closed the connection without Connection.Close ${mult} after ${since}, as it does for missed heartbeats (T=${t} s).`;
  }

  const j = judgement('missed-heartbeats', end.moment, {
    cause,
    severity: 'error',
    by: 'server',
    how: end.kind,
    explanation,
    evidence: {
      silenceSeconds: roundMicros(check.silence),
      ...(atLeast ? { silenceAtLeast: true } : {}),
      heartbeatMultiple: Math.round(check.multiple * 100) / 100,
      windowSeconds: [2 * t, 3 * t],
      onReceiverGrid: check.onGrid,
      clientAcksDuringSilence: ev.acksAdvanced,
      serverHeartbeatsDuringSilence: ev.peerHeartbeats,
      serverRetransmissionsDuringSilence: ev.peerRetransmissions,
      serverRetransmissionsUnanswered: ev.peerRetransmissionsUnanswered,
      clientZeroWindowsDuringSilence: ev.zeroWindows,
    },
  });
  annotateClientEnd(j, ctx, start);
  addNote(j, end.moment.packet, `broker closes ${silence} after ${atLeast ? "the capture's start" : "the client's last byte"} (${mult})`);
  return j;
}
