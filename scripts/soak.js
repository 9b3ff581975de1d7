#!/usr/bin/env node
/**
 * `npm run bench:soak`: days, not minutes. Streams a synthetic capture covering 24 hours of capture time
 * (scripts/gen-synthetic.js --duration 24h --idle: connections opening, idling with heartbeats, publishing now and
 * then, closing cleanly or stalling into RabbitMQ's missed-heartbeat RST, and replaced, all day long) through a pipe
 * into `amqpscope --follow --json -`, and reports the peak RSS of amqpscope (VmHWM, read from /proc while it runs:
 * it must stay under 200 MiB however long the capture) and the live events and packets per second.
 *
 *   node scripts/soak.js [--duration 24h] [--connections 40] [--seed 1] [--cli dist/cli.js] [--json]
 *
 * Exit status: 0 when the peak RSS is under the limit, 1 over it or when a command fails, 2 on bad usage.
 * Linux only (/proc).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIMIT_MIB = 200;

function usage(message) {
  process.stderr.write(`soak: ${message}\nusage: node scripts/soak.js [--duration 24h] [--connections 40] [--seed 1] [--cli dist/cli.js] [--json]\n`);
  process.exit(2);
}

const opts = { duration: '24h', connections: '40', seed: '1', cli: path.join(root, 'dist', 'cli.js'), json: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const key = { '--duration': 'duration', '--connections': 'connections', '--seed': 'seed', '--cli': 'cli' }[a];
  if (a === '--json') opts.json = true;
  else if (key !== undefined && i + 1 < argv.length) opts[key] = argv[++i];
  else usage(`unknown or incomplete option ${a}`);
}

/** Peak and current resident set of a process, in MiB (0 once it is gone). */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { peak: kib('VmHWM') / 1024, now: kib('VmRSS') / 1024 };
  } catch {
    return { peak: 0, now: 0 };
  }
}

const started = process.hrtime.bigint();
const gen = spawn(process.execPath, [path.join(root, 'scripts', 'gen-synthetic.js'), '-', '--duration', opts.duration, '--connections', opts.connections, '--idle', '--seed', opts.seed], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
const cli = spawn(process.execPath, [opts.cli, '--follow', '--json', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
gen.stdout.pipe(cli.stdin);
let genSays = '';
gen.stderr.on('data', (d) => (genSays += d));
let cliErr = '';
cli.stderr.on('data', (d) => (cliErr += d));

const counts = { opened: 0, silence: 0, ended: 0, status: 0 };
let partial = '';
let lastLine = '';
let peak = 0;
const samples = [];
cli.stdout.on('data', (d) => {
  const text = partial + d.toString('utf8');
  const lines = text.split('\n');
  partial = lines.pop();
  for (const line of lines) {
    if (line === '') continue;
    const type = /^\{"type":"(\w+)"/.exec(line)?.[1];
    if (type !== undefined && type in counts) counts[type]++;
    else lastLine = line;
  }
});
const poll = setInterval(() => {
  const m = memoryOf(cli.pid);
  peak = Math.max(peak, m.peak);
  samples.push(m.now);
}, 100);

const exited = (child) => new Promise((resolve) => child.once('close', (code) => resolve(code)));
const [genCode, cliCode] = await Promise.all([exited(gen), exited(cli)]);
clearInterval(poll);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
if (genCode !== 0 || cliCode !== 0) {
  process.stderr.write(`soak: a command failed (generator ${genCode}, amqpscope ${cliCode})\n${genSays}${cliErr}`);
  process.exit(1);
}
const report = JSON.parse(partial !== '' ? partial : lastLine);
const events = counts.opened + counts.silence + counts.ended + counts.status;
const result = {
  captureHours: Math.round((report.capture.durationSeconds / 3600) * 10) / 10,
  packets: report.capture.packets,
  bytes: report.capture.bytes,
  connections: report.fleet.connections ?? null,
  reported: report.connections.length,
  events: counts,
  wallSeconds: Math.round(seconds * 10) / 10,
  eventsPerSecond: Math.round(events / seconds),
  packetsPerSecond: Math.round(report.capture.packets / seconds),
  peakRssMiB: Math.round(peak),
  rssAtQuartersMiB: [0.25, 0.5, 0.75, 1].map((q) => Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length) - 1)] ?? 0)),
  limitMiB: LIMIT_MIB,
};
if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else {
  process.stdout.write(
    `soak: ${result.captureHours} h of capture time (${genSays.trim().replace(/^gen-synthetic: -: /, '')})\n` +
      `  through amqpscope --follow --json -: ${events} live events (${counts.opened} opened, ${counts.silence} silence, ${counts.ended} ended, ${counts.status} status) ` +
      `in ${result.wallSeconds} s: ${result.eventsPerSecond} events/s, ${result.packetsPerSecond} packets/s\n` +
      `  final report: ${result.reported} connections listed of ${result.connections ?? '?'} in the fleet section\n` +
      `  RSS at 1/4, 1/2, 3/4 and the end of the run: ${result.rssAtQuartersMiB.join(', ')} MiB; peak ${result.peakRssMiB} MiB ` +
      `(limit ${LIMIT_MIB} MiB): ${result.peakRssMiB < LIMIT_MIB ? 'OK' : 'OVER'}\n`,
  );
}
process.exit(result.peakRssMiB < LIMIT_MIB ? 0 : 1);
