/**
 * AMQPS on the real captures (captures/amqps*, their README rows): decrypted with their key logs, the report is the
 * plaintext analysis (frame counts per direction as tshark counts them with `-o tls.keylog_file:KEYS`, verdicts like
 * captures/pika-long-callback.pcap); without keys, the same verdicts from the records; wrong keys: a warning and
 * the keyless analysis, never a crash.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReportConnection } from '../../src/report/types.js';
import { parseKeyLog } from '../../src/tls/keylog.js';
import { framesText, heartbeatPhrase } from '../../src/render/phrases.js';
import { CAPTURES_DIR, analyzeCapture } from '../helpers/captures.js';

const keysOf = (capture: string) => parseKeyLog(readFileSync(join(CAPTURES_DIR, capture.replace(/\.pcap$/, '.keys'))));

function only(capture: string, withKeys: boolean, keys = capture): ReportConnection {
  const { report } = analyzeCapture(capture, withKeys ? { keyLog: keysOf(keys) } : {});
  expect(report.connections).toHaveLength(1);
  return report.connections[0]!;
}

/** Frame counts per direction (tshark with the keys, captures/README.md) and the decrypted verdict. */
const CASES = [
  { capture: 'amqps13-long-callback.pcap', version: '1.3', c2s: 9, s2c: 14, verdict: 'missed-heartbeats', cause: 'client-stalled', last: ['Basic.Consume', 26] },
  { capture: 'amqps12-long-callback.pcap', version: '1.2', c2s: 9, s2c: 14, verdict: 'missed-heartbeats', cause: 'client-stalled', last: ['Basic.Consume', 26] },
  { capture: 'amqps13-healthy-idle.pcap', version: '1.3', c2s: 11, s2c: 11, verdict: 'closed-by-client', cause: null, last: ['Connection.Close', 42] },
  // Through a HelloRetryRequest: both middlebox-compatibility ChangeCipherSpecs come before the real ServerHello.
  { capture: 'amqps13-hello-retry.pcap', version: '1.3', c2s: 11, s2c: 11, verdict: 'closed-by-client', cause: null, last: ['Connection.Close', 43] },
  { capture: 'amqps12-healthy-idle.pcap', version: '1.2', c2s: 11, s2c: 11, verdict: 'closed-by-client', cause: null, last: ['Connection.Close', 38] },
  { capture: 'amqps13-sigkill.pcap', version: '1.3', c2s: 6, s2c: 6, verdict: 'client-aborted', cause: null, last: ['Heartbeat', 25] },
] as const;

describe('AMQPS with keys: decrypted, analysed as plaintext', () => {
  for (const c of CASES) {
    it(`${c.capture}: ${c.c2s}/${c.s2c} frames, ${c.verdict}`, () => {
      const conn = only(c.capture, true);
      expect(conn.tls).toMatchObject({ version: c.version, sni: 'localhost', alpn: null, decrypted: true });
      expect(conn.frames).toEqual({ clientToServer: c.c2s, serverToClient: c.s2c });
      expect(conn.end.verdict).toBe(c.verdict);
      expect(conn.end.cause).toBe(c.cause);
      expect(conn.end['inferredFrom']).toBeUndefined();
      expect(conn.heartbeat.negotiated).toBe(4);
      expect([conn.lastClientFrame?.type, conn.lastClientFrame?.packet]).toEqual([...c.last]);
      expect(conn.findings.map((f) => f.code)).not.toContain('tls-not-decrypted');
    });
  }
  it('the decrypted long callback reads like captures/pika-long-callback.pcap', () => {
    const plain = only('pika-long-callback.pcap', false);
    const tls = only('amqps13-long-callback.pcap', true);
    for (const k of ['verdict', 'cause', 'by', 'how', 'heartbeatMultiple', 'windowSeconds', 'onReceiverGrid'] as const) expect(tls.end[k], k).toEqual(plain.end[k]);
    expect(tls.findings.map((f) => f.code)).toEqual(plain.findings.map((f) => f.code).filter((c) => c !== 'redelivered'));
    expect(tls.name).toBe('amqps13-long-callback');
    expect(tls.library).toBe(plain.library);
  });
  it('the bad-certificate handshake explains the alert, and never sends the client to port 5671', () => {
    for (const withKeys of [false, true]) {
      const conn = only('amqps13-bad-cert.pcap', withKeys);
      expect(conn.end.verdict).toBe('handshake-failed');
      expect(conn.end.by).toBe('client');
      expect(conn.end['tlsAlert']).toBe('unknown_ca');
      expect(conn.end.explanation).toMatch(/unknown_ca.*CA that signed it/);
      expect(conn.end.explanation).not.toMatch(/5671/);
      expect(conn.findings.map((f) => f.code)).toEqual([]); // no key warning for a handshake that never finished
    }
  });
});

describe('AMQPS without keys: judged from the records', () => {
  for (const c of CASES) {
    it(`${c.capture}: ${c.verdict}, frames unknown, marked inferred`, () => {
      const conn = only(c.capture, false);
      expect(conn.tls?.decrypted).toBe(false);
      expect(conn.frames).toEqual({ clientToServer: null, serverToClient: null });
      expect(conn.end.verdict).toBe(c.verdict);
      expect(conn.end.cause).toBe(c.cause);
      expect(conn.end['inferredFrom']).toBe('tls-records');
      expect(conn.lastClientFrame?.type).toBe('TLS application data');
      const size = c.version === '1.3' ? 30 : 37;
      expect(conn.timeline.some((e) => e.kind === 'tls' && e.summary === `TLS application data ${size} B, heartbeat-sized`)).toBe(true);
    });
  }
  it('T from the broker\'s heartbeat-sized records where there are enough of them', () => {
    for (const c of ['amqps13-long-callback.pcap', 'amqps12-long-callback.pcap', 'amqps13-healthy-idle.pcap', 'amqps12-healthy-idle.pcap']) {
      const conn = only(c, false);
      expect(conn.heartbeat).toEqual({ proposed: null, negotiated: null, inferred: 4, inferredFrom: 'tls-records' });
    }
  });
});

describe('AMQPS with the wrong keys', () => {
  it('warns, names the connection\'s problem, and gives the keyless analysis', () => {
    const conn = only('amqps13-long-callback.pcap', true, 'amqps13-healthy-idle.pcap');
    expect(conn.tls?.decrypted).toBe(false);
    const warning = conn.findings.find((f) => f.code === 'tls-not-decrypted');
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toMatch(/no TLS 1.3 secrets for this connection/);
    expect(conn.end.verdict).toBe('missed-heartbeats');
    expect(conn.end['inferredFrom']).toBe('tls-records');
  });
  it('secrets that do not authenticate the records: a warning, the keyless analysis', () => {
    // The right client random, a wrong secret.
    const text = readFileSync(join(CAPTURES_DIR, 'amqps12-long-callback.keys'), 'latin1').replace(/ ([0-9a-f]{96})$/m, (_, s: string) => ` ${s.slice(0, 95)}${s.endsWith('0') ? '1' : '0'}`);
    const { report } = analyzeCapture('amqps12-long-callback.pcap', { keyLog: parseKeyLog(text) });
    const conn = report.connections[0]!;
    expect(conn.tls?.decrypted).toBe(false);
    const finding = conn.findings.find((f) => f.code === 'tls-not-decrypted')!;
    expect(finding.message).toMatch(/do not decrypt with the logged keys/);
    // The finding stands at the record its message names (review 37: at the handshake, a packet before it).
    expect(finding.message).toContain(`at packet ${finding.packet} do not decrypt`);
    expect(conn.end.verdict).toBe('missed-heartbeats');
    // Keys were given: the report does not say there were none.
    expect(framesText(conn)).toBe('TLS, not decrypted');
    expect(heartbeatPhrase(conn)).not.toContain('no TLS keys');
    expect(conn.findings.find((f) => f.code === 'heartbeat-inferred')?.message).toContain('not decrypted: see tls-not-decrypted');
    expect(framesText(only('amqps12-long-callback.pcap', false))).toBe('TLS, no keys');
    expect(JSON.stringify(report)).not.toContain(text.trim().split(/\s+/).pop()!.slice(0, 16));
  });
});

describe('AMQPS with a wrong TLS 1.3 application secret', () => {
  it('the handshake decrypts, the first application record does not: the warning stands at that record, after the handshake', () => {
    const text = readFileSync(join(CAPTURES_DIR, 'amqps13-long-callback.keys'), 'latin1').replace(/^(CLIENT_TRAFFIC_SECRET_0 \S+ )(\S+)$/m, (_, head: string, s: string) => `${head}${s.slice(0, -1)}${s.endsWith('0') ? '1' : '0'}`);
    const conn = analyzeCapture('amqps13-long-callback.pcap', { keyLog: parseKeyLog(text) }).report.connections[0]!;
    const finding = conn.findings.find((f) => f.code === 'tls-not-decrypted')!;
    expect(finding.message).toContain(`records from the client at packet ${finding.packet} do not decrypt`);
    // The client's Finished (the handshake's end) came before.
    const finished = conn.timeline.find((e) => e.summary.includes('Finished') && e.dir === 'c2s');
    expect(finished === undefined || finished.packet < finding.packet).toBe(true);
    expect(finding.packet).toBeGreaterThan(8);
  });
});
