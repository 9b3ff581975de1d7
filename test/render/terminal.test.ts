import { describe, expect, it } from 'vitest';
import { renderTerminal } from '../../src/render/terminal.js';
import { displayWidth } from '../../src/render/text.js';
import type { Report } from '../../src/report/types.js';
import { at, connection, elided, ev, handshake, healthyConnection, missedHeartbeatTimeline, report, resetPackets } from './report-fixture.js';

/** Removes SGR colour codes (the only escape sequences the renderer writes). */
function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}

function widest(out: string): number {
  return Math.max(...stripAnsi(out).split('\n').map(displayWidth));
}

const EVIL = 'evil\x1b[2J\x1b]0;owned\x07\rFAKE closed-by-client\u202e\u009b31m';

/** A report that exercises everything: long names, wire strings with control characters, findings, elisions. */
function bigReport(): Report {
  resetPackets();
  const timeline = [...handshake(), elided(0.01, 4321), ...missedHeartbeatTimeline().slice(12)];
  const evil = connection({
    id: '[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:54321->[2001:db8:aaaa:bbbb:cccc:dddd:eeee:1]:5672',
    name: `${EVIL} with a rather long connection name that goes on`,
    library: 'Some Very Long Client Library Name For Testing Purposes 12.345.6789-beta+build.42',
    end: {
      ...connection().end,
      verdict: 'closed-by-server',
      cause: null,
      how: 'amqp-close',
      replyCode: 320,
      replyText: `CONNECTION_FORCED - ${EVIL}`,
      explanation: `The broker closed the connection: 320 CONNECTION_FORCED - ${EVIL}.`,
    },
    timeline: [
      ...timeline,
      ev(13, 's2c', 'amqp', 'Connection.Close', { channel: 0, summary: `Connection.Close 320 CONNECTION_FORCED - ${EVIL}`, note: `reply ${EVIL}` }),
    ],
    eventCount: 5000,
    findings: [{ t: 13, at: at(13), packet: 99, code: 'connection-error', severity: 'error', message: `Connection.Close from the broker: 320 ${EVIL}` }],
  });
  return report([connection(), evil, healthyConnection()], {
    capture: { ...report().capture, path: `/tmp/${EVIL}.pcap`, warnings: [{ code: 'capture-truncated', message: 'the file ends in the middle of a record', packet: 35 }] },
    findings: [
      {
        t: 20, at: at(20), packet: 120, code: 'redelivered-after-close', severity: 'warning', from: connection().id, to: '127.0.0.1:47800->127.0.0.1:5672', count: 1,
        message: `1 message(s) left unacknowledged by ${connection().id} when it died were delivered again (redelivered) to 127.0.0.1:47800->127.0.0.1:5672: they may be processed twice.`,
      },
    ],
  });
}

describe('renderTerminal: width', () => {
  for (const width of [40, 60, 80, 100, 120, 160]) {
    for (const color of [false, true]) {
      it(`every line fits ${width} columns (color ${color})`, () => {
        for (const r of [report(), bigReport()]) {
          for (const all of [false, true]) {
            const out = renderTerminal(r, { width, color, all });
            for (const line of stripAnsi(out).split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(width);
          }
        }
      });
    }
  }

  it('uses the room it has: a wide terminal gets wider tables', () => {
    const r = report();
    expect(widest(renderTerminal(r, { width: 160, color: false, all: false }))).toBeGreaterThan(120);
    expect(widest(renderTerminal(r, { width: 80, color: false, all: false }))).toBeLessThanOrEqual(80);
  });

  it('never cuts the verdict, and never uses an ellipsis to cut a table cell', () => {
    for (const width of [80, 160]) {
      const out = renderTerminal(bigReport(), { width, color: false, all: true });
      for (const verdict of ['missed-heartbeats', 'closed-by-server', 'closed-by-client']) expect(out).toContain(verdict);
      // cli-table3 truncates with '…' when a cell overflows; our own layout never lets it.
      const ellipses = out.split('\n').filter((l) => l.includes('…') && !l.includes('events not shown'));
      expect(ellipses).toEqual([]);
    }
  });
});

describe('renderTerminal: terminal safety', () => {
  it('with colour off the output holds no ESC byte at all, even when wire strings contain ESC', () => {
    for (const width of [80, 160]) {
      const out = renderTerminal(bigReport(), { width, color: false, all: true });
      expect(out).not.toContain('\x1b');
      expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
  });

  it('with colour on, the only escape sequences are the colour codes it adds', () => {
    const out = renderTerminal(bigReport(), { width: 100, color: true, all: true });
    expect(out).toContain('\x1b[31m');
    const withoutSgr = out.replace(/\x1b\[[0-9;]*m/g, '');
    expect(withoutSgr).not.toContain('\x1b');
    expect(withoutSgr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it('shows a connection name holding \\x1b[2J and \\r escaped', () => {
    const c = connection({ name: 'x\x1b[2Jy\rz' });
    for (const color of [false, true]) {
      const out = stripAnsi(renderTerminal(report([c]), { width: 160, color, all: false }));
      expect(out).toContain('x\\x1b[2Jy\\rz');
      expect(out).not.toContain('\r');
    }
  });

  it('escapes wire strings in the capture path, names, reply texts, summaries, notes, explanations and findings', () => {
    // One short marker per field, so that wrapping cannot split it.
    const c = connection({
      name: 'N\x1bN',
      end: { ...connection().end, how: 'amqp-close', replyCode: 320, replyText: 'R\rR', explanation: 'E\u202eE quoted.' },
      findings: [{ t: 1, at: at(1), packet: 5, code: 'connection-error', severity: 'error', message: 'F\u009bF' }],
      timeline: [
        ev(1, 's2c', 'amqp', 'Connection.Close', { channel: 0, summary: 'Connection.Close 320 S\x07S', note: 'O\u2066O' }),
        ev(2, 's2c', 'tcp', 'RST'),
      ],
    });
    const r = report([c], {
      capture: { ...report().capture, path: 'P\x00P.pcap', warnings: [{ code: 'capture-truncated', message: 'W\x1b[2JW' }] },
      findings: [{ t: 3, at: at(3), packet: 9, code: 'redelivered-after-close', severity: 'warning', message: 'X\rX', from: c.id, to: c.id, count: 1 }],
    });
    for (const width of [80, 160]) {
      for (const color of [false, true]) {
        const out = stripAnsi(renderTerminal(r, { width, color, all: false }));
        for (const marker of ['P\\x00P', 'N\\x1bN', 'R\\rR', 'E\\u202eE', 'F\\x9bF', 'S\\x07S', 'O\\u2066O', 'W\\x1b[2JW', 'X\\rX']) {
          expect(out, marker).toContain(marker);
        }
        expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      }
    }
  });
});

describe('renderTerminal: content', () => {
  it('tells what the capture is, then which connections died and why', () => {
    const out = renderTerminal(report([connection(), healthyConnection()]), { width: 100, color: false, all: false });
    const lines = out.split('\n');
    const flat = out.replace(/\s+/g, ' '); // prose may wrap anywhere
    expect(lines[0]).toContain('captures/pika-long-callback.pcap');
    expect(out).toContain('35 packets');
    expect(out).toContain('2 AMQP connections');
    expect(out).toContain('2026-11-22 02:10:11.620000 UTC + 12.0 s'); // never broken inside
    expect(out).toMatch(/Connection\s+Name \/ client\s+T\s+Frames c→b\/b→c\s+Verdict\s+Ended/);
    expect(out).toMatch(/127\.0\.0\.1:47712->127\.0\.0\.1:5672\s+pika-long-callback\s+4 s\s+9\/17\s+missed-heartbeats\s+12\.007/);
    // The problem connection in detail.
    expect(flat).toContain('error: missed-heartbeats (client-stalled), broker RST at 12.007 s');
    expect(flat).toContain("client's last frame: Basic.Consume at 0.006 s (packet 22)");
    expect(flat).toContain('AMQP handshake: Start (RabbitMQ 3.10.8) / Start-Ok (Pika 1.2.0) / Tune-Ok heartbeat=4 / Open vhost=/');
    expect(flat).toContain('5 x Heartbeat b→c / TCP ACK c→b every 2.0 s');
    expect(out).toMatch(/12\.007\s+broker\s+client\s+TCP\s+\[RST, ACK\]/);
    expect(flat).toContain('warning unacked-at-close at 12.007 s');
    // The healthy one: one line, not a section.
    expect(out).toContain('Healthy (1):');
    expect(out).toMatch(/✓ 127\.0\.0\.1:47800->127\.0\.0\.1:5672\s+healthy-worker\s+closed-by-client: The client closed/);
    expect(out).not.toContain('── 127.0.0.1:47800');
  });

  it('gives every connection a section with all', () => {
    const out = renderTerminal(report([connection(), healthyConnection()]), { width: 100, color: false, all: true });
    expect(out).toContain('── 127.0.0.1:47800->127.0.0.1:5672  healthy-worker');
    expect(out).not.toContain('Healthy (');
  });

  it('marks an inferred heartbeat with ~ and a disabled one as off', () => {
    const inferred = connection({ heartbeat: { proposed: null, negotiated: null, inferred: 4 } });
    expect(renderTerminal(report([inferred]), { width: 100, color: false, all: false })).toMatch(/pika-long-callback\s+~4 s/);
    const off = connection({ heartbeat: { proposed: 60, negotiated: 0, inferred: null } });
    expect(renderTerminal(report([off]), { width: 100, color: false, all: false })).toMatch(/pika-long-callback\s+off/);
  });

  it('keeps elided rows visible and says the timeline is bounded', () => {
    const out = renderTerminal(bigReport(), { width: 120, color: false, all: false });
    expect(out).toContain('… 4,321 events not shown');
    expect(out).toMatch(/of 5,000 events in the report's timeline/);
  });

  it('prints capture warnings on their own line and cross-connection findings at the end', () => {
    const out = renderTerminal(bigReport(), { width: 120, color: false, all: false });
    expect(out.split('\n')).toContain('warning: capture-truncated: the file ends in the middle of a record (after packet 35)');
    const tail = out.slice(out.lastIndexOf('Across connections:'));
    expect(tail).toContain('warning redelivered-after-close at 20.000 s');
  });

  it('colours verdicts by severity', () => {
    const out = renderTerminal(report([connection(), healthyConnection()]), { width: 120, color: true, all: false });
    expect(out).toContain('\x1b[31mmissed-heartbeats\x1b[39m');
    expect(out).toContain('\x1b[32mclosed-by-client\x1b[39m');
  });

  it('says so when there is no AMQP connection', () => {
    const out = renderTerminal(report([]), { width: 80, color: false, all: false });
    expect(out).toContain('0 AMQP connections');
    expect(out).toContain('No AMQP connections found');
  });

  it('is a pure function', () => {
    const r = bigReport();
    const copy = structuredClone(r);
    const a = renderTerminal(r, { width: 100, color: true, all: false });
    const b = renderTerminal(r, { width: 100, color: true, all: false });
    expect(a).toBe(b);
    expect(r).toEqual(copy);
  });
});

describe('one line per connection past a large run\'s detailed sections', () => {
  it('marks a problem connection with its severity (✗ error, ! warning), never with the healthy check', () => {
    const conns = [];
    // Errors far apart (no wave folds them), more than a large run details.
    const base = connection();
    for (let i = 0; i < 24; i++) {
      const t = base.end.t + i * 1000;
      conns.push(connection({ id: `10.0.0.${i}:1000->10.0.0.99:5672`, client: { address: `10.0.0.${i}`, port: 1000 }, end: { ...base.end, t, at: at(t) } }));
    }
    // Healthy ends with a warning about something that happened (a zero window), not only about a setting.
    const zeroWindow = { t: 2, at: at(2), packet: 20, code: 'zero-window' as const, severity: 'warning' as const, message: 'The client advertised a zero receive window.' };
    for (let i = 0; i < 6; i++) conns.push(healthyConnection({ id: `10.0.1.${i}:1000->10.0.0.99:5672`, severity: 'warning', findings: [zeroWindow] }));
    for (let i = 0; i < 5; i++) conns.push(healthyConnection({ id: `10.0.2.${i}:1000->10.0.0.99:5672` }));
    const out = renderTerminal(report(conns), { width: 100, color: false, all: false });
    const lines = out.split('\n');
    const more = lines.findIndex((l) => /^\d+ more problem connections/.test(l));
    expect(more).toBeGreaterThan(0);
    const listed = lines.slice(more + 1).filter((l) => /^[✓✗!] /.test(l));
    expect(listed.filter((l) => l.startsWith('✗ 10.0.0.'))).not.toHaveLength(0);
    expect(listed.filter((l) => l.startsWith('! 10.0.1.'))).not.toHaveLength(0);
    // Only the healthy ones, listed under "Healthy", carry the check.
    expect(listed.filter((l) => l.startsWith('✓ ')).every((l) => l.startsWith('✓ 10.0.2.'))).toBe(true);
    expect(out).not.toMatch(/✓ 10\.0\.0\./);
  });
});

describe('a handshake refusal in the terminal', () => {
  it('fleet-connection-limit: one refused connection in full, the other 52 one line each under it', async () => {
    const { analyzeCapture } = await import('../helpers/captures.js');
    const out = renderTerminal(analyzeCapture('fleet-connection-limit.pcap').report, { width: 100, color: false, all: false });
    expect(out.match(/^error: handshake-failed/gm)).toHaveLength(1);
    expect(out).toContain('The same in 52 more connection(s) refused for the same reason:');
    expect(out.match(/^ {2}• 127\.0\.0\.7\d:\d+->127\.0\.0\.1:5672/gm)).toHaveLength(52);
    // The eight that held the limit or got in later (T=4: a low-heartbeat warning, nothing else) are counted, not
    // detailed: a run of 61 connections keeps every timeline, but nothing happened to them to tell. The setting is
    // said once.
    expect(out).toContain('Warnings about settings only (8): not listed; --all lists them.');
    expect(out).toMatch(/^ {2}• heartbeat-timeout-low: 8 of 61 connections have a heartbeat timeout under 5 s \(T = 4 s\)\./m);
    expect(out).not.toMatch(/^warning: closed-by-client/m);
  });
});

/** The connection id of each section: the heading's first word, over the "severity: verdict" line (a long heading has no rule). */
function sectionIds(out: string): string[] {
  const lines = out.split('\n');
  return lines.flatMap((l, i) => (/^(error|warning|info): /.test(l) && i > 0 ? [lines[i - 1]!.replace(/^── /, '').split(' ')[0]!] : []));
}

describe('connections whose only warnings are about settings', () => {
  // fleet-memory-alarm: ten pika clients with T=4; seven were blocked by the alarm (two of them aborted), three only
  // published or consumed and closed cleanly: their one warning is the low heartbeat timeout.
  const settingOnlyIds = ['127.0.0.63:34207->127.0.0.1:5672', '127.0.0.65:33749->127.0.0.1:5672', '127.0.0.63:56219->127.0.0.1:5672'];

  it('fleet-memory-alarm: what happened has a timeline each, the setting is said once and its three clean closes are a line each', async () => {
    const { analyzeCapture } = await import('../helpers/captures.js');
    const out = renderTerminal(analyzeCapture('fleet-memory-alarm.pcap').report, { width: 100, color: false, all: false });
    const headings = sectionIds(out);
    expect(headings).toHaveLength(7);
    for (const id of settingOnlyIds) expect(headings).not.toContain(id);
    expect(out).toContain('Warnings about settings only (3):');
    expect(out).toMatch(/^ {2}• heartbeat-timeout-low: All 10 connections have a heartbeat timeout under 5 s \(T = 4 s\)\./m);
    for (const id of settingOnlyIds) expect(out).toMatch(new RegExp(`^! ${id.replace(/[.>]/g, '\\$&')} `, 'm'));
    // Ordered for the summary table of a large run too: what happened first, settings last.
    const { orderProblems } = await import('../../src/render/fleet.js');
    const r = analyzeCapture('fleet-memory-alarm.pcap').report;
    expect(orderProblems(r, r.connections).detailed.slice(7).map((c) => c.id).sort()).toEqual([...settingOnlyIds].sort());
  });

  it('keeps the timelines with --all, and the section of a capture of one connection', async () => {
    const { analyzeCapture } = await import('../helpers/captures.js');
    const all = renderTerminal(analyzeCapture('fleet-memory-alarm.pcap').report, { width: 100, color: false, all: true });
    expect(sectionIds(all)).toHaveLength(10);
    expect(all).not.toContain('Warnings about settings only');
    const one = renderTerminal(analyzeCapture('pika-healthy-idle.pcap').report, { width: 100, color: false, all: false });
    expect(one).toMatch(/^warning: closed-by-client/m);
    expect(one).toContain('warning heartbeat-timeout-low');
    expect(one).not.toContain('Warnings about settings only');
  });
});
