/**
 * --follow end to end, through the built CLI (dist/cli.js): a pipe fed packet by packet, a file that grows, SIGTERM,
 * the NDJSON events of report-contract.md ("Live events"), and --live without tcpdump.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CAUSES, VERDICTS } from '../../src/diagnosis/types.js';
import { captureBytes } from '../helpers/captures.js';
import { formatErrors, validate, type JsonSchema } from '../helpers/json-schema.js';
import { fromPacket, pcapRecords } from '../helpers/pcap-records.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const SCHEMA = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'report.schema.json'), 'utf8')) as JsonSchema;
const running: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** The CLI with its stdout collected as it comes; `until` waits (wall clock, bounded) for a line to appear. */
function start(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '' } });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    exited,
    out: () => stdout,
    err: () => stderr,
    lines: () => stdout.split('\n').filter((l) => l !== ''),
    async until(test: (line: string) => boolean, ms = 10_000): Promise<string> {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = stdout.split('\n').find(test);
        if (found !== undefined) return found;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no such line in time; stdout so far:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const events = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('--follow through a pipe', () => {
  it('prints the stalled client alert before the broker RST has been written to it', async () => {
    const { header, records } = pcapRecords(captureBytes('pika-long-callback.pcap'));
    const run = start(['--follow', '--json', '-']);
    run.child.stdin.write(header);
    // Every packet but the last, the broker's RST (packet 35), a few at a time.
    for (const r of records.slice(0, -1)) {
      run.child.stdin.write(r);
      await pause(2);
    }
    const alert = JSON.parse(await run.until((l) => l.includes('"type":"silence"') && l.includes('"crossed":2'))) as Record<string, unknown>;
    expect(alert).toMatchObject({ type: 'silence', side: 'client', cause: 'client-stalled', connection: '127.0.0.1:47712->127.0.0.1:5672' });
    expect(run.out()).not.toContain('"type":"ended"');
    run.child.stdin.end(records.at(-1));
    expect(await run.exited).toBe(0);
    const all = events(run.lines());
    expect(all.map((e) => e['type'] ?? 'report')).toEqual(['opened', 'silence', 'silence', 'ended', 'status', 'report']);
    const report = all.at(-1)!;
    expect(report).toMatchObject({ schemaVersion: 1, capture: { packets: 35 } });
  });

  it('SIGTERM ends the input: the full terminal report of what was read, exit status 0', async () => {
    const bytes = captureBytes('pika-long-callback.pcap');
    const run = start(['--follow', '-']);
    run.child.stdin.write(bytes); // and the pipe stays open, as tcpdump's would
    const ended = await run.until((l) => l.includes(' ENDED '));
    expect(ended).toMatch(/^02:10:23\.626988 \+12\.007 #35  ENDED    127\.0\.0\.1:47712->127\.0\.0\.1:5672 \(pika-long-callback\)  error: missed-heartbeats \(client-stalled\): /);
    const silence = run.lines().filter((l) => l.includes(' SILENCE '));
    expect(silence[0]).toContain('client has sent nothing for 6.0 s (past T, T=4 s)');
    expect(silence[0]).toContain('expect RabbitMQ to close it between 02:10:19.6 and 02:10:23.6 UTC unless the client writes');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.out()).toContain('-: pcap · EN10MB (Ethernet) · 35 packets');
    expect(run.out()).toContain('1 AMQP connection from 127.0.0.1 (pika-long-callback): missed-heartbeats (client-stalled) at 12.007');
    expect(run.err()).toBe('');
  });
});

describe('--follow --json: the later alerts within the contract', () => {
  it('a broker down or not accepting: status events carrying the alert, only the four event types of report-contract.md', () => {
    const alertsOf = (capture: string) => {
      const r = spawnSync(process.execPath, [CLI, '--follow', '--json', '-'], { input: captureBytes(capture), encoding: 'utf8' });
      expect(r.status).toBe(0);
      const all = events(r.stdout.trim().split('\n'));
      const report = all.pop()!;
      expect(report['schemaVersion']).toBe(1);
      expect(new Set(all.map((e) => e['type']))).toSatisfy((types: Set<unknown>) => [...types].every((t) => ['opened', 'silence', 'ended', 'status'].includes(String(t))));
      return all.filter((e) => e['alert'] !== undefined);
    };
    const refused = alertsOf('fleet-broker-restart.pcap');
    expect(refused.map((e) => [e['type'], e['attemptsRefused'], (e['alert'] as Record<string, unknown>)['type'], e['packet']])).toEqual([
      ['status', 1, 'refused', 526],
      ['status', 61, 'refused', 646],
      ['status', 108, 'refused', 744],
    ]);
    expect(refused[0]!['alert']).toMatchObject({ connection: '127.0.0.23:41203->127.0.0.1:5672', t: refused[0]!['t'] });
    const unanswered = alertsOf('fleet-fd-limit.pcap');
    expect(unanswered.map((e) => e['unanswered'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(unanswered.every((e) => (e['alert'] as Record<string, unknown>)['type'] === 'unanswered')).toBe(true);
  });
});

describe('--follow with filters', () => {
  it('--connection NAME on a capture joined after the handshakes: one note on stderr for what a name cannot match (review 36)', () => {
    const input = fromPacket(captureBytes('fleet-host-freeze.pcap'), 240);
    const r = spawnSync(process.execPath, [CLI, '--follow', '--connection', 'nova-compute', '-'], { input, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(
      'amqpscope: note: --connection left out an alert on 127.0.0.11:42831->127.0.0.1:5672, whose name is not in the capture (it joined the connection after its Start-Ok): narrow by host or port to see such connections (said once)\n',
    );
  });

  it('--problems: the live lines are the alerts and the problem endings, and the report is narrowed', () => {
    const input = captureBytes('fleet-many-healthy.pcap');
    const r = spawnSync(process.execPath, [CLI, '--follow', '--problems', '-'], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '' } });
    expect(r.status).toBe(0);
    const live = r.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d+ \+/.test(l));
    expect(live.map((l) => /  (opened|SILENCE|ENDED) /.exec(l)?.[1])).toEqual(['ENDED', 'SILENCE', 'SILENCE', 'ENDED']);
    expect(live[1]).toContain('127.0.0.41:48531->127.0.0.1:5672 (nova-compute:31220:');
    // The report: the two problem connections, of the 112 the fleet section counts (--follow lists the latest 100
    // healthy ones of 110; it said 2 of 102).
    expect(r.stdout).toContain('narrowed by --problems: 2 of 112 AMQP connections listed; the summary covers all 112');
  });
});

describe('--follow: a corrupt record', () => {
  it('ends the run at once with a one-line warning and the report of what was read, the pipe still open', async () => {
    const { header, records } = pcapRecords(captureBytes('pika-long-callback.pcap'));
    // Record 10 claims 979,727,477 captured bytes: nothing after it can be found.
    const bad = Uint8Array.from(records[9]!);
    new DataView(bad.buffer).setUint32(8, 979_727_477, true);
    const run = start(['--follow', '-']);
    run.child.stdin.write(Buffer.concat([header, ...records.slice(0, 9), bad, ...records.slice(10)])); // and the pipe stays open
    expect(await run.exited).toBe(0);
    expect(run.err()).toBe(
      'amqpscope: warning: -: the record at offset 1647 claims 979727477 captured bytes (snaplen 262144); the file is corrupt from there on and reading stopped after packet 9; the report covers what was read\n',
    );
    expect(run.out()).toContain('-: pcap · EN10MB (Ethernet) · 9 packets');
  });
});

describe('--follow FILE (tail -f)', () => {
  it('reads the file as it grows, a record written in two halves included, until SIGTERM', async () => {
    const bytes = captureBytes('pika-long-callback.pcap');
    const { header, records } = pcapRecords(bytes);
    const path = join(mkdtempSync(join(tmpdir(), 'amqpscope-follow-')), 'growing.pcap');
    writeFileSync(path, Buffer.concat([header, ...records.slice(0, 10)]));
    const run = start(['--follow', '--json', path]);
    await run.until((l) => l.includes('"type":"opened"'));
    // The broker heartbeat at 6.006 s (packet 29) makes the client's silence past T known; write it in two halves.
    for (const r of records.slice(10, 28)) appendFileSync(path, r);
    const half = records[28]!;
    appendFileSync(path, half.subarray(0, 30));
    await pause(400); // a few polls with half a record at the end of the file
    expect(run.out()).not.toContain('"type":"silence"');
    appendFileSync(path, half.subarray(30));
    await run.until((l) => l.includes('"type":"silence"'));
    for (const r of records.slice(29)) appendFileSync(path, r);
    await run.until((l) => l.includes('"type":"ended"'));
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const report = events(run.lines()).at(-1)!;
    expect(report).toMatchObject({ capture: { path, packets: 35, warnings: [] } });
  });
});

describe('--follow --json: the live events of report-contract.md', () => {
  it('one object per line: opened, silence, ended (the Connection of --json), status; then the report', () => {
    const r = spawnSync(process.execPath, [CLI, '--follow', '--json', '-'], { input: captureBytes('pika-sigstop-zero-window.pcap'), encoding: 'utf8' });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const all = events(lines);
    const report = all.pop()!;
    expect(validate(SCHEMA, report)).toEqual([]);
    // The report of the same bytes without --follow.
    const plain = spawnSync(process.execPath, [CLI, '--json', '-'], { input: captureBytes('pika-sigstop-zero-window.pcap'), encoding: 'utf8' });
    expect(report).toEqual(JSON.parse(plain.stdout));
    const when = { t: expect.any(Number), at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/), packet: expect.any(Number) };
    for (const e of all) {
      expect(e).toMatchObject(when);
      switch (e['type']) {
        case 'opened':
          expect(e).toMatchObject({ connection: expect.any(String), client: { address: expect.any(String), port: expect.any(Number) }, midStream: expect.any(Boolean) });
          break;
        case 'silence':
          expect(e).toMatchObject({ connection: expect.any(String), side: expect.stringMatching(/^(client|server)$/), seconds: expect.any(Number), crossed: expect.any(Number) });
          expect(e['name'] === null || typeof e['name'] === 'string').toBe(true);
          expect(e['cause'] === null || (CAUSES as readonly unknown[]).includes(e['cause'])).toBe(true);
          if (e['side'] === 'client') expect(e['expectedClose']).toMatchObject({ earliest: expect.any(Number), latest: expect.any(Number) });
          else expect(e['expectedClose']).toBeNull();
          break;
        case 'ended': {
          // The full Connection object, as in --json: valid in a report.
          const errors = validate(SCHEMA, { ...report, connections: [e['connection']] });
          expect(errors, formatErrors(errors.slice(0, 5))).toEqual([]);
          expect(VERDICTS).toContain((e['connection'] as { end: { verdict: string } }).end.verdict);
          break;
        }
        case 'status':
          expect(e).toMatchObject({ open: expect.any(Number), ended: expect.any(Number), packets: expect.any(Number), bytes: expect.any(Number) });
          break;
        default:
          throw new Error(`unknown event ${String(e['type'])}`);
      }
    }
    const types = all.map((e) => e['type']);
    expect(types).toContain('silence');
    expect(types.filter((t) => t === 'ended').length).toBe(3);
    expect(all.find((e) => e['type'] === 'silence' && e['side'] === 'client')).toMatchObject({ cause: 'client-not-reading' });
    // Events come in capture order.
    const packets = all.map((e) => e['packet'] as number);
    expect(packets).toEqual([...packets].sort((a, b) => a - b));
  });
});

describe('--live', () => {
  it('writes no status event before the first packet (it has no capture time): an empty stdin is one line, exit 2', () => {
    const r = spawnSync(process.execPath, [CLI, '--follow', '--json', '-'], { encoding: 'utf8', input: '' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('amqpscope: -: empty file\n');
  });

  it('without tcpdump: one line, exit status 2', () => {
    const r = spawnSync(process.execPath, [CLI, '--live', 'lo'], { encoding: 'utf8', env: { ...process.env, PATH: join(tmpdir(), 'amqpscope-no-such-dir') } });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('amqpscope: --live: tcpdump is not installed (or not on PATH); install it, or pipe a capture into amqpscope --follow -\n');
    expect(r.stdout).toBe('');
  });

  it('refuses a capture file with --live, and several captures or --frames with --follow', () => {
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    expect(run(['--live', 'lo', 'x.pcap']).stderr).toBe('amqpscope: --live reads from tcpdump: name no capture file with it\n');
    expect(run(['--follow', 'a.pcap', 'b.pcap']).stderr).toBe('amqpscope: --follow reads one capture as it grows: name one file, or - for standard input\n');
    expect(run(['--follow', '--frames', '-']).status).toBe(2);
  });
});

describe('--follow with a key log that clients are still writing (review 37)', () => {
  it('starts with an empty key log, says so once, and decrypts a session whose secrets were logged after it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-keys-'));
    const keys = join(dir, 'keys.log');
    writeFileSync(keys, '');
    const { header, records } = pcapRecords(captureBytes('amqps13-long-callback.pcap'));
    const run = start(['--follow', '--json', '--tls-keylog', keys, '-']);
    run.child.stdin.write(header);
    // Up to the ServerHello (packet 6): the client has not logged its secrets yet.
    for (const r of records.slice(0, 6)) run.child.stdin.write(r);
    await pause(300);
    appendFileSync(keys, captureBytes('amqps13-long-callback.keys'));
    for (const r of records.slice(6)) run.child.stdin.write(r);
    run.child.stdin.end();
    expect(await run.exited).toBe(0);
    expect(run.err()).toBe(`amqpscope: warning: --tls-keylog: '${keys}' holds no TLS secrets yet: it is read again when a TLS connection needs its keys\n`);
    const report = JSON.parse(run.lines().filter((l) => l.startsWith('{') && l.includes('"schemaVersion"')).pop()!) as { connections: { tls: { decrypted: boolean }; name: string; unacked: number }[] };
    expect(report.connections[0]).toMatchObject({ tls: { decrypted: true }, name: 'amqps13-long-callback', unacked: 1 });
  });
});
