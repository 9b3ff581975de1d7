/**
 * Cross-check against real captures (recorded with tcpdump on loopback, see captures/README.md). The expected
 * values come from `tshark -o tcp.relative_sequence_numbers:FALSE -T fields -e tcp.seq_raw ...` on the same files.
 * The classic-pcap records are walked with a tiny local loop so that this test does not depend on src/capture.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTcpSegment, decodePacket, formatAddress, linkTypeName } from '../../src/net/decode.js';
import type { PacketKind, TcpSegment } from '../../src/net/types.js';
import { TCP_ACK, TCP_PSH, TCP_RST, TCP_SYN } from '../../src/net/types.js';

const CAPTURES = join(import.meta.dirname, '../../captures');

interface Decoded {
  kind: PacketKind;
  seg: TcpSegment; // a copy (the decoder's struct is reused)
}

/** Classic pcap (µs or ns magic, either byte order): 24-byte file header, then 16-byte record headers + data. */
function decodeFile(file: string): { linkType: number; packets: Decoded[] } {
  const buf = readFileSync(join(CAPTURES, file));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = [0xa1b2c3d4, 0xa1b23c4d].includes(view.getUint32(0, true));
  expect(le || [0xa1b2c3d4, 0xa1b23c4d].includes(view.getUint32(0, false))).toBe(true);
  const linkType = view.getUint32(20, le) & 0xffff;
  const packets: Decoded[] = [];
  const seg = createTcpSegment();
  for (let at = 24; at + 16 <= buf.length; ) {
    const capLen = view.getUint32(at + 8, le);
    // A capture cut mid-record (pika-long-callback-cut-8s.pcap) ends with the last whole record.
    if (at + 16 + capLen > buf.length) break;
    const origLen = view.getUint32(at + 12, le);
    const data = buf.subarray(at + 16, at + 16 + capLen);
    const kind = decodePacket(linkType, data, origLen, seg);
    packets.push({ kind, seg: { ...seg, payload: seg.payload.slice() } });
    at += 16 + capLen;
  }
  return { linkType, packets };
}

const src = (s: TcpSegment): string => `${formatAddress(s.ipVersion, s.src0, s.src1, s.src2, s.src3)}:${s.srcPort}`;
const dst = (s: TcpSegment): string => `${formatAddress(s.ipVersion, s.dst0, s.dst1, s.dst2, s.dst3)}:${s.dstPort}`;

describe('pika-long-callback.pcap', () => {
  const { linkType, packets } = decodeFile('pika-long-callback.pcap');
  const segs = packets.map((p) => p.seg);

  it('is Ethernet, 35 packets, all TCP', () => {
    expect(linkTypeName(linkType)).toBe('EN10MB (Ethernet)');
    expect(packets.length).toBe(35);
    expect(packets.every((p) => p.kind === 'tcp')).toBe(true);
  });

  it('packet 1 is the client SYN from 127.0.0.1:47712 to 127.0.0.1:5672', () => {
    const syn = segs[0]!;
    expect(src(syn)).toBe('127.0.0.1:47712');
    expect(dst(syn)).toBe('127.0.0.1:5672');
    expect(syn.flags).toBe(TCP_SYN);
    expect(syn.seq).toBe(2842335727);
    expect(syn.mss).toBe(65495);
    expect(syn.windowScale).toBe(10);
    expect(syn.window).toBe(65495);
    expect(syn.ttl).toBe(64);
    expect(syn.ipId).toBe(0x5d08);
    expect(syn.payloadLength).toBe(0);
  });

  it('packet 2 is the SYN-ACK acknowledging seq + 1', () => {
    const synAck = segs[1]!;
    expect(src(synAck)).toBe('127.0.0.1:5672');
    expect(synAck.flags).toBe(TCP_SYN | TCP_ACK);
    expect(synAck.seq).toBe(2966945077);
    expect(synAck.ack).toBe(2842335727 + 1);
    expect(synAck.windowScale).toBe(10);
  });

  it('packet 4 carries the AMQP protocol header', () => {
    const header = segs[3]!;
    expect(header.flags).toBe(TCP_PSH | TCP_ACK);
    expect(header.payloadLength).toBe(8);
    expect(Array.from(header.payload)).toEqual([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]); // "AMQP" 0 0 9 1
  });

  it('payload bytes total 1,522 and each packet has all of its payload', () => {
    expect(segs.reduce((n, s) => n + s.payloadLength, 0)).toBe(1522);
    for (const s of segs) expect(s.payload.length).toBe(s.payloadLength);
  });

  it('packet 22 is the last client frame (Basic.Consume, 64 bytes) and packet 35 the broker RST', () => {
    expect(src(segs[21]!)).toBe('127.0.0.1:47712');
    expect(segs[21]!.payloadLength).toBe(64);
    expect(segs[21]!.payload[0]).toBe(1); // AMQP frame type 1: method
    const rst = segs[34]!;
    expect(src(rst)).toBe('127.0.0.1:5672');
    expect(rst.flags).toBe(TCP_RST | TCP_ACK);
    expect(rst.seq).toBe(2966946024);
    expect(rst.ack).toBe(2842336304);
    expect(segs.filter((s) => s.flags & TCP_RST).length).toBe(1);
  });

  it('sequence numbers advance by payloadLength in each direction', () => {
    const next = new Map<string, number>();
    for (const s of segs) {
      const dir = `${src(s)}>${dst(s)}`;
      const expected = next.get(dir);
      if (expected !== undefined) expect(s.seq).toBe(expected);
      next.set(dir, (s.seq + s.payloadLength + (s.flags & TCP_SYN ? 1 : 0)) >>> 0);
    }
  });
});

describe('every uncompressed capture in captures/', () => {
  const files = readdirSync(CAPTURES).filter((f) => f.endsWith('.pcap'));

  it('there are captures to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
  });

  for (const file of files) {
    // AMQPS captures (amqps*, fleet-amqps-*) are on 5671.
    const port = /(^|-)amqps/.test(file) ? 5671 : 5672;
    it(`${file}: every packet decodes as tcp, to or from port ${port}`, () => {
      const { packets } = decodeFile(file);
      expect(packets.length).toBeGreaterThan(0);
      for (const p of packets) {
        expect(p.kind).toBe('tcp');
        expect(p.seg.srcPort === port || p.seg.dstPort === port).toBe(true);
      }
    });
  }
});

describe('link and IP variants recorded for real', () => {
  // Both captures are committed: a missing one is a failure (decodeFile throws), not a skip.
  it('pika-any-sll2.pcap (`tcpdump -i any`): LINUX_SLL2, all TCP', () => {
    const { linkType, packets } = decodeFile('pika-any-sll2.pcap');
    expect(linkType).toBe(276);
    expect(packets).toHaveLength(38); // tshark -r pika-any-sll2.pcap | wc -l
    expect(packets.every((p) => p.kind === 'tcp')).toBe(true);
    const syn = packets[0]!.seg;
    expect(src(syn)).toBe('127.0.0.1:37428');
    expect(dst(syn)).toBe('127.0.0.1:5672');
    expect([syn.flags, syn.seq, syn.mss, syn.windowScale]).toEqual([TCP_SYN, 3307864591, 65495, 10]);
  });

  it('pika-ipv6.pcap: IPv6 loopback, all TCP', () => {
    const { packets } = decodeFile('pika-ipv6.pcap');
    expect(packets).toHaveLength(38); // tshark -r pika-ipv6.pcap | wc -l
    expect(packets.every((p) => p.kind === 'tcp' && p.seg.ipVersion === 6)).toBe(true);
    const syn = packets[0]!.seg;
    expect(src(syn)).toBe('::1:53118'); // address:port, as the helper above joins them
    expect(dst(syn)).toBe('::1:5672');
    expect([syn.flags, syn.seq, syn.mss, syn.windowScale, syn.ipId]).toEqual([TCP_SYN, 2379597057, 65476, 10, -1]);
  });
});
