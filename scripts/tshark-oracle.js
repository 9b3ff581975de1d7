#!/usr/bin/env node
/**
 * Wireshark's view of a capture, per AMQP connection: the reference amqpscope is checked against
 * (test/oracle.test.ts on the committed figures, `npm run test:oracle` via scripts/oracle-check.js).
 *
 *   node scripts/tshark-oracle.js CAPTURE [PORT]           JSON on stdout (PORT defaults to 5672)
 *   node scripts/tshark-oracle.js --write CAPTURE [PORT]   writes test/fixtures/oracle/<name>.json instead
 *
 * CAPTURE is a pcap or pcapng file, or one compressed with xz (`*.xz`), which is piped through `xz -dc` into
 * `tshark -r -` (by sh: tshark will not read a socket, which is what Node gives a child as stdin): nothing is
 * decompressed to disk. <name> is the file name without `.xz` and `.pcap`/`.pcapng`, and
 * the `capture` field is the file name without `.xz` (the name of the capture Wireshark actually read).
 *
 * How Wireshark is asked: tshark's AMQP 0-9-1 dissector on PORT (`-d tcp.port==PORT,amqp`) with TCP reassembly
 * on, so that frames split over segments are counted once, in the packet that completes them, and several frames
 * in one segment are all counted. One line per packet (`-T fields`, every occurrence of a field joined with ','),
 * read line by line from tshark's stdout: the output is never held in memory as a whole, and neither are the
 * frames (only counters and the last frame each way are kept), so a capture of any size takes constant memory
 * beyond its number of connections. tshark runs with an empty, private configuration directory so a personal
 * Wireshark profile (e.g. one that turns off TCP sequence analysis) cannot change the figures.
 *
 * Output, one entry per TCP stream in tshark's stream order:
 *   { capture, first_time, connections: [{ stream, client, server, heartbeat_args, reply_codes, frames_c2s,
 *     frames_s2c, counts: {"c2s Basic.Publish": n, ...}, last_client_frame, last_server_frame, tcp_flags,
 *     keepalives, retransmissions, zero_windows, by_dir }] }
 * - first_time: epoch seconds of the capture's first packet (of any kind); times `t` are epoch seconds.
 * - client: the side that sent to PORT in the stream's first packet (or received from it); "addr:port".
 * - heartbeat_args / reply_codes: every `heartbeat` argument (Tune, Tune-Ok) and `reply-code` (Close,
 *   Channel.Close) seen, in order; null when there are none.
 * - counts: frames per "<dir> <name>", in order of first appearance. Methods are "Class.Method" in the spec's
 *   spelling; the other frame types keep Wireshark's short names "header", "body", "heartbeat" (amqpscope says
 *   Content-Header, Content-Body, Heartbeat; the checks translate).
 * - last_client_frame / last_server_frame: { t, dir, frame, packet } of the last frame each way, or null.
 * - tcp_flags: every packet with SYN, FIN or RST: { t, dir, flags: ["SYN"|"FIN"|"RST", ...], packet }.
 * - keepalives, retransmissions, zero_windows: packets Wireshark's TCP analysis flags as such (its "keep-alive"
 *   includes zero-window probes, which look the same on the wire).
 * - by_dir: the same three counts per direction, { keepalives: { c2s, s2c }, retransmissions: ..., zero_windows: ... }
 *   (oracle.py gives only the totals above; this script adds the split, which the checks compare).
 * No list is capped: tcp_flags only holds SYN/FIN/RST packets, so even the 116,837-packet load capture gives 4
 * entries per connection (its whole JSON is 26 kB); a capture where that grows large has no place in captures/.
 *
 * The format is that of the shared lab's oracle.py, which produced the first fixtures, plus `by_dir`; for the same
 * capture and tshark this script gives the same figures.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const DEFAULT_PORT = 5672;
export const AMQPS_PORT = 5671;

/**
 * The NSS key log of an AMQPS capture: captures/<name>.keys next to captures/<name>.pcap[.xz] (committed with it).
 * null for a plaintext capture.
 */
export function keyLogFor(capture) {
  const path = join(dirname(capture), `${fixtureName(capture)}.keys`);
  return existsSync(path) ? path : null;
}
export const FIXTURE_DIR = fileURLToPath(new URL('../test/fixtures/oracle/', import.meta.url));

/** The tshark executable: $TSHARK, or `tshark` from PATH. */
export const TSHARK = process.env.TSHARK || 'tshark';

/** tshark's version line, or null when it cannot be run. */
export function tsharkVersion() {
  const r = spawnSync(TSHARK, ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return null;
  return r.stdout.split('\n')[0] ?? '';
}

/** The fixture name of a capture file: `captures/load-mtu1500-4x5k.pcap.xz` -> `load-mtu1500-4x5k`. */
export function fixtureName(capture) {
  return basename(capture).replace(/\.xz$/, '').replace(/\.(pcap|pcapng)$/, '');
}

/** The fields asked of tshark, by the name this script uses for them. */
const FIELDS = {
  packet: 'frame.number',
  time: 'frame.time_epoch',
  stream: 'tcp.stream',
  src4: 'ip.src',
  src6: 'ipv6.src',
  dst4: 'ip.dst',
  dst6: 'ipv6.dst',
  srcPort: 'tcp.srcport',
  dstPort: 'tcp.dstport',
  syn: 'tcp.flags.syn',
  fin: 'tcp.flags.fin',
  rst: 'tcp.flags.reset',
  keepalive: 'tcp.analysis.keep_alive',
  retransmission: 'tcp.analysis.retransmission',
  zeroWindow: 'tcp.analysis.zero_window',
  frameType: 'amqp.type',
  classId: 'amqp.method.class',
  methodId: 'amqp.method.method',
  heartbeat: 'amqp.method.arguments.heartbeat',
  replyCode: 'amqp.method.arguments.reply_code',
};
const COLUMN = Object.fromEntries(Object.keys(FIELDS).map((k, i) => [k, i]));

/** AMQP 0-9-1 methods (with RabbitMQ's extensions), class id -> [class name, method id -> method name]. */
const METHODS = {
  10: ['Connection', { 10: 'Start', 11: 'Start-Ok', 20: 'Secure', 21: 'Secure-Ok', 30: 'Tune', 31: 'Tune-Ok', 40: 'Open',
    41: 'Open-Ok', 50: 'Close', 51: 'Close-Ok', 60: 'Blocked', 61: 'Unblocked', 70: 'Update-Secret', 71: 'Update-Secret-Ok' }],
  20: ['Channel', { 10: 'Open', 11: 'Open-Ok', 20: 'Flow', 21: 'Flow-Ok', 40: 'Close', 41: 'Close-Ok' }],
  30: ['Access', { 10: 'Request', 11: 'Request-Ok' }],
  40: ['Exchange', { 10: 'Declare', 11: 'Declare-Ok', 20: 'Delete', 21: 'Delete-Ok', 30: 'Bind', 31: 'Bind-Ok', 40: 'Unbind',
    51: 'Unbind-Ok' }],
  50: ['Queue', { 10: 'Declare', 11: 'Declare-Ok', 20: 'Bind', 21: 'Bind-Ok', 30: 'Purge', 31: 'Purge-Ok', 40: 'Delete',
    41: 'Delete-Ok', 50: 'Unbind', 51: 'Unbind-Ok' }],
  60: ['Basic', { 10: 'Qos', 11: 'Qos-Ok', 20: 'Consume', 21: 'Consume-Ok', 30: 'Cancel', 31: 'Cancel-Ok', 40: 'Publish',
    50: 'Return', 60: 'Deliver', 70: 'Get', 71: 'Get-Ok', 72: 'Get-Empty', 80: 'Ack', 90: 'Reject', 100: 'Recover-Async',
    110: 'Recover', 111: 'Recover-Ok', 120: 'Nack' }],
  85: ['Confirm', { 10: 'Select', 11: 'Select-Ok' }],
  90: ['Tx', { 10: 'Select', 11: 'Select-Ok', 20: 'Commit', 21: 'Commit-Ok', 30: 'Rollback', 31: 'Rollback-Ok' }],
};
const FRAME_TYPES = { 1: 'method', 2: 'header', 3: 'body', 8: 'heartbeat' };

function methodName(classId, methodId) {
  const cls = METHODS[classId];
  const method = cls?.[1][methodId];
  return method === undefined ? `${classId}.${methodId}` : `${cls[0]}.${method}`;
}

/** A field's values (tshark joins repeated occurrences with ','). */
function values(field) {
  return field === '' ? [] : field.split(',');
}

/** tshark prints booleans as 1/0 up to 4.0 and True/False from 4.2 on. */
function isSet(flag) {
  return flag === '1' || flag === 'True';
}

/** Everything known about one TCP stream while the packets go by. */
class Stream {
  constructor(id, client, server) {
    this.id = id;
    this.client = client;
    this.server = server;
    this.heartbeatArgs = null;
    this.replyCodes = null;
    this.frames = { c2s: 0, s2c: 0 };
    this.counts = new Map();
    this.last = { c2s: null, s2c: null };
    this.tcpFlags = [];
    this.keepalives = { c2s: 0, s2c: 0 };
    this.retransmissions = { c2s: 0, s2c: 0 };
    this.zeroWindows = { c2s: 0, s2c: 0 };
  }

  frame(t, dir, name, packet) {
    this.frames[dir]++;
    const key = `${dir} ${name}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.last[dir] = { t, dir, frame: name, packet };
  }

  toJSON() {
    return {
      stream: this.id,
      client: this.client,
      server: this.server,
      heartbeat_args: this.heartbeatArgs,
      reply_codes: this.replyCodes,
      frames_c2s: this.frames.c2s,
      frames_s2c: this.frames.s2c,
      counts: Object.fromEntries(this.counts),
      last_client_frame: this.last.c2s,
      last_server_frame: this.last.s2c,
      tcp_flags: this.tcpFlags,
      keepalives: this.keepalives.c2s + this.keepalives.s2c,
      retransmissions: this.retransmissions.c2s + this.retransmissions.s2c,
      zero_windows: this.zeroWindows.c2s + this.zeroWindows.s2c,
      by_dir: { keepalives: this.keepalives, retransmissions: this.retransmissions, zero_windows: this.zeroWindows },
    };
  }
}

/** Folds tshark's lines, one per packet, into per-stream figures. */
class Collector {
  constructor(port) {
    this.port = String(port);
    this.firstTime = null;
    this.streams = new Map();
  }

  line(text) {
    if (text === '') return;
    const f = text.split('\t');
    const col = (name) => f[COLUMN[name]] ?? '';
    const t = Number(col('time'));
    if (this.firstTime === null) this.firstTime = t;
    const streamField = col('stream');
    if (streamField === '') return; // not TCP
    const packet = Number(col('packet'));
    const from = `${col('src4') || col('src6')}:${col('srcPort')}`;
    const to = `${col('dst4') || col('dst6')}:${col('dstPort')}`;

    let s = this.streams.get(streamField);
    if (s === undefined) {
      const toServer = col('dstPort') === this.port;
      s = new Stream(Number(streamField), toServer ? from : to, toServer ? to : from);
      this.streams.set(streamField, s);
    }
    const dir = from === s.client ? 'c2s' : 's2c';

    const flags = [['SYN', 'syn'], ['FIN', 'fin'], ['RST', 'rst']].filter(([, c]) => isSet(col(c))).map(([name]) => name);
    if (flags.length > 0) s.tcpFlags.push({ t, dir, flags, packet });
    if (col('keepalive') !== '') s.keepalives[dir]++;
    if (col('retransmission') !== '') s.retransmissions[dir]++;
    if (col('zeroWindow') !== '') s.zeroWindows[dir]++;

    const types = values(col('frameType'));
    if (types.length === 0) return;
    // Class and method ids are listed for the method frames only, in order.
    const classes = values(col('classId'));
    const methods = values(col('methodId'));
    let m = 0;
    for (const type of types) {
      let name = FRAME_TYPES[type] ?? type;
      if (type === '1' && m < classes.length) {
        name = methodName(classes[m], methods[m]);
        m++;
      }
      s.frame(t, dir, name, packet);
    }
    const heartbeats = values(col('heartbeat')).map(Number);
    if (heartbeats.length > 0) s.heartbeatArgs = [...(s.heartbeatArgs ?? []), ...heartbeats];
    const replyCodes = values(col('replyCode')).map(Number);
    if (replyCodes.length > 0) s.replyCodes = [...(s.replyCodes ?? []), ...replyCodes];
  }

  result(capture) {
    const connections = [...this.streams.values()].sort((a, b) => a.id - b.id).map((s) => s.toJSON());
    return { capture, first_time: this.firstTime, connections };
  }
}

/** Waits for a child to exit; resolves with its exit code (or a description of the signal), rejects if it cannot start. */
function exited(child, what) {
  return new Promise((resolveExit, reject) => {
    child.once('error', (e) =>
      reject(new Error(e.code === 'ENOENT' ? `${what} not found (install it, e.g. apt-get install tshark)` : `${what}: ${e.message}`)),
    );
    child.once('close', (code, signal) => resolveExit(code ?? `signal ${signal}`));
  });
}

/** Keeps the last `limit` characters of a stream, for error messages. */
function tail(stream, limit = 4000) {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (d) => {
    text = (text + d).slice(-limit);
  });
  return () => text.split('\n').filter((l) => l !== '' && !l.startsWith('Running as user')).join('\n');
}

/**
 * Runs tshark on a capture and returns Wireshark's per-connection figures (the object printed as JSON).
 * Rejects if tshark (or xz) is missing or fails.
 */
export async function tsharkOracle(capture, port = DEFAULT_PORT) {
  const compressed = capture.endsWith('.xz');
  // An AMQPS capture (its key log next to it): TLS on 5671, decrypted with the keys, AMQP inside.
  const keys = keyLogFor(capture);
  if (keys !== null && port === DEFAULT_PORT) port = AMQPS_PORT;
  const dissect = keys !== null
    ? ['-d', `tcp.port==${port},tls`, '-d', `tls.port==${port},amqp`, '-o', `tls.keylog_file:${keys}`]
    : ['-d', `tcp.port==${port},amqp`];
  const args = ['-n', '-r', compressed ? '-' : capture, ...dissect,
    '-o', 'tcp.desegment_tcp_streams:TRUE', '-o', 'tcp.analyze_sequence_numbers:TRUE',
    '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'header=n'];
  for (const field of Object.values(FIELDS)) args.push('-e', field);

  const configDir = mkdtempSync(join(tmpdir(), 'tshark-oracle-'));
  try {
    const env = { ...process.env, WIRESHARK_CONFIG_DIR: configDir };
    // tshark refuses to read a socket, and a child's stdin that Node feeds is one, so an .xz capture goes through a
    // real pipe made by sh; xz's exit status comes back on fd 3.
    const child = compressed
      ? spawn('sh', ['-c', '{ xz -dc -- "$1"; echo "$?" >&3; } | { shift; exec "$@" 3>&-; }', 'sh', capture, TSHARK, ...args], {
          stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
          env,
        })
      : spawn(TSHARK, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const done = exited(child, compressed ? 'sh' : 'tshark');
    const stderr = tail(child.stderr);
    const xzStatus = compressed ? tail(child.stdio[3]) : () => '0';
    const collector = new Collector(port);
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', (l) => collector.line(l));
    const linesDone = new Promise((r) => lines.once('close', r));
    const code = await done;
    await linesDone;
    if (code === 127) throw new Error(`${TSHARK} not found (install it, e.g. apt-get install tshark)`);
    // A capture cut mid-record (`head -c`, captures/README.md) is read up to its last whole packet: tshark says so
    // and exits 2 after printing every packet before the cut, as amqpscope warns and analyses them.
    const cutShort = code === 2 && /cut short in the middle of a packet/.test(stderr());
    if (code !== 0 && !cutShort) throw new Error(`tshark failed on ${capture} (${code}): ${stderr()}`);
    if (xzStatus().trim() !== '0') throw new Error(`xz -dc ${capture} failed (${xzStatus().trim() || 'no status'}): ${stderr()}`);
    return collector.result(basename(capture).replace(/\.xz$/, ''));
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
}

/** The JSON text of an oracle result, as committed in test/fixtures/oracle/ (one-space indent, no final newline). */
export function oracleJson(result) {
  return JSON.stringify(result, null, 1);
}

async function main(argv) {
  const write = argv.includes('--write');
  const positional = argv.filter((a) => !a.startsWith('--'));
  if (argv.includes('--help') || positional.length < 1 || positional.length > 2 || argv.some((a) => a.startsWith('--') && a !== '--write' && a !== '--help')) {
    process.stderr.write('usage: node scripts/tshark-oracle.js [--write] CAPTURE[.xz] [PORT]\n');
    return argv.includes('--help') ? 0 : 2;
  }
  const [capture, portArg] = positional;
  const port = portArg === undefined ? DEFAULT_PORT : Number(portArg);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.stderr.write(`not a TCP port: ${portArg}\n`);
    return 2;
  }
  const text = oracleJson(await tsharkOracle(capture, port));
  if (write) {
    const out = join(FIXTURE_DIR, `${fixtureName(capture)}.json`);
    writeFileSync(out, text);
    process.stderr.write(`wrote ${out}\n`);
  } else {
    process.stdout.write(text + '\n');
  }
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`tshark-oracle: ${e.message}\n`);
      process.exitCode = 1;
    },
  );
}
