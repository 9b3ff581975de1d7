/**
 * Chunk invariance of the whole pipeline (issue 6): however the capture's bytes arrive (one piece, one byte at a
 * time, or seeded random pieces), every capture in captures/ gives the byte-for-byte identical JSON report, and the
 * identical stream of --frames events. Reader-level invariance is in test/capture/chunking.test.ts; this is the
 * end-to-end version over the real captures, where TCP reassembly and AMQP framing see every possible split.
 */
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../src/analyze.js';
import { captureBytes, smallCaptures } from './helpers/captures.js';
import { prng } from './helpers/prng.js';

/** Over this size a capture is fed in 7-byte pieces instead of single bytes (same coverage of splits, less time). */
const BYTE_AT_A_TIME_LIMIT = 1 << 20;


/** Piece sizes: mostly small (they split every header and frame), sometimes large, sometimes a single byte. */
function randomPieces(total: number, seed: number): number[] {
  const rnd = prng(seed);
  const out: number[] = [];
  for (let left = total; left > 0; ) {
    const x = rnd();
    const n = Math.min(left, x < 0.1 ? 1 : x < 0.8 ? 1 + Math.floor(rnd() * 100) : 1 + Math.floor(rnd() * 70_000));
    out.push(n);
    left -= n;
  }
  return out;
}

function evenPieces(total: number, size: number): number[] {
  const out: number[] = [];
  for (let left = total; left > 0; left -= size) out.push(Math.min(size, left));
  return out;
}

/** The JSON report and the event stream, with the bytes pushed in the given pieces (null: all at once). */
function analyze(name: string, bytes: Uint8Array, pieces: number[] | null): { json: string; events: string } {
  const events: string[] = [];
  const a = new Analyzer({ path: name, onEvent: (connection, e) => events.push(JSON.stringify({ connection, ...e })) });
  if (pieces === null) a.push(bytes);
  else {
    let o = 0;
    for (const n of pieces) {
      // A fresh copy each time: a consumer that kept a view of an earlier chunk would see it change.
      a.push(bytes.slice(o, o + n));
      o += n;
    }
    expect(o).toBe(bytes.length);
  }
  return { json: JSON.stringify(a.end()), events: events.join('\n') };
}

describe('every real capture gives the identical report however it is chunked', () => {
  const names = smallCaptures();
  it('has captures to check', () => {
    expect(names.length).toBeGreaterThanOrEqual(20);
  });

  for (const name of names) {
    it(name, () => {
      const bytes = captureBytes(name);
      const whole = analyze(name, bytes, null);
      expect(JSON.parse(whole.json).connections.length).toBeGreaterThan(0);
      const small = bytes.length <= BYTE_AT_A_TIME_LIMIT;
      const tiny = small ? analyze(name, bytes, evenPieces(bytes.length, 1)) : analyze(name, bytes, evenPieces(bytes.length, 7));
      expect(tiny.json, small ? 'one byte at a time' : '7-byte pieces').toBe(whole.json);
      expect(tiny.events).toBe(whole.events);
      for (const seed of [1, 2, 3]) {
        const pieces = analyze(name, bytes, randomPieces(bytes.length, seed * 7919 + bytes.length));
        expect(pieces.json, `random pieces, seed ${seed}`).toBe(whole.json);
        expect(pieces.events).toBe(whole.events);
      }
    });
  }
});
