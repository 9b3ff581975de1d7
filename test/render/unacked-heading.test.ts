/**
 * A connection still open when the capture ended, with deliveries its client never acked: the heading says how many
 * (the broker requeues them if it closes the connection), in the terminal, Markdown and HTML alike. Real captures:
 * a pika consumer stalled in its callback with 2 deliveries, an amqplib consumer cut with its prefetch of 12.
 */
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/render/html/page.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { renderTerminal } from '../../src/render/terminal.js';
import { gunzipSync } from 'node:zlib';
import { analyzeBytes } from '../../src/analyze.js';
import type { Report } from '../../src/report/types.js';
import { analyzeCapture, captureBytes } from '../helpers/captures.js';

const reportOf = (name: string): Report =>
  name.endsWith('.gz') ? analyzeBytes(gunzipSync(captureBytes(name)), { path: `captures/${name}` }) : analyzeCapture(name).report;

const renderings = (name: string): string[] => {
  const report = reportOf(name);
  return [
    renderTerminal(report, { width: 100, color: false, all: false }).replace(/\s+/g, ' '),
    renderMarkdown(report),
    renderHtml(report),
  ];
};

describe('heading: deliveries unacked when the capture ended', () => {
  it('a stalled pika consumer still open: 2 deliveries', () => {
    const { report } = analyzeCapture('pika-long-callback-cut-8s.pcap');
    expect(report.connections[0]!.end.verdict).toBe('open');
    expect(report.connections[0]!.unacked).toBe(2);
    for (const out of renderings('pika-long-callback-cut-8s.pcap')) {
      expect(out).toContain('at 0.006 s (packet 22) · 2 deliveries unacked at the end');
    }
  });

  it("an amqplib consumer cut with its prefetch in hand: 12; its publisher, closed, has none", () => {
    const { report } = analyzeCapture('amqplib-prefetch-cut-12s.pcap');
    expect(report.connections.map((c) => [c.end.verdict, c.unacked])).toEqual([
      ['closed-by-client', 0],
      ['open', 12],
    ]);
    for (const out of renderings('amqplib-prefetch-cut-12s.pcap')) {
      expect(out.match(/deliver(y|ies) unacked at the end/g)).toEqual(['deliveries unacked at the end']);
      expect(out).toContain('12 deliveries unacked at the end');
    }
  });

  it('joined midway (no handshake in the capture), the count is a minimum', () => {
    const report = reportOf('pika-sigstop-zero-window-cut.pcap.gz');
    expect(report.connections.find((c) => c.id === '127.0.0.1:37210->127.0.0.1:5672')).toMatchObject({ handshakeSeen: false, unacked: 2, end: expect.objectContaining({ verdict: 'open' }) });
    for (const out of renderings('pika-sigstop-zero-window-cut.pcap.gz')) expect(out).toContain('(packet 30) · at least 2 deliveries unacked at the end');
  });

  it('one delivery is singular; an ended connection says it in its unacked-at-close finding instead', () => {
    for (const out of renderings('netns-blackhole-no-heartbeat.pcap')) expect(out).toContain('1 delivery unacked at the end');
    const closed = renderings('pika-sigstop-consumer.pcap');
    for (const out of closed) expect(out).not.toContain('unacked at the end');
    expect(closed[0]).toContain('warning unacked-at-close at 12.005 s');
  });
});
