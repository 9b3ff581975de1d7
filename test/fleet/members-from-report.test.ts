/**
 * A fleet rebuilt from reports (--merge, several captures in one run) must see each connection as the analyzer
 * did: on every real capture, the member read back from the report equals the one made from the packets, field
 * by field (fd-limit's connections the broker never answered included: the report carries `end.notAccepted`).
 */
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze.js';
import { memberFromReport } from '../../src/report/members.js';
import { captureBytes, keyLogOf, smallCaptures } from '../helpers/captures.js';
import { pcapRecords } from '../helpers/pcap-records.js';

/** Addresses and ports, and the first packet: a new connection on the same ports (fleet-port-reuse) is another member. */
const key = (id: string, firstPacket: number): string => `${id}#${firstPacket}`;

describe('fleet members read back from a report', () => {
  it.each(smallCaptures())('%s: the same members as from its packets', (name) => {
    const a = new Analyzer({ path: name, keyLog: keyLogOf(name) });
    a.push(captureBytes(name));
    const report = JSON.parse(JSON.stringify(a.end())) as ReturnType<Analyzer['end']>;
    const fromPackets = a.fleetInput().members;
    const fromReport = new Map(report.connections.map((c) => [key(c.id, c.opened.packet), memberFromReport(c, null)]));
    expect(fromPackets.length).toBe(report.connections.length);
    for (const m of fromPackets) expect(fromReport.get(key(m.id, m.opened.packet)), m.id).toEqual(m);
  });

  it('fleet-fd-limit: its 11 unanswered connections carry notAccepted, and only they', () => {
    const a = new Analyzer({ path: 'fleet-fd-limit.pcap' });
    a.push(captureBytes('fleet-fd-limit.pcap'));
    const flagged = a.end().connections.filter((c) => c.end.notAccepted === true);
    expect(flagged).toHaveLength(11);
    expect(flagged.every((c) => c.end.verdict === 'handshake-failed' && c.lastServerByte !== null)).toBe(true);
  });
});

describe('blocked spans read back exactly, also to the nanosecond', () => {
  /** The capture with nanosecond timestamps (each microsecond time plus 123 ns), as `editcap -F nsecpcap` with a finer clock. */
  function nanosecondCopy(bytes: Uint8Array): Uint8Array {
    const { header, records } = pcapRecords(bytes);
    const out = new Uint8Array(bytes.length);
    out.set(header);
    new DataView(out.buffer).setUint32(0, 0xa1b23c4d, true);
    let at = header.length;
    for (const r of records) {
      out.set(r, at);
      const view = new DataView(out.buffer, at, 16);
      view.setUint32(4, view.getUint32(4, true) * 1000 + 123, true);
      at += r.length;
    }
    return out;
  }

  it('fleet-memory-alarm with nanosecond times: the same members from the report as from the packets', () => {
    const a = new Analyzer({ path: 'ns.pcap' });
    a.push(nanosecondCopy(captureBytes('fleet-memory-alarm.pcap')));
    const report = JSON.parse(JSON.stringify(a.end())) as ReturnType<Analyzer['end']>;
    const fromReport = new Map(report.connections.map((c) => [key(c.id, c.opened.packet), memberFromReport(c, null)]));
    const blocked = a.fleetInput().members.filter((m) => m.blocked.length > 0);
    expect(blocked).toHaveLength(7);
    for (const m of blocked) expect(fromReport.get(key(m.id, m.opened.packet)), m.id).toEqual(m);
    expect(blocked.some((m) => m.blocked.some((b) => b.until !== null && b.until.nsec % 1000 === 123))).toBe(true);
  });
});

describe('a report written before connection-blocked findings carried unblockedAt', () => {
  it('gives each Unblocked as the Blocked moment plus the duration: the same alarm, to the microsecond', () => {
    const a = new Analyzer({ path: 'fleet-memory-alarm.pcap' });
    a.push(captureBytes('fleet-memory-alarm.pcap'));
    const report = JSON.parse(JSON.stringify(a.end())) as ReturnType<Analyzer['end']>;
    for (const c of report.connections) for (const f of c.findings) delete f['unblockedAt'];
    const fromReport = new Map(report.connections.map((c) => [key(c.id, c.opened.packet), memberFromReport(c, null)]));
    for (const m of a.fleetInput().members) expect(fromReport.get(key(m.id, m.opened.packet)), m.id).toEqual(m);
  });
});
