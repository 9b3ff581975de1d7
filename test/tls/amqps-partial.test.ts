/**
 * AMQPS captures that start late or lose a packet of the close, judged from the records (review 37): a capture that
 * joined after the TLS handshake has no cipher to size the records by, and no ClientHello to find the keys with.
 */
import { describe, expect, it } from 'vitest';
import { Analyzer, analyzeBytes } from '../../src/analyze.js';
import type { Report, ReportConnection } from '../../src/report/types.js';
import { KeyLog } from '../../src/tls/keylog.js';
import { captureBytes, keyLogOf } from '../helpers/captures.js';
import { fromPacket, pcapRecords, untilPacket } from '../helpers/pcap-records.js';

const load = captureBytes('amqps13-load.pcap.xz');

function late(capture: string | Uint8Array, first: number, keys: boolean, name = 'amqps13-load.pcap'): Report {
  const bytes = typeof capture === 'string' ? captureBytes(capture) : capture;
  return analyzeBytes(fromPacket(bytes, first), { path: 'cut.pcap', ...(keys ? { keyLog: keyLogOf(name) } : {}) });
}

function byPort(report: Report, port: number): ReportConnection {
  return report.connections.find((c) => c.client.port === port)!;
}

describe('AMQPS: a capture that starts after the TLS handshake', () => {
  // amqps13-load from packet 200 (tcpdump 0.34 s late): every client closes with Connection.Close 200, then its
  // close_notify, then FIN (tshark with the key log: 38774 close_notify 9516, FIN 9517).
  for (const keys of [false, true]) {
    it(`amqps13-load from packet 200${keys ? ' (keys given, no ClientHello to find them by)' : ''}: eight clean closes, no wave of killed clients`, () => {
      const report = late(load, 200, keys);
      expect(report.connections).toHaveLength(8);
      for (const c of report.connections) {
        expect(c.tls?.decrypted).toBe(false);
        expect([c.id, c.end.verdict, c.end.by]).toEqual([c.id, 'closed-by-client', 'client']);
        expect(c.end.explanation).toContain('the client sent a TLS alert (close_notify)');
      }
      expect(report.fleet.waves).toEqual([]);
      // With keys, each has a warning that its keys could not be found (no ClientHello): nothing failed.
      expect(report.fleet.headline[0]).toContain(keys ? 'none failed; 8 with warnings (tls-not-decrypted on 8)' : 'all healthy');
      // The close_notify is told by its size: 24 bytes hold no AMQP frame under any suite.
      const c38774 = byPort(report, 38774);
      expect(c38774.timeline.find((e) => e.packet === 9516 - 199)?.summary).toBe('TLS encrypted alert 24 B (close_notify-sized)');
    });
  }

  it('amqps13-healthy-idle from packet 12 (pika sends no close_notify): T and the Close-Ok size from the 30-byte records, a clean close', () => {
    const c = late('amqps13-healthy-idle.pcap', 12, false).connections[0]!;
    expect(c.heartbeat).toMatchObject({ negotiated: null, inferred: 4, inferredFrom: 'tls-records' });
    expect(c.end.verdict).toBe('closed-by-client');
    expect(c.end.explanation).toContain("the broker's last record has the size of Connection.Close-Ok");
  });

  it('TLS 1.2 AES-GCM joined late: the explicit nonces counting up tell it, and its 37-byte heartbeats give T and the close', () => {
    // OpenSSL (pika) and Erlang's ssl (RabbitMQ) send the 8-byte explicit nonce as a counter; a 37-byte record alone
    // could also be a 6-byte body under TLS 1.3.
    const idle = late('amqps12-healthy-idle.pcap', 12, false).connections[0]!;
    expect(idle.heartbeat).toMatchObject({ negotiated: null, inferred: 4, inferredFrom: 'tls-records' });
    expect(idle.end.verdict).toBe('closed-by-client');
    expect(idle.end.explanation).toContain("the broker's last record has the size of Connection.Close-Ok");
    for (const first of [9, 12]) {
      const stalled = late('amqps12-long-callback.pcap', first, false).connections[0]!;
      expect([first, stalled.end.verdict, stalled.end.cause, stalled.heartbeat.inferred]).toEqual([first, 'missed-heartbeats', 'client-stalled', 4]);
    }
  });
});

describe('AMQPS without keys: the close', () => {
  it("amqps13-load 38804: Close, a Close-Ok-sized answer, the client's close_notify, the broker's, then the broker's RST: RabbitMQ's normal close, not a reset", () => {
    const report = analyzeBytes(load, { path: 'amqps13-load.pcap' });
    const c = byPort(report, 38804);
    expect(c.end).toMatchObject({ verdict: 'closed-by-client', severity: 'info', by: 'client', how: null, packet: 9503, inferredFrom: 'tls-records' });
    expect(c.end.explanation).toContain("the client sent a TLS alert (close_notify) first, and the broker reset the TCP connection (RabbitMQ's normal close, linger 0)");
    expect(report.connections.every((x) => x.severity === 'info')).toBe(true);
  });

  it("a broker's close_notify before the client's is not the client's close (amqps13-long-callback: the broker closes for missed heartbeats)", () => {
    const c = analyzeBytes(captureBytes('amqps13-long-callback.pcap'), { path: 'x.pcap' }).connections[0]!;
    expect(c.end).toMatchObject({ verdict: 'missed-heartbeats', by: 'server' });
  });
});

describe('AMQPS without keys: the protocol header is not a heartbeat', () => {
  it("the client's first record after the handshake is labelled the protocol header and counted as no heartbeat: the counts equal the decrypted ones", () => {
    for (const name of ['amqps13-sigkill.pcap', 'amqps13-healthy-idle.pcap', 'amqps12-healthy-idle.pcap', 'amqps13-long-callback.pcap']) {
      const bytes = captureBytes(name);
      const keyless = analyzeBytes(bytes, { path: name }).connections[0]!;
      const keyed = analyzeBytes(bytes, { path: name, keyLog: keyLogOf(name) }).connections[0]!;
      expect([name, keyless.heartbeats.clientToServer]).toEqual([name, keyed.heartbeats.clientToServer]);
      expect(keyless.timeline.filter((e) => e.summary.includes('(AMQP protocol header, by its place)'))).toHaveLength(1);
    }
  });

  it('amqps13-load packet 94 (the client Finished and the protocol header in one packet): the 30-byte record is not called a Finished', () => {
    const c = byPort(analyzeBytes(load, { path: 'amqps13-load.pcap' }), 38804);
    const at94 = c.timeline.filter((e) => e.packet === 94).map((e) => e.summary);
    expect(at94).toEqual(['TLS encrypted handshake 74 B (client Finished)', 'TLS application data 30 B (AMQP protocol header, by its place)']);
  });
});

/**
 * A capture analysed as --follow reads it, with a key log that gets the session's lines once `packets` packets were
 * read (`grows`), holding other sessions' lines from the start (`others`, a .keys file in captures/).
 */
function keysLoggedAfter(name: string, packets: number, grows: boolean, others = ''): ReportConnection {
  const keys = captureBytes(`${name}.keys`);
  const log = new KeyLog();
  if (others !== '') log.add(captureBytes(others));
  let written = false;
  let added = false;
  if (grows) {
    log.grow = () => {
      if (!written || added) return false;
      added = true;
      log.add(keys);
      return true;
    };
  }
  const a = new Analyzer({ keyLog: log, onLive: () => {} });
  const { header, records } = pcapRecords(captureBytes(`${name}.pcap`));
  a.push(header);
  records.forEach((r, i) => {
    if (i === packets) written = true;
    a.push(r);
  });
  return a.end().connections[0]!;
}

describe('AMQPS with a key log still being written (--follow)', () => {
  // amqps13-long-callback: ClientHello packet 4, ServerHello 6, the client's first protected record (its Finished)
  // after it. A client logs a session's secrets once it has the ServerHello, before it sends its Finished.
  function withKeysAfter(packets: number, grows: boolean, others = ''): ReportConnection {
    return keysLoggedAfter('amqps13-long-callback', packets, grows, others);
  }

  for (const packets of [3, 6, 7]) {
    it(`secrets logged after packet ${packets} (${packets < 6 ? 'before' : 'after'} the ServerHello): decrypted, as with the whole key log`, () => {
      const c = withKeysAfter(packets, true);
      expect(c.tls?.decrypted).toBe(true);
      expect(c.frames).toEqual({ clientToServer: 9, serverToClient: 14 });
      expect(c.unacked).toBe(1);
      expect(c.findings.map((f) => f.code)).not.toContain('tls-not-decrypted');
    });
  }

  it('a key log that does not grow is not waited for: the keyless analysis and the warning, as before', () => {
    const c = withKeysAfter(6, false, 'amqps13-healthy-idle.keys');
    expect(c.tls?.decrypted).toBe(false);
    expect(c.findings.find((f) => f.code === 'tls-not-decrypted')?.message).toContain('the key log has no TLS 1.3 secrets for this connection');
  });

  it('a key log that never held a secret gave no keys: no tls-not-decrypted warning (review 38: --follow with an empty SSLKEYLOGFILE warned on every connection)', () => {
    for (const grows of [false, true]) {
      const c = withKeysAfter(Infinity, grows);
      expect(c.tls?.decrypted).toBe(false);
      expect(c.findings.map((f) => f.code)).not.toContain('tls-not-decrypted');
      expect(c.end.verdict).toBe('missed-heartbeats');
    }
  });

  it('TLS 1.2: secrets logged after the ServerHello, found at the client Finished, and the server side too', () => {
    const c = keysLoggedAfter('amqps12-long-callback', 7, true, 'amqps13-healthy-idle.keys');
    expect(c.tls?.decrypted).toBe(true);
    expect(c.frames).toEqual({ clientToServer: 9, serverToClient: 14 });
  });
});

describe('AMQPS: a capture stopped between the broker close_notify and its RST', () => {
  for (const [name, keys] of [['amqps13-long-callback.pcap', true], ['amqps13-long-callback.pcap', false], ['amqps12-long-callback.pcap', false]] as const) {
    it(`${name} to packet 40${keys ? ' with keys' : ''}: the close is under way, not expected`, () => {
      const c = analyzeBytes(untilPacket(captureBytes(name), 40), { path: name, ...(keys ? { keyLog: keyLogOf(name) } : {}) }).connections[0]!;
      expect(c.end).toMatchObject({ verdict: 'open', cause: 'client-stalled', severity: 'error' });
      expect(c.end.explanation).toMatch(/The broker sent a TLS close_notify \(packet 40 at 12\.0\d\d s\), after the client's last byte: it was closing the connection when the capture ended\./);
      expect(c.end.explanation).not.toMatch(/Expect the broker to close it|would have closed it 3T/);
    });
  }
});

describe('AMQPS without keys: a Close-Ok-sized answer is not proof of a connection close', () => {
  it('amqps13-healthy-idle: clean as far as the records show, and the Channel.Close-Ok of the same size is said', () => {
    const c = analyzeBytes(captureBytes('amqps13-healthy-idle.pcap'), { path: 'x.pcap' }).connections[0]!;
    expect(c.end.verdict).toBe('closed-by-client');
    expect(c.end.explanation).toContain('a Channel.Close-Ok has that size too');
  });
});
