/**
 * Objects the recorder reuses instead of making one per frame or segment (what thousands of connections taking
 * turns promoted to the old generation): reuse must never change what was kept.
 */
import { describe, expect, it } from 'vitest';
import { FRAME_METHOD } from '../../src/amqp/types.js';
import { RunTracker, MIN_RUN } from '../../src/timeline/runs.js';
import { keepsSilence, newEvidence, recordSilence } from '../../src/timeline/silence-evidence.js';
import type { Silence } from '../../src/timeline/types.js';

describe('a run too short to keep', () => {
  it('is reused by the next run without touching the runs kept before it', () => {
    const t = new RunTracker();
    let ordinal = 0;
    const burst = (name: string, n: number, from: number) => {
      for (let i = 0; i < n; i++) t.frame('c2s', FRAME_METHOD, name, 0, from + i, 100 + from + i, 0, ordinal++);
    };
    burst('Basic.Publish', MIN_RUN, 1);
    burst('Basic.Ack', 2, 20); // discarded, then reused
    burst('Basic.Get', 1, 30); // discarded, then reused
    burst('Basic.Publish', MIN_RUN + 1, 40);
    t.finish();
    expect(t.runs.map((r) => [r.type, r.count, r.first.packet, r.last.packet, r.firstOrdinal, r.lastOrdinal])).toEqual([
      ['Basic.Publish', MIN_RUN, 1, MIN_RUN, 0, MIN_RUN - 1],
      ['Basic.Publish', MIN_RUN + 1, 40, 40 + MIN_RUN, MIN_RUN + 3, 2 * MIN_RUN + 3],
    ]);
    expect(t.runs[0]).not.toBe(t.runs[1]);
  });
});

describe('keepsSilence', () => {
  const silence = (duration: number): Silence => ({ dir: 'c2s', from: { packet: 1, tsSec: 0, tsNsec: 0 }, to: null, duration, evidence: newEvidence() });

  it('answers exactly whether recordSilence would keep the silence, ties included', () => {
    const list: Silence[] = [];
    for (let i = 0; i < 64; i++) recordSilence(list, silence(2 + (i % 7)));
    for (const d of [1, 1.999, 2, 2.5, 9, 100]) {
      const copy = [...list];
      const s = silence(d);
      recordSilence(copy, s);
      expect(keepsSilence(list, d), `${d} s`).toBe(copy.includes(s));
    }
    expect(keepsSilence([], 0)).toBe(true);
  });
});
