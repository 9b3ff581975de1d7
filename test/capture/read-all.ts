/**
 * Test support for the capture layer: run bytes through a CaptureReader with a chosen chunking and record every
 * event as plain data (packets copied, since the reader reuses its packet object and buffers).
 */

import { CaptureReader } from '../../src/capture/reader.js';
import type { CaptureWarning } from '../../src/capture/types.js';
import { prng } from '../helpers/prng.js';

export { prng };

export interface GotPacket {
  index: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
  interfaceId: number;
  origLen: number;
  /** The captured bytes as hex. */
  data: string;
}

export type Event = { packet: GotPacket } | { warning: CaptureWarning };

export interface Got {
  packets: GotPacket[];
  warnings: CaptureWarning[];
  /** Packets and warnings interleaved, in the order the sink received them. */
  events: Event[];
  reader: CaptureReader;
}

/**
 * How to cut the input: 'whole' (one push), 'bytes' (one byte per push), a number (pushes of that size), or an
 * explicit list of cut offsets.
 */
export type Chunking = 'whole' | 'bytes' | number | number[];

export function chunks(bytes: Uint8Array, how: Chunking): Uint8Array[] {
  const cuts: number[] = [];
  if (how === 'bytes') for (let i = 1; i < bytes.length; i++) cuts.push(i);
  else if (typeof how === 'number') for (let i = how; i < bytes.length; i += how) cuts.push(i);
  else if (Array.isArray(how)) cuts.push(...how.filter((c) => c > 0 && c < bytes.length));
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > prev || bytes.length === 0) out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

/** Reads `bytes` completely (push ... then end()); exceptions propagate. */
export function readAll(bytes: Uint8Array, how: Chunking = 'whole', name = 'test.pcap'): Got {
  const got: Omit<Got, 'reader'> = { packets: [], warnings: [], events: [] };
  const reader = new CaptureReader(
    {
      onPacket(p) {
        const packet: GotPacket = {
          index: p.index,
          tsSec: p.tsSec,
          tsNsec: p.tsNsec,
          linkType: p.linkType,
          interfaceId: p.interfaceId,
          origLen: p.origLen,
          data: Buffer.from(p.data).toString('hex'),
        };
        got.packets.push(packet);
        got.events.push({ packet });
      },
      onWarning(w) {
        got.warnings.push(w);
        got.events.push({ warning: w });
      },
    },
    name,
  );
  for (const c of chunks(bytes, how)) reader.push(c);
  reader.end();
  return { ...got, reader };
}

/** Random cut offsets for `len` bytes: pieces of 1..maxPiece bytes. */
export function randomCuts(len: number, seed: number, maxPiece = 64): number[] {
  const rnd = prng(seed);
  const cuts: number[] = [];
  for (let o = 1 + Math.floor(rnd() * maxPiece); o < len; o += 1 + Math.floor(rnd() * maxPiece)) cuts.push(o);
  return cuts;
}

/** Bytes 0, 1, 2, ... (mod 256) of the given length, offset by `seed`: recognisable packet contents. */
export function bytesOf(len: number, seed = 0): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i + seed * 37) & 0xff;
  return b;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Catches the exception `fn` throws (fails the test if none). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an exception, none was thrown');
}
