import { describe, expect, it } from 'vitest';
import { MAX_KEPT_ROOM, TagQueue } from '../../src/amqp/tag-queue.js';

/** The queue's meaning, spelled out: outstanding (tag, value) in tag order, settled as RabbitMQ's channel settles acks. */
class Model {
  readonly tags: number[] = [];
  readonly vals: string[] = [];
  get size(): number {
    return this.tags.length;
  }
  #lowerBound(tag: number): number {
    let lo = 0;
    let hi = this.tags.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.tags[mid] as number) < tag) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  push(tag: number, val: string): void {
    const i = this.#lowerBound(tag);
    if (this.tags[i] === tag) this.vals[i] = val;
    else {
      this.tags.splice(i, 0, tag);
      this.vals.splice(i, 0, val);
    }
  }
  settle(tag: number, multiple: boolean): { settled: string[]; found: boolean } {
    const i = this.#lowerBound(tag);
    const found = this.tags[i] === tag;
    const from = multiple ? 0 : i;
    const to = found ? i + 1 : i;
    this.tags.splice(from, to - from);
    return { settled: this.vals.splice(from, to - from), found };
  }
  clear(): void {
    this.tags.length = 0;
    this.vals.length = 0;
  }
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function valuesOf(q: TagQueue<string>): string[] {
  const out: string[] = [];
  q.forEach((v) => out.push(v));
  return out;
}

/** A deterministic pseudo-random sequence (the same run on every machine). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('TagQueue', () => {
  it('settles like the model through bursts, in-order and out-of-order acks, resets and reuse of its room', () => {
    for (const seed of [1, 2, 3, 4]) {
      const rnd = lcg(seed);
      const q = new TagQueue<string>();
      const m = new Model();
      let next = 1;
      for (let step = 0; step < 40_000; step++) {
        const r = rnd();
        if (r < 0.5) {
          // Mostly increasing tags; now and then one below the newest (a rolled-back transaction restores them).
          const tag = rnd() < 0.02 && next > 2 ? 1 + Math.floor(rnd() * (next - 1)) : next++;
          const val = `v${tag}.${step}`;
          q.push(tag, val);
          m.push(tag, val);
        } else if (r < 0.998) {
          const multiple = rnd() < 0.3;
          // Usually the oldest outstanding tag (a consumer acking in order), sometimes any tag, known or not.
          const oldest = m.size > 0 ? (m.tags[0] as number) : 1;
          const tag = rnd() < 0.7 ? oldest : 1 + Math.floor(rnd() * next);
          const out: string[] = [];
          const count = q.settle(tag, multiple, out);
          const want = m.settle(tag, multiple);
          // expect() only on a difference: called every step it took most of the test's time.
          if (!same(out, want.settled) || count !== want.settled.length || q.found !== want.found) {
            expect({ step, tag, multiple, out, count, found: q.found }).toEqual({ step, tag, multiple, out: want.settled, count: want.settled.length, found: want.found });
          }
        } else if (r < 0.9992) {
          const out: string[] = [];
          const count = q.drain(out);
          if (count !== m.size || !same(out, m.vals)) expect({ step, count, out }).toEqual({ step, count: m.size, out: m.vals });
          m.clear();
        } else {
          // A burst: thousands outstanding at once, then settled with one multiple ack (crosses the reset and the
          // room thresholds).
          const n = 1 + Math.floor(rnd() * 20_000);
          for (let k = 0; k < n; k++) {
            const val = `b${next}`;
            q.push(next, val);
            m.push(next, val);
            next++;
          }
          const out: string[] = [];
          q.settle(next - 1, true, out);
          const want = m.settle(next - 1, true).settled;
          if (!same(out, want)) expect({ step, out }).toEqual({ step, out: want });
        }
        if (q.live !== m.size) expect({ step, live: q.live }).toEqual({ step, live: m.size });
      }
      expect(valuesOf(q)).toEqual(m.vals);
    }
  });

  it('reuses its room after everything is settled, and gives back the storage of a burst once few are left', () => {
    const q = new TagQueue<number>();
    for (let tag = 1; tag <= 2_000; tag++) q.push(tag, tag);
    q.settle(2_000, true, null);
    const room = q.capacity;
    expect(room).toBeGreaterThanOrEqual(2_000);
    for (let tag = 2_001; tag <= 3_000; tag++) q.push(tag, tag);
    expect(q.capacity).toBe(room); // the pushes went into the room: no new storage
    q.drain(null);

    const burst = MAX_KEPT_ROOM + 5_000;
    for (let tag = 1; tag <= burst; tag++) q.push(tag, tag);
    expect(q.capacity).toBeGreaterThanOrEqual(burst);
    // Acked one by one, in order, all but the newest ten: the settled prefix is compacted away and, being far past
    // MAX_KEPT_ROOM and four times what is live, its storage is given back.
    for (let tag = 1; tag <= burst - 10; tag++) q.settle(tag, false, null);
    expect(q.live).toBe(10);
    expect(q.capacity).toBeLessThanOrEqual(MAX_KEPT_ROOM);
    const left: number[] = [];
    q.forEach((v) => left.push(v));
    expect(left).toEqual(Array.from({ length: 10 }, (_, i) => burst - 9 + i));
  });
});
