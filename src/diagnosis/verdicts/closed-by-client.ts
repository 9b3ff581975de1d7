/** closed-by-client: the client sent Connection.Close (normal; RabbitMQ's RST after Close-Ok is its linger-0 close). */
import { addNote, judgement } from '../judgement.js';
import { inferredClientClose } from '../tls-records.js';
import type { Judgement, RuleContext } from '../types.js';

/** RabbitMQ's RST after the client's close: linger 0, its normal way to close a socket. */
const NORMAL_CLOSE_NOTE = "RabbitMQ's normal close (linger 0): not a fault";

export function closedByClient(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  const close = f.clientClose;
  if (close === null) return closedByClientInferred(ctx);
  if (f.serverClose !== null && f.serverClose.packet <= close.packet) return null; // the server spoke first
  const abnormal = close.replyCode >= 300;
  const j = judgement('closed-by-client', close, {
    severity: abnormal ? 'warning' : 'info',
    by: 'client',
    how: 'amqp-close',
    replyCode: close.replyCode,
    replyText: close.replyText,
    explanation:
      (abnormal
        ? `The client closed the connection reporting ${close.replyCode} ${close.replyText}.`
        : 'The client closed the connection cleanly (Connection.Close, Close-Ok).') +
      (f.serverCloseOk === null && f.info.synSeen ? ' The broker\'s Close-Ok was not captured.' : ''),
  });
  const rst = f.serverRst;
  if (rst !== null && rst.packet > close.packet) addNote(j, rst.packet, NORMAL_CLOSE_NOTE);
  return j;
}

/** Without keys: a clean close recognised from the TLS records (tls-records.ts). */
function closedByClientInferred(ctx: RuleContext): Judgement | null {
  const inferred = inferredClientClose(ctx);
  const end = ctx.firstTcpEnd;
  if (inferred === null || end === null) return null;
  const then = inferred.brokerReset
    ? `, and the broker reset the TCP connection (RabbitMQ's normal close, linger 0)`
    : `, then closed TCP (${end.kind.toUpperCase()})`;
  const j = judgement('closed-by-client', end.moment, {
    severity: 'info',
    by: 'client',
    how: inferred.brokerReset ? null : end.kind,
    explanation: `The client closed the connection cleanly, as far as the encrypted records show: ${inferred.evidence}${then}. Without the session keys the Connection.Close itself cannot be read.`,
  });
  if (inferred.brokerReset) addNote(j, end.moment.packet, NORMAL_CLOSE_NOTE);
  return j;
}
