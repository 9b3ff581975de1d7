/**
 * missed-heartbeats: the broker dropped the connection (RST, or FIN with a non-default linger) without
 * Connection.Close, 2T-3T after the client's last payload byte (failure-modes.md F1, F2, F4). The cause comes from
 * what the client's kernel did during the silence:
 *   - it advertised a zero window      -> client-not-reading (its application stopped reading the socket)
 *   - it ACKed the broker's heartbeats -> client-stalled (alive, but the application did not write)
 *   - the broker retransmitted, no ACK -> client-unreachable (host or path gone)
 */
import { checkHeartbeatWindow, roundMicros, secondsBetween } from '../heartbeat.js';
import { formatSeconds, identifyClient, stalledClientFix } from '../client-library.js';
import { addNote, judgement } from '../judgement.js';
import { annotateClientSilence } from '../silence-notes.js';
import type { Cause, Judgement, RuleContext } from '../types.js';

export function missedHeartbeats(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  const t = ctx.heartbeat;
  const end = ctx.firstTcpEnd;
  const last = ctx.atEnd.lastPayload.c2s;
  if (t === null || t <= 0 || end === null || end.dir !== 's2c' || last === null) return null;
  if (f.clientClose !== null || f.serverClose !== null) return null;
  // Times relative to the client's last byte.
  const anchor = f.tuneOk !== null ? secondsBetween(last, f.tuneOk) : null;
  const check = checkHeartbeatWindow(t, 0, secondsBetween(last, end.moment), anchor);
  if (!check.withinWindow) return null;

  const ev = ctx.atEnd.trailing.c2s;
  let cause: Cause | null = null;
  if (ev.zeroWindows > 0) cause = 'client-not-reading';
  // The broker retransmitted after the client's last packet of any kind: nothing reached the client any more.
  else if (ev.peerRetransmissionsUnanswered > 0 || (ev.lastSignOfLife === null && ev.peerPayloadSegments > 0)) cause = 'client-unreachable';
  else if (ev.acksAdvanced > 0 || ev.keepAliveAcks > 0) cause = 'client-stalled';

  const lib = identifyClient(f.clientProperties);
  const who = lib.label !== null ? `The client (${lib.label})` : 'The client';
  const silence = formatSeconds(check.silence);
  const mult = `${check.multiple.toFixed(1)} x T`;
  let explanation: string;
  switch (cause) {
    case 'client-stalled':
      explanation = `${who} sent nothing for ${silence} while its kernel kept ACKing the broker's heartbeats: the application stalled, and RabbitMQ closed the connection for missed heartbeats (T=${t} s) ${mult} after the client's last byte. Fix: ${stalledClientFix(lib, t)}.`;
      break;
    case 'client-not-reading':
      explanation = `${who} stopped reading its socket (it advertised a zero window, so the broker's heartbeats could not get through) and sent nothing for ${silence}; RabbitMQ closed it for missed heartbeats (T=${t} s). Fix: ${stalledClientFix(lib, t)}; a lower prefetch keeps the receive buffer from filling.`;
      break;
    case 'client-unreachable':
      explanation = `The client's host stopped answering: after its last byte (${silence} before the close) the broker's segments were retransmitted and never ACKed, so the client host or the network path vanished; RabbitMQ closed the connection for missed heartbeats (T=${t} s). Heartbeats did their job: check the client host, firewalls, NAT and load balancers on the path.`;
      break;
    default:
      explanation = `${who} sent nothing for ${silence} and RabbitMQ closed the connection without Connection.Close ${mult} after the client's last byte, as it does for missed heartbeats (T=${t} s).`;
  }

  const j = judgement('missed-heartbeats', end.moment, {
    cause,
    severity: 'error',
    by: 'server',
    how: end.kind,
    explanation,
    evidence: {
      silenceSeconds: roundMicros(check.silence),
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
  const lastFrame = ctx.atEnd.lastFrame.c2s;
  if (lastFrame !== null) addNote(j, lastFrame.packet, "client's last frame");
  if (lastFrame === null || lastFrame.packet !== last.packet) addNote(j, last.packet, "client's last byte");
  annotateClientSilence(j, f, last);
  addNote(j, end.moment.packet, `broker closes ${silence} after the client's last byte (${mult})`);
  return j;
}
