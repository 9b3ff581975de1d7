#!/usr/bin/env node
/**
 * The benchmark's floor: a bare scan of a capture in this stack (Node, one thread), to show how far amqpscope is
 * from the least work that still looks at every AMQP frame. `node scripts/bench-floor.js FILE` prints one line of
 * JSON: {"ms", "packets", "tcpPackets", "frames", "outOfOrder"}, where ms runs from the start of this script to the
 * end of the scan (the process's own start is not in it; the benchmark times the whole process around it).
 *
 * The work, and nothing more:
 *   - synchronous 1 MiB reads into one buffer (a record cut by the buffer's end is read again from its start);
 *   - classic pcap records (either byte order; microseconds or nanoseconds: the timestamps are not used);
 *   - Ethernet (with 802.1Q tags), IPv4 (header length from IHL) or IPv6 (fixed header only), TCP (data offset);
 *   - per TCP flow (a Map keyed by both addresses and ports, one direction each), the AMQP frame headers walked in
 *     sequence order: a payload that starts where the flow's last one ended continues the walk (the 8-byte
 *     protocol header `AMQP....` first if the flow starts with it; then 7-byte frame headers, each skipping its
 *     payload and frame-end octet); any other payload (retransmission, a hole, out of order) is only counted, with
 *     no reassembly.
 * pcapng and other link types are not scanned (exit status 2): the benchmark's captures are classic Ethernet pcaps.
 */
import fs from 'node:fs';

const t0 = performance.now();
const file = process.argv[2];
if (file === undefined || process.argv.length > 3) {
  process.stderr.write('usage: bench-floor.js FILE.pcap\n');
  process.exit(2);
}

const CHUNK = 1 << 20;
const buf = Buffer.allocUnsafe(CHUNK);
const fd = fs.openSync(file, 'r');
let filled = fs.readSync(fd, buf, 0, CHUNK, null);

const magic = filled >= 24 ? buf.readUInt32LE(0) : 0;
const littleEndian = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
if (!littleEndian && magic !== 0xd4c3b2a1 && magic !== 0x4d3cb2a1) fail('not a classic pcap');
const u32 = littleEndian ? (o) => buf.readUInt32LE(o) : (o) => buf.readUInt32BE(o);
if ((u32(20) & 0xffff) !== 1) fail('not Ethernet (LINKTYPE 1)');

/** One direction of a TCP connection: where its next byte is expected, and how far into the frame walk it is. */
class Flow {
  constructor(src0, src1, dst0, dst1, ports) {
    this.src0 = src0;
    this.src1 = src1;
    this.dst0 = dst0;
    this.dst1 = dst1;
    this.ports = ports;
  }
  /** -1 until the SYN or the first payload says where the byte stream starts. */
  nextSeq = -1;
  started = false;
  /** Bytes of the current frame's payload and frame-end octet (or of the protocol header) still to skip. */
  skip = 0;
  /** The 7-byte frame header being assembled across payloads. */
  header = Buffer.alloc(7);
  headerFill = 0;
}

/** Flows by a hash of their addresses and ports; a bucket holds the (rare) flows whose hashes collide. */
const flows = new Map();
let packets = 0;
let tcpPackets = 0;
let frames = 0;
let outOfOrder = 0;

let pos = 24;
for (;;) {
  if (filled - pos < 16 || filled - pos < 16 + u32(pos + 8)) {
    // Move the unread tail to the front and fill the rest of the buffer.
    buf.copy(buf, 0, pos, filled);
    filled -= pos;
    pos = 0;
    const n = fs.readSync(fd, buf, filled, CHUNK - filled, null);
    filled += n;
    if (filled < 16 || filled < 16 + u32(8)) {
      if (n === 0) break;
      if (u32(8) > CHUNK - 16) fail(`a record of ${u32(8)} bytes`);
      continue;
    }
  }
  const caplen = u32(pos + 8);
  packet(pos + 16, caplen);
  pos += 16 + caplen;
}
fs.closeSync(fd);
process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0, packets, tcpPackets, frames, outOfOrder })}\n`);

function packet(at, caplen) {
  packets++;
  const end = at + caplen;
  let p = at + 12;
  let etherType = buf.readUInt16BE(p);
  while (etherType === 0x8100 && p + 6 <= end) {
    p += 4;
    etherType = buf.readUInt16BE(p);
  }
  p += 2;
  let src0 = 0;
  let dst0 = 0;
  let src1 = 0;
  let dst1 = 0;
  let ipEnd = end;
  if (etherType === 0x0800 && p + 20 <= end) {
    if (buf[p + 9] !== 6) return;
    src0 = buf.readUInt32BE(p + 12);
    dst0 = buf.readUInt32BE(p + 16);
    ipEnd = Math.min(end, p + buf.readUInt16BE(p + 2));
    p += (buf[p] & 0x0f) * 4;
  } else if (etherType === 0x86dd && p + 40 <= end) {
    if (buf[p + 6] !== 6) return;
    // Two of the four words of each address: enough to tell the benchmark's flows apart.
    src0 = buf.readUInt32BE(p + 8) ^ buf.readUInt32BE(p + 12);
    src1 = buf.readUInt32BE(p + 16) ^ buf.readUInt32BE(p + 20);
    dst0 = buf.readUInt32BE(p + 24) ^ buf.readUInt32BE(p + 28);
    dst1 = buf.readUInt32BE(p + 32) ^ buf.readUInt32BE(p + 36);
    ipEnd = Math.min(end, p + 40 + buf.readUInt16BE(p + 4));
    p += 40;
  } else {
    return;
  }
  if (p + 20 > ipEnd) return;
  tcpPackets++;
  const ports = buf.readUInt32BE(p);
  const seq = buf.readUInt32BE(p + 4);
  const flags = buf[p + 13];
  const payload = p + (buf[p + 12] >> 4) * 4;
  const length = ipEnd - payload;
  const key = (Math.imul(src0 ^ Math.imul(src1, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(dst0 ^ Math.imul(dst1, 0xc2b2ae35), 0x27d4eb2f) ^ ports) & 0x3fffffff;
  let bucket = flows.get(key);
  if (bucket === undefined) {
    bucket = [];
    flows.set(key, bucket);
  }
  let flow;
  for (const f of bucket) {
    if (f.ports === ports && f.src0 === src0 && f.dst0 === dst0 && f.src1 === src1 && f.dst1 === dst1) {
      flow = f;
      break;
    }
  }
  if (flow === undefined) {
    flow = new Flow(src0, src1, dst0, dst1, ports);
    bucket.push(flow);
  }
  if ((flags & 0x02) !== 0) {
    flow.nextSeq = (seq + 1) >>> 0; // SYN
    return;
  }
  if (length <= 0) return;
  if (flow.nextSeq === -1) flow.nextSeq = seq;
  if (seq !== flow.nextSeq) {
    outOfOrder++;
    return;
  }
  if (!flow.started) {
    flow.started = true;
    if (length >= 8 && buf.readUInt32BE(payload) === 0x414d5150) flow.skip = 8; // "AMQP" + version
  }
  flow.nextSeq = (seq + length) >>> 0;
  walk(flow, payload, payload + length);
}

/** Walks frame headers from `p` to `end`, carrying a header or a frame's remaining bytes to the next payload. */
function walk(flow, p, end) {
  while (p < end) {
    if (flow.skip > 0) {
      const n = Math.min(flow.skip, end - p);
      flow.skip -= n;
      p += n;
      continue;
    }
    if (flow.headerFill === 0 && end - p >= 7) {
      frames++;
      flow.skip = buf.readUInt32BE(p + 3) + 1;
      p += 7;
      continue;
    }
    flow.header[flow.headerFill++] = buf[p++];
    if (flow.headerFill === 7) {
      frames++;
      flow.skip = flow.header.readUInt32BE(3) + 1;
      flow.headerFill = 0;
    }
  }
}

function fail(why) {
  process.stderr.write(`bench-floor: ${file}: ${why}\n`);
  process.exit(2);
}
