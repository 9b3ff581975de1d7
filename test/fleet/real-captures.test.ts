/**
 * The fleet section on real captures of real incidents (recorded with lab/scenarios/fleet_*; what happened on the
 * wire is in captures/README.md): the wave, its scope and who reconnected; the broker that stopped accepting;
 * refused attempts; reconnect loops; a healthy crowd with two casualties. Figures are the ones the README states.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/types.js';
import { analyzeBytes, analyzeFile } from '../../src/analyze.js';
import { fleetLines } from '../../src/render/fleet.js';
import { liveLine } from '../../src/render/live.js';
import { filterReport } from '../../src/report/filter.js';
import { mergeReports } from '../../src/report/merge.js';
import { fleetFromReport } from '../../src/report/members.js';
import { analyzeCapture, analyzeLive, CAPTURES_DIR, captureBytes, keyLogOf } from '../helpers/captures.js';
import { fromPacket, pcapRecords, untilPacket } from '../helpers/pcap-records.js';

const cache = new Map<string, Report>();
function fleetOf(name: string) {
  let r = cache.get(name);
  if (r === undefined) cache.set(name, (r = analyzeCapture(name).report));
  return r;
}

describe('fleet on real captures', () => {
  it('fleet-host-freeze: one host frozen is a host-scoped wave of missed heartbeats, all reconnected ~7.3 s later', () => {
    const r = fleetOf('fleet-host-freeze.pcap');
    const f = r.fleet;
    expect(f).toMatchObject({ connections: 16, open: 0, hosts: 4, byVerdict: { 'missed-heartbeats': 3, 'handshake-failed': 6, 'closed-by-client': 7 } });
    expect(f.waves).toHaveLength(1);
    const w = f.waves[0]!;
    expect(w).toMatchObject({ count: 3, verdict: 'missed-heartbeats', cause: 'client-stalled', scope: 'host', hosts: ['127.0.0.11'], reconnected: 3 });
    expect([w.t, w.endT]).toEqual([16.091448, 16.220048]);
    expect(w.connections.sort()).toEqual(['127.0.0.11:40517->127.0.0.1:5672', '127.0.0.11:42831->127.0.0.1:5672', '127.0.0.11:58039->127.0.0.1:5672']);
    // The three frozen processes came back 7.16-7.29 s after their RST (6 s frozen + the 1 s retry).
    const back = f.reconnects.examples.filter((x) => w.connections.includes(x.from));
    expect(back.map((x) => x.delaySeconds).sort()).toEqual([7.164236, 7.257318, 7.287186]);
    // heat-engine with a wrong password: six attempts about 1 s apart, a loop.
    expect(f.reconnects.loops).toEqual([expect.objectContaining({ host: '127.0.0.14', application: 'heat-engine', connections: 6, verdict: 'handshake-failed', replyCode: 403 })]);
    expect(f.groups.find((g) => g.host === '127.0.0.11' && g.application === 'nova-compute')).toMatchObject({ connections: 6, byVerdict: { 'missed-heartbeats': 3, 'closed-by-client': 3 } });
    expect(f.notAccepting.count).toBe(0);
    expect(f.refused.count).toBe(0);
    expect(f.headline[1]).toMatch(/^3 connections from 127\.0\.0\.11 \(nova-compute\) stopped sending .* stalled .* All reconnected, after 7\.3 s \(median\)\.$/);
    // Its loop is told as what the broker said: six logins refused, none let in.
    expect(f.headline[2]).toBe(
      "The broker refused 6 connection attempts from 127.0.0.14 (heat-engine) during the handshake between 0.554 and 5.705 s with 403 ACCESS_REFUSED, each client retrying every 1.0 s (median): the login of user 'guest' was refused while 10 other connections from 3 hosts logged in as that user: most likely a wrong password in this client's configuration; it did not get in within the capture, and retrying will not change that.",
    );
    expect(f.handshakeRefusals).toEqual([
      expect.objectContaining({ count: 6, replyCode: 403, reason: 'login', clients: 1, admitted: 0, hosts: ['127.0.0.14'], applications: ['heat-engine'], users: ['guest'], usersLoggedIn: 10, usersLoggedInHosts: 3 }),
    ]);
  });

  it('fleet-host-freeze stopped between the broker\'s closes (to packet 389): the frozen host is still one sentence, first (review 36)', () => {
    const r = analyzeBytes(untilPacket(captureBytes('fleet-host-freeze.pcap'), 389));
    // Two closed (#388, #389), the third (42831) not yet: too few for a wave, and not all still open.
    expect(r.fleet.waves).toEqual([]);
    expect(r.fleet.headline[1]).toBe(
      '3 connections (nova-compute) from 127.0.0.11 went silent between 4.163 and 4.267 s (client-stalled): the broker closed 2 of them for missed heartbeats between 16.091 and 16.121 s ' +
        'and 1 is still open at the end of the capture: their kernel keeps ACKing, so the processes on 127.0.0.11 are stalled (frozen, swapping, a blocked event loop, a long GC pause), not the network. ' +
        'RabbitMQ will close the one still open for missed heartbeats by 16.267 s at the latest if nothing changes.',
    );
    expect(r.fleet.headline.join(' ')).not.toMatch(/other problem connection/);
    expect(mergeReports([r]).fleet.headline).toEqual(r.fleet.headline);
  });

  it('fleet-host-freeze cut after the clients connected: the wave and its reconnects, though no name of the frozen connections is in it', () => {
    const f = fleetOf('fleet-host-freeze-from-packet-300.pcap').fleet;
    expect(f).toMatchObject({ connections: 10, open: 0, hosts: 3, byVerdict: { 'missed-heartbeats': 3, 'closed-by-client': 7 } });
    expect(f.waves).toEqual([expect.objectContaining({ count: 3, verdict: 'missed-heartbeats', cause: 'client-stalled', scope: 'host', hosts: ['127.0.0.11'], reconnected: 3 })]);
    // Each end in order with the host's next new connection: the same three delays as the whole capture's.
    expect(f.reconnects.examples.map((x) => [x.from, x.to, x.delaySeconds, x.application])).toEqual([
      ['127.0.0.11:40517->127.0.0.1:5672', '127.0.0.11:38693->127.0.0.1:5672', 7.286977, 'nova-compute'],
      ['127.0.0.11:58039->127.0.0.1:5672', '127.0.0.11:41945->127.0.0.1:5672', 7.257527, 'nova-compute'],
      ['127.0.0.11:42831->127.0.0.1:5672', '127.0.0.11:38097->127.0.0.1:5672', 7.164236, 'nova-compute'],
    ]);
    expect(f.headline[1]).toMatch(/^3 connections from 127\.0\.0\.11 stopped sending .* All reconnected, after 7\.3 s \(median\)\.$/);
    // The four .12/.13 connections it also joined midway ended cleanly: nothing of theirs is a reconnect.
    expect(f.reconnects.count).toBe(3);
  });

  it('fleet-clients-stalled stopped early: a connection 0.6 ms old with no Connection.Start yet is no broker out of sockets', () => {
    const r = fleetOf('fleet-clients-stalled-cut-60k.pcap');
    const waiting = r.connections.find((c) => c.id === '127.0.0.51:49459->127.0.0.1:5672')!;
    expect(waiting).toMatchObject({ end: { verdict: 'open', notAccepted: true }, opened: { t: 27.374641 } });
    expect(r.capture.durationSeconds).toBe(27.375234);
    expect(r.fleet.notAccepting.count).toBe(0);
    expect(r.fleet.headline.join(' ')).not.toMatch(/stopped accepting/);
    expect(r.fleet.waves).toEqual([expect.objectContaining({ count: 3, verdict: 'missed-heartbeats', scope: 'clients' })]);
  });

  it('fleet-broker-restart: 12 forced closes in 2 ms are one broker-scoped wave; 108 refused attempts; all 12 back', () => {
    const f = fleetOf('fleet-broker-restart.pcap').fleet;
    expect(f).toMatchObject({ connections: 24, open: 0, hosts: 3, byVerdict: { 'closed-by-server': 12, 'closed-by-client': 12 } });
    expect(f.waves).toHaveLength(1);
    expect(f.waves[0]).toMatchObject({ count: 12, verdict: 'closed-by-server', replyCode: 320, scope: 'broker', hosts: ['127.0.0.21', '127.0.0.22', '127.0.0.23'], reconnected: 12, t: 5.230409, endT: 5.232635 });
    expect(f.refused).toMatchObject({ count: 108, reset: 108, unanswered: 0, t: 6.23974, endT: 14.353734 });
    expect(f.reconnects.count).toBe(12);
    expect(f.reconnects.medianDelaySeconds).toBeGreaterThan(10.07);
    expect(f.reconnects.medianDelaySeconds).toBeLessThan(10.15);
    expect(f.reconnects.loops).toEqual([]);
    expect(f.groups.map((g) => `${g.host} ${g.application}`).sort()).toEqual([
      '127.0.0.21 nova-api', '127.0.0.21 nova-scheduler', '127.0.0.22 neutron-dhcp-agent', '127.0.0.22 neutron-server', '127.0.0.23 cinder-api', '127.0.0.23 cinder-scheduler',
    ]);
    expect(f.headline[1]).toMatch(/closed by the broker within 2 ms with 320 CONNECTION_FORCED .* broker-side event .* All reconnected/);
    expect(f.headline[2]).toBe('108 connection attempts were refused between 6.240 and 14.354 s (RST: nothing listening on the broker port).');
  });

  it('fleet-broker-restart joined while the broker is down (from packet 560): the refusals as a bound, healthy only once connected (review 36)', () => {
    const r = analyzeBytes(fromPacket(captureBytes('fleet-broker-restart.pcap'), 560));
    expect(r.fleet.refused).toMatchObject({ count: 91, t: 0, endT: expect.closeTo(7.063, 3) });
    expect(r.fleet.headline.slice(0, 2)).toEqual([
      '12 AMQP connections from 3 hosts, all healthy once connected; none still open at the end.',
      '91 connection attempts were refused between 0.000 and 7.063 s (RST: nothing listening on the broker port); already going on when the capture started (they may have begun before it).',
    ]);
    expect(mergeReports([r]).fleet.headline).toEqual(r.fleet.headline);
  });

  it('fleet-syn-dropped: 9 attempts whose SYNs a firewall dropped are counted unanswered, not reset; all 9 back after the 320 wave', () => {
    const f = fleetOf('fleet-syn-dropped.pcap').fleet;
    expect(f).toMatchObject({ connections: 18, open: 0, hosts: 3, byVerdict: { 'closed-by-server': 9, 'closed-by-client': 9 } });
    // captures/README.md: original SYNs 6.244406 (#399) - 6.268172 (#407), each retransmitted 6 times, no answer.
    expect(f.refused).toMatchObject({ count: 9, reset: 0, unanswered: 9, t: 6.244406, endT: 6.268172 });
    // 9 attempts, 63 SYN packets: counted per attempt, said so (review 35).
    expect(f.refused.explanation).toMatch(/9 attempts' SYNs never answered, resends included: the broker host was down or unreachable, a firewall dropped them, or its listen backlog was full/);
    expect(f.waves).toEqual([expect.objectContaining({ count: 9, verdict: 'closed-by-server', replyCode: 320, scope: 'broker', reconnected: 9 })]);
    expect(f.notAccepting.count).toBe(0);
    // Nothing refused them: they got no answer.
    expect(f.headline[2]).toBe('9 connection attempts got no answer between 6.244 and 6.268 s (SYNs never answered).');
    expect(f.refused.explanation).toMatch(/^9 connection attempts got no answer between 6\.244 and 6\.268 s: /);
  });

  it('fleet-port-reuse: a host that lost its connection and came back on the same port: the challenge ACK and RST end the old one, a reconnect at once', () => {
    const r = fleetOf('fleet-port-reuse.pcap');
    const f = r.fleet;
    // captures/README.md: the new SYN (#49) drew the broker's challenge ACK (#50), the client's RST (#51) ended the
    // old connection, the SYN again with the same ISN (#52) got its SYN-ACK: no attempt went unanswered.
    expect(f).toMatchObject({ connections: 2, open: 1, hosts: 1, byVerdict: { 'client-aborted': 1, open: 1 } });
    expect(f.refused).toMatchObject({ count: 0, unanswered: 0, reset: 0 });
    expect(f.reconnects).toMatchObject({ count: 1, medianDelaySeconds: 0, examples: [expect.objectContaining({ application: 'nova-compute', delaySeconds: 0 })] });
    const [old, renewed] = r.connections;
    expect([old!.opened.packet, renewed!.opened.packet]).toEqual([1, 49]);
    expect(old!.end).toMatchObject({ verdict: 'client-aborted', by: 'client', how: 'rst', packet: 51 });
    expect(old!.end.explanation).toMatch(/^A new connection from the same client address and port \(a SYN with another sequence number\) ended this one: the broker answered that SYN with an ACK of this connection's numbers, a challenge ACK \(RFC 5961, packet 50\), and the client's kernel, which no longer knew this connection, reset it \(packet 51\)\./);
    // Both packets noted on the old connection's timeline, where they show.
    expect(old!.timeline.filter((e) => e.note !== undefined).map((e) => [e.packet, e.note])).toEqual([
      [50, 'challenge ACK to the new SYN (RFC 5961)'],
      [51, "the client's kernel resets the connection it lost"],
    ]);
    expect(renewed!.end).toMatchObject({ verdict: 'open', packet: 129 });
    expect(renewed!.tcp.retransmissions).toEqual({ clientToServer: 1, serverToClient: 0 });
    expect(f.headline.join(' ')).not.toMatch(/no answer|never answered|still open at the end\.$/);
  });

  it('fleet-port-reuse merged with another capture: the two connections on one pair of ports keep their ids and the reconnect', () => {
    const merged = mergeReports([analyzeBytes(captureBytes('fleet-port-reuse.pcap'), { path: 'a.pcap' }), analyzeBytes(captureBytes('pika-healthy-idle.pcap'), { path: 'b.pcap' })]);
    const reused = merged.connections.filter((c) => c.capture === 'a.pcap');
    expect(reused.map((c) => [c.id, c.opened.packet])).toEqual([
      ['10.95.0.2:40000->10.95.0.1:5672', 1],
      // Unique within the report (review 36: the reconnect read "from X to X", --connection could not pick one).
      ['10.95.0.2:40000->10.95.0.1:5672@49', 49],
    ]);
    expect(merged.fleet.reconnects.examples[0]).toMatchObject({ from: '10.95.0.2:40000->10.95.0.1:5672', to: '10.95.0.2:40000->10.95.0.1:5672@49' });
    expect(filterReport(fleetOf('fleet-port-reuse.pcap'), { connection: ['@49'] }).connections.map((c) => c.opened.packet)).toEqual([49]);
    expect(merged.fleet.reconnects).toMatchObject({ count: 1, medianDelaySeconds: 0 });
  });

  it('fleet-port-reuse-reaped: the same reconnect after the broker dropped the old connection: missed heartbeats, then a plain reconnect', () => {
    const r = fleetOf('fleet-port-reuse-reaped.pcap');
    const f = r.fleet;
    expect(f).toMatchObject({ connections: 2, open: 1, byVerdict: { 'missed-heartbeats': 1, open: 1 } });
    // The client sent nothing after its Basic.Ack (#50), whose own ACK is not one of the silence it starts.
    expect(r.connections[0]!.end).toMatchObject({ verdict: 'missed-heartbeats', cause: 'client-unreachable', clientAcksDuringSilence: 0, serverRetransmissionsDuringSilence: 6 });
    expect(f.refused.count).toBe(0);
    expect(f.reconnects).toMatchObject({ count: 1, medianDelaySeconds: 2.196484 });
  });

  it('fleet-fd-limit: 11 handshakes the broker never answered (its late Start after the client gave up does not count)', () => {
    const r = fleetOf('fleet-fd-limit.pcap');
    const f = r.fleet;
    expect(f).toMatchObject({ connections: 20, byVerdict: { 'handshake-failed': 11, 'closed-by-client': 9 } });
    expect(f.notAccepting).toMatchObject({ count: 11, t: 2.768212, endT: 5.869641 });
    expect(f.notAccepting.connections).toHaveLength(11);
    expect(f.notAccepting.connections).toContain('127.0.0.32:41597->127.0.0.1:5672');
    // Said once, as not accepting: no second sentence for the same 11 as a wave.
    expect(f.headline.filter((s) => /11 connections/.test(s))).toHaveLength(1);
    expect(f.headline[1]).toMatch(/^The broker stopped accepting connections: 11 connections from 4 hosts .* between 2\.768 and 5\.870 s/);
    // The 11 ending together (their clients giving up, 15 s later) are also a wave in the JSON; the terminal says
    // them once, as "not accepting", with when they were opened.
    expect(f.waves).toEqual([expect.objectContaining({ count: 11, notAccepted: true })]);
    expect(f.waves[0]!.explanation).toMatch(/^11 connections from 4 hosts .* gave up between 17\.775 and 20\.876 s, never answered by the broker/);
    const summary = fleetLines(r, 120, false).join('\n');
    expect(summary).not.toMatch(/wave at/);
    expect(summary.match(/11 connections/g)).toHaveLength(2); // the headline, and the "not accepting" line
    const starved = r.connections.find((c) => c.id === '127.0.0.32:41597->127.0.0.1:5672')!;
    expect(starved.end.explanation).toMatch(/^The connection closed before the broker sent Connection\.Start, 15\.0 s after it opened \(the client gave up\)\. The broker's Connection\.Start came 8\.2 s after that/);
  });

  it('fleet-many-healthy: 112 connections from 5 hosts, two casualties named, no wave, the redelivery across connections', () => {
    const r = fleetOf('fleet-many-healthy.pcap');
    const f = r.fleet;
    expect(f).toMatchObject({ connections: 112, open: 0, hosts: 5, byVerdict: { 'closed-by-client': 110, 'missed-heartbeats': 1, 'client-aborted': 1 }, waves: [] });
    expect(f.headline).toEqual([
      '112 AMQP connections from 5 hosts: 2 with problems (1 client-aborted, 1 missed-heartbeats (client-stalled)); none still open at the end.',
      '127.0.0.42:60047->127.0.0.1:5672 (neutron-openvswitch-agent): client-aborted at 9.381 s.',
      '127.0.0.41:48531->127.0.0.1:5672 (nova-compute): missed-heartbeats (client-stalled) at 18.377 s.',
      // Work that may be done twice belongs at the top, not only under "Across connections" (review 36).
      '2 messages that 127.0.0.41:48531->127.0.0.1:5672 (nova-compute) left unacknowledged when it died (missed-heartbeats, client-stalled) were delivered again, ' +
        'marked redelivered, to 2 other connections from 18.378 s: the consumer that died may have processed them already, so they may be processed twice. ' +
        'Make the consumers idempotent (deduplicate by message-id).',
    ]);
    // Merged with another capture (its times then run from the earlier capture's start): the sentence stays.
    expect(mergeReports([r, fleetOf('pika-healthy-idle.pcap')]).fleet.headline[3]).toMatch(/^2 messages that 127\.0\.0\.41:48531->127\.0\.0\.1:5672 \(nova-compute\) left unacknowledged when it died/);
    expect(f.groups.find((g) => g.host === '127.0.0.45' && g.application === 'metrics-exporter')).toMatchObject({ connections: 10 });
    expect(r.findings.map((x) => `${x.code} ${x.from} ${x.to}`)).toContain('redelivered-after-close 127.0.0.41:48531->127.0.0.1:5672 127.0.0.41:38343->127.0.0.1:5672');
  });

  it('pika-sigstop-consumer: the 5 messages redelivered to the standby consumer are in the headline, the same from the report alone', () => {
    const r = fleetOf('pika-sigstop-consumer.pcap');
    expect(r.fleet.headline[2]).toBe(
      '5 messages that 127.0.0.1:37594->127.0.0.1:5672 (pika-sigstop-consumer) left unacknowledged when it died (missed-heartbeats, client-stalled) were delivered again, ' +
        'marked redelivered, to 127.0.0.1:37596->127.0.0.1:5672 (pika-standby-consumer) from 12.005 s: the consumer that died may have processed them already, so they may be processed twice. ' +
        'Make the consumers idempotent (deduplicate by message-id).',
    );
    expect(fleetFromReport(r).headline).toEqual(r.fleet.headline);
  });

  it('one connection: a single headline sentence and no fleet detail', () => {
    const f = fleetOf('pika-long-callback.pcap').fleet;
    expect(f.headline).toEqual(['1 AMQP connection from 127.0.0.1 (pika-long-callback): missed-heartbeats (client-stalled) at 12.007 s.']);
    expect(f).toMatchObject({ connections: 1, waves: [], groups: [expect.objectContaining({ application: 'pika-long-callback' })] });
  });
});

describe('fleet on real captures: resource alarms', () => {
  it('pika-blocked-memory-alarm: one publisher blocked 10.4 s (low on memory) is the broker\'s alarm, with its fix', () => {
    const r = fleetOf('pika-blocked-memory-alarm.pcap');
    const f = r.fleet;
    // Connection.Blocked at t=3.331385 (packet 299), Connection.Unblocked at t=13.742545 (packet 733): captures/README.md.
    expect(f.alarms).toEqual([
      expect.objectContaining({ t: 3.331385, clearedT: 13.742545, reasons: ['low on memory'], count: 1, endedBlocked: 0, stillBlocked: 0, hosts: ['127.0.0.1'], applications: ['pika-blocked-publisher'] }),
    ]);
    expect(f.headline).toEqual([
      '1 AMQP connection from 127.0.0.1 (pika-blocked-publisher): closed-by-client at 18.007 s.',
      'A broker resource alarm (low on memory) blocked 1 publishing connection from 127.0.0.1 at 3.331 s, until the alarm cleared at 13.743 s (10.4 s): the broker throttled it, not a fault of that connection.',
    ]);
    // Its timeline says what the Blocked and Unblocked rows mean (packets 299 and 733), on those frames' rows: packet
    // 733 also shows as a TCP ZeroWindow row (the broker's window was still 0 in the segment carrying Unblocked),
    // listed first, which used to take the note.
    const noted = r.connections[0]!.timeline.filter((e) => e.note !== undefined && /alarm/.test(e.note)).map((e) => [e.packet, e.type, e.note]);
    expect(noted).toEqual([
      [299, 'Connection.Blocked', 'resource alarm: the broker stops reading'],
      [733, 'Connection.Unblocked', 'alarm cleared: the broker reads again'],
    ]);
    expect(r.connections[0]!.timeline.filter((e) => e.packet === 733).map((e) => e.type)).toEqual(['ZeroWindow', 'Connection.Unblocked']);
    // One connection, but the alarm's fix is said below the headline.
    const lines = fleetLines(r, 100, false).join('\n').replace(/\s+/g, ' ');
    expect(lines).toContain('• alarm at 3.331-13.743 s: The broker sent Connection.Blocked (low on memory) to 1 connection (pika-blocked-publisher)');
    expect(lines).toContain('Fix: free memory on the broker');
  });

  it('fleet-memory-alarm: 7 publishers on 3 hosts blocked by one alarm, consumers and an idle client not; 2 timed out blocked', () => {
    const r = fleetOf('fleet-memory-alarm.pcap');
    const f = r.fleet;
    // captures/README.md: first Connection.Blocked 5.548541 (#596, cinder-volume), the last Unblocked 23.850154 (#1970);
    // cinder-volume's first two connections (pika blocked_connection_timeout=6) end while blocked, its third is unblocked.
    expect(f.alarms).toHaveLength(1);
    expect(f.alarms[0]).toMatchObject({ t: 5.548541, clearedT: 23.850154, reasons: ['low on memory'], count: 7, endedBlocked: 2, stillBlocked: 0 });
    expect([...f.alarms[0]!.hosts].sort()).toEqual(['127.0.0.61', '127.0.0.62', '127.0.0.64']);
    expect([...f.alarms[0]!.applications].sort()).toEqual(['cinder-volume', 'nova-api', 'nova-conductor']);
    const blocked = r.connections.filter((c) => c.findings.some((x) => x.code === 'connection-blocked')).map((c) => c.id);
    expect([...f.alarms[0]!.connections].sort()).toEqual([...blocked].sort());
    expect(blocked.some((id) => id.startsWith('127.0.0.63:') || id.startsWith('127.0.0.65:'))).toBe(false);
    expect(f.headline).toEqual([
      '10 AMQP connections from 5 hosts: 2 with problems (2 client-aborted); none still open at the end.',
      'A broker resource alarm (low on memory) blocked 7 publishing connections from 3 hosts starting at 5.549 s, until the alarm cleared at 23.850 s (18.3 s): the broker throttled them, not a fault of these connections; 2 of them ended while blocked.',
    ]);
    // Each dropped connection was blocked until its client's FIN (captures/README.md: 11.636655 and 19.276594), not
    // the RST the broker's next heartbeat drew: 6.1 s each, pika's blocked_connection_timeout of 6 s.
    const dropped = r.connections.filter((c) => c.end.verdict === 'client-aborted').map((c) => c.findings.find((x) => x.code === 'connection-blocked')!['durationSeconds']);
    expect(dropped).toEqual([6.088114, 6.128495]);
    // The two that timed out while blocked are the alarm's, not a wave or "other problems"; cinder-volume came back twice.
    expect(f.waves).toEqual([]);
    expect(f.reconnects).toMatchObject({ count: 2, medianDelaySeconds: 1.004431 });
  });

  it('fleet-memory-alarm joined at packet 900, during the alarm: publishers already blocked count by their Unblocked, one alarm', () => {
    const r = fleetOf('fleet-memory-alarm-from-packet-900.pcap');
    // captures/README.md: four publishers blocked before the capture (Unblocked #1067-#1071 only), cinder-volume's
    // reconnects blocked at #285 and #858; the first cinder-volume connection shows no sign of its block here.
    expect(r.fleet.alarms).toEqual([expect.objectContaining({ t: 0, clearedT: 14.272313, reasons: ['low on memory'], beforeCapture: true, count: 6, endedBlocked: 1, stillBlocked: 0 })]);
    expect(r.fleet.headline[1]).toBe(
      'A broker resource alarm (low on memory) blocked 6 publishing connections from 3 hosts since before the capture started, until the alarm cleared at 14.272 s (at least 14.3 s): the broker throttled them, not a fault of these connections; 1 of them ended while blocked.',
    );
    const early = r.connections.find((c) => c.id === '127.0.0.62:33557->127.0.0.1:5672')!;
    expect(early.findings.find((f) => f.code === 'connection-blocked')).toMatchObject({
      packet: 1,
      t: 0,
      reason: null,
      beforeCapture: true,
      unblocked: 1069,
      durationSeconds: 14.272186,
      message: 'Connection.Blocked before the capture started, then Connection.Unblocked: blocked for at least 14.3 s: a broker resource alarm stopped it from publishing.',
    });
    expect(early.timeline.find((e) => e.packet === 1069 && e.note !== undefined)?.note).toBe('alarm cleared (blocked before the capture)');
    // The whole capture's alarm, for comparison, has no such connection.
    expect(fleetOf('fleet-memory-alarm.pcap').fleet.alarms[0]).toMatchObject({ beforeCapture: false });
  });

  it('two captures in one run, the first stopped while its publisher was blocked: two alarms, not one spanning 15 days', () => {
    const { header, records } = pcapRecords(captureBytes('pika-blocked-memory-alarm.pcap'));
    // Its first 400 packets: Connection.Blocked at packet 299 (t=3.331385), no Unblocked (packet 733).
    const cut = new Uint8Array([...header, ...records.slice(0, 400).flatMap((r) => [...r])]);
    const merged = mergeReports([analyzeBytes(cut, { path: 'cut.pcap' }), fleetOf('fleet-memory-alarm.pcap')]);
    expect(merged.fleet.alarms.map((a) => [a.count, a.stillBlocked, a.clearedT === null, a.hosts])).toEqual([
      [1, 1, true, ['127.0.0.1']],
      [7, 0, false, ['127.0.0.64', '127.0.0.61', '127.0.0.62']],
    ]);
    // The first ends where its capture's connection was last seen, not at the run's end.
    expect(merged.fleet.alarms[0]!.endT).toBeLessThan(merged.fleet.alarms[1]!.t);
  });

  it('no alarm where nothing was blocked', () => {
    for (const name of ['fleet-many-healthy.pcap', 'pika-sigstop-zero-window.pcap', 'fleet-broker-restart.pcap']) expect(fleetOf(name).fleet.alarms, name).toEqual([]);
  });
});

describe('fleet on real captures: the network and independent clients', () => {
  it('fleet-network-blackhole: hosts cut off at once are a network-scoped wave of unreachable clients', () => {
    const f = fleetOf('fleet-network-blackhole.pcap').fleet;
    expect(f).toMatchObject({ connections: 6, hosts: 4, byVerdict: { 'missed-heartbeats': 4, 'closed-by-client': 2 } });
    expect(f.waves).toHaveLength(1);
    expect(f.waves[0]).toMatchObject({ count: 4, verdict: 'missed-heartbeats', cause: 'client-unreachable', scope: 'network', hosts: ['10.98.0.11', '10.98.0.12', '10.98.0.13'] });
    // Applications, then hosts: one bracket after another would read as one list.
    expect(f.headline[1]).toMatch(/^4 connections \(neutron-l3-agent, nova-compute and cinder-volume\) from 3 hosts \(10\.98\.0\.11, 10\.98\.0\.12 and 10\.98\.0\.13\) became unreachable/);
  });

  it('fleet-network-blackhole seen from mid-silence to before the RSTs (packets 213-330): still one network sentence (review 36)', () => {
    const r = analyzeBytes(untilPacket(fromPacket(captureBytes('fleet-network-blackhole.pcap'), 213), 118));
    expect(r.fleet.headline[1]).toBe(
      '4 connections from 3 hosts (10.98.0.11, 10.98.0.12 and 10.98.0.13) went silent before the capture started and are still open at the end of the capture (client-unreachable): ' +
        "the broker's data goes unacknowledged, so a network failure between those hosts and the broker (switch, firewall, security group, partition), not the applications.",
    );
    expect(mergeReports([r]).fleet.headline).toEqual(r.fleet.headline);
  });

  it('fleet-clients-stalled: three stalled clients on three hosts within T are independent clients, each back ~11 s later', () => {
    const f = fleetOf('fleet-clients-stalled.pcap').fleet;
    expect(f).toMatchObject({ connections: 8, byVerdict: { 'missed-heartbeats': 3, 'closed-by-client': 5 } });
    expect(f.waves).toHaveLength(1);
    expect(f.waves[0]).toMatchObject({ count: 3, cause: 'client-stalled', scope: 'clients', hosts: ['127.0.0.51', '127.0.0.52', '127.0.0.53'], reconnected: 3 });
    expect([f.waves[0]!.t, f.waves[0]!.endT]).toEqual([16.046, 17.213].map((x) => expect.closeTo(x, 3)));
    expect(f.reconnects.count).toBe(3);
  });
});

describe('fleet on real captures: a client host that loses its broker (fleet-broker-unreachable)', () => {
  const ids = [48750, 48764, 48766, 48770].map((p) => `10.96.0.2:${p}->10.96.0.1:5672`);

  it('four connections of three services still open, their broker gone together: one sentence, not four problems', () => {
    const r = fleetOf('fleet-broker-unreachable.pcap');
    expect(r.fleet).toMatchObject({ connections: 4, open: 4, hosts: 1, byVerdict: { open: 4 }, waves: [], refused: { count: 1, unanswered: 1, t: 15.480349 } });
    for (const c of r.connections) expect(c.end).toMatchObject({ verdict: 'open', cause: null, severity: 'error', silentSide: 'server', brokerUnreachable: true });
    expect(r.connections.map((c) => [c.client.port, (c.end.brokerLastPacket as { packet: number } | undefined)?.packet])).toEqual([[48750, 129], [48764, 127], [48766, 124], [48770, 133]]);
    expect(r.connections.map((c) => c.id).sort()).toEqual(ids);
    expect(r.fleet.headline).toEqual([
      '4 AMQP connections from 10.96.0.2: 4 with problems (4 open with the broker not answering); all still open at the end.',
      // The broker's last packet on each (brokerLastPacket): its heartbeat #124 at 8.024 s (48766) to its ACK #133 at
      // 9.083 s (48770), after its last heartbeat at 9.026 s (captures/README.md).
      '4 connections (neutron-openvswitch-agent, ceilometer-polling and nova-compute) from 10.96.0.2 stopped hearing from their broker 10.96.0.1 (its last packets ' +
        "between 8.024 and 9.083 s) and are still open at the end of the capture: since then, not even ACKs of their kernels' retransmissions or keep-alive probes, so the broker host " +
        'or the network path to it is gone, not the clients. Check the broker host and the network between it and 10.96.0.2.',
      // kombu reconnecting into the same silence, told after it.
      '1 connection attempt got no answer at 15.480 s (SYN never answered).',
    ]);
  });

  it('says in the past what happened before the capture ended (review 35): the clients most likely gave up, RabbitMQ dropped them', () => {
    const c = fleetOf('fleet-broker-unreachable.pcap').connections.find((x) => x.client.port === 48750)!;
    // Its broker's last packet is its ACK #129 at 8.076 s: 13.4 s to the capture's end, not 13.5 from its heartbeat.
    expect(c.end.explanation).toMatch(/^Still open when the capture ended, but the broker had sent nothing for 13\.4 s \(3\.4 x T, T=4 s\) since its packet 129,/);
    expect(c.end.explanation).toMatch(/after more than 3T of silence it most likely has: its FIN waits behind the unacknowledged bytes/);
    expect(c.end.explanation).toMatch(/dropped the connection for missed heartbeats 2T-3T after the last of them, by 15:09:20\.9 UTC at the latest, before the capture ended \(its log: "missed heartbeats from client, timeout: 4s"\)/);
  });

  it("kombu's back-off that stopped is its kernel giving up (TCP_USER_TIMEOUT), not a connection still retransmitting", () => {
    const r = fleetOf('fleet-broker-unreachable.pcap');
    const stopped = (port: number) => /Its kernel's retransmissions stopped/.test(r.connections.find((x) => x.client.port === port)!.end.explanation);
    // 48766's retransmissions: 0.2 ... 1.7 s apart, the last at 14.456 s (#156); nothing to 21.486 s. The others are
    // still backing off at the end (their next due after it).
    expect(r.connections.find((x) => x.client.port === 48766)!.end.explanation).toMatch(
      /Its kernel's retransmissions stopped after packet 156 \(14\.456 s\), the next due within 3\.4 s of it, and the capture went on 7\.0 s more: the client's kernel gave up on the connection \(TCP_USER_TIMEOUT/,
    );
    expect(r.connections.find((x) => x.client.port === 48766)!.end.explanation).not.toMatch(/its FIN waits behind/);
    expect([48750, 48764, 48770].map(stopped)).toEqual([false, false, false]);
  });

  it('live: no silence alert on the packet that ends the silence (kombu writes every 1.5T)', () => {
    const { silences } = analyzeLive(captureBytes('fleet-broker-unreachable.pcap'));
    // #103 is kombu's own heartbeat at 5.024 s, 5.0 s after its previous one: told "client-stalled" on it before.
    expect(silences.some((e) => e.packet === 103)).toBe(false);
    expect(silences.filter((e) => e.side === 'server').map((e) => e.packet)).toEqual([150, 150, 150, 154, 160, 160, 160, 161]);
  });

  it('stopped at 10.090 s (head -c 16000): kombu past T but not 2T is not told as a stall to fix', () => {
    const r = analyzeBytes(captureBytes('fleet-broker-unreachable.pcap').subarray(0, 16000));
    const c = r.connections.find((x) => x.client.port === 48766)!;
    expect(c.end).toMatchObject({ verdict: 'open', cause: 'client-stalled' });
    expect(c.end.explanation).toMatch(/the application may have stalled\. Not yet 2T: RabbitMQ closes it only after 2T-3T without a byte, and a client that writes every 1\.5T gets this far in normal operation\./);
    expect(c.end.explanation).not.toMatch(/Fix:/);
  });

  it('the same from the report alone (--merge): the broker-gone sentence needs no packets', () => {
    const merged = mergeReports([fleetOf('fleet-broker-unreachable.pcap')]);
    expect(merged.fleet.headline[1]).toBe(fleetOf('fleet-broker-unreachable.pcap').fleet.headline[1]);
  });

  it('stopped at packet 150 (12.760 s): gone where 3 retransmissions went unanswered, not yet told elsewhere, never server-stalled', () => {
    const bytes = captureBytes('fleet-broker-unreachable.pcap');
    const { header, records } = pcapRecords(bytes);
    const cut = Buffer.concat([header, ...records.slice(0, 150)]);
    const r = analyzeBytes(cut);
    const end = (port: number) => r.connections.find((c) => c.client.port === port)!.end;
    // Silences run to the capture's end (12.760 s), not to each connection's own last packet: pika 48750's last
    // packet is its retransmission at 11.77 s, 3.7 s after the broker's last packet (its ACK #129 at 8.076 s), under
    // T; at 12.760 it is 4.7 s.
    expect(end(48750)).toMatchObject({ verdict: 'open', cause: null, brokerUnreachable: true, unansweredRetransmissions: 4, silenceSeconds: 4.683445 });
    expect(end(48766)).toMatchObject({ verdict: 'open', cause: null, brokerUnreachable: true });
    // amqplib's heartbeat retransmitted twice; its broker's kernel ACKed the heartbeat before, 40 ms into the broker's
    // silence and before the cut: that ACK shows nothing of the broker now.
    expect(end(48764)).toMatchObject({ verdict: 'open', cause: null, silentSide: 'server', unansweredRetransmissions: 2 });
    expect(end(48764)).not.toHaveProperty('brokerUnreachable');
    expect(end(48764).explanation).toMatch(/its last bytes are not acknowledged yet \(retransmitted twice\): the broker stalled, or its host or the path to it is gone/);
    // The last to lose its broker (at 9.026 s) is silent 3.7 s at the cut: under T, nothing to say yet.
    expect(end(48770)).toMatchObject({ verdict: 'open', cause: null, severity: 'info' });
    expect(r.fleet.headline[0]).toBe('4 AMQP connections from 10.96.0.2: 3 with problems (2 open with the broker not answering, 1 open with the broker silent); all still open at the end.');
    expect(r.fleet.headline).toContain('10.96.0.2:48764->10.96.0.1:5672 (ceilometer-polling): still open at the end of the capture, its broker silent since 8.019 s.');
    expect(r.fleet.headline.join(' ')).not.toMatch(/server-stalled/);
  });

  // Started 10 s in (review 36): 33 packets, all from the client host: heartbeats retransmitted into the broker's
  // silence, an unanswered SYN; nothing from the broker. T is unknown (no handshake), so only the retransmissions tell.
  const lateStart = () => analyzeBytes(fromPacket(captureBytes('fleet-broker-unreachable.pcap'), 134));

  it('started after the broker went (from packet 134): its silence is a bound, the four connections one sentence', () => {
    const r = lateStart();
    const c = r.connections.find((x) => x.client.port === 48750)!;
    expect(c.end).toMatchObject({ verdict: 'open', cause: null, severity: 'error', brokerUnreachable: true, silenceAtLeast: true, unansweredRetransmissions: 6 });
    expect(c.end).not.toHaveProperty('brokerLastPacket');
    expect(c.end.explanation).toMatch(/^Still open when the capture ended, but the broker had sent nothing in the whole capture \(at least 11\.4 s\), not even an ACK of the client's last bytes \(packet 1 at 0\.000 s\), which the client's kernel retransmitted 6 times: the broker host or the network path to it is gone, not the client\./);
    for (const x of r.connections) expect(x.end).toMatchObject({ brokerUnreachable: true, silenceAtLeast: true });
    expect(r.fleet.headline.slice(0, 2)).toEqual([
      '4 AMQP connections from 10.96.0.2: 4 with problems (4 open with the broker not answering); all still open at the end.',
      '4 connections from 10.96.0.2 stopped hearing from their broker 10.96.0.1 (nothing from it in the capture) and are still open at the end of the capture: ' +
        "not even ACKs of their kernels' retransmissions or keep-alive probes, so the broker host or the network path to it is gone, not the clients. Check the broker host and the network between it and 10.96.0.2.",
    ]);
    expect(mergeReports([r]).fleet.headline).toEqual(r.fleet.headline);
  });

  it('started after the broker went, live: NO ACK for each connection still retransmitting past 5 s, T being unknown', () => {
    const { events, silences } = analyzeLive(fromPacket(captureBytes('fleet-broker-unreachable.pcap'), 134));
    expect(silences).toEqual([]);
    const noAck = events.filter((e) => e.type === 'no-ack');
    expect(noAck.map((e) => [e.packet, e.client.port, e.what, e.count, e.lastPacket])).toEqual([
      [27, 48750, 'retransmission', 6, null],
      [29, 48770, 'retransmission', 6, null],
      [31, 48764, 'retransmission', 6, null],
    ]);
    // kombu's kernel stopped retransmitting before 5 s of this capture had passed: nothing more came to tell it by.
    expect(liveLine(noAck[0]!)).toMatch(/NO ACK   10\.96\.0\.2:48750->10\.96\.0\.1:5672  the broker has acknowledged none of the client's last 6 retransmissions \(nothing from it in the capture, at least 6\.7 s\): the broker host or the path to it is gone, not the client;/);
    // One broker lost by many connections: told in full once, then counted on (as NO START).
    expect(noAck.map((e) => (e.type === 'no-ack' ? e.again : null))).toEqual([undefined, { count: 2, since: 6.705494, sinceAt: '2026-12-07T15:09:17.620582Z', hosts: 1 }, expect.objectContaining({ count: 3 })]);
    expect(liveLine(noAck[2]!)).toMatch(/NO ACK   10\.96\.0\.2:48764->10\.96\.0\.1:5672  again the broker has acknowledged none of the client's last 6 retransmissions \(nothing from it in the capture, at least 6\.8 s\): 3 such connections since \+6\.705 s, from 1 host$/);
  });
});

describe('fleet on real captures: warnings without a failure', () => {
  it('a cut of pika-sigstop-zero-window (packets 120-230): no connection failed, but the one whose window closed is not "healthy"', async () => {
    const report = await analyzeFile(`${CAPTURES_DIR}/pika-sigstop-zero-window-cut.pcap.gz`);
    expect(report.fleet.headline[0]).toBe('3 AMQP connections from 127.0.0.1, none failed; 1 with warnings (zero-window); 2 still open at the end.');
    // The warnings are those of 127.0.0.1:37210 (pika-sigstop-consumer, frozen): open at the end, verdict healthy. The
    // broker's one retransmission into its closed window was D-SACKed by the client: spurious, not a warning.
    const frozen = report.connections.find((c) => c.client.port === 37210);
    expect(frozen?.end.verdict).toBe('open');
    expect(frozen?.findings.filter((f) => f.severity === 'warning').map((f) => f.code)).toEqual(['zero-window']);
    expect(frozen?.findings.find((f) => f.code === 'retransmissions')).toMatchObject({ severity: 'info', count: 1, spurious: 1 });
  });
});

describe('fleet on real captures: handshake refusals', () => {
  it('fleet-connection-limit: 53 attempts refused with 530 (vhost connection limit 4) are one refusal, all four clients got in after the clear', () => {
    const r = fleetOf('fleet-connection-limit.pcap');
    const f = r.fleet;
    // captures/README.md: 53 × Connection.Close 530 from 1.213446 (#97) to 14.345830 (#974), 14+13+13+13 from one process per
    // host; clear_vhost_limits at 14.079-14.603; the first refused process's next SYN at 14.660913 (#981).
    expect(f.handshakeRefusals).toHaveLength(1);
    const refusal = f.handshakeRefusals[0]!;
    expect(refusal).toMatchObject({
      t: 1.213446,
      endT: 14.34583,
      count: 53,
      replyCode: 530,
      replyText: "NOT_ALLOWED - access to vhost '/' refused for user 'guest': connection limit (4) is reached",
      reason: 'vhost-connection-limit',
      limit: 4,
      clients: 4,
      admitted: 4,
      admittedT: 14.660913,
    });
    // Each process retried 1.0046-1.0173 s after its refusal (median 1.006 s).
    expect(refusal.retryDelaySeconds).toBeGreaterThan(1.004);
    expect(refusal.retryDelaySeconds).toBeLessThan(1.018);
    expect([...refusal.hosts].sort()).toEqual(['127.0.0.71', '127.0.0.72', '127.0.0.73', '127.0.0.74']);
    expect(refusal.connections).toHaveLength(50);
    expect(f.handshakeRefusalsOmitted).toBe(0);
    expect(f.headline).toEqual([
      '61 AMQP connections from 4 hosts: 53 with problems (53 handshake-failed); none still open at the end.',
      "The broker refused 53 connection attempts from 4 hosts (nova-compute, neutron-openvswitch-agent, cinder-volume and 1 more) during the handshake between 1.213 and 14.346 s with 530 NOT_ALLOWED, each client retrying every 1.0 s (median): the vhost '/' is at its connection limit (4); all 4 refused clients got in later, from 14.661 s.",
    ]);
    // The four hosts' loops are that refusal: not told again as host problems.
    expect(f.reconnects.loops).toHaveLength(4);
    expect(f.headline.some((x) => x.includes('reconnect loop'))).toBe(false);
    expect(refusal.explanation).toContain("rabbitmqctl set_vhost_limits -p '/'");
    // Each refused connection says the same, without the old advice that named only permissions and vhosts.
    const refused = r.connections.find((c) => c.id === '127.0.0.71:39321->127.0.0.1:5672')!;
    expect(refused.end.explanation).toContain("The vhost '/' is at its connection limit (4)");
    const lines = fleetLines(r, 100, false).join('\n').replace(/\s+/g, ' ');
    expect(lines).toContain('• refused at 1.213-14.346 s: The broker closed 53 connections');
  });

  it('fleet-connection-limit stopped at 9.2 s (head -c 90000), mid-storm: an attempt still waiting for its Open-Ok is no client let in', () => {
    // The limit is cleared only at 14.1-14.6 s: the attempts open at the cut (e.g. one from 9.186 s) sent
    // Connection.Open and have no answer in the capture.
    const r = analyzeBytes(captureBytes('fleet-connection-limit.pcap').subarray(0, 90000));
    expect(r.fleet.handshakeRefusals[0]).toMatchObject({ count: 31, clients: 4, admitted: 0, admittedT: null });
    expect(r.fleet.headline[1]).toMatch(/the vhost '\/' is at its connection limit \(4\); none of the 4 refused clients got in within the capture\.$/);
    // The same read back from the report (--merge with nothing else rebuilds the fleet from it).
    const merged = mergeReports([r, analyzeBytes(captureBytes('pika-healthy-idle.pcap'), { path: 'other.pcap' })]);
    expect(merged.fleet.handshakeRefusals[0]).toMatchObject({ count: 31, admitted: 0 });
  });

  it('fleet-login-refused-storm: two processes with a stale password, 30 logins refused, retrying every 1 s each (not every 0.6 s)', () => {
    const r = fleetOf('fleet-login-refused-storm.pcap');
    const f = r.fleet;
    // captures/README.md: 30 × Connection.Close 403 from 0.317385 (#31) to 15.106846 (#518); two neutron-server
    // processes (pids 20878, 20895), 15 each, each retrying 1.0045-1.0133 s after its refusal; their attempts interleave.
    // Every Start-Ok logs in as svc (PLAIN): the four healthy connections on .81 (2), .82 (heat-engine) and .83 too.
    expect(f.handshakeRefusals).toEqual([
      expect.objectContaining({
        t: 0.317385,
        endT: 15.106846,
        count: 30,
        replyCode: 403,
        reason: 'login',
        limit: null,
        // Two processes (pids 20878 and 20895): two clients, though one host and application.
        clients: 2,
        admitted: 0,
        admittedT: null,
        hosts: ['127.0.0.82'],
        applications: ['neutron-server'],
        users: ['svc'],
        usersLoggedIn: 4,
        usersLoggedInHosts: 3,
      }),
    ]);
    expect(new Set(r.connections.map((c) => c.user))).toEqual(new Set(['svc']));
    // The password next to the user in every PLAIN response (old-secret, new-secret) is in no report.
    expect(JSON.stringify(r)).not.toMatch(/secret/);
    // A process's own next attempt, not the host's next one (0.4-0.6 s later, from the other process).
    const loop = f.reconnects.loops[0]!;
    expect(loop).toMatchObject({ host: '127.0.0.82', application: 'neutron-server', connections: 30 });
    for (const delay of [loop.medianDelaySeconds!, f.handshakeRefusals[0]!.retryDelaySeconds!]) {
      expect(delay).toBeGreaterThan(1.0045);
      expect(delay).toBeLessThan(1.0134);
    }
    expect(f.headline[1]).toBe(
      "The broker refused 30 connection attempts from 127.0.0.82 (neutron-server) during the handshake between 0.317 and 15.107 s with 403 ACCESS_REFUSED, each client retrying every 1.0 s (median): the login of user 'svc' was refused while 4 other connections from 3 hosts logged in as that user: most likely a wrong password in these clients' configuration; none of the 2 refused clients got in within the capture, and retrying will not change that.",
    );
    expect(f.headline).toHaveLength(2);
  });
});

describe('fleet on real captures: AMQPS (fleet-amqps-host-freeze)', () => {
  // Two pika processes on 127.0.0.22 frozen together over TLS 1.3, closed by the broker for missed heartbeats (close_notify,
  // RST), back 1 s after SIGCONT; four healthy clients on two other hosts (captures/README.md).
  const keyed = analyzeCapture('fleet-amqps-host-freeze.pcap', { keyLog: keyLogOf('fleet-amqps-host-freeze.pcap') }).report;
  const keyless = analyzeCapture('fleet-amqps-host-freeze.pcap').report;

  it('with the key log: the two frozen connections at the top, by name, and both reconnects from the close (5.19 s)', () => {
    const f = keyed.fleet;
    expect(f).toMatchObject({ connections: 8, open: 0, hosts: 3, byVerdict: { 'missed-heartbeats': 2, 'closed-by-client': 6 } });
    expect(f.headline).toEqual([
      '8 AMQP connections from 3 hosts: 2 with problems (2 missed-heartbeats (client-stalled)); none still open at the end.',
      '127.0.0.22:43443->127.0.0.1:5671 (nova-compute): missed-heartbeats (client-stalled) at 16.051 s.',
      '127.0.0.22:35889->127.0.0.1:5671 (cinder-volume): missed-heartbeats (client-stalled) at 16.064 s.',
    ]);
    // Two are not a wave (three or more).
    expect(f.waves).toEqual([]);
    expect(f.reconnects.count).toBe(2);
    expect(f.reconnects.medianDelaySeconds).toBeCloseTo(5.19, 2);
    expect(f.reconnects.examples.map((e) => [e.from, e.to])).toEqual([
      ['127.0.0.22:43443->127.0.0.1:5671', '127.0.0.22:50335->127.0.0.1:5671'],
      ['127.0.0.22:35889->127.0.0.1:5671', '127.0.0.22:39637->127.0.0.1:5671'],
    ]);
    expect(f.groups.filter((g) => g.host === '127.0.0.22').map((g) => g.application).sort()).toEqual(['cinder-volume', 'nova-compute']);
  });

  it('without it: the same verdicts from the records, the same top of the report without names, groups by host, no reconnect paired', () => {
    const verdicts = (r: Report) => r.connections.map((c) => [c.id, c.end.verdict, c.end.cause]);
    expect(verdicts(keyless)).toEqual(verdicts(keyed));
    expect(keyless.connections.every((c) => c.tls?.decrypted === false)).toBe(true);
    expect(keyless.fleet.headline.slice(1)).toEqual([
      '127.0.0.22:43443->127.0.0.1:5671: missed-heartbeats (client-stalled) at 16.051 s.',
      '127.0.0.22:35889->127.0.0.1:5671: missed-heartbeats (client-stalled) at 16.064 s.',
    ]);
    // Without names one host's connections may be different programs: none is paired as a reconnect.
    expect(keyless.fleet.reconnects.count).toBe(0);
    expect(keyless.fleet.groups.map((g) => [g.host, g.application, g.connections])).toEqual([
      ['127.0.0.22', null, 4],
      ['127.0.0.21', null, 2],
      ['127.0.0.23', null, 2],
    ]);
  });
});
