/**
 * Several captures in one run are one fleet report (analysed in worker threads), and `--merge` of reports made
 * elsewhere gives the same report; through the built CLI, on real captures.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/types.js';
import { CAPTURES_DIR } from './helpers/captures.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const cap = (name: string) => join(CAPTURES_DIR, name);

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '' }, maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const json = (args: string[]) => JSON.parse(run([...args, '--json']).stdout) as Report;

describe('several captures, one fleet report', () => {
  const freeze = json([cap('fleet-host-freeze.pcap')]);
  const restart = json([cap('fleet-broker-restart.pcap')]);
  const both = json([cap('fleet-host-freeze.pcap'), cap('fleet-broker-restart.pcap')]);

  it('lists both captures, marks every connection with its capture, and keeps each connection as analysed alone', () => {
    expect(both.captures!.map((c) => c.path)).toEqual([cap('fleet-host-freeze.pcap'), cap('fleet-broker-restart.pcap')]);
    expect(both.capture.path).toBe(cap('fleet-host-freeze.pcap'));
    expect(both.connections).toHaveLength(freeze.connections.length + restart.connections.length);
    const alone = new Map([...freeze.connections, ...restart.connections].map((c) => [c.id, c]));
    for (const c of both.connections) {
      const a = alone.get(c.id)!;
      expect(c.capture).toBe(restart.connections.includes(a) ? cap('fleet-broker-restart.pcap') : cap('fleet-host-freeze.pcap'));
      expect({ ...c.end, t: 0 }, c.id).toEqual({ ...a.end, t: 0 });
      expect(c.findings.map((f) => f.code)).toEqual(a.findings.map((f) => f.code));
    }
  });

  it("puts every time on the run's clock: the later capture's times shift by the distance between the starts", () => {
    // fleet-broker-restart.pcap starts 3,231.533340 s after fleet-host-freeze.pcap (10:14:10.882388 - 09:20:19.349048).
    const shift = 3231.53334;
    const a = restart.connections[0]!;
    const b = both.connections.find((c) => c.id === a.id)!;
    expect(b.end.at).toBe(a.end.at);
    expect(b.end.t).toBeCloseTo(a.end.t + shift, 6);
    expect(b.timeline[0]!.t).toBeCloseTo(a.timeline[0]!.t + shift, 6);
    expect(b.opened.t).toBeCloseTo(a.opened.t + shift, 6);
    expect(both.fleet.refused).toMatchObject({ count: 108, t: 6.23974 + shift });
  });

  it('finds the waves of both captures in one fleet section, and the headline tells both', () => {
    expect(both.fleet.connections).toBe(40);
    expect(both.fleet.waves.map((w) => `${w.scope} ${w.count} ${w.verdict}`)).toEqual(['host 3 missed-heartbeats', 'broker 12 closed-by-server']);
    expect(both.fleet.headline.join(' ')).toMatch(/320 CONNECTION_FORCED.*127\.0\.0\.11 \(nova-compute\) stopped sending/s);
  });

  it('--merge of the two reports written apart gives the same report, byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-merge-'));
    writeFileSync(join(dir, 'a.json'), run([cap('fleet-host-freeze.pcap'), '--json']).stdout);
    writeFileSync(join(dir, 'b.json'), run([cap('fleet-broker-restart.pcap'), '--json']).stdout);
    const merged = run(['--merge', join(dir, 'a.json'), join(dir, 'b.json'), '--json']);
    expect(merged.status).toBe(0);
    expect(merged.stdout).toBe(run([cap('fleet-host-freeze.pcap'), cap('fleet-broker-restart.pcap'), '--json']).stdout);
    // And the terminal report of a merge starts with both captures and the headline.
    const text = run(['--merge', join(dir, 'a.json'), join(dir, 'b.json'), '--width', '100', '--no-color']).stdout.split('\n');
    expect(text[0]).toBe('2 captures, one report · 40 AMQP connections in all');
  });

  it('resource alarms in two captures: two alarms, the same from --merge of their reports, byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-merge-'));
    const names = ['pika-blocked-memory-alarm.pcap', 'fleet-memory-alarm-from-packet-900.pcap'];
    names.forEach((n, i) => writeFileSync(join(dir, `${i}.json`), run([cap(n), '--json']).stdout));
    const together = run([...names.map(cap), '--json']);
    expect(run(['--merge', join(dir, '0.json'), join(dir, '1.json'), '--json']).stdout).toBe(together.stdout);
    const alarms = (JSON.parse(together.stdout) as Report).fleet.alarms;
    expect(alarms.map((a) => [a.count, a.beforeCapture, a.clearedT !== null])).toEqual([
      [1, false, true],
      [6, true, true],
    ]);
  });

  it('keeps a broker that stopped accepting (fleet-fd-limit) beside another capture, as it was alone', () => {
    const fd = json([cap('fleet-fd-limit.pcap')]);
    const pair = json([cap('fleet-fd-limit.pcap'), cap('fleet-host-freeze.pcap')]);
    expect(fd.fleet.notAccepting.count).toBe(11);
    expect(pair.fleet.notAccepting).toMatchObject({ count: 11, connections: fd.fleet.notAccepting.connections });
    expect(pair.fleet.waves.map((w) => `${w.count} ${w.verdict} ${w.notAccepted}`)).toEqual(['3 missed-heartbeats false', '11 handshake-failed true']);
    expect(pair.fleet.headline.join(' ')).toMatch(/The broker stopped accepting connections: 11 connections/);
  });

  it('keeps ids unique when two captures hold the same connection (both ends of it, or a copy), and refuses one file named twice', () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'amqpscope-copy-')), 'client-side.pcap');
    copyFileSync(cap('pika-long-callback.pcap'), copy);
    const both = json([cap('pika-long-callback.pcap'), copy]);
    expect(both.connections.map((c) => c.id)).toEqual(['127.0.0.1:47712->127.0.0.1:5672', `127.0.0.1:47712->127.0.0.1:5672@${copy}`]);
    // The same file twice (overlapping globs) would count every connection twice: a usage error.
    const r = run([cap('pika-long-callback.pcap'), cap('pika-long-callback.pcap')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/pika-long-callback\.pcap' is named twice/);
  });

  it('refuses what it cannot merge in one line, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-merge-'));
    writeFileSync(join(dir, 'x.json'), '{"connections": []}');
    for (const [args, message] of [
      [['--merge', join(dir, 'x.json')], /is not an amqpscope JSON report/],
      [['--merge', cap('pika-long-callback.pcap')], /is not JSON/],
      [['--merge', join(dir, 'nope.json')], /cannot read/],
      [[cap('pika-long-callback.pcap'), '-'], /standard input\) is one capture/],
      [['--merge', '--frames', join(dir, 'x.json')], /--merge reads reports/],
    ] as [string[], RegExp][]) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('reports a bad capture among several like a single one: one line, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-multi-'));
    writeFileSync(join(dir, 'bad.pcap'), 'not a capture at all');
    const r = run([cap('pika-long-callback.pcap'), join(dir, 'bad.pcap')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
