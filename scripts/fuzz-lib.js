/**
 * The fuzzer's engine, shared by `npm run fuzz` (scripts/fuzz.js) and the bounded pass in `npm test`
 * (test/fuzz.test.ts). Plain ESM JavaScript so that both plain Node and vitest can load it; types in fuzz-lib.d.ts.
 *
 * A case is a pure function of (run seed, case index): `makeCase(corpus, seed, index)` builds the same bytes on
 * every machine, so any failure is reproduced with `node scripts/fuzz.js --seed S --case K`.
 *
 * Inputs are built by strategies: byte-level mutations of the real captures (truncation anywhere or at a record,
 * block, header or AMQP frame boundary; bit flips; runs of 0x00/0xFF; insertions and deletions; spliced records and
 * files; garbage), structure-aware ones (pcap caplen/origlen and header fields, pcapng block lengths, option lengths,
 * if_tsresol/if_tsoffset, TCP sequence/ack jumps, flags and header lengths, AMQP frame sizes of 0xFFFFFFFF, frame-end
 * bytes, field-table tags, shortstr lengths of 255), and synthetic hostile conversations written from scratch
 * (Start-Ok whose client-properties nest 10,000 tables, arrays nested as deep, frames declaring 4 GB, huge or lying
 * short strings, thousands of channels or connections). Strategies are stacked: a synthetic capture may then be
 * mutated again.
 *
 * `runCase(analyzer, bytes)` pushes the bytes through the real pipeline and classifies the outcome: a Report that
 * survives JSON round-tripping unchanged, or an AnalyzerError, is fine; anything else is a failure.
 */

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// ---------------------------------------------------------------------------------------------------------------
// Seeded PRNG (sfc32 seeded through splitmix32): fast, good enough, identical everywhere.

function splitmix32(a) {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

export class Rng {
  /** @param {number} seed */
  constructor(seed) {
    const sm = splitmix32(seed >>> 0);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    for (let i = 0; i < 12; i++) this.u32();
  }
  u32() {
    let { a, b, c, d } = this;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return t >>> 0;
  }
  /** Integer in [0, n). */
  int(n) {
    return n <= 0 ? 0 : Math.floor((this.u32() / 4294967296) * n);
  }
  /** Integer in [lo, hi]. */
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  chance(p) {
    return this.u32() / 4294967296 < p;
  }
  pick(arr) {
    return arr[this.int(arr.length)];
  }
  /** Small numbers much more often than large ones: 1..max, log-uniform. */
  small(max) {
    return Math.max(1, Math.min(max, Math.floor(Math.exp((this.u32() / 4294967296) * Math.log(max + 1)))));
  }
  bytes(n) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** The seed of case `index` of run `seed`: independent streams per case. */
export function caseSeed(seed, index) {
  let h = Math.imul((seed >>> 0) ^ 0x85ebca6b, 0xc2b2ae35) ^ Math.imul(index >>> 0, 0x27d4eb2f);
  h ^= Math.floor(index / 4294967296);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes

export function concat(parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const u8 = (v) => Uint8Array.of(v & 0xff);
export const u16 = (v) => Uint8Array.of((v >>> 8) & 0xff, v & 0xff);
export const u32 = (v) => Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
export function u64(v) {
  let x = BigInt.asUintN(64, BigInt(v));
  const out = new Uint8Array(8);
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}
const utf8 = (s) => new TextEncoder().encode(s);
const shortstr = (s) => {
  const b = typeof s === 'string' ? utf8(s) : s;
  return concat([u8(b.length), b.subarray(0, 255)]);
};
const longstr = (s) => {
  const b = typeof s === 'string' ? utf8(s) : s;
  return concat([u32(b.length), b]);
};
const table = (...fields) => {
  const body = concat(fields);
  return concat([u32(body.length), body]);
};
const field = (name, tag, value) => concat([shortstr(name), utf8(tag), value]);

function getU32(b, o, le) {
  if (o < 0 || o + 4 > b.length) return -1;
  return le
    ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000
    : b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}
function setU32(b, o, le, v) {
  if (o < 0 || o + 4 > b.length) return;
  v >>>= 0;
  if (le) {
    b[o] = v & 0xff;
    b[o + 1] = (v >>> 8) & 0xff;
    b[o + 2] = (v >>> 16) & 0xff;
    b[o + 3] = v >>> 24;
  } else {
    b[o] = v >>> 24;
    b[o + 1] = (v >>> 16) & 0xff;
    b[o + 2] = (v >>> 8) & 0xff;
    b[o + 3] = v & 0xff;
  }
}
function setU16(b, o, le, v) {
  if (o < 0 || o + 2 > b.length) return;
  if (le) {
    b[o] = v & 0xff;
    b[o + 1] = (v >>> 8) & 0xff;
  } else {
    b[o] = (v >>> 8) & 0xff;
    b[o + 1] = v & 0xff;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Corpus

/**
 * The seeds: every capture in `dir` (plain .pcap files up to `maxBytes`), smallest first.
 * @returns {{ name: string, bytes: Uint8Array }[]}
 */
export function loadCorpus(dir, maxBytes = 400_000) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.pcap') && !name.endsWith('.pcapng')) continue;
    const path = join(dir, name);
    if (statSync(path).size > maxBytes) continue;
    // An AMQPS capture's key log (captures/<name>.keys): cases from it are also run with its keys, intact or mutated.
    const keysPath = join(dir, name.replace(/\.(pcap|pcapng)$/, '.keys'));
    const keys = existsSync(keysPath) ? readFileSync(keysPath, 'latin1') : null;
    out.push({ name, bytes: new Uint8Array(readFileSync(path)), keys });
  }
  out.sort((a, b) => a.bytes.length - b.bytes.length || (a.name < b.name ? -1 : 1));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Structure: pcap records, pcapng blocks, packets, TCP headers, AMQP frames (best effort, never throws)

/** Classic pcap: { le, nano, records: [{ off, caplen }] } or null if not pcap. */
export function pcapLayout(b) {
  const m = getU32(b, 0, false);
  let le;
  if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1) le = true;
  else if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) le = false;
  else return null;
  const records = [];
  let o = 24;
  while (o + 16 <= b.length && records.length < 200_000) {
    const caplen = getU32(b, o + 8, le);
    if (o + 16 + caplen > b.length) break;
    records.push({ off: o, caplen });
    o += 16 + caplen;
  }
  return { le, nano: m === 0x4d3cb2a1 || m === 0xa1b23c4d, linkType: (getU32(b, 20, le) & 0xffff) >>> 0, records };
}

/** pcapng: [{ off, len, type, le }] or null if not pcapng. */
export function pcapngLayout(b) {
  if (getU32(b, 0, true) !== 0x0a0d0d0a) return null;
  const blocks = [];
  let le = true;
  let o = 0;
  while (o + 12 <= b.length && blocks.length < 200_000) {
    if (getU32(b, o, true) === 0x0a0d0d0a) {
      const bom = getU32(b, o + 8, true);
      if (bom === 0x1a2b3c4d) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else break;
    }
    const type = getU32(b, o, le);
    const len = getU32(b, o + 4, le);
    if (len < 12 || len % 4 !== 0 || o + len > b.length) break;
    blocks.push({ off: o, len, type, le });
    o += len;
  }
  return blocks;
}

/** Every packet's captured bytes in the file: [{ off, len, linkType }]. */
export function packetsOf(b) {
  const out = [];
  const pcap = pcapLayout(b);
  if (pcap !== null) {
    for (const r of pcap.records) out.push({ off: r.off + 16, len: r.caplen, linkType: pcap.linkType, hdr: r.off, le: pcap.le });
    return out;
  }
  const blocks = pcapngLayout(b);
  if (blocks === null) return out;
  let ifaces = [];
  for (const k of blocks) {
    if (k.type === 0x0a0d0d0a) ifaces = [];
    else if (k.type === 1 && k.len >= 20) ifaces.push(b[k.off + 8 + (k.le ? 0 : 1)] | (b[k.off + 8 + (k.le ? 1 : 0)] << 8));
    else if (k.type === 6 && k.len >= 32) {
      const caplen = getU32(b, k.off + 20, k.le);
      const lt = ifaces[getU32(b, k.off + 8, k.le)];
      if (caplen <= k.len - 32 && lt !== undefined) out.push({ off: k.off + 28, len: caplen, linkType: lt, hdr: k.off, le: k.le });
    }
  }
  return out;
}

/** The TCP header and payload inside a packet: { ip, tcp, payload, end } offsets into the file, or null. */
export function tcpOf(b, p) {
  let o = p.off;
  const end = p.off + p.len;
  let ethType = -1;
  switch (p.linkType) {
    case 1:
      if (end - o < 14) return null;
      ethType = (b[o + 12] << 8) | b[o + 13];
      o += 14;
      while ((ethType === 0x8100 || ethType === 0x88a8) && end - o >= 4) {
        ethType = (b[o + 2] << 8) | b[o + 3];
        o += 4;
      }
      break;
    case 113:
      if (end - o < 16) return null;
      ethType = (b[o + 14] << 8) | b[o + 15];
      o += 16;
      break;
    case 276:
      if (end - o < 20) return null;
      ethType = (b[o] << 8) | b[o + 1];
      o += 20;
      break;
    case 0:
    case 108:
      o += 4;
      ethType = end - o > 0 && b[o] >> 4 === 6 ? 0x86dd : 0x0800;
      break;
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
      ethType = end - o > 0 && b[o] >> 4 === 6 ? 0x86dd : 0x0800;
      break;
    default:
      return null;
  }
  const ip = o;
  if (ethType === 0x0800) {
    if (end - o < 20 || b[o + 9] !== 6) return null;
    o += (b[o] & 15) * 4;
  } else if (ethType === 0x86dd) {
    if (end - o < 40 || b[o + 6] !== 6) return null;
    o += 40;
  } else return null;
  if (end - o < 20) return null;
  const payload = o + (b[o + 12] >> 4) * 4;
  if (payload > end) return null;
  return { ip, v6: ethType === 0x86dd, tcp: o, payload, end };
}

/** AMQP frames that start TCP payloads (and the frames following them in the same payload). */
export function amqpFramesOf(b, packets) {
  const out = [];
  for (const p of packets) {
    const t = tcpOf(b, p);
    if (t === null) continue;
    let o = t.payload;
    if (t.end - o >= 8 && b[o] === 0x41 && b[o + 1] === 0x4d && b[o + 2] === 0x51 && b[o + 3] === 0x50) o += 8;
    while (t.end - o >= 8) {
      const type = b[o];
      if (type !== 1 && type !== 2 && type !== 3 && type !== 8) break;
      const size = getU32(b, o + 3, false);
      const fe = o + 7 + size;
      if (fe >= t.end || b[fe] !== 0xce) {
        out.push({ off: o, type, size, whole: false, end: t.end });
        break;
      }
      out.push({ off: o, type, size, whole: true, end: fe });
      o = fe + 1;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Writers: classic pcap, pcapng, Ethernet/IPv4/TCP packets, AMQP frames, conversations

/** @param {{ tsSec: number, tsUsec: number, data: Uint8Array, origLen?: number }[]} packets */
export function writePcap(packets, { linkType = 1, snaplen = 262144, le = true } = {}) {
  let size = 24;
  for (const p of packets) size += 16 + p.data.length;
  const out = new Uint8Array(size);
  setU32(out, 0, le, 0xa1b2c3d4);
  setU16(out, 4, le, 2);
  setU16(out, 6, le, 4);
  setU32(out, 16, le, snaplen);
  setU32(out, 20, le, linkType);
  let o = 24;
  for (const p of packets) {
    setU32(out, o, le, p.tsSec);
    setU32(out, o + 4, le, p.tsUsec);
    setU32(out, o + 8, le, p.data.length);
    setU32(out, o + 12, le, p.origLen ?? p.data.length);
    out.set(p.data, o + 16);
    o += 16 + p.data.length;
  }
  return out;
}

function pcapngBlock(type, body, le) {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const out = new Uint8Array(len);
  setU32(out, 0, le, type);
  setU32(out, 4, le, len);
  out.set(body, 8);
  setU32(out, len - 4, le, len);
  return out;
}

function pcapngOption(code, value, le) {
  const pad = (4 - (value.length % 4)) % 4;
  const out = new Uint8Array(4 + value.length + pad);
  setU16(out, 0, le, code);
  setU16(out, 2, le, value.length);
  out.set(value, 4);
  return out;
}

/**
 * Rewrites a classic pcap as pcapng (one section, one interface), optionally with an if_tsresol (6 or 9 keeps the
 * times), an if_tsoffset, big-endian, and options on the packet blocks. Returns null if `b` is not a pcap.
 */
export function pcapToPcapng(b, r) {
  const layout = pcapLayout(b);
  if (layout === null) return null;
  const le = !r.chance(0.3);
  const resol = r.pick([null, 6, 9, 9]);
  const parts = [];
  const shb = new Uint8Array(16);
  setU32(shb, 0, le, 0x1a2b3c4d);
  setU16(shb, 4, le, 1);
  shb.fill(0xff, 8, 16);
  parts.push(pcapngBlock(0x0a0d0d0a, shb, le));
  const ifOpts = [];
  if (resol !== null) ifOpts.push(pcapngOption(9, u8(resol), le));
  if (r.chance(0.2)) {
    const off = u64(r.range(-5, 5)); // big-endian bytes: reversed for a little-endian section
    ifOpts.push(pcapngOption(14, le ? off.reverse() : off, le));
  }
  if (r.chance(0.2)) ifOpts.push(pcapngOption(2, utf8('eth0'), le));
  if (ifOpts.length > 0) ifOpts.push(pcapngOption(0, new Uint8Array(0), le));
  const idb = new Uint8Array(8);
  setU16(idb, 0, le, layout.linkType);
  setU32(idb, 4, le, 262144);
  parts.push(pcapngBlock(1, concat([idb, ...ifOpts]), le));
  const perSec = resol === 9 ? 1_000_000_000n : 1_000_000n;
  const fracMul = resol === 9 ? (layout.nano ? 1n : 1000n) : layout.nano ? 0n : 1n;
  for (const rec of layout.records) {
    const sec = BigInt(getU32(b, rec.off, layout.le));
    const frac = BigInt(getU32(b, rec.off + 4, layout.le));
    const f = fracMul === 0n ? frac / 1000n : frac * fracMul;
    const ts = sec * perSec + f;
    const head = new Uint8Array(20);
    setU32(head, 0, le, 0);
    setU32(head, 4, le, Number((ts >> 32n) & 0xffffffffn));
    setU32(head, 8, le, Number(ts & 0xffffffffn));
    setU32(head, 12, le, rec.caplen);
    setU32(head, 16, le, getU32(b, rec.off + 12, layout.le));
    const data = b.subarray(rec.off + 16, rec.off + 16 + rec.caplen);
    const pad = new Uint8Array((4 - (rec.caplen % 4)) % 4);
    const opts = r.chance(0.05) ? [pcapngOption(1, utf8('comment'), le), pcapngOption(0, new Uint8Array(0), le)] : [];
    parts.push(pcapngBlock(6, concat([head, data, pad, ...opts]), le));
    if (r.chance(0.01)) parts.push(pcapngBlock(r.pick([4, 5, 10, 0xbad, 0x40000bad]), r.bytes(r.int(40)), le));
  }
  return concat(parts);
}

function ipv4Addr(s) {
  return Uint8Array.from(s.split('.').map(Number));
}

/** Ethernet + IPv4 + TCP (no checksums: the decoder does not verify them, as offloaded captures need). */
export function tcpPacket({ src, dst, sport, dport, seq, ack, flags, window = 65535, payload = new Uint8Array(0), options = new Uint8Array(0) }) {
  const tcpLen = 20 + options.length;
  const out = new Uint8Array(14 + 20 + tcpLen + payload.length);
  out.set([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00], 0);
  const ip = 14;
  out[ip] = 0x45;
  setU16(out, ip + 2, false, 20 + tcpLen + payload.length);
  setU16(out, ip + 4, false, seq & 0xffff);
  out[ip + 6] = 0x40;
  out[ip + 8] = 64;
  out[ip + 9] = 6;
  out.set(ipv4Addr(src), ip + 12);
  out.set(ipv4Addr(dst), ip + 16);
  const t = ip + 20;
  setU16(out, t, false, sport);
  setU16(out, t + 2, false, dport);
  setU32(out, t + 4, false, seq);
  setU32(out, t + 8, false, ack);
  out[t + 12] = (tcpLen / 4) << 4;
  out[t + 13] = flags;
  setU16(out, t + 14, false, window);
  out.set(options, t + 20);
  out.set(payload, t + tcpLen);
  return out;
}

const FIN = 1;
const SYN = 2;
const RST = 4;
const PSH = 8;
const ACK = 16;

/** A TCP conversation on the capture clock, with correct sequence numbers; payloads are split at `mss`. */
export class Conversation {
  constructor({ client = '10.0.0.1', server = '10.0.0.2', cport = 40000, sport = 5672, start = 1_700_000_000, mss = 1448, cisn = 1000, sisn = 500_000 } = {}) {
    this.packets = [];
    this.ep = {
      c: { addr: client, port: cport, next: cisn >>> 0 },
      s: { addr: server, port: sport, next: sisn >>> 0 },
    };
    this.usec = 0;
    this.start = start;
    this.mss = mss;
  }
  tick(usec) {
    this.usec += usec;
  }
  seg(side, flags, payload = new Uint8Array(0), extra = {}) {
    const me = this.ep[side];
    const peer = this.ep[side === 'c' ? 's' : 'c'];
    const data = tcpPacket({
      src: me.addr,
      dst: peer.addr,
      sport: me.port,
      dport: peer.port,
      seq: extra.seq ?? me.next,
      ack: flags & ACK ? peer.next : 0,
      flags,
      window: extra.window ?? 65535,
      payload,
    });
    me.next = (me.next + payload.length + (flags & (SYN | FIN) ? 1 : 0)) >>> 0;
    this.packets.push({ tsSec: this.start + Math.floor(this.usec / 1e6), tsUsec: this.usec % 1e6, data });
    this.usec += 37;
  }
  handshake() {
    this.seg('c', SYN);
    this.seg('s', SYN | ACK);
    this.seg('c', ACK);
  }
  send(side, bytes) {
    // Tiny segments for small messages only: 100,000 packets per case would cost the fuzzer more than it finds.
    const mss = bytes.length > 16_384 ? Math.max(this.mss, 536) : this.mss;
    for (let o = 0; o < bytes.length; o += mss) this.seg(side, PSH | ACK, bytes.subarray(o, Math.min(bytes.length, o + mss)));
    this.seg(side === 'c' ? 's' : 'c', ACK);
  }
  fin(side) {
    this.seg(side, FIN | ACK);
    this.seg(side === 'c' ? 's' : 'c', FIN | ACK);
    this.seg(side, ACK);
  }
  rst(side) {
    this.seg(side, RST | ACK);
  }
}

export const PROTOCOL_HEADER = Uint8Array.of(0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1);

/** One AMQP frame; `size` may lie about the payload's length. */
export function frame(type, channel, payload, size = payload.length) {
  return concat([u8(type), u16(channel), u32(size), payload, u8(0xce)]);
}
export const method = (channel, cls, mth, ...args) => frame(1, channel, concat([u16(cls), u16(mth), ...args]));
export const heartbeat = () => frame(8, 0, new Uint8Array(0));

/** A field table nesting `depth` tables (or arrays: tag 'A') inside each other, written without recursion. */
export function nestedTable(depth, tag = 'F') {
  const per = tag === 'F' ? 7 : 5; // u32 + (shortstr 'n' + tag) or u32 + tag
  const out = new Uint8Array(per * depth + 4);
  let o = 0;
  for (let k = 0; k < depth; k++) {
    setU32(out, o, false, out.length - o - 4);
    o += 4;
    if (tag === 'F') {
      out[o++] = 1;
      out[o++] = 0x6e; // 'n'
    }
    out[o++] = tag.charCodeAt(0);
  }
  return out; // the innermost value is an empty table/array (u32 0)
}

const START = (serverProps) =>
  method(0, 10, 10, u8(0), u8(9), serverProps, longstr('PLAIN AMQPLAIN'), longstr('en_US'));
const START_OK = (clientProps) =>
  method(0, 10, 11, clientProps, shortstr('PLAIN'), longstr('\0guest\0guest'), shortstr('en_US'));
const TUNE = (hb = 60) => method(0, 10, 30, u16(2047), u32(131072), u16(hb));
const TUNE_OK = (hb = 60) => method(0, 10, 31, u16(2047), u32(131072), u16(hb));
const OPEN = () => method(0, 10, 40, shortstr('/'), shortstr(''), u8(0));
const OPEN_OK = () => method(0, 10, 41, shortstr(''));
const CH_OPEN = (ch) => method(ch, 20, 10, shortstr(''));
const CH_OPEN_OK = (ch) => method(ch, 20, 11, longstr(''));
const PUBLISH = (ch, ex, rk) => method(ch, 60, 40, u16(0), shortstr(ex), shortstr(rk), u8(0));
const HEADER = (ch, bodySize, flags = 0x9000, props = concat([shortstr('text/plain'), u8(2)])) =>
  frame(2, ch, concat([u16(60), u16(0), u64(bodySize), u16(flags), props]));
const BODY = (ch, bytes) => frame(3, ch, bytes);
const CLOSE = (code, text) => method(0, 10, 50, u16(code), shortstr(text), u16(0), u16(0));
const CLOSE_OK = () => method(0, 10, 51);

const SERVER_PROPS = table(
  field('product', 'S', longstr('RabbitMQ')),
  field('version', 'S', longstr('3.13.0')),
  field('capabilities', 'F', table(field('publisher_confirms', 't', u8(1)), field('consumer_cancel_notify', 't', u8(1)))),
);
const CLIENT_PROPS = table(field('product', 'S', longstr('fuzz')), field('platform', 'S', longstr('Node.js')));

/**
 * A healthy AMQP conversation with hostile pieces swapped in: the synthetic seeds. Returns classic pcap bytes.
 * `kind` picks the hostility.
 */
export function syntheticCapture(r, kind) {
  const conv = new Conversation({ mss: r.pick([1448, 1448, 536, 64, 7, 60000]), cport: r.range(1024, 65535), cisn: r.u32(), sisn: r.u32() });
  let clientProps = CLIENT_PROPS;
  let serverProps = SERVER_PROPS;
  const extraClient = [];
  const extraServer = [];
  switch (kind) {
    case 'nested-tables':
      clientProps = nestedTable(r.pick([99, 100, 101, 1000, 10_000, 10_000, r.range(1, 20_000)]));
      break;
    case 'nested-arrays':
      clientProps = table(field('a', 'A', nestedTable(r.pick([100, 101, 10_000, r.range(1, 20_000)]), 'A')));
      break;
    case 'nested-server':
      serverProps = nestedTable(r.pick([101, 10_000]));
      break;
    case 'huge-frame':
      // A frame declaring 4 GB (or nearly): method, header or body, on the connection or a channel.
      extraClient.push(frame(r.pick([1, 2, 3, 8, 1]), r.pick([0, 1]), r.bytes(r.int(64)), r.pick([0xffffffff, 0xfffffff0, 0x7fffffff, 0x80000000, 0x1000001, 0x10000000])));
      break;
    case 'huge-shortstr': {
      // shortstr lengths of 255 with too few bytes behind them, and 255-byte names.
      const s = r.bytes(r.int(255));
      extraClient.push(CH_OPEN(1));
      extraClient.push(frame(1, 1, concat([u16(60), u16(40), u16(0), u8(255), s]), r.chance(0.5) ? 7 + s.length : 7 + 255));
      extraClient.push(PUBLISH(1, 'x'.repeat(255), '\u00e9'.repeat(127)));
      break;
    }
    case 'lying-longstr':
      clientProps = table(field('product', 'S', concat([u32(r.pick([0xffffffff, 0x7fffffff, 1000, 5])), r.bytes(4)])));
      break;
    case 'huge-body':
      extraClient.push(CH_OPEN(1), PUBLISH(1, '', 'q'), HEADER(1, r.pick([0xffffffffffffffffn, 2n ** 53n, 2n ** 40n, 100n])));
      for (let i = 0, n = r.int(5); i < n; i++) extraClient.push(BODY(1, r.bytes(r.int(3000))));
      break;
    case 'many-channels': {
      const n = r.pick([100, 2047, 4096, 100, 2047, 65535]);
      const one = CH_OPEN(0);
      const all = new Uint8Array(one.length * n);
      for (let ch = 1; ch <= n; ch++) {
        const o = (ch - 1) * one.length;
        all.set(one, o);
        all[o + 1] = ch >>> 8;
        all[o + 2] = ch & 0xff;
      }
      extraClient.push(all);
      break;
    }
    case 'garbage-properties':
      extraClient.push(CH_OPEN(1), PUBLISH(1, 'e', 'k'), HEADER(1, 10, 0xfffe, r.bytes(r.int(200))), BODY(1, r.bytes(10)));
      break;
    case 'random-frames':
      for (let i = 0, n = r.range(1, 40); i < n; i++) {
        const cls = r.pick([10, 20, 40, 50, 60, 85, 90, r.int(65536)]);
        extraClient.push(frame(r.pick([1, 1, 2, 3, 8, r.int(256)]), r.pick([0, 1, 2, r.int(65536)]), concat([u16(cls), u16(r.pick([10, 11, 20, 21, 40, 50, 51, 60, 70, 80, r.int(65536)])), r.bytes(r.int(300))])));
      }
      break;
    case 'random-server-frames':
      for (let i = 0, n = r.range(1, 40); i < n; i++) {
        extraServer.push(frame(r.pick([1, 1, 2, 3, 8]), r.pick([0, 1]), concat([u16(r.pick([10, 20, 60])), u16(r.pick([10, 11, 30, 41, 50, 51, 60, 71, 80, 90, 111])), r.bytes(r.int(100))])));
      }
      break;
  }
  conv.handshake();
  conv.send('c', PROTOCOL_HEADER);
  conv.send('s', START(serverProps));
  conv.send('c', START_OK(clientProps));
  conv.send('s', TUNE());
  conv.send('c', concat([TUNE_OK(), OPEN()]));
  conv.send('s', OPEN_OK());
  for (const b of extraClient) conv.send('c', b);
  for (const b of extraServer) conv.send('s', b);
  conv.send('c', concat([CH_OPEN(1), PUBLISH(1, 'amq.direct', 'key'), HEADER(1, 5), BODY(1, utf8('hello'))]));
  conv.send('s', CH_OPEN_OK(1));
  for (let i = 0, n = r.int(4); i < n; i++) {
    conv.tick(r.int(120e6));
    conv.send(r.pick(['c', 's']), heartbeat());
  }
  const end = r.int(4);
  if (end === 0) {
    conv.send('s', CLOSE(320, 'CONNECTION_FORCED - fuzz'));
    conv.send('c', CLOSE_OK());
    conv.fin('s');
  } else if (end === 1) conv.rst(r.pick(['c', 's']));
  else if (end === 2) conv.fin('c');
  return writePcap(conv.packets);
}

/**
 * Crafted bytes against the resync search (found by reading frame-decoder.ts, not by chance): k candidate frame
 * headers (Connection.Start-Ok on channel 0) nested in each other's first table entry (a longstr), all sharing one
 * tail of n tiny table entries that fails at its very end, so every candidate decodes the whole tail and is then
 * rejected. Optionally a heartbeat and a bad byte before each nested header, so that every candidate is tried in a
 * new resync episode. Quadratic before the resync decode budget: 123 KB took 17 s.
 */
export function resyncNest(k, n, episodes = false) {
  const unit = 21 + (episodes ? 9 : 0);
  const nest = unit * k;
  const total = nest + 2 * n + 8;
  const b = new Uint8Array(total);
  const E = total - 1;
  const T = nest + 2 * n; // the shared table end
  for (let i = 0; i < k; i++) {
    let P = unit * i;
    if (episodes) {
      b.set([8, 0, 0, 0, 0, 0, 0, 0xce, 0x55], P); // heartbeat, then a byte that is no frame type
      P += 9;
    }
    b[P] = 1;
    setU32(b, P + 3, false, E - P - 7);
    b.set([0, 10, 0, 11], P + 7);
    setU32(b, P + 11, false, T - (P + 15));
    b[P + 16] = 0x53; // entry: empty name, 'S' longstr holding the next candidate
    setU32(b, P + 17, false, unit * (k - 1 - i));
  }
  for (let j = 0; j < n; j++) b[nest + 2 * j + 1] = 0x56; // empty name, 'V' void
  b[E] = 0xce; // one byte early: the arguments end at E - 1, so no candidate is ever accepted
  return b;
}

function resyncAttack(r) {
  const conv = new Conversation({ mss: r.pick([1448, 65000, 100]) });
  const midConnection = r.chance(0.4);
  if (!midConnection) {
    conv.handshake();
    conv.send('c', PROTOCOL_HEADER);
    conv.send('s', START(SERVER_PROPS));
    conv.send('c', START_OK(CLIENT_PROPS));
    conv.send('s', TUNE());
    // A Tune-Ok raising frame-max raises the resync search's window too.
    conv.send('c', method(0, 10, 31, u16(2047), u32(r.pick([131072, 1 << 20, 0xffffffff])), u16(60)));
    conv.send('c', Uint8Array.of(0x55)); // a frame-error: resync from here
  }
  const k = r.pick([10, 300, 1000, 2000]);
  conv.send('c', resyncNest(k, r.pick([1000, 10_000, 20_000]), r.chance(0.5)));
  return writePcap(conv.packets);
}

/** Many connections (SYNs from distinct ports, some with a protocol header): tracker bookkeeping at scale. */
function manyConnections(r) {
  const n = r.pick([50, 200, 600]); // linear: ~0.1 ms and ~1.2 KB of report per connection
  const packets = [];
  for (let i = 0; i < n; i++) {
    const conv = new Conversation({ cport: 1024 + (i % 64000), client: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, cisn: r.u32() });
    conv.usec = i * r.pick([1, 1000, 1e6]);
    conv.seg('c', SYN);
    if (r.chance(0.3)) {
      conv.seg('s', SYN | ACK);
      conv.seg('c', PSH | ACK, PROTOCOL_HEADER);
    }
    packets.push(...conv.packets);
  }
  return writePcap(packets);
}

// ---------------------------------------------------------------------------------------------------------------
// Mutators: (bytes, rng, corpus) -> bytes. They may modify `bytes` in place (it is always a private copy).

const INTERESTING_U32 = [0, 1, 2, 3, 4, 7, 8, 11, 12, 15, 16, 20, 27, 28, 31, 32, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x40000, 0x40001, 0xfffff, 0x1000000, 0x1000001, 0x1040000, 0x1040004, 0x7ffffffc, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xffffffff];

function interestingLength(r, actual) {
  if (r.chance(0.5)) return r.pick(INTERESTING_U32);
  if (r.chance(0.6)) return (actual + r.range(-8, 8)) >>> 0;
  return r.u32();
}

/** Offsets worth cutting at: record/block/packet/TCP/AMQP boundaries. */
function boundaries(b) {
  const out = [0, 4, 8, 12, 16, 24];
  const pcap = pcapLayout(b);
  if (pcap !== null) for (const rec of pcap.records) out.push(rec.off, rec.off + 8, rec.off + 16, rec.off + 16 + rec.caplen);
  const ng = pcapngLayout(b);
  if (ng !== null) for (const k of ng) out.push(k.off, k.off + 4, k.off + 8, k.off + k.len - 4, k.off + k.len);
  const packets = packetsOf(b);
  for (const p of packets) {
    const t = tcpOf(b, p);
    if (t !== null) out.push(t.ip, t.tcp, t.payload);
  }
  for (const f of amqpFramesOf(b, packets)) out.push(f.off, f.off + 1, f.off + 3, f.off + 7, f.end);
  return out;
}

const truncate = {
  anywhere(b, r) {
    return b.subarray(0, r.int(b.length + 1));
  },
  boundary(b, r) {
    const cuts = boundaries(b);
    const at = r.pick(cuts) + (r.chance(0.5) ? 0 : r.range(-3, 3));
    return b.subarray(0, Math.max(0, Math.min(b.length, at)));
  },
};

const bytewise = {
  bitflips(b, r) {
    const n = r.small(64);
    const near = r.chance(0.3) ? Math.min(b.length, 64) : b.length;
    for (let i = 0; i < n && b.length > 0; i++) {
      const o = r.int(near);
      b[o] ^= 1 << r.int(8);
    }
    return b;
  },
  byteset(b, r) {
    const n = r.small(16);
    for (let i = 0; i < n && b.length > 0; i++) b[r.int(b.length)] = r.pick([0, 0xff, 0x7f, 0x80, 0xce, 1, r.int(256)]);
    return b;
  },
  runs(b, r) {
    if (b.length === 0) return b;
    const v = r.pick([0x00, 0xff, 0x00, 0xff, 0xce, r.int(256), -1]);
    const len = r.small(Math.min(b.length, 65536));
    const at = r.int(b.length);
    const run = v < 0 ? r.bytes(len) : new Uint8Array(len).fill(v);
    if (r.chance(0.7)) {
      b.set(run.subarray(0, b.length - at), at);
      return b;
    }
    return concat([b.subarray(0, at), run, b.subarray(at)]); // inserted
  },
  remove(b, r) {
    const at = r.int(b.length + 1);
    const len = r.small(4096);
    return concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + len))]);
  },
  duplicateRange(b, r) {
    const at = r.int(b.length + 1);
    const len = r.small(4096);
    const src = r.int(b.length + 1);
    return concat([b.subarray(0, at), b.subarray(src, Math.min(b.length, src + len)), b.subarray(at)]);
  },
};

const splice = {
  /** Drop, duplicate, swap or import whole records/blocks. */
  records(b, r, corpus) {
    const pcap = pcapLayout(b);
    const ng = pcap === null ? pcapngLayout(b) : null;
    const units = pcap !== null ? pcap.records.map((x) => [x.off, x.off + 16 + x.caplen]) : ng !== null ? ng.map((k) => [k.off, k.off + k.len]) : [];
    if (units.length === 0) return b;
    const head = b.subarray(0, units[0][0]);
    const tail = b.subarray(units[units.length - 1][1]);
    const list = units.map(([s, e]) => b.subarray(s, e));
    const ops = r.small(8);
    for (let i = 0; i < ops && list.length > 0; i++) {
      const k = r.int(list.length);
      switch (r.int(5)) {
        case 0:
          list.splice(k, 1);
          break;
        case 1:
          list.splice(k, 0, list[r.int(list.length)]);
          break;
        case 2: {
          const j = r.int(list.length);
          [list[k], list[j]] = [list[j], list[k]];
          break;
        }
        case 3: {
          // A record from another capture (maybe another link type or byte order: that is the point).
          const other = r.pick(corpus).bytes;
          const ol = pcapLayout(other);
          if (ol !== null && ol.records.length > 0) {
            const rec = r.pick(ol.records);
            list.splice(k, 0, other.subarray(rec.off, rec.off + 16 + rec.caplen));
          }
          break;
        }
        default:
          list.reverse();
      }
    }
    return concat([head, ...list, tail]);
  },
  /** A prefix of this file followed by any part of another file. */
  files(b, r, corpus) {
    const other = r.pick(corpus).bytes;
    const from = r.chance(0.5) ? r.int(other.length) : r.pick(boundaries(other));
    return concat([b.subarray(0, r.chance(0.5) ? r.int(b.length + 1) : r.pick(boundaries(b))), other.subarray(Math.max(0, Math.min(other.length, from)))]);
  },
};

const garbage = {
  random(_b, r) {
    return r.bytes(r.small(100_000));
  },
  /** A valid file header followed by garbage. */
  headed(b, r) {
    const heads = [
      b.subarray(0, 24),
      writePcap([], { le: r.chance(0.5), linkType: r.pick([0, 1, 101, 113, 276, 228, 229, r.int(65536)]) }),
      pcapngBlock(0x0a0d0d0a, concat([Uint8Array.of(0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0), new Uint8Array(8).fill(0xff)]), true),
    ];
    return concat([r.pick(heads), r.bytes(r.small(100_000))]);
  },
  /** Text and other files that are not captures. */
  notCapture(_b, r) {
    return r.pick([
      utf8('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0),
      Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0),
      Uint8Array.of(0xa1, 0xb2, 0xcd, 0x34, 0, 2, 0, 4),
      utf8('\u001b]0;pwned\u0007\u001b[2J'),
      new Uint8Array(0),
      r.bytes(r.int(30)),
    ]);
  },
};

const pcapFields = {
  /** caplen / origlen of one or a few records set to lies. */
  recordLengths(b, r) {
    const l = pcapLayout(b);
    if (l === null || l.records.length === 0) return b;
    for (let i = 0, n = r.small(4); i < n; i++) {
      const rec = r.pick(l.records);
      const which = r.chance(0.6) ? 8 : 12;
      setU32(b, rec.off + which, l.le, interestingLength(r, rec.caplen));
    }
    return b;
  },
  recordTimes(b, r) {
    const l = pcapLayout(b);
    if (l === null || l.records.length === 0) return b;
    for (let i = 0, n = r.small(8); i < n; i++) {
      const rec = r.pick(l.records);
      setU32(b, rec.off + r.pick([0, 4]), l.le, r.pick([0, 999_999, 1_000_000, 999_999_999, 1_000_000_000, 0x7fffffff, 0xffffffff, r.u32()]));
    }
    return b;
  },
  header(b, r) {
    const l = pcapLayout(b);
    if (l === null) return b;
    switch (r.int(5)) {
      case 0:
        setU32(b, 16, l.le, interestingLength(r, 262144)); // snaplen
        break;
      case 1:
        setU32(b, 20, l.le, r.pick([0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 0xffff, 0x34000001, r.u32()])); // link type
        break;
      case 2:
        setU32(b, 0, l.le, r.pick([0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34])); // magic: nano/micro/Kuznetsov
        break;
      case 3:
        setU32(b, 0, !l.le, getU32(b, 0, l.le)); // byte order flipped (every other field now lies)
        break;
      default:
        setU16(b, 4, l.le, r.int(65536));
        setU16(b, 6, l.le, r.int(65536));
    }
    return b;
  },
};

/** pcap seeds become pcapng first, so every pcapng mutation has material. */
function asPcapng(b, r) {
  if (pcapngLayout(b) !== null) return b;
  return pcapToPcapng(b, r) ?? b;
}

const pcapngFields = {
  convert(b, r) {
    return asPcapng(b, r);
  },
  blockLengths(b, r) {
    b = asPcapng(b, r);
    const blocks = pcapngLayout(b);
    if (blocks === null || blocks.length === 0) return b;
    for (let i = 0, n = r.small(3); i < n; i++) {
      const k = r.pick(blocks);
      const v = interestingLength(r, k.len);
      switch (r.int(3)) {
        case 0:
          setU32(b, k.off + 4, k.le, v);
          break;
        case 1:
          setU32(b, k.off + k.len - 4, k.le, v);
          break;
        default:
          setU32(b, k.off + 4, k.le, v);
          setU32(b, k.off + k.len - 4, k.le, v);
      }
    }
    return b;
  },
  blockTypes(b, r) {
    b = asPcapng(b, r);
    const blocks = pcapngLayout(b);
    if (blocks === null || blocks.length === 0) return b;
    const k = r.pick(blocks);
    setU32(b, k.off, k.le, r.pick([0x0a0d0d0a, 1, 2, 3, 5, 6, 4, 10, 0x80000001, r.u32()]));
    return b;
  },
  /** EPB caplen/origlen/interface id, SHB byte-order magic and section length, IDB link type and snaplen. */
  blockFields(b, r) {
    b = asPcapng(b, r);
    const blocks = pcapngLayout(b);
    if (blocks === null || blocks.length === 0) return b;
    const k = r.pick(blocks);
    if (k.type === 6) setU32(b, k.off + r.pick([8, 12, 16, 20, 24]), k.le, interestingLength(r, getU32(b, k.off + 20, k.le)));
    else if (k.type === 0x0a0d0d0a) setU32(b, k.off + r.pick([8, 12, 16, 20]), k.le, r.pick([0x1a2b3c4d, 0x4d3c2b1a, 0, r.u32()]));
    else if (k.type === 1) setU32(b, k.off + r.pick([8, 12]), k.le, r.pick([0, 1, 0xffff, 0xffffffff, r.u32()]));
    else setU32(b, k.off + 8 + 4 * r.int(Math.max(1, (k.len - 12) / 4)), k.le, r.u32());
    return b;
  },
  /** Option lengths and values in IDBs and EPBs; if_tsresol and if_tsoffset garbage; extra interfaces. */
  options(b, r) {
    b = asPcapng(b, r);
    const blocks = pcapngLayout(b);
    if (blocks === null) return b;
    const idbs = blocks.filter((k) => k.type === 1);
    const choice = r.int(4);
    if (choice === 0 || idbs.length === 0) {
      // Insert an IDB with hostile options right after a section header (before or after the real one).
      const le = blocks[0]?.le ?? true;
      const opts = [];
      for (let i = 0, n = r.range(1, 4); i < n; i++) {
        const code = r.pick([9, 9, 14, 2, 0, r.int(65536)]);
        const val = code === 9 ? u8(r.int(256)) : code === 14 ? r.bytes(8) : r.bytes(r.int(12));
        const opt = pcapngOption(code, val, le);
        if (r.chance(0.3)) setU16(opt, 2, le, r.pick([0xffff, 0xfffc, 255, 8, 9, r.int(65536)]));
        opts.push(opt);
      }
      const idb = new Uint8Array(8);
      setU16(idb, 0, le, r.pick([1, 1, 101, 113, 276, r.int(65536)]));
      setU32(idb, 4, le, r.pick([0, 262144, 64, r.u32()]));
      const block = pcapngBlock(1, concat([idb, ...opts]), le);
      const shbEnd = blocks[0] ? blocks[0].len : 0;
      const at = r.chance(0.5) ? shbEnd : (blocks.find((k) => k.type === 1)?.off ?? shbEnd) + (r.chance(0.5) ? 0 : (idbs[0]?.len ?? 0));
      return concat([b.subarray(0, at), block, b.subarray(at)]);
    }
    const k = r.pick(idbs);
    if (choice === 1) {
      // if_tsresol / if_tsoffset values rewritten in place (if the IDB has them).
      for (let p = k.off + 16; p + 4 <= k.off + k.len - 4; ) {
        const code = k.le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
        const len = k.le ? b[p + 2] | (b[p + 3] << 8) : (b[p + 2] << 8) | b[p + 3];
        if (code === 9 && len >= 1) b[p + 4] = r.pick([0, 9, 10, 19, 63, 64, 100, 127, 0x80, 0x80 | 30, 0x80 | 63, 0x80 | 64, 0xff, r.int(256)]);
        if (code === 14 && len >= 8) for (let i = 0; i < 8; i++) b[p + 4 + i] = r.pick([0, 0xff, 0x7f, 0x80, r.int(256)]);
        if (code === 0) break;
        p += 4 + ((len + 3) & ~3);
      }
      return b;
    }
    // Option length fields set to lies (every option of the block, or one at random).
    const p = k.off + 16 + 4 * r.int(Math.max(1, (k.len - 20) / 4));
    setU16(b, p + 2, k.le, r.pick([0xffff, 0xfffc, 0, 1, 255, 256, r.int(65536)]));
    if (r.chance(0.5)) setU16(b, p, k.le, r.pick([9, 14, 0, 1, 2]));
    return b;
  },
};

function tcpTargets(b) {
  const out = [];
  for (const p of packetsOf(b)) {
    const t = tcpOf(b, p);
    if (t !== null) out.push(t);
  }
  return out;
}

const tcpFields = {
  /** Sequence or acknowledgement numbers jump (one packet, or every packet after one in a direction). */
  seqAck(b, r) {
    const ts = tcpTargets(b);
    if (ts.length === 0) return b;
    const jump = r.pick([1, -1, 2, 1460, -1460, 0x7fffffff, 0x80000000, 0x80000001, 65536, r.u32()]);
    const which = r.pick([4, 8]);
    const start = r.int(ts.length);
    const all = r.chance(0.5);
    const sport = (b[ts[start].tcp] << 8) | b[ts[start].tcp + 1];
    for (let i = start; i < ts.length; i++) {
      const t = ts[i];
      if (((b[t.tcp] << 8) | b[t.tcp + 1]) !== sport) continue;
      setU32(b, t.tcp + which, false, getU32(b, t.tcp + which, false) + jump);
      if (!all) break;
    }
    return b;
  },
  headerFields(b, r) {
    const ts = tcpTargets(b);
    for (let i = 0, n = r.small(8); i < n && ts.length > 0; i++) {
      const t = r.pick(ts);
      switch (r.int(7)) {
        case 0:
          b[t.tcp + 13] = r.pick([0x02, 0x12, 0x04, 0x14, 0x01, 0x11, 0x3f, 0xff, 0, r.int(256)]); // flags
          break;
        case 1:
          b[t.tcp + 12] = (r.int(16) << 4) | (b[t.tcp + 12] & 15); // data offset
          break;
        case 2:
          setU16(b, t.tcp + 14, false, r.pick([0, 1, 0xffff])); // window
          break;
        case 3: {
          // ports: swapped, or to/from 5672
          const s = (b[t.tcp] << 8) | b[t.tcp + 1];
          setU16(b, t.tcp, false, r.pick([(b[t.tcp + 2] << 8) | b[t.tcp + 3], 5672, 0, r.int(65536)]));
          setU16(b, t.tcp + 2, false, r.chance(0.5) ? s : 5672);
          break;
        }
        case 4:
          if (!t.v6) {
            setU16(b, t.ip + 2, false, r.pick([0, 1, 20, 40, 0xffff, r.int(65536)])); // IP total length
            if (r.chance(0.3)) b[t.ip] = (b[t.ip] & 0xf0) | r.int(16); // IHL
            if (r.chance(0.3)) setU16(b, t.ip + 6, false, r.pick([0x2000, 0x0001, 0x4000, r.int(65536)])); // fragments
          } else setU16(b, t.ip + 4, false, r.pick([0, 1, 0xffff, r.int(65536)]));
          break;
        case 5: {
          // TCP options: garbage, lying lengths, window scale 255
          const end = t.payload;
          for (let o = t.tcp + 20; o < end; o++) if (r.chance(0.3)) b[o] = r.pick([0, 1, 2, 3, 4, 8, 255, 14, r.int(256)]);
          break;
        }
        default:
          b[t.ip + (t.v6 ? 8 : 12) + r.int(8)] ^= 1 << r.int(8); // addresses
      }
    }
    return b;
  },
  /** Packets reordered or duplicated within the capture (retransmissions, out-of-order). */
  reorder(b, r) {
    const l = pcapLayout(b);
    if (l === null || l.records.length < 2) return b;
    const recs = l.records.map((x) => b.subarray(x.off, x.off + 16 + x.caplen));
    for (let i = 0, n = r.small(10); i < n; i++) {
      const k = r.int(recs.length - 1);
      if (r.chance(0.5)) [recs[k], recs[k + 1]] = [recs[k + 1], recs[k]];
      else recs.splice(k, 0, recs[k]);
    }
    return concat([b.subarray(0, 24), ...recs, b.subarray(l.records.at(-1).off + 16 + l.records.at(-1).caplen)]);
  },
};

const TAGS = 'tbBsuIilfdDSATFVxUL';

const amqpFields = {
  frameSize(b, r) {
    const fs = amqpFramesOf(b, packetsOf(b));
    if (fs.length === 0) return b;
    const f = r.pick(fs);
    setU32(b, f.off + 3, false, r.chance(0.4) ? 0xffffffff : interestingLength(r, f.size));
    return b;
  },
  frameEnd(b, r) {
    const fs = amqpFramesOf(b, packetsOf(b)).filter((f) => f.whole);
    for (let i = 0, n = r.small(4); i < n && fs.length > 0; i++) b[r.pick(fs).end] = r.pick([0, 0xcf, 0xff, r.int(256)]);
    return b;
  },
  frameType(b, r) {
    const fs = amqpFramesOf(b, packetsOf(b));
    for (let i = 0, n = r.small(4); i < n && fs.length > 0; i++) {
      const f = r.pick(fs);
      if (r.chance(0.5)) b[f.off] = r.pick([1, 2, 3, 4, 8, 0, 0x41, r.int(256)]);
      else setU16(b, f.off + 1, false, r.pick([0, 1, 2, 0xffff, r.int(65536)]));
    }
    return b;
  },
  /** Bytes that look like field-value tags inside method and header payloads, randomised. */
  tableTags(b, r) {
    const fs = amqpFramesOf(b, packetsOf(b)).filter((f) => f.whole && (f.type === 1 || f.type === 2));
    if (fs.length === 0) return b;
    const f = r.pick(fs);
    const cand = [];
    for (let o = f.off + 11; o < f.end; o++) if (TAGS.includes(String.fromCharCode(b[o]))) cand.push(o);
    for (let i = 0, n = r.small(6); i < n && cand.length > 0; i++) b[r.pick(cand)] = r.chance(0.7) ? TAGS.charCodeAt(r.int(TAGS.length)) : r.int(256);
    return b;
  },
  /** Length-like bytes in method/header payloads set to 255 / 0 / 0xFFFFFFFF: shortstrs, longstrs, table sizes. */
  payloadLengths(b, r) {
    const fs = amqpFramesOf(b, packetsOf(b)).filter((f) => f.whole && (f.type === 1 || f.type === 2));
    if (fs.length === 0) return b;
    for (let i = 0, n = r.small(4); i < n; i++) {
      const f = r.pick(fs);
      if (f.size <= 4) continue;
      const o = f.off + 11 + r.int(f.size - 4);
      if (r.chance(0.5)) b[o] = r.pick([255, 0, 1, 254]);
      else setU32(b, o, false, r.pick([0xffffffff, 0x7fffffff, 0, 1, 0x10000, r.u32()]));
    }
    return b;
  },
  /** Any bytes of one method/header payload randomised (arguments, property flags, class/method ids). */
  payloadBytes(b, r) {
    const fs = amqpFramesOf(b, packetsOf(b)).filter((f) => f.whole && f.size > 0);
    if (fs.length === 0) return b;
    const f = r.pick(fs);
    for (let i = 0, n = r.small(8); i < n; i++) b[f.off + 7 + r.int(f.size)] = r.int(256);
    return b;
  },
};

/** TLS records at the start of TCP payloads: { off, type, len } (best effort: the record header's fields). */
function tlsRecordsOf(b) {
  const out = [];
  for (const p of packetsOf(b)) {
    const t = tcpOf(b, p);
    if (t === null) continue;
    let o = t.payload;
    while (t.end - o >= 5 && b[o] >= 20 && b[o] <= 24 && b[o + 1] === 3) {
      const len = (b[o + 3] << 8) | b[o + 4];
      out.push({ off: o, type: b[o], len: Math.min(len, t.end - o - 5) });
      o += 5 + len;
    }
  }
  return out;
}

const tlsFields = {
  /** A record header's type, version or length changed (lengths that lie, types that do not exist, SSL 2). */
  recordHeaders(b, r) {
    const rs = tlsRecordsOf(b);
    if (rs.length === 0) return b;
    for (let i = 0, n = r.small(3); i < n; i++) {
      const x = r.pick(rs);
      const k = r.int(3);
      if (k === 0) b[x.off] = r.pick([19, 20, 21, 22, 23, 24, 25, 0x80, r.int(256)]);
      else if (k === 1) b[x.off + 1 + r.int(2)] = r.pick([0, 2, 3, 4, 0xff, r.int(256)]);
      else if (x.off + 5 <= b.length) setU16(b, x.off + 3, false, r.pick([0, 1, 2, 0x4000, 0x4800, 0x4801, 0xffff, r.int(0x10000)]));
    }
    return b;
  },
  /** Bytes inside records changed: hello extensions and lengths in the clear, ciphertext and tags (must fail to authenticate). */
  recordBytes(b, r) {
    const rs = tlsRecordsOf(b).filter((x) => x.len > 0);
    if (rs.length === 0) return b;
    const hs = rs.filter((x) => x.type === 22);
    for (let i = 0, n = r.small(6); i < n; i++) {
      const x = hs.length > 0 && r.chance(0.5) ? r.pick(hs) : r.pick(rs);
      const o = x.off + 5 + r.int(x.len);
      b[o] = r.chance(0.5) ? b[o] ^ (1 << r.int(8)) : r.pick([0, 0xff, r.int(256)]);
    }
    return b;
  },
};


/** A key log mutated: lines dropped, duplicated or swapped between labels, hex flipped, cut short, garbage. */
export function mutateKeyLog(text, r) {
  let lines = text.split('\n');
  for (let i = 0, n = 1 + r.small(3); i < n; i++) {
    const k = r.int(6);
    const j = r.int(Math.max(1, lines.length));
    const line = lines[j] ?? '';
    if (k === 0) lines.splice(j, 1);
    else if (k === 1) lines.splice(j, 0, line);
    else if (k === 2) lines[j] = line.replace(/^\S+/, r.pick(['CLIENT_RANDOM', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'BOGUS']));
    else if (k === 3 && line.length > 0) {
      const p = r.int(line.length);
      lines[j] = line.slice(0, p) + r.pick(['0', 'f', 'g', ' ', '\t', '']) + line.slice(p + 1);
    } else if (k === 4) lines[j] = line.slice(0, r.int(line.length + 1));
    else lines.push(String.fromCharCode(...Array.from({ length: r.small(80) }, () => r.int(256))));
  }
  return lines.join(r.chance(0.1) ? '\r\n' : '\n');
}

const MUTATORS = {
  'tls-record-headers': tlsFields.recordHeaders,
  'tls-record-bytes': tlsFields.recordBytes,
  'truncate-anywhere': truncate.anywhere,
  'truncate-boundary': truncate.boundary,
  bitflips: bytewise.bitflips,
  byteset: bytewise.byteset,
  runs: bytewise.runs,
  remove: bytewise.remove,
  'duplicate-range': bytewise.duplicateRange,
  'splice-records': splice.records,
  'splice-files': splice.files,
  'pcap-record-lengths': pcapFields.recordLengths,
  'pcap-record-times': pcapFields.recordTimes,
  'pcap-header': pcapFields.header,
  'pcapng-convert': pcapngFields.convert,
  'pcapng-block-lengths': pcapngFields.blockLengths,
  'pcapng-block-types': pcapngFields.blockTypes,
  'pcapng-block-fields': pcapngFields.blockFields,
  'pcapng-options': pcapngFields.options,
  'tcp-seq-ack': tcpFields.seqAck,
  'tcp-header-fields': tcpFields.headerFields,
  'tcp-reorder': tcpFields.reorder,
  'amqp-frame-size': amqpFields.frameSize,
  'amqp-frame-end': amqpFields.frameEnd,
  'amqp-frame-type': amqpFields.frameType,
  'amqp-table-tags': amqpFields.tableTags,
  'amqp-payload-lengths': amqpFields.payloadLengths,
  'amqp-payload-bytes': amqpFields.payloadBytes,
};

const GENERATORS = {
  'garbage-random': garbage.random,
  'garbage-headed': garbage.headed,
  'not-a-capture': garbage.notCapture,
};

const SYNTHETIC = ['nested-tables', 'nested-arrays', 'nested-server', 'huge-frame', 'huge-shortstr', 'lying-longstr', 'huge-body', 'many-channels', 'garbage-properties', 'random-frames', 'random-server-frames', 'clean'];

/** Every strategy a case can start from, by name (the bounded test runs each of them). */
export const STRATEGIES = [
  ...Object.keys(MUTATORS).map((m) => `mutate:${m}`),
  ...Object.keys(GENERATORS).map((g) => `generate:${g}`),
  ...SYNTHETIC.map((s) => `synthetic:${s}`),
  'synthetic:many-connections',
  'synthetic:resync-attack',
];

/**
 * The input of case `index` of run `seed`: its bytes and a description (strategy chain and seed file).
 * `strategy` forces the first strategy (one of STRATEGIES).
 * @returns {{ bytes: Uint8Array, description: string, chunks: number[] | null }}
 */
export function makeCase(corpus, seed, index, strategy) {
  const r = new Rng(caseSeed(seed, index));
  const first = strategy ?? pickStrategy(r);
  const desc = [];
  let b;
  let keys = null;
  const [kind, name] = first.split(':');
  if (kind === 'synthetic') {
    b = name === 'many-connections' ? manyConnections(r) : name === 'resync-attack' ? resyncAttack(r) : syntheticCapture(r, name);
    if (r.chance(0.3)) b = asPcapng(b, r);
    desc.push(first);
  } else if (kind === 'generate') {
    const src = r.pick(corpus);
    b = GENERATORS[name](src.bytes, r, corpus);
    desc.push(first);
  } else {
    const src = pickSeed(r, corpus);
    b = src.bytes.slice();
    if (r.chance(0.15)) b = pcapToPcapng(b, r) ?? b;
    b = MUTATORS[name](b, r, corpus);
    desc.push(`${first}(${src.name})`);
    if (src.keys !== null && src.keys !== undefined && r.chance(0.7)) {
      keys = r.chance(0.3) ? mutateKeyLog(src.keys, r) : src.keys;
      desc.push(keys === src.keys ? 'keys' : 'mutated-keys');
    }
  }
  // Stack more mutations on some cases (the second and later ones see the already-broken file).
  const more = r.chance(0.35) ? r.small(4) : 0;
  const names = Object.keys(MUTATORS);
  for (let i = 0; i < more; i++) {
    const m = r.pick(names);
    b = b === null ? b : MUTATORS[m](b.slice(), r, corpus);
    desc.push(m);
  }
  // Some cases are also fed in random pieces and must give the identical report (chunk invariance).
  let chunks = null;
  if (r.chance(0.08) && b.length > 0) {
    chunks = [];
    for (let left = b.length; left > 0; ) {
      const n = Math.min(left, r.chance(0.1) ? 1 : r.small(4096));
      chunks.push(n);
      left -= n;
    }
  }
  return { bytes: b, description: desc.join(' + '), chunks, keys };
}

function pickStrategy(r) {
  const x = r.int(100);
  if (x < 78) return `mutate:${r.pick(Object.keys(MUTATORS))}`;
  if (x < 84) return `generate:${r.pick(Object.keys(GENERATORS))}`;
  if (x < 98) return `synthetic:${r.pick(SYNTHETIC)}`;
  return x < 99 ? 'synthetic:many-connections' : 'synthetic:resync-attack';
}

/** Small captures far more often than big ones (speed), but every seed now and then. */
function pickSeed(r, corpus) {
  if (r.chance(0.85)) {
    const small = corpus.filter((c) => c.bytes.length <= 20_000);
    if (small.length > 0) return r.pick(small);
  }
  return r.pick(corpus);
}

// ---------------------------------------------------------------------------------------------------------------
// Running a case

/**
 * Walks a value as JSON.parse would return it and reports the first thing JSON cannot hold faithfully
 * (undefined, NaN, Infinity, functions, class instances, bigint, cycles, sparse arrays). No recursion.
 */
export function jsonProblem(value) {
  const stack = [[value, '$']];
  const seen = new Set();
  while (stack.length > 0) {
    const [v, path] = stack.pop();
    switch (typeof v) {
      case 'string':
      case 'boolean':
        continue;
      case 'number':
        if (!Number.isFinite(v)) return `${path} is ${v}`;
        continue;
      case 'object':
        if (v === null) continue;
        if (seen.has(v)) return `${path} is shared or cyclic`;
        seen.add(v);
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) {
            if (!(i in v)) return `${path}[${i}] is a hole`;
            stack.push([v[i], `${path}[${i}]`]);
          }
        } else {
          const proto = Object.getPrototypeOf(v);
          if (proto !== Object.prototype && proto !== null) return `${path} is a ${v.constructor?.name ?? 'non-plain object'}`;
          for (const k of Object.keys(v)) {
            if (v[k] === undefined) continue; // dropped by JSON, like an absent key: fine
            stack.push([v[k], `${path}.${k}`]);
          }
        }
        continue;
      default:
        return `${path} is ${typeof v}`;
    }
  }
  return null;
}

/**
 * Runs one input through a fresh Analyzer. Returns { ok, outcome, ms, json?, error? }.
 * `ok` false means a bug: an exception other than AnalyzerError, or a report JSON cannot carry.
 * @param {{ Analyzer: any, AnalyzerError: any }} api
 */
export function runCase(api, bytes, chunks = null, path = 'fuzz.pcap', options = {}) {
  const t0 = performance.now();
  let json;
  try {
    const a = new api.Analyzer({ path, ...options });
    if (chunks === null) a.push(bytes);
    else {
      let o = 0;
      for (const n of chunks) {
        a.push(bytes.subarray(o, o + n));
        o += n;
      }
    }
    const report = a.end();
    const problem = jsonProblem(report);
    if (problem !== null) return { ok: false, outcome: 'bad-report', ms: performance.now() - t0, error: new Error(`report not JSON-safe: ${problem}`) };
    json = JSON.stringify(report);
    if (JSON.stringify(JSON.parse(json)) !== json) return { ok: false, outcome: 'bad-report', ms: performance.now() - t0, error: new Error('report does not round-trip through JSON') };
  } catch (error) {
    const ms = performance.now() - t0;
    if (error instanceof api.AnalyzerError) return { ok: true, outcome: `error:${error.code}`, ms, error };
    return { ok: false, outcome: 'exception', ms, error };
  }
  return { ok: true, outcome: 'report', ms: performance.now() - t0, json };
}

/**
 * Runs case `index`: the whole input, and if the case says so the same input in pieces, which must give the
 * identical report. `maxMs` over which a case counts as a hang.
 */
export function checkCase(api, corpus, seed, index, { maxMs = 2000, strategy } = {}) {
  const c = makeCase(corpus, seed, index, strategy);
  // A key log is parsed like the CLI does; a key log with no usable line is the CLI's usage error, not a case.
  const log = c.keys !== null && api.parseKeyLog !== undefined ? api.parseKeyLog(c.keys) : null;
  const opts = log !== null && log.entries > 0 ? { keyLog: log } : {};
  const res = runCase(api, c.bytes, null, 'fuzz.pcap', opts);
  let ms = res.ms;
  let failure = null;
  if (!res.ok) failure = res.error;
  else if (c.chunks !== null) {
    const again = runCase(api, c.bytes, c.chunks, 'fuzz.pcap', opts);
    ms = Math.max(ms, again.ms);
    if (!again.ok) failure = again.error;
    else if (again.outcome !== res.outcome || again.json !== res.json) {
      failure = new Error(`chunk invariance: fed in ${c.chunks.length} pieces the result differs (${res.outcome} whole, ${again.outcome} in pieces)`);
    }
  }
  if (failure === null && res.ok) {
    // The in-place path (FrameView) must give exactly the report of the reference path that builds every frame.
    const reference = runCase(api, c.bytes, null, 'fuzz.pcap', { ...opts, frameObjects: true });
    if (!reference.ok) failure = reference.error;
    else if (reference.outcome !== res.outcome || reference.json !== res.json) {
      failure = new Error(`view invariance: with every frame built as an object the result differs (${reference.outcome} vs ${res.outcome})`);
    }
  }
  if (failure === null && res.outcome === 'report' && api.mergeReports !== undefined) failure = mergeProblem(api, res.json);
  if (failure === null && ms > maxMs) failure = new Error(`too slow: ${ms.toFixed(0)} ms (budget ${maxMs} ms)`);
  return { case: c, outcome: res.outcome, ms, failure };
}

/**
 * `--merge` trusts nothing of a report but its shape: the report of a hostile capture, merged with a copy of itself
 * as if from a second host, must merge into a JSON-safe report that lists every connection of both, once each.
 * Returns null when it does, else the error.
 */
export function mergeProblem(api, json) {
  const a = JSON.parse(json);
  const b = JSON.parse(json);
  b.capture.path = 'fuzz-b.pcap';
  let merged;
  try {
    merged = api.mergeReports([a, b]);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
  const problem = jsonProblem(merged);
  if (problem !== null) return new Error(`merged report not JSON-safe: ${problem}`);
  // Connections are told apart by id and first packet: two of one capture on the same ports (a port reused) share
  // their id, in its own report and merged alike.
  const ids = new Set(merged.connections.map((c) => `${c.id}\u0000${c.opened?.packet}`));
  if (merged.connections.length !== 2 * a.connections.length || ids.size !== merged.connections.length) {
    return new Error(`merge of a report with its copy lists ${merged.connections.length} connections (${ids.size} distinct ids and first packets), expected ${2 * a.connections.length}`);
  }
  return null;
}

/** A short, stable signature of a failure for grouping: message and first stack frame inside the project. */
export function signature(error) {
  const msg = String(error?.message ?? error).replace(/\d+/g, 'N').slice(0, 120);
  const frame = String(error?.stack ?? '')
    .split('\n')
    .slice(1)
    .find((l) => l.includes('/dist/') || l.includes('/src/'));
  return `${error?.name ?? 'Error'}: ${msg}${frame ? ' @ ' + frame.trim().replace(/^at /, '').replace(/:\d+\)?$/, '') : ''}`;
}
