import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import { AnalyzerError } from '../../src/errors.js';
import type { CapturedPacket } from '../../src/capture/types.js';
import { gzip, writePcap } from '../helpers/synth-capture.js';
import type { SynthPacket } from '../helpers/synth-capture.js';
import { bytesOf, hex, readAll, thrown } from './read-all.js';

const PACKETS: SynthPacket[] = [
  { tsSec: 1795313464, tsNsec: 860331123, data: bytesOf(60, 1) },
  { tsSec: 1795313464, tsNsec: 999999999, data: bytesOf(1514, 2) },
  { tsSec: 1795313465, tsNsec: 0, data: bytesOf(54, 3), origLen: 1514 },
  { tsSec: 0, tsNsec: 1000, data: new Uint8Array(0) },
];

describe('classic pcap', () => {
  for (const bigEndian of [false, true]) {
    const order = bigEndian ? 'big-endian' : 'little-endian';

    it(`reads a microsecond ${order} file`, () => {
      const file = writePcap(PACKETS, { bigEndian });
      // The on-disk magic is the writer's byte order (a little-endian writer stores d4 c3 b2 a1).
      expect(hex(file.subarray(0, 4))).toBe(bigEndian ? 'a1b2c3d4' : 'd4c3b2a1');
      const got = readAll(file);
      expect(got.warnings).toEqual([]);
      expect(got.reader.format).toBe('pcap');
      expect(got.reader.linkTypes).toEqual([1]);
      expect(got.reader.tsDigits).toBe(6);
      expect(got.reader.packets).toBe(4);
      expect(got.reader.bytes).toBe(file.length);
      expect(got.packets).toEqual([
        { index: 1, tsSec: 1795313464, tsNsec: 860331000, linkType: 1, interfaceId: 0, origLen: 60, data: hex(bytesOf(60, 1)) },
        { index: 2, tsSec: 1795313464, tsNsec: 999999000, linkType: 1, interfaceId: 0, origLen: 1514, data: hex(bytesOf(1514, 2)) },
        { index: 3, tsSec: 1795313465, tsNsec: 0, linkType: 1, interfaceId: 0, origLen: 1514, data: hex(bytesOf(54, 3)) },
        { index: 4, tsSec: 0, tsNsec: 1000, linkType: 1, interfaceId: 0, origLen: 0, data: '' },
      ]);
    });

    it(`reads a nanosecond ${order} file exactly`, () => {
      const file = writePcap(PACKETS, { bigEndian, nanosecond: true });
      expect(hex(file.subarray(0, 4))).toBe(bigEndian ? 'a1b23c4d' : '4d3cb2a1');
      const got = readAll(file);
      expect(got.warnings).toEqual([]);
      expect(got.reader.tsDigits).toBe(9);
      expect(got.packets.map((p) => [p.tsSec, p.tsNsec])).toEqual(PACKETS.map((p) => [p.tsSec, p.tsNsec]));
      expect(got.packets.map((p) => p.data)).toEqual(PACKETS.map((p) => hex(p.data)));
    });
  }

  it('masks the FCS bits above the 16-bit link type', () => {
    const file = writePcap(PACKETS.slice(0, 1), { linkType: 276, linkTypeUpperBits: 0x34000000 });
    expect(new DataView(file.buffer).getUint32(20, true)).toBe(0x34000114);
    const got = readAll(file);
    expect(got.reader.linkTypes).toEqual([276]);
    expect(got.packets[0]?.linkType).toBe(276);
  });

  it('reads a file with a header and no packets', () => {
    const got = readAll(writePcap([]));
    expect(got.packets).toEqual([]);
    expect(got.warnings).toEqual([]);
    expect(got.reader.format).toBe('pcap');
    expect(got.reader.bytes).toBe(24);
  });

  it('carries an out-of-range fraction into the seconds', () => {
    const file = writePcap([{ tsSec: 100, tsNsec: 0, data: bytesOf(4) }]);
    new DataView(file.buffer).setUint32(24 + 4, 2_500_000, true); // 2.5 s of microseconds
    const got = readAll(file);
    expect(got.packets[0]).toMatchObject({ tsSec: 102, tsNsec: 500_000_000 });
  });

  it('hands out one reused packet object whose data views the pushed chunk', () => {
    const file = writePcap(PACKETS);
    const seen: CapturedPacket[] = [];
    const buffers: ArrayBufferLike[] = [];
    const reader = new CaptureReader(
      {
        onPacket(p) {
          seen.push(p);
          buffers.push(p.data.buffer);
        },
        onWarning() {},
      },
      'x.pcap',
    );
    reader.push(file);
    reader.end();
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(1); // the same object every time: no per-packet allocation
    expect(buffers.every((b) => b === file.buffer)).toBe(true); // zero-copy: a subarray of the chunk
  });

  it('assembles a record that straddles chunks in its own buffer', () => {
    const file = writePcap(PACKETS.slice(0, 2));
    const cut = 24 + 16 + 60 + 16 + 700; // inside packet 2's data
    const datas: string[] = [];
    const fromChunk: boolean[] = [];
    const reader = new CaptureReader(
      {
        onPacket(p) {
          datas.push(hex(p.data));
          fromChunk.push(p.data.buffer === file.buffer);
        },
        onWarning() {},
      },
      'x.pcap',
    );
    reader.push(file.subarray(0, cut));
    expect(datas).toHaveLength(1);
    reader.push(file.subarray(cut));
    reader.end();
    expect(datas).toEqual([hex(bytesOf(60, 1)), hex(bytesOf(1514, 2))]);
    expect(fromChunk).toEqual([true, false]);
  });

  it('lets exceptions from the sink propagate', () => {
    const reader = new CaptureReader(
      {
        onPacket() {
          throw new Error('sink bug');
        },
        onWarning() {},
      },
      'x.pcap',
    );
    expect(() => reader.push(writePcap(PACKETS))).toThrow('sink bug');
  });

  describe('lying record lengths', () => {
    it('stops with one bad-block warning at an absurd caplen, keeping the packets before it', () => {
      const file = writePcap(PACKETS.slice(0, 3));
      const second = 24 + 16 + 60;
      new DataView(file.buffer).setUint32(second + 8, 0x7fffffff, true);
      for (const how of ['whole', 'bytes'] as const) {
        const got = readAll(file, how);
        expect(got.packets.map((p) => p.index)).toEqual([1]);
        expect(got.warnings).toHaveLength(1);
        expect(got.warnings[0]).toMatchObject({ code: 'bad-block', offset: second, packet: 1 });
        expect(got.warnings[0]?.message).toContain('2147483647');
        expect(got.reader.bytes).toBe(second);
      }
    });

    it('believes a caplen a little above the snaplen but not 256 KiB above it', () => {
      const ok = writePcap([{ tsSec: 1, tsNsec: 0, data: bytesOf(2000) }], { snaplen: 1500 });
      expect(readAll(ok).packets).toHaveLength(1);
      const liar = writePcap([{ tsSec: 1, tsNsec: 0, data: bytesOf(10) }], { snaplen: 1500 });
      new DataView(liar.buffer).setUint32(24 + 8, 1500 + 256 * 1024 + 1, true);
      const got = readAll(liar);
      expect(got.packets).toEqual([]);
      expect(got.warnings.map((w) => w.code)).toEqual(['bad-block']);
    });

    it('never believes more than 16 MiB, whatever the snaplen says', () => {
      const liar = writePcap([{ tsSec: 1, tsNsec: 0, data: bytesOf(10) }], { snaplen: 0xffffffff });
      new DataView(liar.buffer).setUint32(24 + 8, 16 * 1024 * 1024 + 1, true);
      expect(readAll(liar).warnings.map((w) => w.code)).toEqual(['bad-block']);
    });
  });
});

describe('input that is not a capture', () => {
  const notCapture = (bytes: Uint8Array, how: 'whole' | 'bytes' = 'whole', name = 'x.pcap'): AnalyzerError => {
    const err = thrown(() => readAll(bytes, how, name));
    expect(err).toBeInstanceOf(AnalyzerError);
    const e = err as AnalyzerError;
    expect(e.code).toBe('not-a-capture');
    expect(e.message.startsWith(`${name}: `)).toBe(true);
    expect(e.message).not.toMatch(/gzip/i); // gzip is the source's business, before the reader
    return e;
  };

  it('an empty file', () => {
    expect(notCapture(new Uint8Array(0)).message).toBe('x.pcap: empty file');
  });

  it('a text file, with its first bytes quoted', () => {
    const text = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    for (const how of ['whole', 'bytes'] as const) {
      expect(notCapture(text, how, 'capture.txt').message).toBe(
        'capture.txt: not a pcap or pcapng file (starts with "GET ")',
      );
    }
  });

  it('an unknown binary magic, in hex', () => {
    expect(notCapture(Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)).message).toBe(
      'x.pcap: not a pcap or pcapng file (starts with de ad be ef)',
    );
  });

  it('gzip bytes that reached the reader undecompressed', () => {
    expect(notCapture(gzip(writePcap(PACKETS))).message).toMatch(/starts with 1f 8b 08 00/);
  });

  it('an xz-compressed capture, with the way out', () => {
    expect(notCapture(Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0)).message).toMatch(/xz -d/);
  });

  it('a 10-byte file', () => {
    const start = writePcap(PACKETS).subarray(0, 10);
    expect(notCapture(start).message).toBe('x.pcap: pcap file header cut short (10 of 24 bytes)');
    expect(notCapture(start, 'bytes').message).toBe('x.pcap: pcap file header cut short (10 of 24 bytes)');
    expect(notCapture(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)).message).toBe(
      'x.pcap: not a pcap or pcapng file (starts with 01 02 03 04)',
    );
  });

  it('fewer bytes than a magic', () => {
    expect(notCapture(Uint8Array.of(0xd4, 0xc3, 0xb2)).message).toBe('x.pcap: not a pcap or pcapng file (only 3 bytes)');
  });

  it('throws as soon as the magic is known, without waiting for end()', () => {
    const reader = new CaptureReader({ onPacket() {}, onWarning() {} }, 'x');
    reader.push(Uint8Array.of(0x3c, 0x68));
    expect(reader.format).toBeNull();
    expect(() => reader.push(Uint8Array.of(0x74, 0x6d))).toThrow('x: not a pcap or pcapng file (starts with "<htm")');
  });
});
