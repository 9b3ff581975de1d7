/**
 * The real captures in captures/ (tcpdump on loopback, little-endian µs pcap, Ethernet), and cross-checks against
 * Wireshark's own reader (tshark, editcap: skipped without them, failed without them when CI is set).
 *
 * The expected figures were computed with tshark 4.0.17 / tcpdump 4.99 on 2026-11-22:
 *   tcpdump -r F | wc -l
 *   tshark -r F -T fields -e frame.time_epoch -e frame.cap_len -e frame.len   (first, last, sums)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureSource } from '../../src/capture/source.js';
import { CaptureReader } from '../../src/capture/reader.js';
import { writePcap, writePcapng } from '../helpers/synth-capture.js';
import type { SynthSection } from '../helpers/synth-capture.js';
import { bytesOf, prng, readAll } from './read-all.js';
import type { GotPacket } from './read-all.js';
import { describeNeeds } from '../helpers/tools.js';

const CAPTURES = fileURLToPath(new URL('../../captures/', import.meta.url));

/** [packets, first time, last time, sum of caplen, sum of origlen] */
const EXPECTED: Record<string, [number, string, string, number, number]> = {
  'amqplib-prefetch-survives.pcap': [80, '1795313464.860331000', '1795313482.830548000', 12075, 12075],
  'bunny-long-work.pcap': [68, '1795313447.060372000', '1795313462.103854000', 6160, 6160],
  'pika-blocked-memory-alarm.pcap': [1107, '1795315881.629866000', '1795315899.637148000', 837413, 837413],
  'pika-forced-close.pcap': [23, '1795313520.710100000', '1795313524.628546000', 2558, 2558],
  'pika-healthy-idle.pcap': [45, '1795313394.925462000', '1795313408.956003000', 4136, 4136],
  'pika-keepalive-only.pcap': [31, '1795313434.303401000', '1795313444.329057000', 3102, 3102],
  'pika-kitchen-sink.pcap': [92, '1795313728.759148000', '1795313728.783032000', 109312, 109312],
  'pika-long-callback.pcap': [35, '1795313411.620292000', '1795313423.626988000', 3848, 3848],
  'pika-sigstop-consumer.pcap': [624, '1795315667.599312000', '1795315690.079166000', 309486, 309486],
  'pika-sigstop-zero-window.pcap': [284, '1795315752.530461000', '1795315774.860792000', 2159615, 2159615],
};

const epoch = (p: { tsSec: number; tsNsec: number }): string => `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`;

async function readPath(path: string, chunkSize?: number): Promise<{ packets: GotPacket[]; warnings: unknown[]; reader: CaptureReader }> {
  const packets: GotPacket[] = [];
  const warnings: unknown[] = [];
  const reader = new CaptureReader(
    {
      onPacket: (p) =>
        void packets.push({
          index: p.index,
          tsSec: p.tsSec,
          tsNsec: p.tsNsec,
          linkType: p.linkType,
          interfaceId: p.interfaceId,
          origLen: p.origLen,
          data: Buffer.from(p.data).toString('hex'),
        }),
      onWarning: (w) => void warnings.push(w),
    },
    path,
  );
  for await (const c of readCaptureSource(path, chunkSize === undefined ? {} : { chunkSize })) reader.push(c);
  reader.end();
  return { packets, warnings, reader };
}

describe('real captures', () => {
  for (const [name, [count, first, last, capSum, origSum]] of Object.entries(EXPECTED)) {
    it(`${name}: ${count} packets, as tcpdump counts them`, async () => {
      const { packets, warnings, reader } = await readPath(join(CAPTURES, name));
      expect(warnings).toEqual([]);
      expect(reader.format).toBe('pcap');
      expect(reader.linkTypes).toEqual([1]);
      expect(reader.tsDigits).toBe(6);
      expect(packets).toHaveLength(count);
      expect(packets.map((p) => p.index)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(epoch(packets[0]!)).toBe(first);
      expect(epoch(packets.at(-1)!)).toBe(last);
      expect(packets.reduce((s, p) => s + p.data.length / 2, 0)).toBe(capSum);
      expect(packets.reduce((s, p) => s + p.origLen, 0)).toBe(origSum);
    });
  }

  it('every .pcap in captures/ reads without a warning, whatever the chunk size (the ones cut mid-record on purpose: one)', async () => {
    const names = readdirSync(CAPTURES).filter((f) => f.endsWith('.pcap'));
    expect(names.length).toBeGreaterThanOrEqual(Object.keys(EXPECTED).length);
    for (const name of names) {
      const a = await readPath(join(CAPTURES, name));
      const b = await readPath(join(CAPTURES, name), 4093); // a prime: records straddle chunks everywhere
      // Made with `head -c`, each cut inside a record: packet 33's, packet 520's (captures/README.md).
      const cut = name === 'pika-long-callback-cut-8s.pcap' || name === 'fleet-clients-stalled-cut-60k.pcap';
      expect((a.warnings as { code: string }[]).map((w) => w.code), name).toEqual(cut ? ['capture-truncated'] : []);
      expect(b.warnings, name).toEqual(a.warnings);
      expect(b.packets, name).toEqual(a.packets);
      expect(a.packets.length, name).toBeGreaterThan(0);
    }
  });
});

// tshark and editcap are an independent reader to agree with (test/helpers/tools.ts: required when CI is set).

/** Per-packet "epoch caplen origlen linktype-name" from tshark. */
function tshark(path: string): string[] {
  const out = execFileSync('tshark', ['-n', '-r', path, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.cap_len', '-e', 'frame.len'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 1 << 28,
  });
  return out.split('\n').filter((l) => l !== '');
}

const ours = (packets: { tsSec: number; tsNsec: number; data: string; origLen: number }[]): string[] =>
  packets.map((p) => `${epoch(p)}\t${p.data.length / 2}\t${p.origLen}`);

describeNeeds(['tshark'], 'agreement with tshark', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'amqpscope-tshark-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('on every packet of the real captures', () => {
    for (const name of Object.keys(EXPECTED)) {
      const path = join(CAPTURES, name);
      expect(ours(readAll(readFileSync(path)).packets), name).toEqual(tshark(path));
    }
  });

  it('on synthetic pcapng: both byte orders, several sections, ns, 2^-n, if_tsoffset, SPB-free', () => {
    const rnd = prng(99);
    const pkts = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        tsSec: 1_700_000_000 + Math.floor(rnd() * 1e8),
        tsNsec: Math.floor(rnd() * 1e9),
        data: bytesOf(1 + Math.floor(rnd() * 100), i),
      }));
    const sections: SynthSection[] = [
      {
        interfaces: [{ linkType: 1 }, { linkType: 1, tsresol: 9 }],
        blocks: pkts(20).map((p, i) => ({ kind: 'epb', iface: i % 2, p })),
      },
      {
        bigEndian: true,
        interfaces: [{ linkType: 1, tsresol: 0x80 | 20 }, { linkType: 1, tsresol: 0x80 | 32 }, { linkType: 1, tsresol: 3, tsoffset: 1_000_000 }],
        blocks: pkts(30).map((p, i) => ({ kind: i % 4 === 3 ? 'pb' : 'epb', iface: i % 3, p })),
      },
    ];
    const path = join(tmp, 'synth.pcapng');
    const file = writePcapng(sections);
    writeFileSync(path, file);
    const got = readAll(file);
    expect(got.packets).toHaveLength(50);
    expect(ours(got.packets)).toEqual(tshark(path));
  });

  it('on synthetic classic pcap: both byte orders, µs and ns', () => {
    const packets = [0, 1, 2].map((i) => ({ tsSec: 1795313464 + i, tsNsec: 123456789 * i, data: bytesOf(60 + i, i) }));
    for (const opts of [{}, { bigEndian: true }, { nanosecond: true }, { nanosecond: true, bigEndian: true }]) {
      const path = join(tmp, 'synth.pcap');
      const file = writePcap(packets, opts);
      writeFileSync(path, file);
      expect(ours(readAll(file).packets), JSON.stringify(opts)).toEqual(tshark(path));
    }
  });
});

describeNeeds(['editcap'], 'files rewritten by editcap', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'amqpscope-editcap-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const name = 'pika-kitchen-sink.pcap';

  for (const [format, expectFormat, digits] of [
    ['pcapng', 'pcapng', 6],
    ['nsecpcap', 'pcap', 9],
  ] as const) {
    it(`${name} as ${format} gives the same packets`, () => {
      const src = join(CAPTURES, name);
      const dst = join(tmp, `${name}.${format}`);
      execFileSync('editcap', ['-F', format, src, dst], { stdio: 'ignore' });
      const original = readAll(readFileSync(src)).packets;
      const got = readAll(readFileSync(dst));
      expect(got.warnings).toEqual([]);
      expect(got.reader.format).toBe(expectFormat);
      expect(got.reader.tsDigits).toBe(digits);
      expect(got.packets).toEqual(original);
    });
  }
});
