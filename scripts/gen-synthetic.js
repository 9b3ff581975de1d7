#!/usr/bin/env node
/**
 * Writes a synthetic classic pcap (Ethernet / IPv4 / TCP, microsecond timestamps) of AMQP 0-9-1 traffic between
 * many clients and one RabbitMQ-like broker on port 5672, for the benchmark's memory check (scripts/bench.js).
 *
 *   node scripts/gen-synthetic.js OUT.pcap --size 2G [--connections 300] [--seed 1] [--quiet]
 *   node scripts/gen-synthetic.js - --duration 24h --connections 40 --idle | amqpscope --follow -
 *
 * --size: bytes of the capture file, with an optional suffix: K, M, G (powers of 1024) or KB, MB, GB (powers of
 * 1000). Generation stops at the first event boundary past that size (the file is at most ~150 kB larger).
 * --duration: stop instead once this much capture time has passed (seconds, or with a suffix s, m, h, d): for the
 * soak benchmark (scripts/soak.js), which streams a day of capture time through --follow. OUT '-' writes to
 * standard output (a pipe), so a capture of any length never sits on disk.
 * --idle: every connection of the idle class (a message every 45 s on average, heartbeats between): long
 * durations at a modest size, with the same churn.
 *
 * What is in it (deterministic for a given seed, connection count and size; the capture of a smaller size is a
 * prefix of the larger one's traffic up to its last packet):
 *  - N client connections open at all times (default 300), each: SYN / SYN-ACK / ACK with MSS, SACK, timestamps
 *    and window-scale options; the protocol header; Connection.Start / Start-Ok (client properties of a few real
 *    libraries, connection_name `syn-<n>`) / Tune (heartbeat 60) / Tune-Ok (the client's heartbeat T, one of
 *    4, 5, 10, 15, 30, 60 s) / Open / Open-Ok; Channel.Open; Basic.Qos (prefetch 10-100); Basic.Consume.
 *  - Then, by activity class (busy, moderate, idle): batches of publishes (method + content header + body of
 *    100-2000 bytes, half the connections with a message-id), batches of deliveries within the prefetch, acks
 *    (one per delivery or one `multiple`), and heartbeats both ways whenever a side has sent nothing for T/2.
 *  - Every payload is cut into MSS-sized segments (1448 bytes, TCP timestamps option: 1514-byte Ethernet frames),
 *    so a segment holds several frames and frames span segments; the receiver's kernel ACKs every second segment
 *    and the end of each burst. Sequence and acknowledgement numbers are exact; timestamps strictly increase.
 *  - Fates: 45% of the first N connections stay open; the others, and all their replacements, end after a while
 *    (exponential, mean 2 minutes), so the open count stays at N with steady churn. 8 in 11 close cleanly
 *    (Connection.Close / Close-Ok, client FIN, then RabbitMQ's RST (linger 0) or a server FIN and the client's last
 *    ACK); 3 in 11 stall (the client's application sends nothing more while its kernel keeps ACKing the broker's
 *    heartbeats and deliveries) and get the broker's RST on RabbitMQ's heartbeat grid: the second consecutive check
 *    (every T from Tune-Ok) that saw no client byte, 2T-3T after the last one. Every ended connection is replaced
 *    by a new one (new client port) 0.1-3 s later.
 *
 * The file is written through one fixed 8 MB buffer: memory stays flat whatever the size.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// ---------------------------------------------------------------------------------------------------------------
// Arguments

function usage(message) {
  if (message) process.stderr.write(`gen-synthetic: ${message}\n`);
  process.stderr.write('usage: node scripts/gen-synthetic.js OUT.pcap|- (--size 2G | --duration 24h) [--connections 300] [--idle] [--seed 1] [--quiet]\n');
  process.exit(2);
}

export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)$/i.exec(String(text).trim());
  if (m === null) return NaN;
  const unit = m[2].toLowerCase();
  const decimal = m[3].toLowerCase() === 'b'; // "MB" = 10^6; "M" and "MiB" = 2^20
  const base = decimal ? 1000 : 1024;
  const power = { '': 0, k: 1, m: 2, g: 3, t: 4 }[unit];
  return Math.round(Number(m[1]) * base ** power);
}

/** `86400`, `90m`, `24h`, `2d` as seconds; NaN when not a time. */
export function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/i.exec(String(text).trim());
  if (m === null) return NaN;
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2].toLowerCase()];
}

function parseArgs(argv) {
  const opts = { out: null, size: NaN, duration: Infinity, idle: false, connections: 300, seed: 1, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--size') opts.size = parseSize(value());
    else if (a === '--duration') opts.duration = parseDuration(value());
    else if (a === '--idle') opts.idle = true;
    else if (a === '--connections') opts.connections = Number(value());
    else if (a === '--seed') opts.seed = Number(value());
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-') && a !== '-') usage(`unknown option ${a}`);
    else if (opts.out === null) opts.out = a;
    else usage(`unexpected argument ${a}`);
  }
  if (opts.out === null) usage('no output file');
  if (Number.isNaN(opts.duration) || opts.duration <= 0) usage('--duration must be a time such as 86400, 90m or 24h');
  if (opts.duration !== Infinity && Number.isNaN(opts.size)) opts.size = Infinity;
  if (!(opts.size >= 10000)) usage('--size must be at least 10000 bytes (e.g. 20M, 2G)');
  if (!Number.isInteger(opts.connections) || opts.connections < 1 || opts.connections > 50000) usage('--connections must be 1-50000');
  if (!Number.isInteger(opts.seed)) usage('--seed must be an integer');
  return opts;
}

// ---------------------------------------------------------------------------------------------------------------
// Deterministic random numbers: sfc32 seeded through splitmix32.

function makeRandom(seed) {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const u32 = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 16; i++) u32();
  const rand = () => u32() / 4294967296;
  return {
    u32,
    rand,
    /** Integer in [lo, hi]. */
    int: (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)),
    /** Exponentially distributed with this mean. */
    exp: (mean) => -Math.log(1 - rand()) * mean,
    /** One of the values, by weight: [[value, weight], ...]. */
    pick: (choices) => {
      let total = 0;
      for (const [, w] of choices) total += w;
      let x = rand() * total;
      for (const [v, w] of choices) {
        x -= w;
        if (x < 0) return v;
      }
      return choices[choices.length - 1][0];
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Output: pcap records through one fixed buffer.

const OUT_SIZE = 8 << 20;
const MAX_PACKET = 16 + 14 + 20 + 60 + 1448;

const PIPE_WAIT = new Int32Array(new SharedArrayBuffer(4));

class PcapWriter {
  constructor(path) {
    this.fd = path === '-' ? 1 : openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(OUT_SIZE);
    this.pos = 0;
    this.flushed = 0;
    this.packets = 0;
    const h = this.buf;
    h.writeUInt32LE(0xa1b2c3d4, 0); // microsecond timestamps
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeInt32LE(0, 8);
    h.writeUInt32LE(0, 12);
    h.writeUInt32LE(262144, 16); // snaplen
    h.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
    this.pos = 24;
  }
  get bytes() {
    return this.flushed + this.pos;
  }
  /** Room for one more packet; returns the offset to write it at. */
  reserve() {
    if (this.pos + MAX_PACKET > OUT_SIZE) this.flush();
    return this.pos;
  }
  flush() {
    let off = 0;
    while (off < this.pos) {
      try {
        off += writeSync(this.fd, this.buf, off, this.pos - off);
      } catch (err) {
        // A pipe opened non-blocking (standard output of a spawned process) is full: wait for its reader.
        if (err.code !== 'EAGAIN') throw err;
        Atomics.wait(PIPE_WAIT, 0, 0, 2);
      }
    }
    this.flushed += this.pos;
    this.pos = 0;
  }
  close() {
    this.flush();
    if (this.fd !== 1) closeSync(this.fd);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// AMQP frames, built into one staging buffer per write.

const STAGE = Buffer.allocUnsafe(4 << 20);
let sp = 0; // staging write position

const FRAME_METHOD = 1;
const FRAME_HEADER = 2;
const FRAME_BODY = 3;
const FRAME_HEARTBEAT = 8;
const FRAME_END = 0xce;

function u8(v) {
  STAGE[sp++] = v;
}
function u16(v) {
  STAGE[sp++] = (v >>> 8) & 0xff;
  STAGE[sp++] = v & 0xff;
}
function u32(v) {
  STAGE.writeUInt32BE(v >>> 0, sp);
  sp += 4;
}
function u64(v) {
  STAGE.writeUInt32BE(Math.floor(v / 4294967296) >>> 0, sp);
  STAGE.writeUInt32BE(v >>> 0, sp + 4);
  sp += 8;
}
function shortstr(s) {
  const n = STAGE.write(s, sp + 1, 'latin1');
  STAGE[sp] = n;
  sp += 1 + n;
}
function longstr(s) {
  const n = STAGE.write(s, sp + 4, 'latin1');
  STAGE.writeUInt32BE(n, sp);
  sp += 4 + n;
}
/** A field table from [name, type, value] entries (types: S longstr, t bool, I int32, F nested table). */
function table(entries) {
  const start = sp;
  sp += 4;
  for (const [name, type, value] of entries) {
    shortstr(name);
    u8(type.charCodeAt(0));
    if (type === 'S') longstr(value);
    else if (type === 't') u8(value ? 1 : 0);
    else if (type === 'I') u32(value);
    else if (type === 'F') table(value);
    else throw new Error(`field type ${type}`);
  }
  STAGE.writeUInt32BE(sp - start - 4, start);
}
function frameStart(type, channel) {
  u8(type);
  u16(channel);
  const sizeAt = sp;
  sp += 4;
  return sizeAt;
}
function frameEnd(sizeAt) {
  STAGE.writeUInt32BE(sp - sizeAt - 4, sizeAt);
  u8(FRAME_END);
}
function method(channel, classId, methodId, args) {
  const at = frameStart(FRAME_METHOD, channel);
  u16(classId);
  u16(methodId);
  if (args) args();
  frameEnd(at);
}
function heartbeatFrame() {
  const at = frameStart(FRAME_HEARTBEAT, 0);
  frameEnd(at);
}

const SERVER_PROPERTIES = [
  ['capabilities', 'F', [
    ['publisher_confirms', 't', true],
    ['exchange_exchange_bindings', 't', true],
    ['basic.nack', 't', true],
    ['consumer_cancel_notify', 't', true],
    ['connection.blocked', 't', true],
    ['consumer_priorities', 't', true],
    ['authentication_failure_close', 't', true],
    ['per_consumer_qos', 't', true],
    ['direct_reply_to', 't', true],
  ]],
  ['cluster_name', 'S', 'rabbit@synthetic'],
  ['copyright', 'S', 'Copyright (c) 2007-2022 VMware, Inc. or its affiliates.'],
  ['information', 'S', 'Licensed under the MPL 2.0. Website: https://rabbitmq.com'],
  ['platform', 'S', 'Erlang/OTP 25.2.3'],
  ['product', 'S', 'RabbitMQ'],
  ['version', 'S', '3.10.8'],
];

const LIBRARIES = [
  { product: 'Pika Python Client Library', version: '1.2.0', platform: 'Python 3.11.2', weight: 4 },
  { product: 'amqplib', version: '0.10.3', platform: 'Node.JS v20.19.0', weight: 3 },
  { product: 'py-amqp', version: '5.1.1', platform: 'Python 3.11.2', weight: 2 },
  { product: 'RabbitMQ', version: '5.20.0', platform: 'Java', weight: 2, information: 'Licensed under the MPL. See https://www.rabbitmq.com/' },
  { product: 'Bunny', version: '2.22.0', platform: 'ruby 3.1.2', weight: 1 },
];

// ---------------------------------------------------------------------------------------------------------------
// The simulation

const EPOCH_US = 1767268800 * 1e6; // 2026-01-01 12:00:00 UTC
const SERVER_IP = (10 << 24) | (0 << 16) | (0 << 8) | 10; // 10.0.0.10
const CLIENT_HOSTS = 64; // 10.1.0.1 - 10.1.0.64
const AMQP_PORT = 5672;
const MSS = 1448;
const WINDOW = 512; // with window scale 7: 64 kB

const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;
const FIN = 0x01;

const CLASSES = {
  // seconds between publish batches / delivery batches; messages per batch
  busy: { pubMean: 0.25, delMean: 0.25, batchMax: 8, ackMean: 0.004 },
  moderate: { pubMean: 3, delMean: 3, batchMax: 3, ackMean: 0.02 },
  idle: { pubMean: 45, delMean: 45, batchMax: 1, ackMean: 0.05 },
};

// Event kinds
const E_OPEN = 0;
const E_HANDSHAKE = 1;
const E_PUBLISH = 2;
const E_DELIVER = 3;
const E_ACK = 4;
const E_HB_CLIENT = 5;
const E_HB_SERVER = 6;
const E_FATE = 7;
const E_STALL_RST = 8;
const E_CLOSE_OK = 9;
const E_CLIENT_FIN = 10;
const E_SERVER_END = 11;
const E_CLIENT_LAST_ACK = 12;
const E_REPLACE = 13;

/** Min-heap of events by time, then by insertion order (deterministic). */
class EventQueue {
  constructor() {
    this.items = [];
    this.seq = 0;
  }
  get size() {
    return this.items.length;
  }
  push(t, kind, conn) {
    const e = { t: Math.round(t), s: this.seq++, kind, conn };
    const a = this.items;
    let i = a.length;
    a.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, a[p])) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = e;
  }
  pop() {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && before(a[r], a[l]) ? r : l;
        if (!before(a[c], last)) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
function before(x, y) {
  return x.t < y.t || (x.t === y.t && x.s < y.s);
}

class Generator {
  constructor(opts) {
    this.opts = opts;
    this.rng = makeRandom(opts.seed);
    this.out = new PcapWriter(opts.out);
    this.queue = new EventQueue();
    this.clock = 0; // microseconds since EPOCH_US of the last packet
    this.nextId = 0;
    this.nextPort = new Array(CLIENT_HOSTS).fill(32768);
    this.stats = { connections: 0, closed: 0, stalled: 0, messages: 0, deliveries: 0, heartbeats: 0 };
    this.pool = Buffer.allocUnsafe(1 << 16);
    for (let i = 0; i < this.pool.length; i += 4) this.pool.writeUInt32LE(this.rng.u32(), i);
    this.ipId = 0;
  }

  run() {
    const { connections, size } = this.opts;
    const until = this.opts.duration * 1e6;
    // Open the first connections over the first two seconds.
    for (let i = 0; i < connections; i++) this.queue.push(this.rng.rand() * 2e6, E_OPEN, null);
    while (this.out.bytes < size && this.clock < until && this.queue.size > 0) {
      const e = this.queue.pop();
      if (this.clock < e.t) this.clock = e.t;
      this.handle(e.kind, e.conn, e.t);
    }
    this.out.close();
    return this.stats;
  }

  // ---- packets ----

  /** One TCP segment from `fromClient`'s side, payload STAGE[start, start+len). */
  packet(c, fromClient, flags, start, len, synOptions = false) {
    const out = this.out;
    const p = out.reserve();
    const b = out.buf;
    this.clock += 2 + (this.rng.u32() & 7);
    const ts = EPOCH_US + this.clock;
    const optLen = synOptions ? 20 : 12;
    const tcpLen = 20 + optLen;
    const ipLen = 20 + tcpLen + len;
    const frameLen = 14 + ipLen;
    // pcap record header
    b.writeUInt32LE(Math.floor(ts / 1e6), p);
    b.writeUInt32LE(ts % 1e6, p + 4);
    b.writeUInt32LE(frameLen, p + 8);
    b.writeUInt32LE(frameLen, p + 12);
    // Ethernet
    let o = p + 16;
    const clientMac = c.mac;
    if (fromClient) {
      SERVER_MAC.copy(b, o);
      clientMac.copy(b, o + 6);
    } else {
      clientMac.copy(b, o);
      SERVER_MAC.copy(b, o + 6);
    }
    b[o + 12] = 0x08;
    b[o + 13] = 0x00;
    o += 14;
    // IPv4
    const src = fromClient ? c.ip : SERVER_IP;
    const dst = fromClient ? SERVER_IP : c.ip;
    b[o] = 0x45;
    b[o + 1] = 0;
    b.writeUInt16BE(ipLen, o + 2);
    b.writeUInt16BE((this.ipId = (this.ipId + 1) & 0xffff), o + 4);
    b[o + 6] = 0x40; // DF
    b[o + 7] = 0;
    b[o + 8] = 64;
    b[o + 9] = 6;
    b[o + 10] = 0;
    b[o + 11] = 0;
    b.writeUInt32BE(src >>> 0, o + 12);
    b.writeUInt32BE(dst >>> 0, o + 16);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (b[o + i] << 8) | b[o + i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    b.writeUInt16BE(~sum & 0xffff, o + 10);
    o += 20;
    // TCP
    const seq = fromClient ? c.cSeq : c.sSeq;
    const ack = flags & ACK ? (fromClient ? c.sSeq : c.cSeq) : 0;
    b.writeUInt16BE(fromClient ? c.port : AMQP_PORT, o);
    b.writeUInt16BE(fromClient ? AMQP_PORT : c.port, o + 2);
    b.writeUInt32BE(seq >>> 0, o + 4);
    b.writeUInt32BE(ack >>> 0, o + 8);
    b[o + 12] = (tcpLen / 4) << 4;
    b[o + 13] = flags;
    b.writeUInt16BE(flags & RST ? 0 : synOptions ? 65483 : WINDOW, o + 14);
    b[o + 16] = 0; // checksum not computed (as with checksum offload)
    b[o + 17] = 0;
    b[o + 18] = 0;
    b[o + 19] = 0;
    o += 20;
    const tsval = (((this.clock / 1000) | 0) + (fromClient ? c.cTsOff : c.sTsOff)) >>> 0;
    const tsecr = flags & ACK ? (fromClient ? c.sTsLast : c.cTsLast) : 0;
    if (fromClient) c.cTsLast = tsval;
    else c.sTsLast = tsval;
    if (synOptions) {
      b[o] = 2; // MSS 1460
      b[o + 1] = 4;
      b.writeUInt16BE(1460, o + 2);
      b[o + 4] = 4; // SACK permitted
      b[o + 5] = 2;
      b[o + 6] = 8; // timestamps
      b[o + 7] = 10;
      b.writeUInt32BE(tsval, o + 8);
      b.writeUInt32BE(tsecr >>> 0, o + 12);
      b[o + 16] = 1; // NOP
      b[o + 17] = 3; // window scale 7
      b[o + 18] = 3;
      b[o + 19] = 7;
      o += 20;
    } else {
      b[o] = 1;
      b[o + 1] = 1;
      b[o + 2] = 8;
      b[o + 3] = 10;
      b.writeUInt32BE(tsval, o + 4);
      b.writeUInt32BE(tsecr >>> 0, o + 8);
      o += 12;
    }
    if (len > 0) STAGE.copy(b, o, start, start + len);
    out.pos = o + len;
    out.packets++;
    const advance = len + (flags & (SYN | FIN) ? 1 : 0);
    if (fromClient) c.cSeq = (c.cSeq + advance) >>> 0;
    else c.sSeq = (c.sSeq + advance) >>> 0;
  }

  /** Sends STAGE[0, sp) from one side as MSS-sized segments; the receiver ACKs every second one and the last. */
  sendStaged(c, fromClient) {
    const total = sp;
    let off = 0;
    let unacked = 0;
    while (off < total) {
      const len = Math.min(MSS, total - off);
      const last = off + len >= total;
      this.packet(c, fromClient, ACK | (last ? PSH : 0), off, len);
      off += len;
      if (++unacked === 2 || last) {
        this.packet(c, !fromClient, ACK, 0, 0);
        unacked = 0;
      }
    }
    if (fromClient) c.lastClientSend = this.clock;
    else c.lastServerSend = this.clock;
    sp = 0;
  }

  // ---- connections ----

  /** `replacement`: it takes the place of a connection that ended, and churns too (never 'stay'). */
  newConnection(replacement) {
    const rng = this.rng;
    const id = this.nextId++;
    const host = rng.int(0, CLIENT_HOSTS - 1);
    let port = this.nextPort[host]++;
    if (this.nextPort[host] > 60999) this.nextPort[host] = 32768;
    const mac = Buffer.from([0x02, 0x42, 0x0a, 0x01, 0x00, host + 1]);
    const cls = this.opts.idle ? 'idle' : rng.pick([['busy', 3], ['moderate', 4], ['idle', 3]]);
    const fate = rng.pick([['stay', replacement ? 0 : 45], ['close', 40], ['stall', 15]]);
    const lib = rng.pick(LIBRARIES.map((l) => [l, l.weight]));
    this.stats.connections++;
    return {
      id,
      ip: (10 << 24) | (1 << 16) | (host + 1),
      port,
      mac,
      cls: CLASSES[cls],
      fate,
      fateAfter: rng.exp(120) + 1, // seconds after the handshake
      lib,
      heartbeat: rng.pick([[4, 15], [5, 10], [10, 25], [15, 10], [30, 20], [60, 20]]),
      prefetch: rng.pick([[10, 3], [20, 3], [50, 2], [100, 2]]),
      withMessageId: rng.rand() < 0.5,
      cSeq: rng.u32(),
      sSeq: rng.u32(),
      cTsOff: rng.u32(),
      sTsOff: rng.u32(),
      cTsLast: 0,
      sTsLast: 0,
      step: 0,
      open: false, // handshake done
      ended: false,
      closing: false,
      stalled: false,
      anchor: 0, // Tune-Ok time (µs): RabbitMQ's heartbeat checks run every T from here
      lastClientSend: 0,
      lastServerSend: 0,
      nextTag: 1,
      unacked: [],
      ackScheduled: false,
      published: 0,
      queue: `q.syn.${id % 50}`,
      consumerTag: `ctag-syn-${id}`,
    };
  }

  end(c) {
    c.ended = true;
    // A replacement connects soon after.
    this.queue.push(this.clock + (0.1 + this.rng.rand() * 2.9) * 1e6, E_REPLACE, null);
  }

  later(c, seconds, kind) {
    this.queue.push(this.clock + seconds * 1e6, kind, c);
  }

  handle(kind, c, t) {
    if (c !== null && c.ended) return;
    switch (kind) {
      case E_OPEN:
        return this.handshake(this.newConnection(false));
      case E_REPLACE:
        return this.handshake(this.newConnection(true));
      case E_HANDSHAKE:
        return this.handshake(c);
      case E_PUBLISH:
        return this.publish(c);
      case E_DELIVER:
        return this.deliver(c);
      case E_ACK:
        return this.ack(c);
      case E_HB_CLIENT:
        return this.heartbeat(c, true, t);
      case E_HB_SERVER:
        return this.heartbeat(c, false, t);
      case E_FATE:
        return this.fate(c);
      case E_STALL_RST:
        this.packet(c, false, RST | ACK, 0, 0);
        this.stats.stalled++;
        return this.end(c);
      case E_CLOSE_OK:
        method(0, 10, 51);
        this.sendStaged(c, false);
        return this.later(c, 0.0001 + this.rng.rand() * 0.0003, E_CLIENT_FIN);
      case E_CLIENT_FIN:
        this.packet(c, true, FIN | ACK, 0, 0);
        return this.later(c, 0.00005 + this.rng.rand() * 0.0001, E_SERVER_END);
      case E_SERVER_END:
        this.stats.closed++;
        if (this.rng.rand() < 0.75) {
          this.packet(c, false, RST | ACK, 0, 0); // RabbitMQ's default linger 0
          return this.end(c);
        }
        this.packet(c, false, FIN | ACK, 0, 0);
        return this.later(c, 0.00003, E_CLIENT_LAST_ACK);
      case E_CLIENT_LAST_ACK:
        this.packet(c, true, ACK, 0, 0);
        return this.end(c);
      default:
        throw new Error(`event ${kind}`);
    }
  }

  handshake(c) {
    const rng = this.rng;
    const step = c.step++;
    const fromClient = step % 2 === 0;
    switch (step) {
      case 0:
        this.packet(c, true, SYN, 0, 0, true);
        break;
      case 1:
        this.packet(c, false, SYN | ACK, 0, 0, true);
        break;
      case 2:
        this.packet(c, true, ACK, 0, 0);
        STAGE.write('AMQP', 0, 'latin1');
        STAGE[4] = 0;
        STAGE[5] = 0;
        STAGE[6] = 9;
        STAGE[7] = 1;
        sp = 8;
        break;
      case 3:
        method(0, 10, 10, () => {
          u8(0);
          u8(9);
          table(SERVER_PROPERTIES);
          longstr('AMQPLAIN PLAIN');
          longstr('en_US');
        });
        break;
      case 4:
        method(0, 10, 11, () => {
          const l = c.lib;
          const props = [
            ['product', 'S', l.product],
            ['platform', 'S', l.platform],
            ['version', 'S', l.version],
            ['capabilities', 'F', [
              ['authentication_failure_close', 't', true],
              ['basic.nack', 't', true],
              ['connection.blocked', 't', true],
              ['consumer_cancel_notify', 't', true],
              ['publisher_confirms', 't', true],
            ]],
            ['connection_name', 'S', `syn-${c.id}`],
          ];
          if (l.information) props.push(['information', 'S', l.information]);
          table(props);
          shortstr('PLAIN');
          longstr('\0guest\0guest');
          shortstr('en_US');
        });
        break;
      case 5:
        method(0, 10, 30, () => {
          u16(2047);
          u32(131072);
          u16(60);
        });
        break;
      case 6:
        method(0, 10, 31, () => {
          u16(2047);
          u32(131072);
          u16(c.heartbeat);
        });
        method(0, 10, 40, () => {
          shortstr('/');
          shortstr('');
          u8(0);
        });
        break;
      case 7:
        method(0, 10, 41, () => shortstr(''));
        break;
      case 8:
        method(1, 20, 10, () => shortstr(''));
        break;
      case 9:
        method(1, 20, 11, () => longstr(''));
        break;
      case 10:
        method(1, 60, 10, () => {
          u32(0);
          u16(c.prefetch);
          u8(0);
        });
        break;
      case 11:
        method(1, 60, 11);
        break;
      case 12:
        method(1, 60, 20, () => {
          u16(0);
          shortstr(c.queue);
          shortstr(c.consumerTag);
          u8(0);
          table([]);
        });
        break;
      case 13:
        method(1, 60, 21, () => shortstr(c.consumerTag));
        break;
      default:
        throw new Error(`handshake step ${step}`);
    }
    if (sp > 0) this.sendStaged(c, fromClient);
    if (step === 6) c.anchor = this.clock;
    if (step < 13) {
      // loopback-ish round trips; the server takes a little longer to answer Start-Ok (authentication)
      const delay = step === 4 ? 0.002 + rng.rand() * 0.004 : 0.00005 + rng.rand() * 0.0006;
      this.later(c, delay, E_HANDSHAKE);
      return;
    }
    c.open = true;
    const cls = c.cls;
    this.later(c, rng.exp(cls.pubMean), E_PUBLISH);
    this.later(c, rng.exp(cls.delMean), E_DELIVER);
    this.queue.push(c.lastClientSend + (c.heartbeat / 2) * 1e6, E_HB_CLIENT, c);
    this.queue.push(c.lastServerSend + (c.heartbeat / 2) * 1e6, E_HB_SERVER, c);
    if (c.fate !== 'stay') this.later(c, c.fateAfter, E_FATE);
  }

  /** A message's content header and body frames on channel 1. */
  content(c, size) {
    const h = frameStart(FRAME_HEADER, 1);
    u16(60);
    u16(0);
    u64(size);
    if (c.withMessageId) {
      u16(0x8000 | 0x1000 | 0x0080); // content-type, delivery-mode, message-id
      shortstr('application/octet-stream');
      u8(2);
      shortstr(`syn-${c.id}-${c.published}`);
    } else {
      u16(0x8000 | 0x1000);
      shortstr('application/octet-stream');
      u8(2);
    }
    frameEnd(h);
    const b = frameStart(FRAME_BODY, 1);
    const from = this.rng.int(0, this.pool.length - size);
    this.pool.copy(STAGE, sp, from, from + size);
    STAGE.writeUInt32BE(this.stats.messages >>> 0, sp); // every body distinct
    STAGE.writeUInt32BE(c.id >>> 0, sp + 4);
    sp += size;
    frameEnd(b);
    this.stats.messages++;
  }

  publish(c) {
    if (c.closing || c.stalled) return;
    const rng = this.rng;
    const n = rng.int(1, c.cls.batchMax);
    for (let i = 0; i < n; i++) {
      method(1, 60, 40, () => {
        u16(0);
        shortstr('');
        shortstr(c.queue);
        u8(0);
      });
      this.content(c, rng.int(100, 2000));
      c.published++;
    }
    this.sendStaged(c, true);
    this.later(c, rng.exp(c.cls.pubMean), E_PUBLISH);
  }

  deliver(c) {
    if (c.closing) return;
    const rng = this.rng;
    const n = Math.min(rng.int(1, c.cls.batchMax), c.prefetch - c.unacked.length);
    if (n > 0) {
      for (let i = 0; i < n; i++) {
        const tag = c.nextTag++;
        method(1, 60, 60, () => {
          shortstr(c.consumerTag);
          u64(tag);
          u8(0);
          shortstr('');
          shortstr(c.queue);
        });
        this.content(c, rng.int(100, 2000));
        c.unacked.push(tag);
      }
      this.stats.deliveries += n;
      this.sendStaged(c, false);
      if (!c.stalled && !c.ackScheduled) {
        c.ackScheduled = true;
        this.later(c, rng.exp(c.cls.ackMean), E_ACK);
      }
    }
    this.later(c, rng.exp(c.cls.delMean), E_DELIVER);
  }

  ack(c) {
    c.ackScheduled = false;
    if (c.closing || c.stalled || c.unacked.length === 0) return;
    if (c.unacked.length > 1 && this.rng.rand() < 0.3) {
      method(1, 60, 80, () => {
        u64(c.unacked[c.unacked.length - 1]);
        u8(1);
      });
    } else {
      for (const tag of c.unacked) {
        method(1, 60, 80, () => {
          u64(tag);
          u8(0);
        });
      }
    }
    c.unacked.length = 0;
    this.sendStaged(c, true);
  }

  /** A side sends a heartbeat when it has sent nothing for T/2 (the timer re-arms from its last send). */
  heartbeat(c, fromClient, t) {
    if (c.closing) return;
    if (fromClient && c.stalled) return;
    const half = (c.heartbeat / 2) * 1e6;
    const last = fromClient ? c.lastClientSend : c.lastServerSend;
    if (t - last >= half - 1000) {
      heartbeatFrame();
      this.sendStaged(c, fromClient);
      this.stats.heartbeats++;
      this.queue.push(this.clock + half, fromClient ? E_HB_CLIENT : E_HB_SERVER, c);
    } else {
      this.queue.push(last + half, fromClient ? E_HB_CLIENT : E_HB_SERVER, c);
    }
  }

  fate(c) {
    if (c.fate === 'close') {
      c.closing = true;
      method(0, 10, 50, () => {
        u16(200);
        shortstr('Normal shutdown');
        u16(0);
        u16(0);
      });
      this.sendStaged(c, true);
      this.later(c, 0.0002 + this.rng.rand() * 0.0006, E_CLOSE_OK);
    } else if (c.fate === 'stall') {
      // The client's application stops; its kernel still ACKs. RabbitMQ checks received bytes every T from
      // Tune-Ok and closes on the second consecutive check that saw none: check A+2, A the first at or after the
      // client's last byte.
      c.stalled = true;
      const T = c.heartbeat * 1e6;
      const firstCheck = Math.ceil((c.lastClientSend - c.anchor) / T - 1e-9);
      this.queue.push(c.anchor + (firstCheck + 2) * T, E_STALL_RST, c);
    }
  }
}

const SERVER_MAC = Buffer.from([0x02, 0x42, 0x0a, 0x00, 0x00, 0x0a]);

// ---------------------------------------------------------------------------------------------------------------

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const opts = parseArgs(process.argv.slice(2));
  const started = process.hrtime.bigint();
  const gen = new Generator(opts);
  const stats = gen.run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (!opts.quiet) {
    const mb = gen.out.bytes / 1e6;
    process.stderr.write(
      `gen-synthetic: ${opts.out}: ${mb.toFixed(1)} MB, ${gen.out.packets} packets, ${(gen.clock / 1e6).toFixed(1)} s of traffic; ` +
        `${stats.connections} connections (${stats.closed} closed cleanly, ${stats.stalled} reset after missed heartbeats, ` +
        `${stats.connections - stats.closed - stats.stalled} still open or closing), ${stats.messages} messages ` +
        `(${stats.deliveries} deliveries), ${stats.heartbeats} heartbeats; ${seconds.toFixed(1)} s (${(mb / seconds).toFixed(0)} MB/s)\n`,
    );
  }
}
