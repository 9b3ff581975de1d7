import { describe, expect, it } from 'vitest';
import { AnalyzerError } from '../../src/errors.js';
import { concat, toUnits, writePcapng } from '../helpers/synth-capture.js';
import type { SynthBlock, SynthPacket, SynthSection } from '../helpers/synth-capture.js';
import { bytesOf, hex, prng, readAll, thrown } from './read-all.js';

const p = (tsSec: number, tsNsec: number, len = 20, seed = 0, origLen?: number): SynthPacket =>
  origLen === undefined ? { tsSec, tsNsec, data: bytesOf(len, seed) } : { tsSec, tsNsec, data: bytesOf(len, seed), origLen };

/** An EPB body written by hand: the timestamp is given in raw units, to test the reader, not the writer. */
function rawEpb(iface: number, units: bigint, data: Uint8Array, bigEndian = false): SynthBlock {
  const body = new Uint8Array(20 + data.length);
  const v = new DataView(body.buffer);
  const le = !bigEndian;
  v.setUint32(0, iface, le);
  v.setUint32(4, Number(units >> 32n), le);
  v.setUint32(8, Number(units & 0xffffffffn), le);
  v.setUint32(12, data.length, le);
  v.setUint32(16, data.length, le);
  body.set(data, 20);
  return { kind: 'other', type: 6, body };
}

const times = (file: Uint8Array): [number, number][] => readAll(file, 'whole', 'x.pcapng').packets.map((q) => [q.tsSec, q.tsNsec]);

describe('pcapng', () => {
  for (const bigEndian of [false, true]) {
    const order = bigEndian ? 'big-endian' : 'little-endian';
    it(`reads a ${order} section with the default microsecond resolution`, () => {
      const file = writePcapng([
        {
          bigEndian,
          interfaces: [{ linkType: 1 }],
          blocks: [
            { kind: 'epb', iface: 0, p: p(1795313464, 860331000, 60, 1) },
            { kind: 'epb', iface: 0, p: p(1795313464, 999999000, 61, 2, 1514) },
            { kind: 'epb', iface: 0, p: p(1795313465, 0, 0) },
          ],
        },
      ]);
      // Block type 0x0A0D0D0A is palindromic; the byte-order magic tells the order: 4d 3c 2b 1a little-endian.
      expect(hex(file.subarray(0, 4))).toBe('0a0d0d0a');
      expect(hex(file.subarray(8, 12))).toBe(bigEndian ? '1a2b3c4d' : '4d3c2b1a');
      const got = readAll(file, 'whole', 'x.pcapng');
      expect(got.warnings).toEqual([]);
      expect(got.reader.format).toBe('pcapng');
      expect(got.reader.linkTypes).toEqual([1]);
      expect(got.reader.tsDigits).toBe(6);
      expect(got.reader.bytes).toBe(file.length);
      expect(got.packets).toEqual([
        { index: 1, tsSec: 1795313464, tsNsec: 860331000, linkType: 1, interfaceId: 0, origLen: 60, data: hex(bytesOf(60, 1)) },
        { index: 2, tsSec: 1795313464, tsNsec: 999999000, linkType: 1, interfaceId: 0, origLen: 1514, data: hex(bytesOf(61, 2)) },
        { index: 3, tsSec: 1795313465, tsNsec: 0, linkType: 1, interfaceId: 0, origLen: 0, data: '' },
      ]);
    });
  }

  describe('timestamps', () => {
    it('converts raw microsecond units (no option = 10^-6)', () => {
      const file = writePcapng([{ interfaces: [{ linkType: 1 }], blocks: [rawEpb(0, 1795313464_860331n, bytesOf(4))] }]);
      expect(times(file)).toEqual([[1795313464, 860331000]]);
    });

    it('converts nanosecond units (10^-9) exactly, above 2^53', () => {
      const rnd = prng(7);
      const units: bigint[] = [0n, 999_999_999n, 1_000_000_000n, 1795313464_123456789n, 0xffffffffffffffffn, 9007199254740993n];
      for (let i = 0; i < 200; i++) {
        const sec = BigInt(Math.floor(rnd() * 4_000_000_000));
        units.push(sec * 1_000_000_000n + BigInt(Math.floor(rnd() * 1e9)));
      }
      const file = writePcapng([{ interfaces: [{ linkType: 1, tsresol: 9 }], blocks: units.map((u) => rawEpb(0, u, bytesOf(1))) }]);
      const got = readAll(file, 'whole', 'x.pcapng');
      expect(got.reader.tsDigits).toBe(9);
      expect(got.warnings).toEqual([]);
      expect(got.packets.map((q) => [q.tsSec, q.tsNsec])).toEqual(
        units.map((u) => [Number(u / 1_000_000_000n), Number(u % 1_000_000_000n)]),
      );
      expect(got.packets[3]).toMatchObject({ tsSec: 1795313464, tsNsec: 123456789 });
    });

    it('converts coarser decimal resolutions: milliseconds and seconds', () => {
      const ms = writePcapng([{ interfaces: [{ linkType: 1, tsresol: 3 }], blocks: [rawEpb(0, 1795313464_861n, bytesOf(1))] }]);
      expect(times(ms)).toEqual([[1795313464, 861_000_000]]);
      expect(readAll(ms).reader.tsDigits).toBe(3);
      const s = writePcapng([{ interfaces: [{ linkType: 1, tsresol: 0 }], blocks: [rawEpb(0, 1795313464n, bytesOf(1))] }]);
      expect(times(s)).toEqual([[1795313464, 0]]);
      expect(readAll(s).reader.tsDigits).toBe(0);
    });

    it('converts binary resolutions (2^-n)', () => {
      // 2^-20 s units: 0x80 | 20. 1.5 s = 1.5 * 2^20 units; 1 unit = 953.674... ns, truncated.
      const b20 = writePcapng([
        { interfaces: [{ linkType: 1, tsresol: 0x80 | 20 }], blocks: [rawEpb(0, 3n << 19n, bytesOf(1)), rawEpb(0, (5n << 20n) + 1n, bytesOf(1))] },
      ]);
      const got = readAll(b20);
      expect(got.packets.map((q) => [q.tsSec, q.tsNsec])).toEqual([
        [1, 500_000_000],
        [5, 953],
      ]);
      expect(got.reader.tsDigits).toBe(9);
      expect(got.warnings).toEqual([]);
      // 2^-32 (finer than 1 ns): a big count, exact seconds and truncated nanoseconds.
      const u = (1795313464n << 32n) + 0x80000001n; // + just over half a second
      const b32 = readAll(writePcapng([{ interfaces: [{ linkType: 1, tsresol: 0x80 | 32 }], blocks: [rawEpb(0, u, bytesOf(1))] }]));
      expect(b32.packets.map((q) => [q.tsSec, q.tsNsec])).toEqual([[1795313464, 500_000_000]]);
      expect(b32.warnings.map((w) => w.code)).toEqual(['timestamp-resolution']);
      // 2^-40 with a count below 2^53: rem * 1e9 = k * 2^40 - 512 exactly, which a double rounds up to k * 2^40,
      // so plain-number arithmetic would say 999112212 ns. The exact answer is 999112211.
      const rem = 1098535494547n;
      const b40 = readAll(writePcapng([{ interfaces: [{ linkType: 1, tsresol: 0x80 | 40 }], blocks: [rawEpb(0, (5n << 40n) + rem, bytesOf(1))] }]));
      expect(b40.packets.map((q) => [q.tsSec, q.tsNsec])).toEqual([[5, 999112211]]);
    });

    it('round-trips the writer at every resolution (writer and reader agree)', () => {
      const rnd = prng(11);
      const pkts: SynthPacket[] = [];
      // 2^-40 s units overflow 64 bits after 2^24 s (194 days), so the seconds stay below that.
      for (let i = 0; i < 50; i++) pkts.push(p(Math.floor(rnd() * 2 ** 24), Math.floor(rnd() * 1e9), 3));
      for (const tsresol of [6, 9, 0x80 | 30, 0x80 | 40]) {
        const file = writePcapng([{ interfaces: [{ linkType: 1, tsresol }], blocks: pkts.map((q) => ({ kind: 'epb' as const, iface: 0, p: q })) }]);
        const keep = tsresol === 6 ? 1000 : 1;
        expect(times(file)).toEqual(pkts.map((q) => [q.tsSec, q.tsNsec - (q.tsNsec % keep)]));
      }
      // 2^-20 cannot hold every nanosecond: expect floor(floor(ns * 2^20 / 1e9) * 1e9 / 2^20).
      const file = writePcapng([{ interfaces: [{ linkType: 1, tsresol: 0x80 | 20 }], blocks: pkts.map((q) => ({ kind: 'epb' as const, iface: 0, p: q })) }]);
      expect(times(file)).toEqual(
        pkts.map((q) => {
          const units = toUnits(q, 0x80 | 20);
          return [q.tsSec, Number(((units % (1n << 20n)) * 1_000_000_000n) >> 20n)];
        }),
      );
    });

    it('truncates resolutions finer than 1 ns, with one warning', () => {
      // Picoseconds (10^-12) on two interfaces: still one warning. (64 bits of ps last 213 days from the epoch.)
      const ps = 17953134_123456789_987n; // 17953134.123456789987 s
      const file = writePcapng([
        {
          interfaces: [
            { linkType: 1, tsresol: 12 },
            { linkType: 1, tsresol: 12 },
          ],
          blocks: [rawEpb(0, ps, bytesOf(1)), rawEpb(1, ps + 1000n, bytesOf(1))],
        },
      ]);
      const got = readAll(file);
      expect(got.packets.map((q) => [q.tsSec, q.tsNsec])).toEqual([
        [17953134, 123456789],
        [17953134, 123456790],
      ]);
      expect(got.warnings.map((w) => w.code)).toEqual(['timestamp-resolution']);
      expect(got.reader.tsDigits).toBe(9);
    });

    it('adds if_tsoffset seconds, positive or negative', () => {
      const file = writePcapng([
        {
          interfaces: [
            { linkType: 1, tsoffset: 1000 },
            { linkType: 1, tsoffset: -5, tsresol: 9 },
          ],
          blocks: [rawEpb(0, 5_000_007n, bytesOf(1)), rawEpb(1, 1795313464_000000001n, bytesOf(1))],
        },
      ]);
      expect(times(file)).toEqual([
        [1005, 7000],
        [1795313459, 1],
      ]);
      // And the writer subtracts what the reader adds.
      const rt = writePcapng([{ interfaces: [{ linkType: 1, tsoffset: 1_700_000_000, tsresol: 9 }], blocks: [{ kind: 'epb', iface: 0, p: p(1795313464, 5) }] }]);
      expect(times(rt)).toEqual([[1795313464, 5]]);
    });

    it('reads if_tsresol and if_tsoffset in any option order, past unknown options', () => {
      // IDB built by hand: if_name (2), if_tsoffset (14), if_tsresol (9), end.
      const opt = (code: number, value: number[]): number[] => {
        const padded = [...value, ...new Array((4 - (value.length % 4)) % 4).fill(0)];
        return [code & 0xff, code >> 8, value.length & 0xff, value.length >> 8, ...padded];
      };
      const body = Uint8Array.from([
        ...[1, 0, 0, 0, 0xff, 0xff, 0, 0], // linktype 1, reserved, snaplen 65535
        ...opt(2, [...new TextEncoder().encode('eth0')]),
        ...opt(14, [10, 0, 0, 0, 0, 0, 0, 0]),
        ...opt(9, [3]),
        ...opt(0, []),
      ]);
      const file = writePcapng([{ interfaces: [], blocks: [{ kind: 'other', type: 1, body }, rawEpb(0, 1234n, bytesOf(1))] }]);
      expect(times(file)).toEqual([[11, 234_000_000]]);
    });
  });

  it('reads several sections with different byte orders, link types and resolutions', () => {
    const sections: SynthSection[] = [
      {
        interfaces: [{ linkType: 1 }, { linkType: 276 }],
        blocks: [
          { kind: 'epb', iface: 1, p: p(100, 1000, 30, 1) },
          { kind: 'epb', iface: 0, p: p(101, 2000, 31, 2) },
        ],
      },
      {
        bigEndian: true,
        interfaces: [{ linkType: 101, tsresol: 9 }],
        blocks: [{ kind: 'epb', iface: 0, p: p(102, 3, 32, 3) }],
      },
      {
        interfaces: [{ linkType: 1 }, { linkType: 113 }],
        blocks: [{ kind: 'epb', iface: 1, p: p(103, 4000, 33, 4) }],
      },
    ];
    const got = readAll(writePcapng(sections), 'whole', 'multi.pcapng');
    expect(got.warnings).toEqual([]);
    expect(got.packets.map((q) => [q.index, q.interfaceId, q.linkType, q.tsSec, q.tsNsec, q.data.length / 2])).toEqual([
      [1, 1, 276, 100, 1000, 30],
      [2, 0, 1, 101, 2000, 31],
      [3, 0, 101, 102, 3, 32], // interface ids restart per section
      [4, 1, 113, 103, 4000, 33],
    ]);
    expect(got.reader.linkTypes).toEqual([1, 276, 101, 113]);
    expect(got.reader.tsDigits).toBe(9);
  });

  it('reads Simple Packet Blocks with the previous packet time and one no-timestamp warning', () => {
    const file = writePcapng([
      {
        interfaces: [{ linkType: 1, snaplen: 25 }],
        blocks: [
          { kind: 'spb', p: p(0, 0, 10, 1) }, // before any timed packet: time 0
          { kind: 'epb', iface: 0, p: p(1795313464, 5000, 12, 2) },
          { kind: 'spb', p: p(0, 0, 25, 3, 1514) }, // snapped at 25: origlen 1514 kept
          { kind: 'spb', p: p(0, 0, 13, 4) }, // 13 bytes padded to 16: caplen = origlen, not the padding
        ],
      },
    ]);
    const got = readAll(file);
    expect(got.packets.map((q) => [q.index, q.tsSec, q.tsNsec, q.origLen, q.data])).toEqual([
      [1, 0, 0, 10, hex(bytesOf(10, 1))],
      [2, 1795313464, 5000, 12, hex(bytesOf(12, 2))],
      [3, 1795313464, 5000, 1514, hex(bytesOf(25, 3))],
      [4, 1795313464, 5000, 13, hex(bytesOf(13, 4))],
    ]);
    expect(got.warnings.map((w) => [w.code, w.packet])).toEqual([['no-timestamp', 0]]);
  });

  it('bounds an SPB by its block when the snaplen is unlimited and the origlen exceeds the block', () => {
    const file = writePcapng([{ interfaces: [{ linkType: 1, snaplen: 0 }], blocks: [{ kind: 'spb', p: p(0, 0, 8, 1, 9000) }] }]);
    const got = readAll(file);
    expect(got.packets.map((q) => [q.origLen, q.data])).toEqual([[9000, hex(bytesOf(8, 1))]]);
  });

  it('reads obsolete Packet Blocks', () => {
    const file = writePcapng([
      {
        bigEndian: true,
        interfaces: [{ linkType: 1 }, { linkType: 113, tsresol: 9 }],
        blocks: [
          { kind: 'pb', iface: 1, p: p(1795313464, 123456789, 17, 5) },
          { kind: 'pb', iface: 0, p: p(1795313465, 7000, 3, 6, 60) },
        ],
      },
    ]);
    const got = readAll(file);
    expect(got.warnings).toEqual([]);
    expect(got.packets.map((q) => [q.interfaceId, q.linkType, q.tsSec, q.tsNsec, q.origLen, q.data])).toEqual([
      [1, 113, 1795313464, 123456789, 17, hex(bytesOf(17, 5))],
      [0, 1, 1795313465, 7000, 60, hex(bytesOf(3, 6))],
    ]);
  });

  it('skips every other block type by its length', () => {
    const other = (type: number, len: number): SynthBlock => ({ kind: 'other', type, body: bytesOf(len, type & 0xff) });
    const file = writePcapng([
      {
        interfaces: [{ linkType: 1 }],
        blocks: [
          other(4, 40), // NRB
          { kind: 'epb', iface: 0, p: p(1, 0, 5, 1) },
          other(5, 28), // ISB
          other(0x0a, 100), // DSB
          other(0xbad, 6), // custom (padded to 8)
          other(0x40000bad, 0),
          other(0x80000001, 12), // local use
          other(9, 3),
          { kind: 'epb', iface: 0, p: p(2, 0, 6, 2) },
        ],
      },
    ]);
    const got = readAll(file);
    expect(got.warnings).toEqual([]);
    expect(got.packets.map((q) => [q.index, q.tsSec, q.data])).toEqual([
      [1, 1, hex(bytesOf(5, 1))],
      [2, 2, hex(bytesOf(6, 2))],
    ]);
    expect(got.reader.bytes).toBe(file.length);
  });

  it('skips packets of an interface no IDB described, warning once per interface', () => {
    const file = writePcapng([
      {
        interfaces: [{ linkType: 1 }],
        blocks: [
          { kind: 'epb', iface: 0, p: p(1, 0) },
          { kind: 'epb', iface: 3, p: p(2, 0) },
          { kind: 'epb', iface: 3, p: p(3, 0) },
          { kind: 'epb', iface: 0, p: p(4, 0) },
        ],
      },
    ]);
    const got = readAll(file);
    expect(got.packets.map((q) => [q.index, q.tsSec])).toEqual([
      [1, 1],
      [2, 4],
    ]);
    expect(got.warnings.map((w) => [w.code, w.packet])).toEqual([['unknown-interface', 1]]);
    expect(got.warnings[0]?.message).toContain('interface 3');
    // An SPB without any IDB is the same case (interface 0 missing).
    const spb = readAll(writePcapng([{ interfaces: [], blocks: [{ kind: 'spb', p: p(0, 0) }] }]));
    expect(spb.packets).toEqual([]);
    expect(spb.warnings.map((w) => w.code)).toEqual(['unknown-interface']);
  });

  describe('lying lengths', () => {
    const base = (): { file: Uint8Array; second: number } => {
      const file = writePcapng([
        {
          interfaces: [{ linkType: 1 }],
          blocks: [
            { kind: 'epb', iface: 0, p: p(1, 0, 8, 1) },
            { kind: 'epb', iface: 0, p: p(2, 0, 8, 2) },
            { kind: 'epb', iface: 0, p: p(3, 0, 8, 3) },
          ],
        },
      ]);
      const second = 28 + 20 + 40; // SHB, IDB, first EPB (32 + 8 data)
      return { file, second };
    };

    for (const [what, len] of [
      ['not a multiple of 4', 42],
      ['below 12', 8],
      ['absurdly large', 0xfffffff0],
    ] as const) {
      it(`stops at a block whose length is ${what}`, () => {
        const { file, second } = base();
        new DataView(file.buffer).setUint32(second + 4, len, true);
        for (const how of ['whole', 'bytes'] as const) {
          const got = readAll(file, how);
          expect(got.packets.map((q) => q.index)).toEqual([1]);
          expect(got.warnings).toHaveLength(1);
          expect(got.warnings[0]).toMatchObject({ code: 'bad-block', offset: second, packet: 1 });
        }
      });
    }

    it('stops at a block whose trailing length disagrees', () => {
      const { file, second } = base();
      new DataView(file.buffer).setUint32(second + 40 - 4, 44, true);
      const got = readAll(file);
      expect(got.packets.map((q) => q.index)).toEqual([1]);
      expect(got.warnings.map((w) => [w.code, w.offset])).toEqual([['bad-block', second]]);
    });

    it('skips (and reports) a packet block whose caplen exceeds the block, then goes on', () => {
      const { file, second } = base();
      new DataView(file.buffer).setUint32(second + 20, 9, true); // caplen 9 > 8 bytes of room
      const got = readAll(file);
      expect(got.packets.map((q) => q.tsSec)).toEqual([1, 3]);
      expect(got.warnings.map((w) => [w.code, w.offset])).toEqual([['bad-block', second]]);
    });

    it('skips (and reports) a packet block too short for its fields', () => {
      const { file } = base();
      const short: SynthBlock = { kind: 'other', type: 6, body: new Uint8Array(8) }; // 20-byte EPB
      const withShort = concat([file, writePcapng([{ interfaces: [{ linkType: 1 }], blocks: [short, { kind: 'epb', iface: 0, p: p(9, 0) }] }])]);
      const got = readAll(withShort);
      expect(got.packets.map((q) => q.tsSec)).toEqual([1, 2, 3, 9]);
      expect(got.warnings.map((w) => w.code)).toEqual(['bad-block']);
    });

    it('stops at a later section header without a byte-order magic', () => {
      const { file } = base();
      const second = writePcapng([{ interfaces: [{ linkType: 1 }], blocks: [{ kind: 'epb', iface: 0, p: p(9, 0) }] }]);
      second.set([1, 2, 3, 4], 8);
      const got = readAll(concat([file, second]));
      expect(got.packets.map((q) => q.tsSec)).toEqual([1, 2, 3]);
      expect(got.warnings.map((w) => [w.code, w.offset])).toEqual([['bad-block', file.length]]);
    });
  });

  describe('not a pcapng file', () => {
    const err = (bytes: Uint8Array): AnalyzerError => {
      const e = thrown(() => readAll(bytes, 'whole', 'x.pcapng'));
      expect(e).toBeInstanceOf(AnalyzerError);
      expect((e as AnalyzerError).code).toBe('not-a-capture');
      return e as AnalyzerError;
    };

    it('a first section header without a byte-order magic', () => {
      const file = writePcapng([{ interfaces: [], blocks: [] }]);
      file.set([0x47, 0x45, 0x54, 0x20], 8);
      expect(err(file).message).toBe(
        'x.pcapng: not a valid pcapng file: a section header block at offset 0 has no byte-order magic (found "GET ")',
      );
    });

    it('a first section header with an impossible length', () => {
      const file = writePcapng([{ interfaces: [], blocks: [] }]);
      new DataView(file.buffer).setUint32(4, 13, true);
      expect(err(file).message).toMatch(/impossible length 13/);
    });

    it('a first section header cut short', () => {
      const file = writePcapng([{ interfaces: [{ linkType: 1 }], blocks: [] }]).subarray(0, 10);
      expect(err(file).message).toBe('x.pcapng: pcapng section header block cut short (10 bytes)');
    });
  });
});
