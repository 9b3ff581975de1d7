/**
 * Judging a TLS connection whose records could not be decrypted (no keys): the AMQP frames are hidden, but each
 * record's size and time are still evidence (report-contract.md, AMQPS; every judgement built from them is marked
 * `inferredFrom: "tls-records"` in the report).
 */
import type { ConnectionFacts, Moment } from '../timeline/types.js';
import type { RuleContext } from './types.js';

/** The connection spoke TLS and its AMQP could not be read. */
export function isKeyless(f: ConnectionFacts): boolean {
  return f.tls !== null && f.tls.clientOpened === 'tls' && !f.tls.decrypted;
}

/** A close_notify, or (without keys) an encrypted alert, which after the handshake is one in practice. */
export function isCloseNotify(a: { description: number | null }): boolean {
  return a.description === null || a.description === 0;
}

/** Connection.Close-Ok (and Channel.Close-Ok) is a 12-byte frame: 4 bytes more than a heartbeat. */
const CLOSE_OK_EXTRA = 4;

/**
 * Did the client close cleanly, as far as the records show? It closed TCP first, and before that either sent a TLS
 * alert (close_notify, the only alert a client sends after the handshake in practice) or got a last record from
 * the broker the size of Connection.Close-Ok after its own last record. A killed client does neither.
 * Or the broker's RST ended it after the client's close_notify, which came before any alert of the broker's:
 * RabbitMQ closes with linger 0 once the client has closed (review 37: amqps13-load's 38804, whose client FIN did
 * not come before the RST, read as "reset without Connection.Close").
 * Returns the evidence's moment, or null.
 */
export function inferredClientClose(ctx: RuleContext): { at: Moment; evidence: string; brokerReset: boolean } | null {
  const f = ctx.facts;
  const tls = f.tls;
  const end = ctx.firstTcpEnd;
  if (tls === null || !isKeyless(f) || end === null) return null;
  // A client alert during the handshake is a refusal (tls-handshake-failed.ts), not a close; a capture that joined
  // after the handshake saw none of it.
  const joinedAfterHandshake = tls.clientHello === null && tls.serverHello === null;
  if (tls.handshakeDone === null && !joinedAfterHandshake) return null;
  const alert = tls.alerts.find((a) => a.dir === 'c2s' && a.packet <= end.moment.packet && isCloseNotify(a));
  const s2c = tls.records.s2c;
  const c2s = tls.records.c2s;
  if (end.dir === 's2c') {
    const brokerAlert = tls.alerts.find((a) => a.dir === 's2c' && a.packet <= end.moment.packet);
    if (end.kind !== 'rst' || alert === undefined || (brokerAlert !== undefined && brokerAlert.packet < alert.packet)) return null;
    // The client closed if the broker answered last (its Close-Ok); a broker that closed first (a forced close, 320)
    // gets the client's Close-Ok last (review 38).
    if (s2c.lastApplication === null || c2s.lastApplication === null || s2c.lastApplication.packet < c2s.lastApplication.packet) return null;
    return { at: alert, evidence: 'the client sent a TLS alert (close_notify) first', brokerReset: true };
  }
  if (alert !== undefined) return { at: alert, evidence: 'the client sent a TLS alert (close_notify) before closing TCP', brokerReset: false };
  if (
    tls.heartbeatRecordSize !== null &&
    s2c.lastApplication !== null &&
    c2s.lastApplication !== null &&
    s2c.lastApplicationSize === tls.heartbeatRecordSize + CLOSE_OK_EXTRA &&
    s2c.lastApplication.packet > c2s.lastApplication.packet &&
    s2c.lastApplication.packet < end.moment.packet
  ) {
    // Channel.Close-Ok (and every other 12-byte reply) has that size too (review 37): said, not hidden.
    return {
      at: s2c.lastApplication,
      evidence: "the broker's last record has the size of Connection.Close-Ok and answered the client's last record (a Channel.Close-Ok has that size too: a client that closed only its channel and then dropped the connection would look the same)",
      brokerReset: false,
    };
  }
  return null;
}
