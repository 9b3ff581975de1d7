/**
 * A fleet rebuilt from reports (--merge, several captures in one run) must see each connection as the analyzer
 * did: on every real capture, the member read back from the report equals the one made from the packets, field
 * by field (fd-limit's connections the broker never answered included: the report carries `end.notAccepted`).
 */
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze.js';
import { memberFromReport } from '../../src/report/members.js';
import { captureBytes, keyLogOf, smallCaptures } from '../helpers/captures.js';

describe('fleet members read back from a report', () => {
  it.each(smallCaptures())('%s: the same members as from its packets', (name) => {
    const a = new Analyzer({ path: name, keyLog: keyLogOf(name) });
    a.push(captureBytes(name));
    const report = JSON.parse(JSON.stringify(a.end())) as ReturnType<Analyzer['end']>;
    const fromPackets = a.fleetInput().members;
    const fromReport = new Map(report.connections.map((c) => [c.id, memberFromReport(c, null)]));
    expect(fromPackets.length).toBe(report.connections.length);
    for (const m of fromPackets) expect(fromReport.get(m.id), m.id).toEqual(m);
  });

  it('fleet-fd-limit: its 11 unanswered connections carry notAccepted, and only they', () => {
    const a = new Analyzer({ path: 'fleet-fd-limit.pcap' });
    a.push(captureBytes('fleet-fd-limit.pcap'));
    const flagged = a.end().connections.filter((c) => c.end.notAccepted === true);
    expect(flagged).toHaveLength(11);
    expect(flagged.every((c) => c.end.verdict === 'handshake-failed' && c.lastServerByte !== null)).toBe(true);
  });
});
