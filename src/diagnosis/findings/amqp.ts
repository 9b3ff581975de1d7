/** Findings from AMQP frames: protocol errors, blocked connections, returns, cancels, malformed frames. */
import { roundMicros, secondsBetween } from '../heartbeat.js';
import type { Finding, FindingRule } from '../types.js';

/** RabbitMQ's consumer_timeout text (failure-modes.md F10), old and new wording. */
const ACK_TIMEOUT = /delivery acknowledgement on channel \d+ timed out|consumer ack timed out/;

export const amqpFindings: FindingRule = (ctx, judgement) => {
  const f = ctx.facts;
  const out: Finding[] = [];
  if (f.serverClose !== null && f.serverClose.replyCode >= 300) {
    out.push({
      code: 'connection-error',
      severity: f.serverClose.replyCode === 320 ? 'warning' : 'error',
      at: f.serverClose,
      message: `Connection.Close from the broker: ${f.serverClose.replyCode} ${f.serverClose.replyText}`,
      evidence: { replyCode: f.serverClose.replyCode, replyText: f.serverClose.replyText, classId: f.serverClose.classId, methodId: f.serverClose.methodId },
    });
  }
  for (const c of f.channelCloses) {
    if (c.dir !== 's2c' || c.replyCode < 300) continue;
    const ackTimeout = c.replyCode === 406 && ACK_TIMEOUT.test(c.replyText);
    out.push({
      code: 'channel-error',
      severity: ackTimeout ? 'error' : 'warning',
      at: c,
      message:
        `Channel ${c.channel} closed by the broker: ${c.replyCode} ${c.replyText}` +
        (ackTimeout ? ' (consumer_timeout: a delivery stayed unacknowledged too long; its messages are redelivered to other consumers)' : ''),
      evidence: { channel: c.channel, replyCode: c.replyCode, replyText: c.replyText, classId: c.classId, methodId: c.methodId, consumerTimeout: ackTimeout },
    });
  }
  for (const b of f.blocked) {
    // Never unblocked: blocked until the connection ended (a client giving up: its FIN, not the broker's answer to
    // it), or, still open, until its last packet.
    const end = b.unblocked ?? (judgement.verdict === 'open' ? f.lastPacket : judgement.at);
    const duration = secondsBetween(b.blocked, end);
    const what = b.beforeCapture
      ? `Connection.Blocked before the capture started, then Connection.Unblocked: blocked for at least ${duration.toFixed(1)} s`
      : b.lostInGap
        ? `Connection.Unblocked without its Connection.Blocked, which was lost in a gap of the capture (the broker's bytes missing before ${secondsBetween(f.captureStart, b.blocked).toFixed(3)} s): blocked for at least ${duration.toFixed(1)} s`
        : `Connection.Blocked (${b.blocked.reason}) for ${duration.toFixed(1)} s${b.unblocked === null ? ', never unblocked in the capture' : ''}`;
    out.push({
      code: 'connection-blocked',
      severity: 'warning',
      at: b.blocked,
      message: `${what}: a broker resource alarm stopped it from publishing.`,
      evidence: {
        reason: b.blocked.reason,
        durationSeconds: roundMicros(duration),
        unblocked: b.unblocked?.packet ?? null,
        ...(b.beforeCapture ? { beforeCapture: true } : {}),
        ...(b.lostInGap ? { lostInGap: true } : {}),
      },
      // The Unblocked moment itself, to the capture's precision: a fleet rebuilt from reports (--merge) needs it exact.
      ...(b.unblocked !== null ? { moments: { unblockedAt: b.unblocked } } : {}),
    });
  }
  if (f.returns.length > 0) {
    const first = f.returns[0]!;
    out.push({
      code: 'message-returned',
      severity: 'warning',
      at: first,
      message: `${f.returns.length} message(s) returned by the broker, first: ${first.replyCode} ${first.replyText} (exchange '${first.exchange}', routing key '${first.routingKey}').`,
      evidence: { count: f.returns.length, replyCode: first.replyCode, replyText: first.replyText, exchange: first.exchange, routingKey: first.routingKey },
    });
  }
  for (const c of f.consumerCancels) {
    out.push({
      code: 'consumer-cancelled',
      severity: 'warning',
      at: c,
      message: `The broker cancelled consumer '${c.consumerTag}' (queue deleted or unavailable): it receives nothing more unless the client re-subscribes.`,
      evidence: { consumerTag: c.consumerTag },
    });
  }
  if (f.redeliveries.count > 0 && f.redeliveries.first !== null) {
    out.push({
      code: 'redelivered',
      severity: 'info',
      at: f.redeliveries.first,
      message: `${f.redeliveries.count} delivery(ies) with the redelivered flag: these messages were delivered before and not acknowledged.`,
      evidence: { count: f.redeliveries.count },
    });
  }
  const frameErrors = f.decodeProblems.filter((p) => p.code === 'frame-error');
  if (frameErrors.length > 0) {
    const first = frameErrors[0]!;
    out.push({
      code: 'frame-error',
      severity: 'error',
      at: first,
      message: `${frameErrors.length} malformed frame(s), first: ${first.message}`,
      evidence: { count: frameErrors.length, dir: first.dir },
    });
  }
  if (f.protocolVersion !== null && !f.protocolSupported) {
    out.push({
      code: 'unsupported-protocol',
      severity: 'info',
      at: { packet: f.info.firstPacket, tsSec: f.info.firstTsSec, tsNsec: f.info.firstTsNsec },
      message: `AMQP version ${f.protocolVersion} is not decoded (amqpscope decodes 0-9-1).`,
      evidence: { version: f.protocolVersion },
    });
  }
  return out;
};

/** unacked-at-close: deliveries the client never acknowledged when the connection ended; the broker requeues them. */
export const unackedAtClose: FindingRule = (ctx, judgement) => {
  const u = ctx.facts.unacked;
  if (u.count === 0 || judgement.verdict === 'open') return [];
  const clean = judgement.verdict === 'closed-by-client';
  return [
    {
      code: 'unacked-at-close',
      severity: clean ? 'info' : 'warning',
      at: judgement.at,
      message: `${u.count} delivery(ies) were never acknowledged when the connection ${clean ? 'closed' : 'died'}: the broker requeues them and another consumer may process them again.`,
      evidence: { count: u.count, oldest: u.oldest?.packet ?? null },
    },
  ];
};
