/**
 * closed-by-server: the broker sent Connection.Close (failure-modes.md F12-F15): 320 CONNECTION_FORCED (shutdown,
 * management UI, maintenance), 501/505 framing errors, 530 NOT_ALLOWED, 541 INTERNAL_ERROR.
 */
import { judgement } from '../judgement.js';
import type { Judgement, RuleContext } from '../types.js';

const ADVICE: Record<number, string> = {
  320: 'The broker forced the close (node shutdown, management UI or maintenance): the client should reconnect, ideally to another node.',
  402: 'The client used an invalid path.',
  501: 'FRAME_ERROR: the client wrote a malformed frame, usually several threads writing to one connection; give each thread its own connection or channel and lock.',
  502: 'SYNTAX_ERROR: the client sent a method the broker could not parse; upgrade the client library.',
  503: 'COMMAND_INVALID: the client sent a method that is not allowed in this state.',
  504: 'CHANNEL_ERROR: the client used a channel that was not open; check for channel reuse after close.',
  505: 'UNEXPECTED_FRAME: frames arrived out of order (typically threads sharing a connection; pika is not thread-safe).',
  506: 'RESOURCE_ERROR: the broker ran out of a resource for this connection.',
  530: 'NOT_ALLOWED: permissions, a connection or channel limit, or a leak of channels up to channel_max.',
  540: 'NOT_IMPLEMENTED: the client used a feature the broker does not support.',
  541: 'INTERNAL_ERROR: a broker-side failure (vhost down, channel crash); check the broker logs.',
};

export function closedByServer(ctx: RuleContext): Judgement | null {
  const close = ctx.facts.serverClose;
  if (close === null) return null;
  const severity = close.replyCode === 200 ? 'info' : close.replyCode === 320 ? 'warning' : 'error';
  return judgement('closed-by-server', close, {
    severity,
    by: 'server',
    how: 'amqp-close',
    replyCode: close.replyCode,
    replyText: close.replyText,
    explanation: `The broker closed the connection with ${close.replyCode} ${close.replyText}. ${ADVICE[close.replyCode] ?? ''}`.trim(),
  });
}
