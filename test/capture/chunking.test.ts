/**
 * The reader must not care how its input is cut: whole, a byte at a time, or in random pieces, every capture gives
 * the same packets and warnings in the same order. And any prefix of a capture (a tcpdump killed mid-write) gives
 * exactly the packets wholly inside it, plus one 'capture-truncated' warning unless it ends on a boundary.
 */
import { describe, expect, it } from 'vitest';
import { AnalyzerError } from '../../src/errors.js';
import { concat, writePcap, writePcapng } from '../helpers/synth-capture.js';
import type { SynthPacket } from '../helpers/synth-capture.js';
import { bytesOf, randomCuts, readAll, thrown } from './read-all.js';
import type { Chunking, Got } from './read-all.js';

const pk = (tsSec: number, tsNsec: number, len: number, seed: number): SynthPacket => ({ tsSec, tsNsec, data: bytesOf(len, seed) });

/** A small pcapng exercising every block kind, two sections in different byte orders. */
function smallPcapng(): Uint8Array {
  return writePcapng([
    {
      interfaces: [{ linkType: 1 }, { linkType: 276, tsresol: 9 }],
      blocks: [
        { kind: 'epb', iface: 0, p: pk(10, 1000, 5, 1) },
        { kind: 'other', type: 4, body: bytesOf(9) },
        { kind: 'epb', iface: 1, p: pk(11, 7, 9, 2) },
        { kind: 'spb', p: pk(0, 0, 6, 3) },
        { kind: 'pb', iface: 0, p: pk(12, 3000, 4, 4) },
      ],
    },
    {
      bigEndian: true,
      interfaces: [{ linkType: 101, tsresol: 0x80 | 32, tsoffset: 5 }],
      blocks: [
        { kind: 'epb', iface: 0, p: pk(13, 500_000_000, 7, 5) },
        { kind: 'other', type: 5, body: bytesOf(4) },
        { kind: 'epb', iface: 0, p: pk(14, 0, 3, 6) },
      ],
    },
  ]);
}

function smallPcap(): Uint8Array {
  return writePcap([pk(1, 1000, 5, 1), pk(2, 2000, 0, 2), pk(3, 3000, 13, 3), pk(4, 4000, 2, 4)], { bigEndian: true });
}

/** Unit boundaries found by an independent walk: [end of header, end of record/block 1, ...]. */
function pcapBoundaries(file: Uint8Array): number[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const le = v.getUint32(0, true) === 0xa1b2c3d4 || v.getUint32(0, true) === 0xa1b23c4d;
  const out = [24];
  for (let o = 24; o < file.length; ) {
    o += 16 + v.getUint32(o + 8, le);
    out.push(o);
  }
  return out;
}

function pcapngBoundaries(file: Uint8Array): { end: number; type: number }[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: { end: number; type: number }[] = [];
  let le = true;
  for (let o = 0; o < file.length; ) {
    if (v.getUint32(o, true) === 0x0a0d0d0a) le = v.getUint32(o + 8, true) === 0x1a2b3c4d;
    const type = v.getUint32(o, le);
    o += v.getUint32(o + 4, le);
    out.push({ end: o, type });
  }
  return out;
}

function checkEveryPrefix(file: Uint8Array, ends: number[], packetEnds: number[], name: string): void {
  const full = readAll(file, 'whole', name);
  expect(full.packets).toHaveLength(packetEnds.length);
  const headerEnd = ends[0] ?? 0;
  for (let len = 0; len <= file.length; len++) {
    const prefix = file.subarray(0, len);
    for (const how of ['whole', 'bytes'] as const) {
      if (len < headerEnd) {
        const err = thrown(() => readAll(prefix, how, name));
        expect(err).toBeInstanceOf(AnalyzerError);
        expect((err as AnalyzerError).code).toBe('not-a-capture');
        continue;
      }
      const got = readAll(prefix, how, name);
      const n = packetEnds.filter((e) => e <= len).length;
      expect(got.packets).toEqual(full.packets.slice(0, n));
      const lastEnd = Math.max(...ends.filter((e) => e <= len));
      // Warnings other than the cut (here: pcapng's no-timestamp) appear once their block is whole.
      const before = full.warnings.filter((w) => ends.find((e) => e > (w.offset ?? 0))! <= len);
      const truncated = got.warnings.filter((w) => w.code === 'capture-truncated');
      expect(got.warnings.filter((w) => w.code !== 'capture-truncated')).toEqual(before);
      if (ends.includes(len)) {
        expect(truncated).toEqual([]);
      } else {
        expect(truncated).toHaveLength(1);
        expect(truncated[0]).toMatchObject({ offset: lastEnd, packet: n });
        expect(got.warnings.at(-1)?.code).toBe('capture-truncated'); // reported last, by end()
      }
      expect(got.reader.bytes).toBe(lastEnd);
    }
  }
}

describe('truncation at every byte offset', () => {
  it('classic pcap', () => {
    const file = smallPcap();
    const ends = pcapBoundaries(file);
    expect(ends).toHaveLength(5);
    checkEveryPrefix(file, ends, ends.slice(1), 'cut.pcap');
  });

  it('pcapng with every block kind and two byte orders', () => {
    const file = smallPcapng();
    const blocks = pcapngBoundaries(file);
    expect(blocks.map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 1, 6, 4, 6, 3, 2, 0x0a0d0d0a, 1, 6, 5, 6]);
    const full = readAll(file);
    expect(full.packets).toHaveLength(6);
    expect(full.warnings.map((w) => w.code)).toEqual(['no-timestamp', 'timestamp-resolution']);
    checkEveryPrefix(
      file,
      blocks.map((b) => b.end),
      blocks.filter((b) => b.type === 6 || b.type === 3 || b.type === 2).map((b) => b.end),
      'cut.pcapng',
    );
  });
});

describe('chunk invariance', () => {
  const big = pk(20, 20, 70_000, 9); // larger than the carry buffer's first size: it must grow
  const fixtures: Record<string, Uint8Array> = {
    'pcap µs little-endian': writePcap([pk(1, 1000, 60, 1), big, pk(2, 5, 1, 2), pk(3, 999_999_000, 1514, 3)]),
    'pcap ns big-endian': writePcap([pk(1, 1, 60, 1), pk(1, 2, 0, 2), big], { nanosecond: true, bigEndian: true, linkType: 113 }),
    'pcapng, every block kind': concat([smallPcapng(), writePcapng([{ interfaces: [{ linkType: 1 }], blocks: [{ kind: 'epb', iface: 0, p: big }] }])]),
    'pcapng with warnings': writePcapng([
      {
        interfaces: [{ linkType: 1, tsresol: 12 }],
        blocks: [
          { kind: 'epb', iface: 2, p: pk(1, 0, 4, 1) },
          { kind: 'spb', p: pk(0, 0, 4, 2) },
          { kind: 'epb', iface: 0, p: pk(2, 0, 4, 3) },
        ],
      },
    ]),
    'pcap with a lying length': (() => {
      const f = writePcap([pk(1, 0, 10, 1), pk(2, 0, 10, 2), pk(3, 0, 10, 3)]);
      new DataView(f.buffer).setUint32(24 + 26 + 8, 0xfffffff0, true);
      return f;
    })(),
    'pcapng cut short': smallPcapng().subarray(0, 300),
  };

  const summary = (g: Got): unknown => ({
    events: g.events,
    packets: g.reader.packets,
    bytes: g.reader.bytes,
    format: g.reader.format,
    linkTypes: g.reader.linkTypes,
    tsDigits: g.reader.tsDigits,
  });

  for (const [name, file] of Object.entries(fixtures)) {
    it(name, () => {
      const whole = summary(readAll(file));
      const chunkings: Chunking[] = ['bytes', 3, 7, 4096];
      for (let seed = 1; seed <= 40; seed++) chunkings.push(randomCuts(file.length, seed, seed % 2 === 0 ? 40 : 5000));
      for (const how of chunkings) expect(summary(readAll(file, how))).toEqual(whole);
      // And the expected packets really are there (a fixture that reads nothing would prove nothing).
      expect((whole as { events: unknown[] }).events.length).toBeGreaterThanOrEqual(2);
    });
  }
});
