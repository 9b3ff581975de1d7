/**
 * Live events from the pure analyzer (Analyzer's onLive), on real captures fed packet by packet: a silence is
 * reported when a later packet's timestamp passes T (and 2T), before the packet that ends the connection.
 */
import { describe, expect, it } from 'vitest';
import { Analyzer, type AnalyzeOptions } from '../../src/analyze.js';
import { heartbeatTolerance } from '../../src/diagnosis/heartbeat.js';
import type { LiveEvent, LiveSilence } from '../../src/live/types.js';
import { liveLine, statusText } from '../../src/render/live.js';
import type { Report } from '../../src/report/types.js';
import { captureBytes } from '../helpers/captures.js';
import { amqpHandshake, HEARTBEAT } from '../helpers/amqp-conversation.js';
import { Conversation } from '../helpers/conversation.js';
import { tcpPacket } from '../helpers/packets.js';
import { writePcap } from '../helpers/synth-capture.js';
import { fromPacket, pcapRecords, untilPacket } from '../helpers/pcap-records.js';

interface Fed {
  /** Each event with the number of records pushed before the one being pushed when it came out. */
  events: { event: LiveEvent; pushed: number }[];
  report: Report;
}

/** Feeds a capture one record at a time (the file header first), noting when each live event came out. */
function feedPacketByPacket(bytes: Uint8Array, options: AnalyzeOptions = {}): Fed {
  const events: Fed['events'] = [];
  let pushed = 0;
  const a = new Analyzer({ ...options, onLive: (event) => events.push({ event, pushed }) });
  const { header, records } = pcapRecords(bytes);
  a.push(header);
  for (const r of records) {
    a.push(r);
    pushed++;
  }
  return { events, report: a.end() };
}

/** The types of the live events of a whole capture. */
function eventTypes(name: string): string[] {
  const types: string[] = [];
  const a = new Analyzer({ onLive: (e) => types.push(e.type) });
  a.push(captureBytes(name));
  a.end();
  return types;
}

/** How each attempt-refused event of a capture was refused. */
function fedRefusals(name: string): string[] {
  const hows: string[] = [];
  const a = new Analyzer({ onLive: (e) => (e.type === 'refused' ? hows.push(e.how) : undefined) });
  a.push(captureBytes(name));
  a.end();
  return hows;
}

const silences = (fed: Fed): LiveSilence[] => fed.events.flatMap((e) => (e.event.type === 'silence' ? [e.event] : []));

describe('live events (Analyzer onLive)', () => {
  it('a side whose peer advertises a zero window is not alerted as silent: the peer is (review 28)', () => {
    // pika-sigstop-zero-window: client A's window is zero, the broker can only probe it: no "server has sent nothing".
    const frozen = silences(feedPacketByPacket(captureBytes('pika-sigstop-zero-window.pcap')));
    expect(frozen.filter((e) => e.side === 'server')).toEqual([]);
    expect(frozen.filter((e) => e.side === 'client' && e.cause === 'client-not-reading').length).toBeGreaterThan(0);
    // A publisher the broker stopped reading from (its Blocked lost in a capture gap): no "client-stalled" forecast.
    expect(silences(feedPacketByPacket(captureBytes('pika-blocked-memory-alarm-blocked-lost.pcap')))).toEqual([]);
  });

  it("broker-sigstop-client-timeout up to the client's FIN: ENDED at that FIN, though the frozen broker never answers it", () => {
    const fed = feedPacketByPacket(untilPacket(captureBytes('broker-sigstop-client-timeout.pcap'), 36));
    const ended = fed.events.filter((e) => e.event.type === 'ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]!.event).toMatchObject({ type: 'ended', packet: 35, connection: { end: { verdict: 'server-unresponsive', cause: 'server-stalled', packet: 35 } } });
  });

  it('fleet-network-blackhole: the cut clients are silent, the broker retransmitting to them is not (no server silence)', () => {
    const fed = feedPacketByPacket(captureBytes('fleet-network-blackhole.pcap'));
    const cut = fed.report.connections.filter((c) => c.end.verdict === 'missed-heartbeats');
    expect(cut).toHaveLength(4);
    const all = silences(fed);
    // Past T and 2T for each cut client, with its cause; nothing about the broker, whose heartbeats were
    // retransmitted into the dead path (no fresh bytes, yet not a stall: the report has no broker finding either).
    expect(all.filter((e) => e.side === 'client' && e.cause === 'client-unreachable').map((e) => e.crossed).sort()).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    expect(all.filter((e) => e.side === 'server')).toEqual([]);
  });

  it('pika-long-callback: the stalled client is reported past T and 2T before the broker RST is fed', () => {
    const fed = feedPacketByPacket(captureBytes('pika-long-callback.pcap'));
    const conn = fed.report.connections[0]!;
    expect(conn.end.verdict).toBe('missed-heartbeats');
    const rstPacket = conn.end.packet;
    const alerts = fed.events.filter((e) => e.event.type === 'silence');
    expect(alerts.map((e) => (e.event as LiveSilence).crossed)).toEqual([1, 2]);
    for (const { event, pushed } of alerts) {
      // Out while the packets before the RST were being fed, from a packet before it.
      expect(pushed).toBeLessThan(rstPacket - 1);
      expect(event.packet).toBeLessThan(rstPacket);
      const s = event as LiveSilence;
      expect(s).toMatchObject({ side: 'client', cause: 'client-stalled', heartbeat: 4, heartbeatSource: 'negotiated', silenceAtLeast: false });
      expect(s.lastByte?.packet).toBe(conn.lastClientByte?.packet);
      // The broker's RST falls in the announced window, RabbitMQ's 2T-3T after the last byte (here 0.4 ms past 3T:
      // Erlang scheduling, within heartbeatTolerance), the same window as the report of an open connection says.
      expect(s.expectedClose!.earliest).toBeLessThanOrEqual(conn.end.t);
      expect(s.expectedClose!.latest).toBeGreaterThanOrEqual(conn.end.t - heartbeatTolerance(4));
      expect(s.message).toContain('expect RabbitMQ to close it between 02:10:19.6 and 02:10:23.6 UTC');
    }
    expect(silences(fed)[0]!.seconds).toBeGreaterThan(4);
    expect(silences(fed)[1]!.seconds).toBeGreaterThan(8);
    // The verdict comes out with the RST itself, not when the tracker lets the closed connection go.
    const ended = fed.events.find((e) => e.event.type === 'ended')!;
    expect(ended.pushed).toBe(rstPacket - 1); // while the RST's record was being pushed
    if (ended.event.type !== 'ended') throw new Error('unreachable');
    expect(ended.event.connection.end).toEqual(conn.end);
    expect(ended.event.packet).toBe(rstPacket);
  });

  it('opened comes with the first payload, and the report is the same with or without live events', () => {
    const bytes = captureBytes('pika-long-callback.pcap');
    const fed = feedPacketByPacket(bytes);
    const first = fed.events[0]!.event;
    expect(first).toMatchObject({ type: 'opened', connection: '127.0.0.1:47712->127.0.0.1:5672', midStream: false, packet: 4 });
    const plain = new Analyzer();
    plain.push(bytes);
    expect(fed.report).toEqual(plain.end());
  });

  it('a capture started mid-connection: the silence is a lower bound, T inferred from the broker heartbeats', () => {
    // Packets 24-35: the client's last byte (packet 22) is before the capture.
    const fed = feedPacketByPacket(fromPacket(captureBytes('pika-long-callback.pcap'), 24));
    const s = silences(fed);
    expect(s.length).toBe(2);
    expect(s[0]).toMatchObject({ side: 'client', silenceAtLeast: true, lastByte: null, heartbeat: 4, heartbeatSource: 'inferred', cause: 'client-stalled' });
    expect(s[0]!.message).toContain('for at least');
    // The close can come at any moment now, and at the latest 3T after the capture's start.
    const close = s[1]!.expectedClose!;
    expect(close.earliest).toBe(s[1]!.t);
    expect(close.latest).toBeCloseTo(12, 3);
    expect(fed.report.connections[0]!.end.t).toBeLessThanOrEqual(close.latest);
  });

  it('the cause comes from the silent side: zero window, no ACKs, a broker that stopped writing', () => {
    const causes = (name: string) => silences(feedPacketByPacket(captureBytes(name))).map((s) => `${s.side} ${s.crossed} ${s.cause}`);
    expect(causes('pika-sigstop-zero-window.pcap')).toContain('client 1 client-not-reading');
    expect(causes('netns-blackhole-heartbeat.pcap')).toContain('client 1 client-unreachable');
    const broker = silences(feedPacketByPacket(captureBytes('broker-sigstop-client-timeout.pcap')));
    expect(broker.map((s) => `${s.side} ${s.crossed} ${s.cause}`)).toEqual(['server 1 server-stalled', 'server 2 server-stalled']);
    // RabbitMQ's timer closes silent clients; a silent broker is the client library's business.
    expect(broker[0]!.expectedClose).toBeNull();
  });

  it('clients that write a heartbeat every T, not T/2, raise no alert: only the one that stalled does', () => {
    const fed = feedPacketByPacket(captureBytes('fleet-many-healthy.pcap'));
    const alerted = new Set(silences(fed).map((s) => s.connection));
    expect([...alerted]).toEqual(['127.0.0.41:48531->127.0.0.1:5672']);
    expect(fed.report.connections.find((c) => alerted.has(c.id))!.end.verdict).toBe('missed-heartbeats');
    // Every connection that closed during the capture has its ended event, with the report's verdict.
    const ended = new Map(fed.events.flatMap((e) => (e.event.type === 'ended' ? [[e.event.connection.id, e.event.connection.end.verdict]] : [])));
    const closed = fed.report.connections.filter((c) => c.end.verdict !== 'open');
    expect(ended.size).toBe(closed.length);
    for (const c of closed) expect(ended.get(c.id)).toBe(c.end.verdict);
  });

  it('status counts what is open and ended at the capture time of the last packet', () => {
    const a = new Analyzer({ onLive: () => undefined });
    a.push(captureBytes('fleet-many-healthy.pcap'));
    const status = a.liveStatus()!;
    const report = a.end();
    expect(status).toMatchObject({ type: 'status', packets: report.capture.packets, bytes: report.capture.bytes });
    expect(status.t).toBe(report.capture.durationSeconds);
    expect(status.open + status.ended).toBe(report.connections.length);
    expect(new Analyzer().liveStatus()).toBeNull();
  });
});

describe('live status during a resource alarm', () => {
  it('fleet-memory-alarm: status counts the open connections blocked, as the alarm goes on and after it clears', () => {
    // captures/README.md: Blocked from #596 (5.548541); cinder-volume's first connection FIN at #1062 (its RST #1068
    // ends it), its second blocked at #1184, FIN at #1631 (ended there: the client closed its side) and RST at #1752, its third
    // blocked at #1757; every Unblocked at #1966-#1970 (23.85 s).
    const a = new Analyzer({ onLive: () => undefined });
    const { header, records } = pcapRecords(captureBytes('fleet-memory-alarm.pcap'));
    a.push(header);
    const blockedAt = new Map<number, number>();
    const lines = new Map<number, string>();
    records.forEach((r, i) => {
      a.push(r);
      const packet = i + 1;
      if ([590, 700, 1100, 1300, 1700, 1755, 1800, 1965, 1971, 3000].includes(packet)) {
        const s = a.liveStatus()!;
        blockedAt.set(packet, s.blocked);
        lines.set(packet, statusText(s));
      }
    });
    expect(Object.fromEntries(blockedAt)).toEqual({ 590: 0, 700: 5, 1100: 4, 1300: 5, 1700: 4, 1755: 4, 1800: 5, 1965: 5, 1971: 0, 3000: 0 });
    expect(lines.get(1300)).toMatch(/ 8 open · 5 blocked by a resource alarm · 1 ended · /);
    expect(lines.get(3000)).not.toMatch(/blocked/);
  });
});

describe('live events: a broker that stops accepting', () => {
  it('fleet-fd-limit: each connection left without Connection.Start is told 5 s after its protocol header, before its client gives up', () => {
    const fed = feedPacketByPacket(captureBytes('fleet-fd-limit.pcap'));
    const unanswered = fed.events.flatMap((e) => (e.event.type === 'unanswered' ? [e.event] : []));
    // The same connections as the final report's not-accepting finding, in order.
    expect(unanswered.map((e) => e.connection)).toEqual(fed.report.fleet.notAccepting.connections);
    expect(unanswered).toHaveLength(11);
    for (const e of unanswered) {
      expect(e.seconds).toBeGreaterThanOrEqual(5);
      expect(e.seconds).toBeLessThan(5.5);
      // Told while the client still waits: its end (its client's FIN, about 15 s after it opened) comes later.
      const ended = fed.events.find((x) => x.event.type === 'ended' && x.event.connection.id === e.connection);
      if (ended !== undefined) expect(ended.event.t - e.t).toBeGreaterThan(8);
    }
    // Told in full once, then how it goes on; `waiting` counts those still waiting.
    const [first, ...rest] = unanswered;
    expect(first).toMatchObject({ connection: '127.0.0.32:41597->127.0.0.1:5672', waiting: 1, sent: { packet: 166 } });
    expect(first!.again).toBeUndefined();
    expect(liveLine(first!)).toMatch(
      /^10:15:26\.825664 \+7\.846 #273  NO START 127\.0\.0\.32:41597->127\.0\.0\.1:5672  the broker has sent nothing 5\.1 s after the client sent its AMQP protocol header: the kernel accepted the TCP connection into the listen backlog and RabbitMQ has not taken it: it is out of file descriptors or sockets/,
    );
    expect(rest.map((e) => e.again?.count)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(rest.every((e) => e.again?.since === first!.t)).toBe(true);
    expect(rest.map((e) => e.waiting)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('the status counts the connections still waiting, back to none once they ended; no alert on healthy captures', () => {
    const a = new Analyzer({ onLive: () => undefined });
    const { header, records } = pcapRecords(captureBytes('fleet-fd-limit.pcap'));
    a.push(header);
    const waiting: number[] = [];
    records.forEach((r, i) => {
      a.push(r);
      if ([272, 273, 305, records.length].includes(i + 1)) waiting.push(a.liveStatus()!.unanswered);
    });
    expect(waiting).toEqual([0, 1, 10, 0]);
    expect(statusText({ ...a.liveStatus()!, unanswered: 3 })).toMatch(/ open · 3 waiting for the broker's first byte · /);
    for (const name of ['fleet-many-healthy.pcap', 'fleet-broker-restart.pcap', 'amqps13-bad-cert.pcap']) expect(eventTypes(name), name).not.toContain('unanswered');
  });
});

describe('live events: a broker that is down', () => {
  it('fleet-port-reuse: the old connection ENDS at the client\'s RST to the challenge ACK, told why; the new SYN raises no NO REPLY', () => {
    const fed = feedPacketByPacket(captureBytes('fleet-port-reuse.pcap'));
    const lines = fed.events.filter((e) => e.event.type !== 'status').map((e) => [e.event.type, e.event.packet]);
    expect(lines).toEqual([
      ['opened', 4],
      ['ended', 51],
      ['opened', 55],
    ]);
    const ended = fed.events.find((e) => e.event.type === 'ended')!;
    // Told while record 51 (the RST) is read, with the report's explanation.
    expect(ended.pushed).toBe(50);
    expect(liveLine(ended.event)).toMatch(/ ENDED .*warning: client-aborted: A new connection from the same client address and port \(a SYN with another sequence number\) ended this one: .*challenge ACK/);
  });

  it('fleet-broker-restart: the first attempt refused with RST is told in full, then at most one line per 5 s, then the total; the status counts all', () => {
    const a = new Analyzer({ onLive: () => undefined });
    const fed = feedPacketByPacket(captureBytes('fleet-broker-restart.pcap'));
    const refused = fed.events.flatMap((e) => (e.event.type === 'refused' ? [e.event] : []));
    const fleet = fed.report.fleet.refused;
    expect(fleet.reset).toBe(108);
    // The first, one 5 s later with the count so far, and the total when the broker accepts again (+15.298 s).
    expect(refused.map((e) => [e.t, e.again?.count ?? 1, e.over ?? false])).toEqual([
      [6.239759, 1, false],
      [11.27247, 61, false],
      [15.298009, 108, true],
    ]);
    expect(liveLine(refused[2]!)).toMatch(/  REFUSED  127\.0\.0\.23:60025->127\.0\.0\.1:5672  refused with RST: 108 attempts from 3 hosts between \+6\.240 and \+14\.354 s, none since$/);
    const next = fed.events.find((e) => e.event.t > refused[2]!.t - 1e-9 && e.event.type === 'opened')!;
    expect(next.event.packet).toBe(refused[2]!.packet);
    // The RST 19 us after its SYN (the fleet times an attempt by its SYN).
    expect(refused[0]!.t - fleet.t!).toBeCloseTo(0.000019, 6);
    expect(liveLine(refused[0]!)).toBe(
      "10:14:17.122147 +6.240 #526  REFUSED  127.0.0.23:41203->127.0.0.1:5672  the broker's host answered the SYN with RST: nothing is listening on the port (RabbitMQ stopped, restarting, or its app stopped with rabbitmqctl stop_app)",
    );
    expect(liveLine(refused[1]!)).toMatch(/  REFUSED  127\.0\.0\.23:37269->127\.0\.0\.1:5672  again refused with RST: 61 attempts since \+6\.240 s, from 3 hosts$/);
    // Told when the RST arrives, not when the tracker lets the attempt go (minutes later).
    expect(refused[0]!.packet).toBe(526);
    a.push(captureBytes('fleet-broker-restart.pcap'));
    const status = a.liveStatus()!;
    expect(status.attemptsRefused).toBe(108);
    expect(statusText(status)).toMatch(/ ended · 108 attempt\(s\) refused with RST · /);
    for (const name of ['fleet-many-healthy.pcap', 'fleet-fd-limit.pcap', 'fleet-connection-limit.pcap']) expect(eventTypes(name), name).not.toContain('refused');
  });
});

describe('live events: attempts nothing answers', () => {
  it('fleet-syn-dropped: SYNs dropped by a firewall are told 3.5 s on (NO REPLY), in full once, then their total; no RST refusal', () => {
    const fed = feedPacketByPacket(captureBytes('fleet-syn-dropped.pcap'));
    const refused = fed.events.flatMap((e) => (e.event.type === 'refused' ? [e.event] : []));
    // captures/README.md: 9 original SYNs 6.244406 (#399) - 6.268172 (#407); the first packet past 9.744 s is the
    // retransmission batch at 10.342788 (#435); the total when the broker accepts again (SYN-ACKs from #463), not
    // while the attempts still retransmit (review 30: it said "none since" at 11.367 s).
    expect(refused.map((e) => [e.how, e.packet, e.again?.count ?? 1, e.over ?? false])).toEqual([
      ['no-answer', 435, 1, false],
      ['no-answer', 468, 9, true],
    ]);
    expect(liveLine(refused[0]!)).toMatch(
      /^11:16:24\.374862 \+10\.343 #435  NO REPLY 127\.0\.0\.32:43683->127\.0\.0\.1:5672  the SYN got no answer for 4\.1 s \(no SYN-ACK, no RST; the client retransmits it\): the broker's host is down or unreachable, a firewall drops the attempts, or the listen backlog is full/,
    );
    expect(liveLine(refused[1]!)).toMatch(/  NO REPLY 127\.0\.0\.32:55375->127\.0\.0\.1:5672  SYN unanswered: 9 attempts from 3 hosts between \+6\.244 and \+6\.268 s, none since$/);
    const a = new Analyzer({ onLive: () => undefined });
    a.push(captureBytes('fleet-syn-dropped.pcap'));
    expect(a.liveStatus()).toMatchObject({ attemptsUnanswered: 9, attemptsRefused: 0, unanswered: 0 });
    expect(statusText(a.liveStatus()!)).toMatch(/ · 9 attempt\(s\) unanswered · /);
    // Elsewhere no attempt goes unanswered for 3 s.
    for (const name of ['fleet-broker-restart.pcap', 'fleet-fd-limit.pcap', 'fleet-many-healthy.pcap']) {
      expect(fedRefusals(name), name).not.toContain('no-answer');
    }
  });
});

describe('retain: what a days-long follow keeps', () => {
  const bytes = captureBytes('fleet-many-healthy.pcap');
  const analyzed = (options: AnalyzeOptions) => {
    const a = new Analyzer(options);
    a.push(bytes);
    return a.end();
  };
  const all = analyzed({});
  const open = all.connections.filter((c) => c.end.verdict === 'open').map((c) => c.id);
  const closed = all.connections.filter((c) => c.end.verdict !== 'open');

  it('within the budget, the report is the same as without it', () => {
    expect(analyzed({ retain: { healthy: closed.length, problems: closed.length } })).toEqual(all);
  });

  it('past it, the latest ended connections of each kind and every open one; the fleet still counts them all', () => {
    const none = analyzed({ retain: { healthy: 0, problems: 0 } });
    expect(none.fleet).toEqual(all.fleet);
    expect(none.connections.map((c) => c.id)).toEqual(open);
    const warning = none.capture.warnings.find((w) => w.code === 'connections-not-listed')!;
    const m = /^(\d+) ended connection\(s\) are counted in the fleet section but not listed: (\d+) earlier healthy \(past the budget of 0\) and (\d+) earlier with a problem \(past the budget of 0\)\.$/.exec(warning.message)!;
    expect(m).not.toBeNull();
    expect([Number(m[1]), Number(m[2]) + Number(m[3])]).toEqual([closed.length, closed.length]);
    expect(Number(m[3])).toBeGreaterThanOrEqual(1);
    // --fail-on still sees the connections not listed.
    const a = new Analyzer({ retain: { healthy: 0, problems: 0 } });
    a.push(bytes);
    expect(a.worstSeverity()).toBe('error');
    expect(none.connections.some((c) => c.severity === 'error')).toBe(false);
    const ids = analyzed({ retain: { healthy: 1, problems: 1 } }).connections.map((c) => c.id);
    expect(ids).toContain('127.0.0.41:48531->127.0.0.1:5672');
    expect(ids.length).toBe(open.length + 2);
  });

  it('folds a connection handed over unended (a new one reused its ports, review 29) as open, without failing', () => {
    // The client host rebooted: its new process reuses the source port with a new ISN while the broker's side of the
    // old connection never closed. The tracker hands the old one over, unended, while the input goes on.
    const old = new Conversation({ clientPort: 40000, clientIsn: 1000 });
    const t = amqpHandshake(old, 0, { heartbeat: 60, name: 'first' });
    old.at(t + 1).send('c', HEARTBEAT);
    const reborn = new Conversation({ clientPort: 40000, clientIsn: 777777 });
    amqpHandshake(reborn, 30, { heartbeat: 60, name: 'second' });
    const packets = [...old.packets, ...reborn.packets].sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec);
    const bytes = writePcap(packets);
    const run = (members: number) => {
      const a = new Analyzer({ retain: { healthy: 100, problems: 100, members }, onLive: () => undefined });
      a.push(bytes);
      return a.end();
    };
    const kept = run(10);
    const folded = run(0);
    expect([folded.fleet.connections, folded.fleet.open, folded.fleet.byVerdict]).toEqual([2, 2, { open: 2 }]);
    expect([folded.fleet.connections, folded.fleet.open, folded.fleet.churn, folded.fleet.headline[0]]).toEqual([kept.fleet.connections, kept.fleet.open, kept.fleet.churn, kept.fleet.headline[0]]);
    expect(folded.fleet.groups.map((g) => [g.connections, g.open])).toEqual(kept.fleet.groups.map((g) => [g.connections, g.open]));
    // Not "still open when the capture ended": the capture went on, and the client lost it.
    const lost = kept.connections.find((c) => c.name === 'first')!;
    expect([lost.end.verdict, lost.severity]).toEqual(['open', 'warning']);
    expect(lost.end.explanation).toMatch(/^No close seen \(its last packet at \d+\.\d{3} s\), and a new connection from the same client address and port \(a SYN with another sequence number\) took its place: /);
    // The broker answered the new SYN with SYN-ACK (no challenge ACK): it held the old connection no more.
    expect(lost.end.explanation).toMatch(/The broker accepted the new connection \(SYN-ACK\), which it does only on ports it no longer holds: this one had ended on its side too, out of the capture\.$/);
    expect(kept.connections.find((c) => c.name === 'second')!.end.explanation).toBe('Still open when the capture ended.');
  });

  it('past the members budget, the oldest ended connections are counts in the fleet section: totals, groups, churn, headline', () => {
    // The tracker lets a closed connection go 120 s of capture time after its last packet (stray segments): a SYN
    // 200 s after the capture's last packet (nothing answers it before the end: undecided, counted nowhere) makes
    // the connections closed in the capture end while the input goes on, as in a follow of hours.
    const { header, records } = pcapRecords(bytes);
    const last = new DataView(records[records.length - 1]!.buffer, records[records.length - 1]!.byteOffset);
    const syn = tcpPacket({ src: '127.0.0.99', dst: '127.0.0.1', sport: 40000, dport: 5672, seq: 1, flags: 'S' });
    const record = new Uint8Array(16 + syn.length);
    const view = new DataView(record.buffer);
    view.setUint32(0, last.getUint32(0, true) + 200, true);
    view.setUint32(8, syn.length, true);
    view.setUint32(12, syn.length, true);
    record.set(syn, 16);
    const later = (options: AnalyzeOptions) => {
      const a = new Analyzer(options);
      a.push(bytes);
      a.push(record.subarray(0, 16));
      a.push(record.subarray(16));
      return a.end();
    };
    const unfolded = later({ retain: { healthy: 1000, problems: 1000 } });
    expect(unfolded.connections).toEqual(all.connections);
    const folded = later({ retain: { healthy: 1000, problems: 1000, members: 10 } });
    expect(folded.connections).toEqual(all.connections);
    const f = folded.fleet;
    const u = unfolded.fleet;
    expect([f.connections, f.open, f.hosts, f.byVerdict, f.byCause, f.churn]).toEqual([u.connections, u.open, u.hosts, u.byVerdict, u.byCause, u.churn]);
    expect(f.connections).toBe(all.fleet.connections);
    const counts = (groups: typeof f.groups) => groups.map(({ medianLifetimeSeconds: _, ...g }) => g);
    expect(counts(f.groups)).toEqual(counts(u.groups));
    expect(f.headline[0]).toBe(u.headline[0]);
    expect(unfolded.capture.warnings.map((w) => w.code)).not.toContain('connections-folded');
    const warning = folded.capture.warnings.find((w) => w.code === 'connections-folded')!;
    const m = /^(\d+) connection\(s\) that ended by (\d+\.\d{3}) s, the earliest to end, are counted in the fleet's totals, groups and churn only: its reconnects, waves, alarms, refusals and redeliveries look at the latest 10 connections that ended, and a group's median lifetime at those of its connections \(a bound on memory\)\.$/.exec(warning.message)!;
    expect(Number(m[1])).toBe(closed.length - 10);
    // The latest end among those folded: at the earliest the eleventh latest end (ten ended connections are kept).
    const ends = closed.map((c) => c.end.t).sort((a, b) => a - b);
    expect(Number(m[2])).toBeGreaterThanOrEqual(ends[ends.length - 11]! - 0.0005);
    expect(Number(m[2])).toBeLessThanOrEqual(ends[ends.length - 1]! + 0.0005);
    // Within it, nothing changes.
    expect(later({ retain: { healthy: 1000, problems: 1000, members: closed.length } })).toEqual(unfolded);
  });
});

describe('live events: a refusal storm', () => {
  it('fleet-connection-limit: the first 530 is told in full, the other 52 count on, the status counts all 53', () => {
    const fed = feedPacketByPacket(captureBytes('fleet-connection-limit.pcap'));
    const refused = fed.events.flatMap((e) => (e.event.type === 'ended' && e.event.connection.end.verdict === 'handshake-failed' ? [e.event] : []));
    expect(refused).toHaveLength(53);
    // The first refusal (Connection.Close 530 at packet 97; its client's FIN and the broker's RST follow) is said in full.
    expect(refused[0]!.refusedAgain).toBeUndefined();
    expect(refused[0]!.connection.end.explanation).toContain("The vhost '/' is at its connection limit (4)");
    // Each counts from the first refusal's own moment: its Connection.Close (1.213446, packet 97), as in the fleet.
    const since = refused[0]!.connection.end.t;
    expect(since).toBe(1.213446);
    expect(refused.slice(1).map((e) => e.refusedAgain!.count)).toEqual(Array.from({ length: 52 }, (_, i) => i + 2));
    expect(refused.every((e, i) => i === 0 || e.refusedAgain!.since === since)).toBe(true);
    // One refused process per host, started round-robin: the fourth refusal brings the fourth host.
    expect(refused.slice(1, 5).map((e) => e.refusedAgain!.hosts)).toEqual([2, 3, 4, 4]);
    expect(refused[52]!.refusedAgain).toMatchObject({ count: 53, hosts: 4 });
    const line = liveLine(refused[52]!);
    expect(line).toContain("error: handshake-failed: 530 NOT_ALLOWED again (the vhost '/' is at its connection limit (4)): refusal 53 since +1.213 s, from 4 hosts");
    expect(line).not.toContain('rabbitmqctl');
    // The connections that held the limit, and those let in after it was cleared, end as themselves.
    const others = fed.events.flatMap((e) => (e.event.type === 'ended' && e.event.connection.end.verdict !== 'handshake-failed' ? [e.event] : []));
    expect(others.every((e) => e.refusedAgain === undefined)).toBe(true);
    const a = new Analyzer({ onLive: () => undefined });
    a.push(captureBytes('fleet-connection-limit.pcap'));
    const status = a.liveStatus()!;
    expect(status.refused).toBe(53);
    expect(statusText(status)).toContain('61 ended · 53 refused during the handshake');
  });

  it('fleet-login-refused-storm: a refused login repeats per user', () => {
    const fed = feedPacketByPacket(captureBytes('fleet-login-refused-storm.pcap'));
    const refused = fed.events.flatMap((e) => (e.event.type === 'ended' && e.event.connection.end.verdict === 'handshake-failed' ? [e.event] : []));
    // 30 refused logins, all of user svc (two processes): one reason, told once.
    expect(refused).toHaveLength(30);
    expect(refused[29]!.refusedAgain).toMatchObject({ count: 30, hosts: 1 });
    expect(refused[0]!.refusedAgain).toBeUndefined();
    expect(liveLine(refused[1]!)).toContain("403 ACCESS_REFUSED again (the login of user 'svc' was refused): refusal 2 since +0.317 s, from 1 host");
  });
});
