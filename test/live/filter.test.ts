/**
 * The report's filters on live events (src/live/filter.ts), on the events of a real capture fed to the analyzer:
 * `--follow --problems` prints the alerts and the problem endings, not a line per healthy connection.
 */
import { describe, expect, it } from 'vitest';
import { liveEventFilter } from '../../src/live/filter.js';
import type { LiveEvent } from '../../src/live/types.js';
import { filterReport, type ReportFilter } from '../../src/report/filter.js';
import { analyzeLive, captureBytes } from '../helpers/captures.js';
import { fromPacket } from '../helpers/pcap-records.js';

const { events, report } = analyzeLive(captureBytes('fleet-many-healthy.pcap'));
const shown = (filter: ReportFilter) => events.filter(liveEventFilter(filter) ?? (() => true));
const connectionOf = (e: LiveEvent) => (e.type === 'ended' ? e.connection.id : e.type === 'status' ? null : e.connection);

describe('live events through the report filters', () => {
  it('none given: every event', () => {
    expect(liveEventFilter({})).toBeNull();
    expect(liveEventFilter({ connection: [], problems: false })).toBeNull();
  });

  it('--problems: the silence alerts and the problem endings, no connection opened, status always', () => {
    const kept = shown({ problems: true });
    const problems = report.connections.filter((c) => c.severity !== 'info' && c.end.verdict !== 'open').map((c) => c.id);
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(kept.flatMap((e) => (e.type === 'ended' ? [e.connection.id] : [])).sort()).toEqual([...problems].sort());
    expect(kept.filter((e) => e.type === 'opened')).toEqual([]);
    const silences = events.filter((e) => e.type === 'silence');
    expect(silences.length).toBeGreaterThanOrEqual(2);
    expect(kept.filter((e) => e.type === 'silence')).toEqual(silences);
    expect(kept.length).toBeLessThan(events.length / 10);
  });

  it('--problems leaves out clean closes whose only warning is a setting (fleet-host-freeze, T=4 everywhere: review 36)', () => {
    const hf = analyzeLive(captureBytes('fleet-host-freeze.pcap'));
    const ended = hf.events.filter(liveEventFilter({ problems: true })!).flatMap((e) => (e.type === 'ended' ? [e.connection] : []));
    // 6 refused logins and 3 dropped for missed heartbeats; the 7 clean closes (heartbeat-timeout-low each) are not.
    expect(ended.map((c) => c.end.verdict).sort()).toEqual([...Array(6).fill('handshake-failed'), ...Array(3).fill('missed-heartbeats')]);
    expect(hf.report.connections.filter((c) => c.end.verdict === 'closed-by-client' && c.severity === 'warning')).toHaveLength(7);
    // The same in the report: said, and counted in the JSON.
    const narrowed = filterReport(hf.report, { problems: true });
    expect(narrowed.connections).toHaveLength(9);
    expect(narrowed.narrowed).toEqual({ connections: 16, filters: ['--problems'], settingsOnly: 7 });
  });

  it('--connection NAME says which alerts it left out for want of a name in the capture (fleet-host-freeze from packet 240: review 36)', () => {
    const late = analyzeLive(fromPacket(captureBytes('fleet-host-freeze.pcap'), 240)).events;
    const left: string[] = [];
    const keep = liveEventFilter({ connection: ['nova-compute'] }, (id) => left.push(id))!;
    const shown = late.filter(keep);
    // The three frozen nova-compute connections: their silences and their ends, all without a name here.
    expect([...new Set(left)].sort()).toEqual(['127.0.0.11:40517->127.0.0.1:5672', '127.0.0.11:42831->127.0.0.1:5672', '127.0.0.11:58039->127.0.0.1:5672']);
    expect(shown.filter((e) => left.includes(connectionOf(e) ?? ''))).toEqual([]);
    // Matched by host, they are there.
    expect(late.filter(liveEventFilter({ connection: ['127.0.0.11:'] })!).filter((e) => e.type === 'silence').length).toBeGreaterThan(0);
  });

  it('--problems keeps the alerts of a broker that stops accepting (fleet-fd-limit)', () => {
    const fd = analyzeLive(captureBytes('fleet-fd-limit.pcap')).events;
    const keep = liveEventFilter({ problems: true })!;
    const unanswered = fd.filter((e) => e.type === 'unanswered');
    expect(unanswered).toHaveLength(11);
    expect(fd.filter(keep).filter((e) => e.type === 'unanswered')).toEqual(unanswered);
  });

  it('filters before an alert joins its run: the first alert shown is told in full, the counts are of what is shown (review 29)', () => {
    const filtered = (name: string, filter: ReportFilter) => analyzeLive(captureBytes(name), { liveFilter: liveEventFilter(filter) }).events;
    // fleet-fd-limit: 127.0.0.33's three connections left unanswered; the first is explained, the others count 2, 3.
    const fd = filtered('fleet-fd-limit.pcap', { connection: ['127.0.0.33:'] }).flatMap((e) => (e.type === 'unanswered' ? [e] : []));
    expect(fd.map((e) => [e.client.address, e.again?.count ?? 1])).toEqual([
      ['127.0.0.33', 1],
      ['127.0.0.33', 2],
      ['127.0.0.33', 3],
    ]);
    expect(fd[0]!.message).toMatch(/^the broker has sent nothing 5\.\d s after the client sent its AMQP protocol header: /);
    // fleet-broker-restart: the two lines unfiltered are both 127.0.0.23's; 127.0.0.21's attempts have their own.
    const refused = filtered('fleet-broker-restart.pcap', { connection: ['127.0.0.21:'] }).flatMap((e) => (e.type === 'refused' ? [e] : []));
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.every((e) => e.client.address === '127.0.0.21')).toBe(true);
    expect(refused[0]!.again).toBeUndefined();
    // --since: the first alert shown after it is told in full.
    const late = filtered('fleet-fd-limit.pcap', { since: '10' }).flatMap((e) => (e.type === 'unanswered' ? [e] : []));
    expect(late[0]!.again).toBeUndefined();
    expect(late.map((e) => e.again?.count ?? 1)).toEqual(late.map((_, i) => i + 1));
  });

  it('--connection: by address and port from the first event, by connection_name once Start-Ok said it', () => {
    const byHost = shown({ connection: ['127.0.0.41:'] });
    expect(byHost.length).toBeGreaterThan(2);
    expect(byHost.every((e) => connectionOf(e)?.startsWith('127.0.0.41:') ?? true)).toBe(true);
    expect(byHost.filter((e) => e.type !== 'status')).toEqual(events.filter((e) => connectionOf(e)?.startsWith('127.0.0.41:')));
    // The stalled nova-compute client: its silence alerts carry its name, so a name filter keeps them.
    const stalled = events.find((e) => e.type === 'silence')!;
    expect(stalled.type === 'silence' && stalled.name).toMatch(/^nova-compute:/);
    const byName = shown({ connection: ['NOVA-compute:31220'] }).filter((e) => e.type !== 'status');
    expect(byName.map((e) => e.type)).toEqual(['silence', 'silence', 'ended']);
  });

  it('--since and --until: capture time, in seconds or ISO; the status events all pass', () => {
    const late = shown({ since: '18' });
    expect(late.filter((e) => e.type !== 'status').every((e) => e.t >= 18)).toBe(true);
    expect(late.filter((e) => e.type !== 'status').length).toBe(events.filter((e) => e.type !== 'status' && e.t >= 18).length);
    const start = Date.parse(report.capture.start!);
    const iso = new Date(start + 18_000).toISOString();
    expect(shown({ since: iso }).length).toBe(late.length);
    const early = shown({ until: '1' }).filter((e) => e.type !== 'status');
    expect(early.length).toBeGreaterThan(0);
    expect(early.every((e) => e.t <= 1)).toBe(true);
  });
});
