/**
 * The built binary, end to end, as a user runs it: `npm test` builds dist/ first. Exit statuses, one-line errors,
 * nothing but JSON on stdout with --json, NDJSON with --frames, filters, stdin.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { amqpHandshake, connectionClose } from './helpers/amqp-conversation.js';
import { CAPTURES_DIR } from './helpers/captures.js';
import { Conversation } from './helpers/conversation.js';
import { writePcap } from './helpers/synth-capture.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const cap = (name: string) => join(CAPTURES_DIR, name);

function run(args: string[], input?: Uint8Array, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '', ...env }, maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('amqpscope command line', () => {
  it('prints the terminal report of a capture and exits 0', () => {
    const r = run([cap('pika-long-callback.pcap'), '--width', '100', '--no-color']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/missed-heartbeats/);
    expect(r.stdout).toMatch(/client's last frame/);
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('prints nothing but the JSON report with --json', () => {
    const r = run([cap('pika-forced-close.pcap'), '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.schemaVersion).toBe(1);
    expect(report.connections[0].end).toMatchObject({ verdict: 'closed-by-server', replyCode: 320 });
  });

  it('reads standard input for -', () => {
    const r = run(['-', '--json'], readFileSync(cap('pika-healthy-idle.pcap')));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).connections[0].end.verdict).toBe('closed-by-client');
  });

  it('streams every frame and TCP event as NDJSON with --frames', () => {
    const r = run([cap('pika-long-callback.pcap'), '--frames']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const frames = lines.filter((e) => e.kind === 'amqp' && !String(e.type).startsWith('Protocol-Header'));
    expect(frames).toHaveLength(26); // 9 client->server + 17 server->client
    expect(lines[0]).toMatchObject({ connection: '127.0.0.1:47712->127.0.0.1:5672', packet: 1, type: 'SYN' });
    expect(lines.every((e) => typeof e.t === 'number' && typeof e.at === 'string')).toBe(true);
  });

  it('narrows to connections with problems, or by id, port or name', () => {
    const problems = JSON.parse(run([cap('pika-sigstop-consumer.pcap'), '--json', '--problems']).stdout);
    expect(problems.connections.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['pika-sigstop-consumer']));
    expect(problems.connections.every((c: { severity: string }) => c.severity !== 'info')).toBe(true);
    const byName = JSON.parse(run([cap('pika-sigstop-consumer.pcap'), '--json', '--connection', 'standby']).stdout);
    expect(byName.connections.map((c: { name: string }) => c.name)).toEqual(['pika-standby-consumer']);
    const byPort = JSON.parse(run([cap('pika-sigstop-consumer.pcap'), '--json', '--connection', '37612']).stdout);
    expect(byPort.connections).toHaveLength(1);
  });

  it('restricts timelines to --since/--until (seconds or ISO time)', () => {
    const r = JSON.parse(run([cap('pika-long-callback.pcap'), '--json', '--since', '5', '--until', '9']).stdout);
    const ts = r.connections[0].timeline.map((e: { t: number }) => e.t);
    expect(ts.length).toBeGreaterThan(0);
    expect(ts.every((t: number) => t >= 5 && t <= 9)).toBe(true);
    const iso = JSON.parse(run([cap('pika-long-callback.pcap'), '--json', '--since', '2026-11-22T02:10:21Z']).stdout);
    const isoTimes = iso.connections[0].timeline.map((e: { t: number }) => e.t);
    // 02:10:21Z is 9.38 s into the capture: the rows from the heartbeat at 10.008 s on (not an empty list).
    expect(isoTimes.length).toBeGreaterThan(0);
    expect(isoTimes.every((t: number) => t >= 9.37)).toBe(true);
  });

  it('says when a report is narrowed: the fleet summary still covers every connection (terminal, Markdown, HTML, JSON)', () => {
    const json = JSON.parse(run([cap('fleet-host-freeze.pcap'), '--json', '--since', '20']).stdout);
    expect(json.connections).toHaveLength(7);
    expect(json.fleet.connections).toBe(16);
    expect(json.narrowed).toEqual({ connections: 16, filters: ['--since 20'] });
    expect(JSON.parse(run([cap('fleet-host-freeze.pcap'), '--json']).stdout).narrowed).toBeUndefined();
    const line = 'narrowed by --since 20: 7 of 16 AMQP connections listed; the summary covers all 16';
    expect(run([cap('fleet-host-freeze.pcap'), '--since', '20']).stdout).toContain(line);
    const html = join(mkdtempSync(join(tmpdir(), 'amqpscope-narrowed-')), 'r.html');
    run([cap('fleet-host-freeze.pcap'), '--since', '20', '--html', html]);
    expect(readFileSync(html, 'utf8')).toContain(`<li><em>${line}</em></li>`);
    expect(run([cap('fleet-host-freeze.pcap'), '--markdown', '--since', '20', '--connection', '127.0.0.1']).stdout).toContain(
      '*narrowed by --connection 127.0.0.1 --since 20: 7 of 16 AMQP connections listed; the summary covers all 16*',
    );
  });

  it('says how many connections a name could not match, their Start-Ok before the capture (review 36)', () => {
    // fleet-host-freeze from packet 240: the three frozen nova-compute connections' names went by before it.
    const bytes = readFileSync(cap('fleet-host-freeze.pcap'));
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    let at = 24;
    for (let k = 1; k < 240; k++) at += 16 + view.getUint32(at + 8, true);
    const late = Buffer.concat([bytes.subarray(0, 24), bytes.subarray(at)]);
    const json = JSON.parse(run(['-', '--json', '--connection', 'nova-compute'], late).stdout);
    expect(json.narrowed).toEqual({ connections: 12, filters: ['--connection nova-compute'], unnamed: 7 });
    expect(run(['-', '--connection', 'nova-compute', '--width', '300'], late).stdout).toContain('7 left out had no name in the capture (it joined them after their Start-Ok), so a name could not match them');
    expect(JSON.parse(run([cap('fleet-host-freeze.pcap'), '--json', '--connection', 'nova-compute']).stdout).narrowed).toEqual({ connections: 16, filters: ['--connection nova-compute'] });
  });

  it('exits 1 with --fail-on when a finding of that severity exists, 0 otherwise', () => {
    expect(run([cap('pika-long-callback.pcap'), '--json', '--fail-on', 'error']).status).toBe(1);
    expect(run([cap('pika-kitchen-sink.pcap'), '--json', '--fail-on', 'error']).status).toBe(0);
    expect(run([cap('pika-kitchen-sink.pcap'), '--json', '--fail-on', 'warning']).status).toBe(1);
  });


  describe('bad input: one line on stderr, exit 2, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-cli-'));
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'GET / HTTP/1.1\r\n\r\n');
    const empty = join(dir, 'empty.pcap');
    writeFileSync(empty, '');
    const cases: [string, string[], RegExp][] = [
      ['a missing file', [join(dir, 'nope.pcap')], /nope\.pcap: no such file/],
      ['a directory', [dir], /is a directory/],
      ['an empty file', [empty], /empty\.pcap: empty file/],
      ['a text file', [text], /notes\.txt: not a pcap or pcapng file/],
      ['an unknown option', [cap('pika-healthy-idle.pcap'), '--bogus'], /unknown option '--bogus'/],
      ['a bad port', [cap('pika-healthy-idle.pcap'), '--port', '70000'], /--port: '70000' is not a TCP port/],
      ['a bad time', [cap('pika-healthy-idle.pcap'), '--since', 'yesterday'], /--since: 'yesterday'/],
      ['--since after --until', [cap('pika-healthy-idle.pcap'), '--since', '10', '--until', '5'], /--since 10 is after --until 5/],
      ['a capture named twice', [cap('pika-healthy-idle.pcap'), `${CAPTURES_DIR}/./pika-healthy-idle.pcap`], /pika-healthy-idle\.pcap' is named twice/],
      ['--follow with --merge', ['--follow', '--merge', cap('pika-healthy-idle.pcap')], /--follow reads a capture as it grows and --merge reads finished reports/],
      ['no capture at all', [], /missing required argument/],
    ];
    for (const [what, args, message] of cases) {
      it(what, () => {
        const r = run(args);
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(message);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/^amqpscope: /);
        expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
      });
    }
  });

  it('never lets wire strings act on the terminal: escapes, carriage returns and bidi overrides are shown escaped', () => {
    const c = new Conversation();
    const evil = '\x1b[2J\x1b[31mpwned\rfake verdict: healthy\u202e';
    amqpHandshake(c, 0, { heartbeat: 10, name: evil, product: 'evil\x1b]0;title\x07lib' });
    c.at(1).send('s', connectionClose(320, 'CONNECTION_FORCED - \x1b[2J\r')).fin('c').rst('s');
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-evil-'));
    const path = join(dir, 'evil.pcap');
    writeFileSync(path, writePcap(c.packets));
    for (const args of [[path], [path, '--all'], [path, '--color', '--all']]) {
      const r = run(args);
      expect(r.status).toBe(0);
      // Colour codes are ours ("\x1b[" followed by digits and "m"); nothing else may reach the terminal raw.
      const withoutOurColours = r.stdout.replace(/\x1b\[[0-9;]*m/g, '');
      expect(withoutOurColours).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
      expect(r.stdout).toContain('\\x1b[2J');
      expect(r.stdout).toContain('\\r');
    }
    // The JSON report keeps the exact bytes (JSON escapes them).
    const report = JSON.parse(run([path, '--json']).stdout);
    expect(report.connections[0].name).toBe(evil);
  });

  it('writes the HTML report with --html and still prints the terminal report; --markdown replaces it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-html-'));
    const file = join(dir, 'report.html');
    const r = run([cap('pika-long-callback.pcap'), '--html', file, '--no-color']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/missed-heartbeats/);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<svg class="fleet"');
    expect(html).toContain('<svg class="swimlane"');
    // With --json too: the JSON on stdout, the page in the file.
    const both = run([cap('pika-forced-close.pcap'), '--json', '--html', file]);
    expect(JSON.parse(both.stdout).connections).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toContain('pika-forced-close.pcap');
    const m = run([cap('pika-long-callback.pcap'), '--markdown']);
    expect(m.status).toBe(0);
    expect(m.stdout).toMatch(/^## amqpscope: /);
    expect(m.stdout).toContain('| Time | Source | Destination | Protocol | Info | Note |');
    expect(m.stdout).not.toContain('─');
  });

  it('refuses --markdown with --json, and an --html file it cannot write, in one line', () => {
    for (const args of [
      [cap('pika-long-callback.pcap'), '--markdown', '--json'],
      [cap('pika-long-callback.pcap'), '--html', '/nonexistent-dir/x.html'],
    ]) {
      const r = run(args);
      expect(r.status).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^amqpscope: /);
    }
  });

  it('analyses a truncated capture up to where it ends, with a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-cut-'));
    const path = join(dir, 'cut.pcap');
    const bytes = readFileSync(cap('pika-long-callback.pcap'));
    writeFileSync(path, bytes.subarray(0, bytes.length - 20));
    const r = run([path, '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.capture.warnings.map((w: { code: string }) => w.code)).toEqual(['capture-truncated']);
    expect(report.capture.packets).toBe(34);
    const text = run([path, '--no-color']);
    expect(text.stdout).toMatch(/truncat/i);
  });
});

describe('TLS key logs on the command line (review 37)', () => {
  it('SSLKEYLOGFILE naming a missing or empty file is a warning, not a failed run (browsers create it lazily)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-keys-'));
    const empty = join(dir, 'empty.log');
    writeFileSync(empty, '');
    for (const [file, why] of [[join(dir, 'missing.log'), "cannot read the key log '.*missing\\.log' \\(ENOENT\\)"], [empty, "'.*empty\\.log' holds no TLS secrets"]] as const) {
      const r = run([cap('pika-healthy-idle.pcap')], undefined, { SSLKEYLOGFILE: file });
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^amqpscope: warning: SSLKEYLOGFILE: ${why}.*: going on without TLS keys\n$`));
      expect(r.stdout).toContain('closed-by-client');
    }
    // Named on the command line, the same file is a usage error.
    expect(run([cap('pika-healthy-idle.pcap'), '--tls-keylog', empty]).status).toBe(2);
  });

  it('--tls-keylog is repeatable: one key log per client host, each capture decrypted', () => {
    const r = run([cap('amqps13-long-callback.pcap'), cap('amqps12-healthy-idle.pcap'), '--json', '--tls-keylog', cap('amqps13-long-callback.keys'), '--tls-keylog', cap('amqps12-healthy-idle.keys')]);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { connections: { tls: { decrypted: boolean } }[] };
    expect(report.connections.map((c) => c.tls.decrypted)).toEqual([true, true]);
  });
});
