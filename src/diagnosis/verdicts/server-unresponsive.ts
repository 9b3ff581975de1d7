/**
 * server-unresponsive: the client gave up after the broker went quiet (failure-modes.md F3): no broker payload for
 * about 2T while an idle broker heartbeats every T/2; the client closes with FIN (or RST), without
 * Connection.Close. Client thresholds vary (Go 1.5T, Java/.NET >2T, pika T+5..2(T+5)), hence 1.5T.
 */
import { formatSeconds } from '../client-library.js';
import { heartbeatTolerance, roundMicros, secondsBetween } from '../heartbeat.js';
import { addNote, judgement } from '../judgement.js';
import type { Judgement, RuleContext } from '../types.js';

export function serverUnresponsive(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  const t = ctx.heartbeat;
  const end = ctx.firstTcpEnd;
  const last = ctx.atEnd.lastPayload.s2c;
  if (t === null || t <= 0 || end === null || end.dir !== 'c2s' || last === null) return null;
  if (f.clientClose !== null || f.serverClose !== null) return null;
  const silence = secondsBetween(last, end.moment);
  if (silence < 1.5 * t - heartbeatTolerance(t)) return null;
  const ev = ctx.atEnd.trailing.s2c; // since the broker's last payload
  const clientKeptWriting = ev.peerPayloadSegments > 0;
  const brokerKernelAlive = ev.acksAdvanced > 0;
  const j = judgement('server-unresponsive', end.moment, {
    cause: clientKeptWriting ? 'server-stalled' : null,
    severity: 'error',
    by: 'client',
    how: end.kind,
    explanation:
      `The broker sent nothing for ${formatSeconds(silence)} (${(silence / t).toFixed(1)} x T, T=${t} s) ` +
      (clientKeptWriting ? 'while the client kept sending heartbeats' : '') +
      (brokerKernelAlive ? ', and its kernel still ACKed them: the broker process stalled (GC, disk, VM pause, SIGSTOP)' : '') +
      `; the client timed out and closed the socket without Connection.Close. Check the broker's health and the path from it to the client.`,
    evidence: { silenceSeconds: roundMicros(silence), clientSegmentsDuringSilence: ev.peerPayloadSegments, brokerAcksDuringSilence: ev.acksAdvanced },
  });
  addNote(j, last.packet, "broker's last byte");
  addNote(j, end.moment.packet, `client gives up ${formatSeconds(silence)} after the broker's last byte`);
  return j;
}
