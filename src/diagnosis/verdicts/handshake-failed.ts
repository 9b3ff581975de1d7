/**
 * handshake-failed: the AMQP handshake never completed (failure-modes.md F16, F18): wrong protocol (the broker
 * answers with its own protocol header and resets), login refused (Connection.Close 403 before Open-Ok), vhost
 * refused (530), handshake timeout (the broker resets ~10 s after accept), or no AMQP byte at all (a load
 * balancer's health check: not a fault).
 */
import { roundMicros, secondsBetween } from '../heartbeat.js';
import { judgement } from '../judgement.js';
import { handshakeOnlyRefusal, refusalAdvice, refusalOf } from '../refusal.js';
import { isKeyless } from '../tls-records.js';
import type { Judgement, RuleContext } from '../types.js';

/** RabbitMQ's default handshake_timeout. */
const HANDSHAKE_TIMEOUT = 10;

export function handshakeFailed(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  // The handshake can only be judged if its start was captured, or by a Close that only a handshake gets (a
  // capture that joined after Connection.Start of a refused login).
  const startSeen = f.info.synSeen || f.protocolVersion !== null || f.start !== null;
  const refusal = f.serverClose !== null && handshakeOnlyRefusal(f.serverClose.replyCode, f.serverClose.replyText);
  if ((!startSeen && !refusal) || f.openOk !== null) return null;
  // Over TLS without keys the AMQP handshake is invisible (a failed TLS handshake has its own rule).
  if (isKeyless(f)) return null;
  const end = ctx.firstTcpEnd;
  const close = f.serverClose;
  if (close !== null) {
    const login = close.replyCode === 403;
    const advice = login ? null : refusalAdvice(refusalOf(close.replyCode, close.replyText));
    return judgement('handshake-failed', close, {
      severity: 'error',
      by: 'server',
      how: 'amqp-close',
      replyCode: close.replyCode,
      replyText: close.replyText,
      explanation: login
        ? `The broker refused the login${f.user !== null ? ` of user '${f.user}'` : ''} (${close.replyCode}): check the user name and password, and that the user may connect from this host (RabbitMQ's guest user is loopback-only).`
        : advice !== null
          ? `The broker refused the connection during the handshake with ${close.replyCode} ${close.replyText}. ${advice}`
          : `The broker refused the connection during the handshake with ${close.replyCode} ${close.replyText}: check the virtual host, permissions and connection limits.`,
    });
  }
  if (end === null) return null; // still handshaking when the capture ended: 'open'
  const endMoment = end.moment;
  if (f.notAmqp || (f.protocolVersion !== null && !f.protocolSupported)) {
    const answered = f.serverSentProtocolHeader !== null ? 'answered with its own protocol header (AMQP 0-9-1) and ' : '';
    const explanation = f.notAmqp
      ? `The client opened with bytes that are neither AMQP nor TLS (HTTP on the AMQP port?); the broker ${answered}closed the connection. Point the client at the right port and protocol.`
      : `The client opened with AMQP ${f.protocolVersion}, which the broker does not speak on this port; it ${answered}closed the connection. Use an AMQP 0-9-1 client, or enable the broker's support for AMQP ${f.protocolVersion} (RabbitMQ 3.x: the rabbitmq_amqp1_0 plugin).`;
    return judgement('handshake-failed', endMoment, {
      severity: 'error',
      by: end.dir === 'c2s' ? 'client' : 'server',
      how: end.kind,
      explanation,
    });
  }
  if (f.firstPayload.c2s === null && f.firstPayload.s2c === null) {
    return judgement('handshake-failed', endMoment, {
      severity: 'info',
      by: end.dir === 'c2s' ? 'client' : 'server',
      how: end.kind,
      explanation: 'A TCP connection that carried no AMQP bytes at all: typically a load balancer health check or a port probe, not a client failure.',
    });
  }
  const first = { packet: f.info.firstPacket, tsSec: f.info.firstTsSec, tsNsec: f.info.firstTsNsec };
  const elapsed = secondsBetween(first, endMoment);
  // A broker out of sockets can write Connection.Start long after the client gave up (fleet-fd-limit.pcap): for the
  // client it never came.
  const lateStart = f.start !== null && end.dir === 'c2s' && f.start.packet > endMoment.packet ? f.start : null;
  const stage = f.start === null || lateStart !== null ? 'before the broker sent Connection.Start' : f.startOk === null ? 'before the client answered Connection.Start' : f.tuneOk === null ? 'during authentication and tuning' : 'before Connection.Open completed';
  const timedOut = f.info.synSeen && end.dir === 's2c' && end.kind === 'rst' && Math.abs(elapsed - HANDSHAKE_TIMEOUT) < 1.5;
  // Its SYN before the capture: how long it had been open is only a bound, from the capture's start.
  const opened = f.info.synSeen
    ? `${elapsed.toFixed(1)} s after it opened`
    : `at least ${secondsBetween(f.captureStart, endMoment).toFixed(1)} s after it opened (before the capture started)`;
  return judgement('handshake-failed', endMoment, {
    severity: 'error',
    by: end.dir === 'c2s' ? 'client' : 'server',
    how: end.kind,
    explanation: timedOut
      ? `The handshake did not finish within RabbitMQ's handshake_timeout (10 s): the connection stalled ${stage}. Look for a slow or blocked client, or TLS sent to the plain port.`
      : `The connection closed ${stage}, ${opened}${end.dir === 'c2s' ? ' (the client gave up)' : ''}.` +
        (lateStart !== null
          ? ` The broker's Connection.Start came ${secondsBetween(endMoment, lateStart).toFixed(1)} s after that, into the closed socket: it was not accepting connections in time (out of file descriptors or sockets? rabbitmqctl status shows both).`
          : ''),
    evidence: f.info.synSeen ? { elapsedSeconds: roundMicros(elapsed) } : { elapsedSeconds: roundMicros(secondsBetween(f.captureStart, endMoment)), elapsedAtLeast: true },
  });
}
