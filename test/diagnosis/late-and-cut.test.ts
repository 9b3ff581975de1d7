/**
 * Captures that start late or stop mid-incident, cut from real ones (captures/README.md), judged without claims the
 * wire cannot back (review 26):
 * - fleet-network-blackhole from packet 200: the broker's RSTs after its data went unanswered are RabbitMQ closing
 *   the sockets (the full capture: missed heartbeats, T=4 s), not its kernel giving up (that ends without a RST,
 *   failure-modes.md F5); T is unknown, so a reset with the silence's cause and the T a heartbeat timeout would need.
 * - pika-sigstop-consumer from packet 400: a stalled consumer dropped by the broker, T unknown: not "outside the
 *   2T-3T window".
 * - fleet-network-blackhole and fleet-clients-stalled stopped before the broker's RSTs: the connections that went
 *   silent together are said to be silent together and still open, with when RabbitMQ will close them.
 * - fleet-broker-restart stopped between a SYN and its RST (4 us apart): not a SYN "never answered".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer, analyzeBytes } from '../../src/analyze.js';
import { timeSpan } from '../../src/fleet/clock.js';
import { fleetFromReport } from '../../src/report/members.js';
import { renderTerminal } from '../../src/render/terminal.js';
import type { Report, ReportConnection } from '../../src/report/types.js';
import { captureBytes, keyLogOf } from '../helpers/captures.js';
import { Conversation } from '../helpers/conversation.js';
import { writePcap } from '../helpers/synth-capture.js';
import { formatErrors, validate, type JsonSchema } from '../helpers/json-schema.js';
import { fromPacket, untilPacket } from '../helpers/pcap-records.js';

const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'report.schema.json'), 'utf8')) as JsonSchema;
const problems = (r: Report): ReportConnection[] => r.connections.filter((c) => c.end.verdict !== 'closed-by-client' && c.end.verdict !== 'open');

describe('fleet-network-blackhole.pcap from packet 200 (the handshakes and the last client bytes before it)', () => {
  const report = analyzeBytes(fromPacket(captureBytes('fleet-network-blackhole.pcap'), 200));
  const cut = problems(report);

  it('resets with cause client-unreachable, not a TCP timeout: the broker sent the RSTs, T unknown', () => {
    expect(cut).toHaveLength(4);
    for (const c of cut) {
      expect(c.heartbeat).toEqual({ proposed: null, negotiated: null, inferred: null });
      expect(c.end).toMatchObject({ verdict: 'reset', cause: 'client-unreachable', by: 'server', how: 'rst', silenceAtLeast: true, middlebox: false });
      expect(c.end.silenceSeconds).toBeGreaterThan(11.5);
      expect(c.end.explanation).toMatch(/^The broker reset the connection without Connection\.Close at least 1\d\.\d s after the capture's start/);
      expect(c.end.explanation).toMatch(/T is unknown .* it fits a T of at least [34]\.\d s \(the broker log then says "missed heartbeats from client"\)/);
      expect(c.end.explanation).not.toMatch(/etimedout|kernel gave up/);
    }
    expect(formatErrors(validate(schema, JSON.parse(JSON.stringify(report))))).toBe('');
  });

  it('is one wave of scope network, said in the headline without a heartbeat timing it cannot check', () => {
    expect(report.fleet.waves).toHaveLength(1);
    expect(report.fleet.waves[0]).toMatchObject({ verdict: 'reset', cause: 'client-unreachable', scope: 'network', count: 4, hosts: ['10.98.0.11', '10.98.0.12', '10.98.0.13'] });
    expect(report.fleet.headline[1]).toMatch(/became unreachable at about the same time and the broker reset each \(whether for missed heartbeats the capture cannot show: its start is too late; the silences fit them\) between 11\.596 and 11\.885 s: a network failure/);
  });
});

describe('pika-sigstop-consumer.pcap from packet 400 (its last client byte before it)', () => {
  const [c] = problems(analyzeBytes(fromPacket(captureBytes('pika-sigstop-consumer.pcap'), 400)));

  it('is a reset of a stalled client, with the T a heartbeat timeout would need, not "outside the 2T-3T window"', () => {
    expect(c!.end).toMatchObject({ verdict: 'reset', cause: 'client-stalled', by: 'server', how: 'rst', silenceAtLeast: true });
    expect(c!.end.explanation).toMatch(/the client's kernel kept ACKing the broker's data while its application sent nothing: the client stalled/);
    expect(c!.end.explanation).toMatch(/it fits a T of at least 2\.\d s/);
    expect(c!.end.explanation).not.toMatch(/outside the 2T-3T window/);
  });
});

describe('a capture stopped mid-incident, before the broker dropped the silent clients', () => {
  const analyse = (name: string, last: number) => {
    const a = new Analyzer({ path: name });
    a.push(untilPacket(captureBytes(name), last));
    return { report: a.end(), members: a.fleetInput().members };
  };

  it('fleet-network-blackhole up to packet 299: went silent together, still open, and when RabbitMQ will close them', () => {
    const { report, members } = analyse('fleet-network-blackhole.pcap', 299);
    expect(report.fleet.headline.join(' ')).not.toMatch(/ended one by one/);
    expect(report.fleet.headline[1]).toBe(
      '4 connections (neutron-l3-agent, nova-compute and cinder-volume) from 3 hosts (10.98.0.11, 10.98.0.12 and 10.98.0.13) went silent between 4.068 and 4.363 s and are still open at the end of the capture (client-unreachable): the broker\'s data goes unacknowledged, so a network failure between those hosts and the broker (switch, firewall, security group, partition), not the applications. RabbitMQ will close them for missed heartbeats between 12.068 and 16.363 s if nothing changes.',
    );
    // It did: the full capture's RSTs came at 16.012-16.300 s.
    const full = analyzeBytes(captureBytes('fleet-network-blackhole.pcap'));
    for (const c of problems(full)) expect(c.end.t).toBeGreaterThanOrEqual(12.068), expect(c.end.t).toBeLessThanOrEqual(16.363);
    // The same fleet from the report alone (--merge): the silences' starts come from lastClientByte.
    expect(fleetFromReport(report).headline).toEqual(report.fleet.headline);
    expect(members.filter((m) => m.silentSince !== null)).toHaveLength(4);
  });

  it('fleet-clients-stalled up to packet 349: three independent clients stalled at once', () => {
    const { report } = analyse('fleet-clients-stalled.pcap', 349);
    expect(report.fleet.headline[1]).toMatch(
      /^3 connections \(nova-compute, neutron-l3-agent and cinder-volume\) from 3 hosts \(127\.0\.0\.51, 127\.0\.0\.52 and 127\.0\.0\.53\) went silent between 6\.126 and 7\.282 s and are still open at the end of the capture \(client-stalled\): their kernels keep ACKing/,
    );
    expect(report.fleet.headline.join(' ')).not.toMatch(/open \(client-stalled\) at 1\d\.\d+ s/);
    // One past 2T is an error; two between T and 2T are warnings (a client writing every 1.5T gets there), still
    // counted with it: the fleet takes a judged silence for a problem whatever its severity.
    expect(report.connections.filter((c) => c.end.cause !== null).map((c) => [c.client.address, c.end.severity])).toEqual([
      ['127.0.0.51', 'error'],
      ['127.0.0.52', 'warning'],
      ['127.0.0.53', 'warning'],
    ]);
    expect(report.fleet.headline[0]).toMatch(/: 3 with problems \(3 open \(client-stalled\)\)/);
  });

  it('pika-sigstop-zero-window up to packet 240: silent since its last byte, the cause beside it, not "not reading since" then (review 36)', () => {
    const { report } = analyse('pika-sigstop-zero-window.pcap', 240);
    // Its last frame (Basic.Ack, #149) at 2.664 s; its zero window from 4.826 s (#208).
    expect(report.fleet.headline[1]).toBe('127.0.0.1:37210->127.0.0.1:5672 (pika-sigstop-consumer): still open at the end of the capture, silent since 2.664 s (client-not-reading).');
  });

  it('pika-long-callback up to packet 30 (1.5 x T): a warning, not an error; --fail-on error passes, --fail-on warning fails (review 36)', () => {
    const { report } = analyse('pika-long-callback.pcap', 30);
    expect(report.connections[0]!.end).toMatchObject({ verdict: 'open', cause: 'client-stalled', severity: 'warning', heartbeatMultiple: 1.5 });
    expect(report.connections[0]!.end.explanation).toMatch(/the application may have stalled\. Not yet 2T/);
    expect(report.fleet.headline).toEqual(['1 AMQP connection from 127.0.0.1 (pika-long-callback): still open at the end of the capture, but client-stalled (warning).']);
    // At 2T and past it (up to packet 35: 12.007 s of silence), the error it is.
    expect(analyse('pika-long-callback.pcap', 34).report.connections[0]!.end.severity).toBe('error');
  });
});

describe('a capture stopped between a SYN and its answer', () => {
  it('fleet-broker-restart up to packet 699: the last SYN (its RST is packet 700) is not a SYN never answered', () => {
    const cut = analyzeBytes(untilPacket(captureBytes('fleet-broker-restart.pcap'), 699));
    expect(cut.fleet.refused).toMatchObject({ reset: 87, unanswered: 0 });
    expect(cut.fleet.headline.join(' ')).not.toMatch(/never answered/);
    expect(analyzeBytes(untilPacket(captureBytes('fleet-broker-restart.pcap'), 700)).fleet.refused).toMatchObject({ reset: 88, unanswered: 0 });
  });

  it('a SYN the capture saw go unanswered for longer than a round trip still counts, said in the singular', () => {
    const syn = (t: number, port: number) => new Conversation({ client: '10.0.0.5', server: '10.0.0.10', clientPort: port, start: 1_700_000_000 }).at(t).segment('c', '', { flags: 'S' }).packets;
    const other = new Conversation({ client: '10.0.0.6', server: '10.0.0.10', clientPort: 42000, start: 1_700_000_000 }).at(2).handshake().packets;
    const report = (...synAt: number[]) => analyzeBytes(writePcap([...synAt.flatMap((t, i) => syn(t, 41000 + i)), ...other].sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec)));
    expect(report(0.5).fleet.refused).toMatchObject({ count: 1, unanswered: 1 });
    expect(report(0.5).fleet.headline.join(' ')).toMatch(/1 connection attempt got no answer at 0\.000 s \(SYN never answered\)/);
    // 5 ms before the capture's end: undecided, not counted; 50 ms before it, never answered.
    expect(report(1.995).fleet.refused).toMatchObject({ count: 0, unanswered: 0 });
    expect(report(1.95).fleet.refused).toMatchObject({ count: 1, unanswered: 1 });
  });
});

describe('a capture stopped in the middle of the AMQP handshake', () => {
  it('pika-long-callback up to packet 9 (Connection.Tune): still open, mid-handshake, its last frame named', () => {
    const [c] = analyzeBytes(untilPacket(captureBytes('pika-long-callback.pcap'), 9)).connections;
    expect(c!.end).toMatchObject({ verdict: 'open', severity: 'info', cause: null });
    expect(c!.end.explanation).toBe(
      "Still open when the capture ended, in the middle of its AMQP handshake (no Connection.Open-Ok yet); its last frame was the broker's Connection.Tune (packet 9): whether it completed is not in the capture.",
    );
  });
});

describe('a capture taken during a resource alarm (pika-blocked-memory-alarm.pcap)', () => {
  const bytes = captureBytes('pika-blocked-memory-alarm.pcap');

  it('packets 400-732 (no Connection.Blocked in it, the broker window at zero at the end): not a stalled client', () => {
    const [c] = analyzeBytes(untilPacket(fromPacket(bytes, 400), 333)).connections;
    expect(c!.end).toMatchObject({ verdict: 'open', cause: null, severity: 'warning' });
    expect(c!.end.explanation).toMatch(/^Still open when the capture ended, with the broker's receive window at zero since \d+\.\d{3} s: it stopped reading from this client/);
    expect(c!.end.explanation).toMatch(/is that, not a stall: RabbitMQ pauses its heartbeat check while it does not read, so no close follows from it/);
    expect(c!.end).not.toHaveProperty('expectedClose');
  });

  it('packets 1-735 (stopped just after Connection.Unblocked): the silence counts from the broker reading again', () => {
    const [c] = analyzeBytes(untilPacket(bytes, 735)).connections;
    expect(c!.end).toMatchObject({ verdict: 'open', cause: null, severity: 'info', explanation: 'Still open when the capture ended.' });
  });
});

describe('a late start with T known but the silence only a lower bound shorter than 2T', () => {
  it('pika-long-callback-midstream packets 7-13: a heartbeat timeout is neither confirmed nor ruled out', () => {
    const [c] = analyzeBytes(untilPacket(fromPacket(captureBytes('pika-long-callback-midstream.pcap'), 7), 7)).connections;
    expect(c!.heartbeat.inferred).toBe(4);
    expect(c!.end).toMatchObject({ verdict: 'reset', cause: 'client-stalled', silenceAtLeast: true });
    expect(c!.end.explanation).not.toMatch(/outside the 2T-3T window/);
    expect(c!.end.explanation).toMatch(/With T=4 s \(inferred from its heartbeats\), RabbitMQ's heartbeat timeout closes a silent client this way 2T-3T after its last byte: it fits if that byte came 2\.0-6\.0 s before the capture started/);
  });

  it('handshake-wrong-protocol from packet 19: a broker RST 0.3 ms after the client wrote is no silence to explain', () => {
    const [c] = analyzeBytes(fromPacket(captureBytes('handshake-wrong-protocol.pcap'), 19)).connections;
    expect(c!.end.cause).toBeNull();
    expect(c!.end.explanation).not.toMatch(/fits a T/);
  });
});

describe('fleet-middlebox-reset.pcap from packet 33 (one connection has no packet of the broker before its RST)', () => {
  it('is a network wave: a reset whose TTL cannot be compared does not outvote two forged ones', () => {
    const report = analyzeBytes(fromPacket(captureBytes('fleet-middlebox-reset.pcap'), 33));
    expect(report.connections.map((c) => [c.end.verdict, c.end.middlebox, c.end.usualTtl])).toEqual(
      expect.arrayContaining([
        ['reset', true, 63],
        ['reset', false, null],
      ]),
    );
    expect(report.fleet.waves).toMatchObject([{ verdict: 'reset', scope: 'network', count: 3 }]);
    // T is unknown for two of them: no claim about a heartbeat window.
    expect(report.fleet.headline[1]).toBe(
      '3 connections (nova-compute) from 3 hosts (10.97.1.2, 10.97.1.3 and 10.97.1.4) were reset within 649 ms: a middlebox (load balancer, NAT, firewall) resetting idle or tracked connections. None reconnected within the capture.',
    );
  });
});

describe('connections joined midway without a byte of payload in the capture', () => {
  it('netns-blackhole-keepalive from packet 18: the half-open connection is listed, not counted as a health check', () => {
    const report = analyzeBytes(fromPacket(captureBytes('netns-blackhole-keepalive.pcap'), 18));
    expect(report.connections).toHaveLength(1);
    expect(report.connections[0]!.end).toMatchObject({ verdict: 'reset', by: 'server', how: 'rst' });
    expect(report.fleet.noAmqp.count).toBe(0);
    expect(report.fleet.headline).toEqual(['1 AMQP connection from 10.99.0.2: reset at 7.108 s.']);
  });

  it('fleet-broker-restart from packet 600: a lone broker RST (its SYN just before the capture) is a refused attempt', () => {
    const report = analyzeBytes(fromPacket(captureBytes('fleet-broker-restart.pcap'), 600));
    expect(report.fleet.refused).toMatchObject({ count: 71, reset: 71, t: 0 });
    expect(report.fleet.noAmqp.count).toBe(0);
  });
});

describe('broker-sigstop-client-timeout.pcap joined after the handshake (T unknown)', () => {
  const bytes = captureBytes('broker-sigstop-client-timeout.pcap');

  it('from packet 15: the client gave up on a broker silent through its heartbeats, not a client abort', () => {
    const [c] = analyzeBytes(fromPacket(bytes, 15)).connections;
    expect(c!.heartbeat.negotiated).toBeNull();
    expect(c!.end).toMatchObject({ verdict: 'server-unresponsive', cause: 'server-stalled', by: 'client', clientHeartbeatsDuringSilence: 8 });
    expect(c!.end.explanation).toMatch(/^The broker sent nothing for 16\.0 s while the client kept sending heartbeats \(8\) and the broker's kernel ACKed them: the broker process stalled/);
  });

  it('from packet 29: three heartbeats are too few to say so (a client abort, as the wire alone shows)', () => {
    expect(analyzeBytes(fromPacket(bytes, 29)).connections[0]!.end.verdict).toBe('client-aborted');
  });
});

describe('AMQPS captures joined after the TLS handshake', () => {
  it('amqps12-long-callback from packet 12: records read as a keyless connection, no handshake failure invented', () => {
    // With its key log: the keys cannot be found without the ClientHello, and the report says why.
    const [c] = analyzeBytes(fromPacket(captureBytes('amqps12-long-callback.pcap'), 12), { keyLog: keyLogOf('amqps12-long-callback.pcap')! }).connections;
    expect(c!.end.verdict).not.toBe('handshake-failed');
    // T from the broker's 37-byte heartbeats, once the explicit nonces showed TLS 1.2 AES-GCM (review 37 #10).
    expect(c!.end).toMatchObject({ verdict: 'missed-heartbeats', cause: 'client-stalled', by: 'server' });
    expect(c!.end.explanation).not.toMatch(/alert/);
    expect(c!.frames).toEqual({ clientToServer: null, serverToClient: null });
    expect(c!.findings.find((f) => f.code === 'tls-not-decrypted')?.message).toMatch(/the capture started after the TLS handshake/);
  });

  it('amqps13-healthy-idle from packet 23: the 30-byte heartbeats tell TLS 1.3, and the Close-Ok-sized answer a clean close (review 37)', () => {
    const [c] = analyzeBytes(fromPacket(captureBytes('amqps13-healthy-idle.pcap'), 23)).connections;
    expect(c!.end.verdict).toBe('closed-by-client');
    expect(c!.end.explanation).toMatch(/the broker's last record has the size of Connection\.Close-Ok/);
    // TLS 1.2 AES-GCM joined late cannot be sized: said so (test/tls/amqps-partial.test.ts).
  });
});

describe('fleet-fd-limit.pcap from packet 303 (the clients giving up, their SYNs before the capture)', () => {
  it('says how long a connection had been open only as a bound', () => {
    const failed = analyzeBytes(fromPacket(captureBytes('fleet-fd-limit.pcap'), 303)).connections.filter((c) => c.end.verdict === 'handshake-failed');
    expect(failed.length).toBeGreaterThan(5);
    for (const c of failed) {
      expect(c.end.explanation).not.toMatch(/0\.0 s after it opened/);
      expect(c.end.explanation).toMatch(/at least \d+\.\d s after it opened \(before the capture started\)/);
      expect(c.end).toMatchObject({ elapsedAtLeast: true });
    }
  });

  it('still shows a broker not accepting: the late Start after the client left, its header before the capture (review 36)', () => {
    const r = analyzeBytes(fromPacket(captureBytes('fleet-fd-limit.pcap'), 300));
    expect(r.fleet.notAccepting.count).toBe(11);
    expect(r.connections.filter((c) => c.end.notAccepted === true)).toHaveLength(11);
    expect(r.fleet.headline[1]).toBe(
      'The broker stopped accepting connections: 11 connections from 4 hosts completed the TCP handshake and sent the AMQP header before the capture started but never got Connection.Start (out of file descriptors or sockets?).',
    );
    expect(r.fleet.headline.join(' ')).not.toMatch(/one by one/);
    expect(fleetFromReport(r).headline).toEqual(r.fleet.headline);
    // From packet 200: 5 of them sent their header before it, 6 in it.
    expect(analyzeBytes(fromPacket(captureBytes('fleet-fd-limit.pcap'), 200)).fleet.headline[1]).toMatch(
      /sent the AMQP header between 0\.312 and 1\.869 s \(5 of them before the capture started\) but never got Connection\.Start/,
    );
  });
});

describe('a capture joined after the SYNs: TCP windows without their scale', () => {
  it('pika-long-callback from packet 11: the header\'s bare 64 is said unscaled, not a window about to close (review 36)', () => {
    const full = analyzeBytes(captureBytes('pika-long-callback.pcap')).connections[0]!;
    const late = analyzeBytes(fromPacket(captureBytes('pika-long-callback.pcap'), 11)).connections[0]!;
    // The client's ACK at 2.001 s: packet 26 of the capture, 16 of the cut; window scale 1024 from the SYN.
    expect(full.timeline.find((e) => e.packet === 26)?.summary).toBe('[ACK] win=65536');
    expect(late.timeline.find((e) => e.packet === 16)?.summary).toBe('[ACK] win=64 (unscaled)');
    expect(full.timeline.some((e) => e.summary.includes('unscaled'))).toBe(false);
  });

  it('pika-long-callback from packet 11: T inferred at 4 s keeps the low-heartbeat warning of the whole capture (review 36)', () => {
    const code = (c: ReportConnection) => c.findings.find((f) => f.code === 'heartbeat-timeout-low');
    const late = analyzeBytes(fromPacket(captureBytes('pika-long-callback.pcap'), 11)).connections[0]!;
    expect(code(analyzeBytes(captureBytes('pika-long-callback.pcap')).connections[0]!)).toMatchObject({ severity: 'warning', negotiated: 4 });
    expect(code(late)).toMatchObject({ severity: 'warning', inferred: 4, message: expect.stringMatching(/^Heartbeat timeout of about 4 s \(inferred from the broker's heartbeat cadence\)/) });
  });
});

describe('fleet-fd-limit.pcap stopped before its waiting clients give up (review 36: "all healthy")', () => {
  const cut = (last: number) => analyzeBytes(untilPacket(captureBytes('fleet-fd-limit.pcap'), last));

  it('up to packet 380 (16.8 s): the 11 connections waiting for Connection.Start are errors, and the headline counts them', () => {
    const r = cut(380);
    const waiting = r.connections.filter((c) => c.end.notAccepted === true);
    expect(waiting).toHaveLength(11);
    for (const c of waiting) expect(c.end).toMatchObject({ verdict: 'open', cause: null, severity: 'error', silentSide: 'server' });
    const first = r.connections.find((c) => c.id === '127.0.0.32:41597->127.0.0.1:5672')!;
    expect(first.end.explanation).toMatch(
      /^Still open when the capture ended, its client waiting 14\.1 s for the broker's Connection\.Start since its AMQP protocol header \(packet 166 at 2\.769 s\): the broker's kernel completed the TCP handshake, so the connection sits in its listen backlog, and RabbitMQ has not taken it/,
    );
    expect(r.fleet.headline[0]).toBe('20 AMQP connections from 4 hosts: 11 with problems (11 open waiting for Connection.Start); all still open at the end.');
    expect(renderTerminal(r, { width: 120, color: false, all: false })).toMatch(/open\s+open\n.*no Connection\.Start/);
    expect(fleetFromReport(r).headline).toEqual(r.fleet.headline);
  });

  it('up to packet 280 (8.2 s): only those waiting 5 s or more; the others may still get their Start', () => {
    const waiting = cut(280).connections.filter((c) => c.end.notAccepted === true);
    expect(waiting.map((c) => c.end.severity)).toEqual(['error', 'error', 'error', 'info', 'info', 'info', 'info', 'info', 'info', 'info', 'info']);
  });
});

describe('a refused login whose Connection.Start is before the capture', () => {
  it('pika-login-refused from packet 8: still a handshake failure (only the handshake gets a refused login), not through', () => {
    const a = new Analyzer({ path: 'x' });
    a.push(fromPacket(captureBytes('pika-login-refused.pcap'), 8));
    const report = a.end();
    expect(report.connections[0]!.handshakeSeen).toBe(false);
    expect(report.connections[0]!.end).toMatchObject({ verdict: 'handshake-failed', replyCode: 403, by: 'server' });
    expect(a.fleetInput().members[0]).toMatchObject({ verdict: 'handshake-failed', handshakeDone: false, beginningSeen: false });
  });
});

describe('a reconnect of a connection joined midway', () => {
  it('handshake-wrong-protocol from packet 6: a later connection that never named an application is no reconnect', () => {
    expect(analyzeBytes(fromPacket(captureBytes('handshake-wrong-protocol.pcap'), 6)).fleet.reconnects.count).toBe(0);
    // fleet-host-freeze-from-packet-300 still pairs its joined connections with their host's new nova-compute ones.
    expect(analyzeBytes(captureBytes('fleet-host-freeze-from-packet-300.pcap')).fleet.waves[0]).toMatchObject({ reconnected: 3 });
  });
});

describe('a refusal storm cut so that one refused login has no Start-Ok (its user unknown)', () => {
  it('fleet-login-refused-storm packets 338-535: all 13 refused logins are one refusal', () => {
    const report = analyzeBytes(untilPacket(fromPacket(captureBytes('fleet-login-refused-storm.pcap'), 338), 198));
    expect(report.fleet.handshakeRefusals).toMatchObject([{ count: 13, replyCode: 403 }]);
    expect(report.fleet.headline.join(' ')).not.toMatch(/other problem connection/);
  });
});

describe('a cut whose events all stand at the same millisecond', () => {
  it('fleet-broker-restart packets 529-533: two attempts refused 0.24 ms apart are "at 0.000 s", not "between 0.000 and 0.000 s"', () => {
    const report = analyzeBytes(untilPacket(fromPacket(captureBytes('fleet-broker-restart.pcap'), 529), 5));
    expect(report.fleet.refused).toMatchObject({ count: 2, reset: 2, t: 0 });
    expect(report.fleet.refused.endT).toBeCloseTo(0.00026, 6);
    expect(report.fleet.headline).toContain('2 connection attempts were refused at 0.000 s (RST: nothing listening on the broker port); already going on when the capture started (they may have begun before it).');
  });

  it('a span reads "at" when both ends round to the same millisecond, with the live lines\' sign', () => {
    expect(timeSpan(0.00004, 0.00028)).toBe('at 0.000 s');
    expect(timeSpan(6.2436, 6.2439, '+')).toBe('at +6.244 s');
    expect(timeSpan(6.2436, 6.2681, '+')).toBe('between +6.244 and +6.268 s');
  });
});
