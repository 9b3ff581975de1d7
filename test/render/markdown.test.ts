import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze.js';
import { foldTimeline } from '../../src/render/fold.js';
import { MARKDOWN_MAX_SECTIONS, md, renderMarkdown } from '../../src/render/markdown.js';
import { analyzeCapture } from '../helpers/captures.js';
import { INJECTED_NAME, injectionCapture } from '../helpers/injection-capture.js';
import { fleetFixture } from './fleet-fixture.js';
import { connection, healthyConnection, report } from './report-fixture.js';

/** The cells of a table row, split at the pipes Markdown sees (unescaped ones). */
function cells(line: string): string[] {
  return line
    .replace(/^\| | \|$/g, '')
    .split(/(?<!\\) \| /);
}

describe('md: wire strings as inert Markdown', () => {
  const cases: [string, string][] = [
    ['a|b', 'a\\|b'],
    ['`code`', '\\`code\\`'],
    [INJECTED_NAME, '\\<img src=x onerror=alert(1)\\>'],
    ['*bold* _em_ ~~del~~', '\\*bold\\* \\_em\\_ \\~\\~del\\~\\~'],
    ['[x](javascript:alert(1))', '\\[x\\](javascript:alert(1))'],
    ['![img](http://evil/x.png)', '\\!\\[img\\](http\\://evil/x.png)'],
    ['see www.evil.example', 'see www\\.evil.example'],
    ['@team $x$ &amp; #1 \\', '\\@team \\$x\\$ \\&amp; \\#1 \\\\'],
    ['line\nbreak\x1b[2J', 'line\\\\nbreak\\\\x1b\\[2J'],
  ];
  for (const [raw, escaped] of cases) it(JSON.stringify(raw), () => expect(md(raw)).toBe(escaped));
});

describe('renderMarkdown', () => {
  it("gives each problem connection the articles' table, folded as in the terminal", () => {
    const r = analyzeCapture('pika-long-callback.pcap').report;
    const out = renderMarkdown(r);
    expect(out).toContain('| Time | Source | Destination | Protocol | Info | Note |');
    const c = r.connections[0]!;
    const rows = out.split('\n').filter((l) => /^\| \d+\.\d{3} \| (client|broker) \|/.test(l));
    expect(rows).toHaveLength(foldTimeline(c.timeline, { library: c.library }).length);
    expect(rows).toContain("| 0.006 | client | broker | AMQP | Basic.Consume q=hello ctag=ctag1.e7996c2263504aefa2456859ebd1815d | client's last frame |");
    expect(rows.at(-1)).toBe("| 12.007 | broker | client | TCP | **\\[RST, ACK\\] win=65536** | broker closes 12.0 s after the client's last byte (3.0 x T) |");
    expect(out).toContain('**error: missed-heartbeats** (client-stalled), broker RST at 12.007 s');
    expect(out).toContain('connection.add\\_callback\\_threadsafe()');
  });

  it('keeps every table row at its number of cells, whatever the wire strings hold', () => {
    const a = new Analyzer({ path: 'injection.pcap' });
    a.push(injectionCapture());
    const evil = 'a | b ` c <script>';
    const r = a.end();
    r.connections.push(healthyConnection({ name: evil, library: 'lib|x' }));
    const out = renderMarkdown(r, { all: true });
    const tables = out.split('\n').filter((l) => l.startsWith('|'));
    expect(tables.length).toBeGreaterThan(10);
    for (const line of tables) expect(cells(line).length === 6, line).toBe(true);
    expect(out).toContain('\\<img src=x onerror=alert(1)\\>');
    expect(out).not.toMatch(/(?<!\\)<(img|script|\/script)/);
    expect(out).toContain('a \\| b \\` c \\<script\\>');
  });

  it('starts with the fleet headline: its first sentence bold, the others and the fleet findings as lists (review 35)', () => {
    const conns = [connection(), healthyConnection()];
    expect(renderMarkdown(report(conns)).split('\n')[2]).toMatch(/^\*\*2 AMQP connections from 127\.0\.0\.1: 1 with problems/);
    const withFleet = renderMarkdown(report(conns, { fleet: fleetFixture(conns.map((c) => c.id)) })).split('\n');
    expect(withFleet[2]).toBe('**12 connections from 127.0.0.1 were closed by the broker within 8 ms with 320 CONNECTION\\_FORCED (shutdown): a broker-side event, not client faults.**');
    expect(withFleet[4]).toBe('- None reconnected within the capture.');
    // The fleet's findings, as the terminal lists them: the resource alarm and the refusal with their wire-borne text
    // inert, and what the terminal alone showed before (the wave, not accepting, attempts refused, no AMQP).
    expect(withFleet.slice(6, 12)).toEqual([
      '- wave at 3.900-3.908 s: 2 closed-by-server 320, scope broker, from 127.0.0.1; 0 reconnected',
      '- alarm at 8.000-9.500 s: The broker blocked 2 publishing connections with Connection.Blocked (low on memory) \\<img src=x onerror=alert(4)\\> \\[x\\](javascript:alert(5)).',
      "- refused at 10.000-11.000 s: The broker closed 3 connections during the handshake with 530 NOT\\_ALLOWED: \"access to vhost '\\<b\\>v\\</b\\>' \\[x\\](javascript:alert(6))\".",
      '- not accepting: Two handshakes completed but the broker never sent Connection.Start: out of file descriptors?',
      '- refused: Three connection attempts were answered with RST: the listener was down.',
      '- 4 TCP connection(s) carried no AMQP byte (health checks, port scans): counted, not listed',
    ]);
    expect(withFleet[12]).toBe('');
  });

  it('gives at most MARKDOWN_MAX_SECTIONS connections a table, errors first, and says how many more there are', () => {
    const conns = [];
    // A warning about something that happened (a connection whose only warning is a setting gets no table).
    const nearMiss = { t: 2, at: '2026-11-22T02:09:56Z', packet: 9, code: 'heartbeat-near-miss' as const, severity: 'warning' as const, message: 'The client sent nothing for 9 s.' };
    for (let i = 0; i < 30; i++) conns.push(healthyConnection({ id: `10.0.0.${i}:1->10.0.0.99:5672`, severity: 'warning', findings: [nearMiss] }));
    conns.push(connection());
    const out = renderMarkdown(report(conns));
    const headings = out.match(/^### .*/gm)!;
    expect(headings).toHaveLength(MARKDOWN_MAX_SECTIONS);
    expect(headings[0]).toContain('pika-long-callback');
    expect(out).toContain(`${31 - MARKDOWN_MAX_SECTIONS} more connections have no table here`);
  });

  it('lists healthy connections in the table but gives only problems a section, unless all', () => {
    const r = report([connection(), healthyConnection()]);
    expect(renderMarkdown(r).match(/^### /gm)).toHaveLength(1);
    expect(renderMarkdown(r, { all: true }).match(/^### /gm)).toHaveLength(2);
    expect(renderMarkdown(r)).toContain('| 127.0.0.1:47800-\\>127.0.0.1:5672 | healthy-worker, Pika 1.2.0 |');
  });
});

describe('Markdown: waves and handshake refusals', () => {
  it('fleet-connection-limit: one refused connection in full, the other 52 named in a line under it', () => {
    const out = renderMarkdown(analyzeCapture('fleet-connection-limit.pcap').report);
    expect(out.match(/^\*\*error: handshake-failed\*\*/gm)).toHaveLength(1);
    const line = out.split('\n').find((l) => l.startsWith('The same in 52 more connection(s) refused for the same reason: '))!;
    expect(line).toMatch(/^The same in 52 more connection\(s\) refused for the same reason: (`127\.0\.0\.7\d:\d+->127\.0\.0\.1:5672`, ){9}`127\.0\.0\.7\d:\d+->127\.0\.0\.1:5672` and 42 more\.$/);
  });

  it('fleet-host-freeze: the wave of three is one section and a line', () => {
    const out = renderMarkdown(analyzeCapture('fleet-host-freeze.pcap').report);
    expect(out).toMatch(/^The same in 2 more connection\(s\) of this wave: `127\.0\.0\.11:\d+->127\.0\.0\.1:5672`, `127\.0\.0\.11:\d+->127\.0\.0\.1:5672`\.$/m);
  });

  it('fleet-host-freeze: the groups table as the terminal has it, and each end\'s time of day for the broker log (review 36)', () => {
    const out = renderMarkdown(analyzeCapture('fleet-host-freeze.pcap').report);
    expect(out).toContain(
      [
        '| Host | Application | Conns | Open | Ended / verdicts | Median life |',
        '| --- | --- | ---: | ---: | --- | ---: |',
        '| 127.0.0.14 | heat-engine | 6 | 0 | 6 handshake-failed | 0.0 s |',
        '| 127.0.0.11 | nova-compute | 6 | 0 | 3 closed-by-client, 3 missed-heartbeats | 13 s |',
      ].join('\n'),
    );
    // The wave's first connection: the broker's RST at 16.091 s, 09:20:35.440496 UTC (the log's "missed heartbeats").
    expect(out).toMatch(/^\*\*error: missed-heartbeats\*\* \(client-stalled\), broker RST at 16\.091 s {2}\n.* · ended 09:20:35\.440496 UTC$/m);
    // A handful of connections: no groups table, as in the terminal.
    expect(renderMarkdown(analyzeCapture('netns-broker-unreachable-keepalive.pcap').report)).not.toContain('| Host |');
  });
});

describe('Markdown: connections whose only warnings are about settings', () => {
  it('fleet-memory-alarm: the setting once, its three clean closes named, no table each', () => {
    const out = renderMarkdown(analyzeCapture('fleet-memory-alarm.pcap').report);
    expect(out).toContain('### Warnings about settings only (3)');
    expect(out).toContain("- heartbeat-timeout-low: All 10 connections have a heartbeat timeout under 5 s (T = 4 s).");
    const named = out.split('\n').find((l) => l.startsWith('Nothing else to tell on: '))!;
    for (const port of ['34207', '33749', '56219']) {
      expect(named).toContain(`:${port}->`);
      expect(out).not.toMatch(new RegExp(`^### .*:${port}-`, 'm'));
    }
  });
});
