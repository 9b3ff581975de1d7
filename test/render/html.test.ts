import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scriptJson, text } from '../../src/render/html/escape.js';
import { CONTENT_SECURITY_POLICY, renderHtml } from '../../src/render/html/page.js';
import { SCRIPT } from '../../src/render/html/script.js';
import { tickCounts } from '../../src/render/html/swimlane.js';
import { foldTimeline } from '../../src/render/fold.js';
import { Analyzer } from '../../src/analyze.js';
import type { Report, ReportConnection } from '../../src/report/types.js';
import { mergeReports } from '../../src/report/merge.js';
import { analyzeCapture } from '../helpers/captures.js';
import { INJECTED_NAME, INJECTED_QUEUE, injectionCapture } from '../helpers/injection-capture.js';
import { fleetFixture } from './fleet-fixture.js';
import { connection, healthyConnection, report } from './report-fixture.js';

/** The number of subpaths ("M" commands) in the `d` attributes of the paths matching `cls`. */
export function subpaths(html: string, cls: string): number {
  let n = 0;
  for (const m of html.matchAll(new RegExp(`<path class="${cls}[^"]*"[^>]* d="([^"]*)"`, 'g'))) n += (m[1]!.match(/M/g) ?? []).length;
  return n;
}

function dataBlock(html: string): { chart: unknown; rows: unknown[][] } {
  const m = /<script type="application\/json" id="amqpscope-data">([^<]*)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!);
}

function injectionReport(): Report {
  const a = new Analyzer({ path: 'injection.pcap' });
  a.push(injectionCapture());
  return a.end();
}

describe('html escaping', () => {
  it('shows markup as text and keeps control and bidi characters visible as escapes', () => {
    expect(text('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(text(`"a" & 'b'`)).toBe('&quot;a&quot; &amp; &#39;b&#39;');
    expect(text('x\u202ey\x1b[2J')).toBe('x\\u202ey\\x1b[2J');
  });

  it('script data cannot end its script element, and parses back to the same strings', () => {
    const value = { name: '</script><script>alert(1)</script><!--', sep: '\u2028' };
    const json = scriptJson(value);
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('renderHtml', () => {
  it('is one self-contained document: nothing fetched, a strict Content-Security-Policy with the script hash', () => {
    const html = renderHtml(report([connection(), healthyConnection()]));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<link\b|@import|url\(|<iframe|<object|<embed/i);
    // No attribute points outside the page: only in-page references (#id).
    expect([...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]).filter((v) => !v!.startsWith('#'))).toEqual([]);
    const hash = createHash('sha256').update(SCRIPT).digest('base64');
    expect(CONTENT_SECURITY_POLICY).toContain(`script-src 'sha256-${hash}'`);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(html).toContain(`<script>${SCRIPT}</script>`);
    // Two script elements: the data block and the script the policy allows.
    expect(html.match(/<script\b/g)).toHaveLength(2);
  });

  it("the page's script never parses strings as HTML", () => {
    expect(SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|createContextualFragment|DOMParser/);
    expect(SCRIPT).toContain('textContent');
  });

  it('draws one bar per connection, one path per verdict colour, and end markers for problem connections only', () => {
    const r = report([connection(), healthyConnection(), healthyConnection({ id: '127.0.0.1:47801->127.0.0.1:5672' })]);
    const html = renderHtml(r);
    expect(subpaths(html, 'bars')).toBe(3);
    expect(html.match(/<path class="bars"/g)).toHaveLength(2);
    expect(html.match(/<use href="#mk-/g)).toHaveLength(1);
    expect(html).toContain('<use href="#mk-client-stalled"');
    const data = dataBlock(html);
    expect(data.rows).toHaveLength(3);
    // Chart order is by start: the problem connection opens first.
    expect(data.rows.map((row) => row[7])).toEqual(['c1', '', '']);
  });

  it('gives problem connections a section with swimlane and event table, healthy ones only with all', () => {
    const r = report([connection(), healthyConnection()]);
    expect(renderHtml(r).match(/<section class="connection"/g)).toHaveLength(1);
    expect(renderHtml(r, { all: true }).match(/<section class="connection"/g)).toHaveLength(2);
  });

  it('draws a tick per timeline event, by kind and lane, the silence, the 2T-3T window and the labels', () => {
    const c = connection();
    const html = renderHtml(report([c]));
    const counts = tickCounts(c.timeline);
    for (const [kind, n] of counts) expect(subpaths(html, `tick k-${kind}`), kind).toBe(n);
    expect(counts.get('heartbeat')).toBe(5);
    expect(counts.get('rst')).toBe(1);
    // Heartbeats come from the broker: drawn in the broker's lane (from its top, y = 98, 70% of its 50 px down).
    expect(html).toContain('<path class="tick k-heartbeat s2c" transform="translate(0 98)scale(1 35)" d="M2.004 0V1M4.004 0V1M6.004 0V1M8.004 0V1M10.004 0V1"/>');
    // The client's ACKs, in the client's lane, from its bottom (38 + 50) up.
    expect(html).toMatch(/<path class="tick k-ack c2s" transform="translate\(0 88\)scale\(1 -15\)" d="[^"]*M2\.0042 0V1M4\.0042 0V1/);
    // The window: 2T-3T after the client's last byte (0.0062 s, T = 4 s).
    expect(html).toMatch(/<rect class="window" x="8\.0062" y="38" width="4"/);
    expect(html).toMatch(/<rect class="silence" x="0\.0062" y="38" width="12\.0005"/);
    expect(html).toContain("client&#39;s last frame: Basic.Consume (0.006 s)");
    expect(html).toContain('close: broker RST at 12.007 s');
  });

  it('lays out the event table as the terminal folds it', () => {
    const c = connection();
    const html = renderHtml(report([c]));
    const body = /<table class="events"[^]*?<tbody>([^]*?)<\/tbody>/.exec(html)![1]!;
    expect(body.match(/<tr/g)).toHaveLength(foldTimeline(c.timeline, { library: c.library }).length);
    expect(body).toContain('<tr class="noted" data-t="0.0062"><td>0.006<td>client<td>broker<td>AMQP<td>Basic.Consume q=hello ctag=ctag1.abc<td>client&#39;s last frame<tr');
    expect(body).toContain('<tr class="alarm noted" data-t="12.0067">');
  });

  it('shows the fleet: headline, waves and broker-side events across the chart, groups', () => {
    const conns: ReportConnection[] = [];
    for (let i = 0; i < 12; i++) conns.push(connection({ id: `127.0.0.1:${50000 + i}->127.0.0.1:5672` }));
    const r = report(conns, { fleet: fleetFixture(conns.map((c) => c.id)) });
    const html = renderHtml(r);
    expect(html).toContain('<div class="headline"><p>12 connections from 127.0.0.1 were closed by the broker within 8 ms');
    expect(html.match(/<g class="band band-wave">/g)).toHaveLength(1);
    expect(html.match(/<g class="band band-not-accepting">/g)).toHaveLength(1);
    expect(html.match(/<g class="band band-refused">/g)).toHaveLength(1);
    expect(html).toContain('wave 1: 12 × closed-by-server 320 (broker)');
    expect(html).toContain('shut down &lt;script&gt;alert(3)&lt;/script&gt;');
    expect(html).toContain('worker &lt;b&gt;x&lt;/b&gt;');
    expect(html).not.toContain('<script>alert');
    // The resource alarm: a band on the chart (label, title, legend) and a section with its explanation, all escaped.
    expect(html.match(/<g class="band band-alarm">/g)).toHaveLength(1);
    expect(html).toContain('<text x="');
    expect(html).toContain('alarm: 2 blocked (low on &lt;i&gt;memory&lt;/i&gt; | `x` *y*)</text>');
    expect(html).toMatch(/<title>alarm: 2 blocked \(low on &lt;i&gt;memory&lt;\/i&gt; \| `x` \*y\*\): The broker blocked 2 publishing connections .* &lt;img src=x onerror=alert\(4\)&gt;/);
    expect(html).toContain('<h3>resource alarm: 2 blocked (low on &lt;i&gt;memory&lt;/i&gt; | `x` *y*), 8.000-9.500 s</h3>');
    expect(html).toContain('(low on memory) &lt;img src=x onerror=alert(4)&gt; [x](javascript:alert(5)).</p>');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<i>memory');
    // A handshake refusal: a band on the chart, a section with its count, span and explanation, escaped.
    expect(html.match(/<g class="band band-handshake-refusals">/g)).toHaveLength(1);
    expect(html).toContain('handshake refusals: 3 refused (530 NOT_ALLOWED)</text>');
    expect(html).toContain('<h3>handshake refusals: 3 refused (530 NOT_ALLOWED), 10.000-11.000 s</h3>');
    expect(html).toContain('&lt;b&gt;v&lt;/b&gt;');
    expect(html).toContain('hosts: 127.0.0.1 &lt;svg&gt;</p>');
    expect(html).not.toContain('<b>v</b>');
  });

  it('uses the first timeline event as the start when `opened` is absent, and `opened` when present', () => {
    const c = connection();
    const later = healthyConnection({ opened: { t: 0.5, at: c.timeline[0]!.at, packet: 1 } });
    const data = dataBlock(renderHtml(report([c, later])));
    expect(data.rows.map((row) => row[2])).toEqual([0, 0.5]);
  });

  it('runs a connection still open at the end to its capture\'s end, not to its last packet (several captures: each its own)', () => {
    // netns-broker-unreachable-keepalive: cinder-volume (54726) idle from 0.170 s, still open when the capture ends at 31.334 s.
    const r = analyzeCapture('netns-broker-unreachable-keepalive.pcap').report;
    const rows = dataBlock(renderHtml(r)).rows;
    const idle = rows.find((row) => row[1] === '10.93.0.2:54726->10.93.0.1:5672')!;
    expect([idle[3], idle[4]]).toEqual([31.334302, 'open']);
    // The one that ended (its client's RST at 10.182 s) stops there.
    expect(rows.find((row) => row[1] === '10.93.0.2:54712->10.93.0.1:5672')![3]).toBe(10.182277);
    // Merged after a capture that ends later: the open one still stops at its own capture's end.
    const merged = mergeReports([r, analyzeCapture('fleet-broker-unreachable.pcap').report]);
    const own = dataBlock(renderHtml(merged)).rows.find((row) => row[1] === '10.93.0.2:54726->10.93.0.1:5672')!;
    const offset = (Date.parse(r.capture.start!) - Date.parse(merged.capture.start!)) / 1000;
    expect(own[3] as number).toBeCloseTo(offset + 31.334, 2);
  });

  it('renders an injected connection name and queue name from a capture as text', () => {
    const html = renderHtml(injectionReport());
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain(INJECTED_NAME);
    expect(html).not.toContain(INJECTED_QUEUE);
    expect(html).toContain('q=&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(dataBlock(html).rows[0]![0]).toBe(INJECTED_NAME);
  });

  it('stays under 10 MB with 10,000 connections, all drawn', () => {
    const healthy = healthyConnection();
    const conns: ReportConnection[] = [];
    for (let i = 0; i < 10_000; i++) conns.push({ ...healthy, id: `10.0.${i >> 8}.${i & 255}:40000->10.1.0.1:5672`, opened: { t: i * 0.01, at: healthy.end.at, packet: i } });
    for (let i = 0; i < 20; i++) conns.push(connection({ id: `10.9.0.${i}:40000->10.1.0.1:5672` }));
    const html = renderHtml(report(conns));
    expect(subpaths(html, 'bars')).toBe(10_020);
    expect(html.match(/<section class="connection"/g)).toHaveLength(20);
    expect(html.length).toBeLessThan(10_000_000);
  });

  it('keeps under 10 MB when every one of 10,000 connections has a problem: timelines up to a budget, then a note', () => {
    const c = connection();
    const conns: ReportConnection[] = [];
    for (let i = 0; i < 10_000; i++) conns.push({ ...c, id: `10.0.${i >> 8}.${i & 255}:40000->10.1.0.1:5672` });
    const html = renderHtml(report(conns));
    expect(subpaths(html, 'bars')).toBe(10_000);
    const sections = html.match(/<section class="connection"/g)!.length;
    expect(sections).toBeGreaterThan(500);
    expect(sections).toBeLessThan(10_000);
    expect(html).toContain(`${(10_000 - sections).toLocaleString('en-US')} more connection(s) with a warning or an error have no timeline here`);
    expect(html.length).toBeLessThan(10_000_000);
  });

  it('renders real captures: one bar per connection, a section per problem connection', () => {
    for (const name of ['pika-long-callback.pcap', 'pika-sigstop-consumer.pcap']) {
      const r = analyzeCapture(name).report;
      const html = renderHtml(r);
      expect(subpaths(html, 'bars'), name).toBe(r.connections.length);
      expect(html.match(/<section class="connection"/g), name).toHaveLength(r.connections.filter((c) => c.severity !== 'info').length);
      const ticks = r.connections.filter((c) => c.severity !== 'info').reduce((n, c) => n + [...tickCounts(c.timeline).values()].reduce((a, b) => a + b, 0), 0);
      expect(subpaths(html, 'tick'), name).toBe(ticks);
    }
  });

  it('says a broker that stopped accepting once: its block and band, not also a wave of handshake failures', () => {
    const r = analyzeCapture('fleet-fd-limit.pcap').report;
    // The report has both: a wave flagged notAccepted (the clients giving up together) and the not-accepting block.
    expect(r.fleet.waves.filter((w) => w.notAccepted === true).length).toBeGreaterThan(0);
    expect(r.fleet.notAccepting.count).toBe(11);
    const html = renderHtml(r);
    expect(html).toContain('<h3>broker not accepting: 11</h3>'); // the block in the summary
    expect(html.match(/<g class="band band-not-accepting">/g)).toHaveLength(1); // the chart's band
    expect(html).toMatch(/<text [^>]*>broker not accepting: 11<\/text>/);
    expect(html).not.toMatch(/wave \d+: \d+ × handshake-failed/);
    const shown = r.fleet.waves.filter((w) => w.notAccepted !== true).length;
    expect(html.match(/<g class="band band-wave">/g) ?? []).toHaveLength(shown);
    expect(html.match(/<div class="wave"><h3><span class="swatch"/g) ?? []).toHaveLength(shown);
  });
});

describe('HTML: connections whose only warnings are about settings', () => {
  it('fleet-memory-alarm: their timelines come after those of the connections something happened to', () => {
    const html = renderHtml(analyzeCapture('fleet-memory-alarm.pcap').report);
    const order = [...html.matchAll(/<section class="connection" id="c(\d+)">.*?(127\.0\.0\.\d+:\d+)/g)].map((m) => m[2]);
    expect(order).toHaveLength(10);
    expect(order.slice(7).sort()).toEqual(['127.0.0.63:34207', '127.0.0.63:56219', '127.0.0.65:33749']);
    // The setting said once, as in the terminal and Markdown reports.
    expect(html).toContain('<section class="settings"><h2>Warnings about settings</h2><ul><li>heartbeat-timeout-low: All 10 connections have a heartbeat timeout under 5 s (T = 4 s).');
    expect(renderHtml(analyzeCapture('pika-healthy-idle.pcap').report)).not.toContain('<section class="settings">');
  });
});

describe('HTML fleet chart: a nameless bar keeps the broker port in its label', () => {
  it('amqps13-long-callback without keys: "127.0.0.1:50528 → :5671", not an id cut before its port', () => {
    const html = renderHtml(analyzeCapture('amqps13-long-callback.pcap').report);
    expect(html).toContain('<text class="rowlabel" x="214" y="19">127.0.0.1:50528 → :5671</text>');
  });
});

describe('HTML headline: the answer, then the rest as a list (as in Markdown)', () => {
  it('fleet-amqps-host-freeze: the first sentence in the panel, the two stalled connections as list items, escaped', () => {
    const r = analyzeCapture('fleet-amqps-host-freeze.pcap').report;
    const html = renderHtml(r);
    const [first, ...rest] = r.fleet.headline;
    expect(rest).toHaveLength(2);
    expect(html).toContain(`<div class="headline"><p>${text(first!)}</p><ul class="headline-more">${rest.map((s) => `<li>${text(s)}</li>`).join('')}</ul></div>`);
  });
});
