/**
 * inferredClientClose (src/diagnosis/tls-records.ts) on record facts no capture in captures/ has: who closed first
 * when the broker's RST ends a keyless connection. The real cases are in test/tls/amqps-partial.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { inferredClientClose } from '../../src/diagnosis/tls-records.js';
import type { RuleContext } from '../../src/diagnosis/types.js';
import { newTlsFacts, type TlsAlert } from '../../src/tls/types.js';

const at = (packet: number) => ({ packet, tsSec: 100 + packet / 100, tsNsec: 0 });

/** A keyless TLS 1.3 connection whose last records and alerts are given, ended by the broker's RST at packet 20. */
function ctx(opts: { clientLast: number; brokerLast: number; alerts: [dir: 'c2s' | 's2c', packet: number][] }): RuleContext {
  const tls = newTlsFacts();
  tls.clientOpened = 'tls';
  tls.version = '1.3';
  tls.clientHello = at(4);
  tls.serverHello = at(6);
  tls.handshakeDone = at(8);
  tls.heartbeatRecordSize = 30;
  tls.records.c2s.lastApplication = at(opts.clientLast);
  tls.records.c2s.lastApplicationSize = 56;
  tls.records.s2c.lastApplication = at(opts.brokerLast);
  tls.records.s2c.lastApplicationSize = 34;
  tls.alerts = opts.alerts.map(([dir, packet]): TlsAlert => ({ dir, level: null, description: null, name: 'encrypted alert', ...at(packet) }));
  const end = at(20);
  return { facts: { tls } as never, firstTcpEnd: { dir: 's2c', kind: 'rst', moment: end, ttl: 64, usualTtl: 64 } } as unknown as RuleContext;
}

describe('a keyless connection ended by the broker RST', () => {
  it("the client's close_notify after the broker answered its last record: the client's clean close (amqps13-load 38804)", () => {
    const r = inferredClientClose(ctx({ clientLast: 10, brokerLast: 11, alerts: [['c2s', 12], ['s2c', 13]] }));
    expect(r).toMatchObject({ brokerReset: true, at: { packet: 12 } });
  });

  it("the broker's alert first: the broker closed", () => {
    expect(inferredClientClose(ctx({ clientLast: 10, brokerLast: 11, alerts: [['s2c', 12], ['c2s', 13]] }))).toBeNull();
  });

  it('the client sent the last record (its Close-Ok to a forced close), then its close_notify: not the client closing', () => {
    expect(inferredClientClose(ctx({ clientLast: 11, brokerLast: 10, alerts: [['c2s', 12], ['s2c', 13]] }))).toBeNull();
  });
});
