/**
 * handshake-failed, at the TLS layer (issue 13): the TLS handshake never completed, so no AMQP byte was exchanged.
 * Each way it fails has its own explanation, never "point the client at 5671" when it is already there:
 *   - plain AMQP sent to a TLS listener (the broker answers with a TLS record, usually an alert, and closes);
 *   - a ClientHello sent to a plain AMQP listener (the broker answers with its AMQP protocol header);
 *   - an alert during the handshake (a certificate the peer rejects, no common version or cipher...);
 *   - one side closing mid-handshake without an alert.
 */
import { alertAdvice } from '../../tls/alerts.js';
import { roundMicros, secondsBetween } from '../heartbeat.js';
import { addNote, judgement } from '../judgement.js';
import type { Judgement, RuleContext } from '../types.js';

export function tlsHandshakeFailed(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  const tls = f.tls;
  if (tls === null) return null;
  const end = ctx.firstTcpEnd;
  const port = f.info.serverPort;
  const by = (dir: 'c2s' | 's2c') => (dir === 'c2s' ? 'client' : 'server');
  if (tls.clientOpened === 'amqp' && tls.serverAnsweredTls !== null) {
    const at = end?.moment ?? tls.serverAnsweredTls;
    return judgement('handshake-failed', at, {
      severity: 'error',
      by: end !== null ? by(end.dir) : 'server',
      how: end?.kind ?? null,
      explanation: `The client sent plain AMQP to port ${port}, where the broker expects TLS (it answered with a TLS record and closed). Enable TLS in the client (an amqps:// URL, its ssl options), or connect to the broker's plain AMQP port (5672 by default).`,
    });
  }
  if (tls.clientOpened !== 'tls' || tls.handshakeDone !== null) return null;
  if (tls.serverAnsweredAmqp !== null) {
    const at = end?.moment ?? tls.serverAnsweredAmqp;
    return judgement('handshake-failed', at, {
      severity: 'error',
      by: end !== null ? by(end.dir) : 'server',
      how: end?.kind ?? null,
      explanation: `The client started TLS (a ClientHello) but port ${port} is a plain AMQP listener: the broker answered with its AMQP protocol header and closed. Connect to the broker's AMQPS port (5671 by default, RabbitMQ's listeners.ssl), or use plain AMQP on this port.`,
    });
  }
  // A readable alert during the handshake says why.
  const alert = tls.alerts.find((a) => a.description !== null && a.description !== 0);
  if (alert !== undefined && alert.description !== null) {
    const sender = by(alert.dir);
    const level = alert.level === 2 ? 'fatal ' : '';
    const j = judgement('handshake-failed', end?.moment ?? alert, {
      severity: 'error',
      by: sender,
      how: end?.kind ?? null,
      explanation: `The TLS handshake failed: the ${sender === 'client' ? 'client' : 'broker'} sent a ${level}${alert.name} alert, so no AMQP was exchanged: ${alertAdvice(alert.description, sender)}.`,
      evidence: { tlsAlert: alert.name, tlsAlertBy: sender },
    });
    addNote(j, alert.packet, `TLS ${alert.name}: handshake aborted`);
    return j;
  }
  if (end === null) return null; // still handshaking when the capture ended: 'open'
  const first = { packet: f.info.firstPacket, tsSec: f.info.firstTsSec, tsNsec: f.info.firstTsNsec };
  const elapsed = secondsBetween(first, end.moment);
  const stage = tls.serverHello === null ? 'before the broker answered the ClientHello' : 'after the ServerHello, before the handshake finished';
  const explanation =
    end.dir === 'c2s'
      ? `The client gave up during the TLS handshake, ${stage}, without an alert (${elapsed.toFixed(1)} s after connecting): look at the client's TLS error (certificate verification, a timeout).`
      : tls.serverHello === null
        ? `The broker closed the connection ${stage} (${elapsed.toFixed(1)} s after it opened): is port ${port} a TLS listener (RabbitMQ's listeners.ssl), and does the broker have its certificate and key? A plain AMQP listener closes on a ClientHello after its handshake_timeout.`
        : `The broker closed during the TLS handshake, ${stage}, without an alert (${elapsed.toFixed(1)} s after it opened).`;
  return judgement('handshake-failed', end.moment, {
    severity: 'error',
    by: by(end.dir),
    how: end.kind,
    explanation,
    evidence: { elapsedSeconds: roundMicros(elapsed) },
  });
}
