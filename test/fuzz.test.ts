/**
 * The bounded fuzz pass of `npm test` (issue 6): the same cases as `npm run fuzz` (scripts/fuzz-lib.js), a fixed
 * seed and a few thousand of them, each of which must end in a report that JSON carries unchanged or in an
 * AnalyzerError, quickly, and (for the cases fed in pieces) identically however it is chunked; and each report must
 * merge (`--merge`) with a copy of itself.
 *
 * The long run is `npm run fuzz -- --cases 1000000` (see scripts/fuzz.js --help). AMQPSCOPE_FUZZ_CASES=N makes
 * this pass bigger or smaller.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../src/analyze.js';
import type { LiveEvent } from '../src/live/types.js';
import { liveJson, liveLine } from '../src/render/live.js';
import { AnalyzerError } from '../src/errors.js';
import { mergeReports } from '../src/report/merge.js';
import { parseKeyLog } from '../src/tls/keylog.js';
import { STRATEGIES, checkCase, loadCorpus, makeCase, runCase, type CheckResult } from '../scripts/fuzz-lib.js';

const SEED = 20_261_122;
const RANDOM_CASES = Number(process.env['AMQPSCOPE_FUZZ_CASES'] ?? 3000);
const PER_STRATEGY = 8;
/**
 * A case slower than this is a hang. This is a hang detector, not a speed test (speed is measured by
 * `npm run bench`, never asserted in a unit test): the slowest case runs in tens of milliseconds, and CI shares
 * 2 cores with whatever else runs, so the bound is far above any honest case.
 */
const MAX_MS = 20_000;

// With mergeReports, every report is also merged with a copy of itself (`--merge` of the same capture from two hosts).
const api = { Analyzer, AnalyzerError, parseKeyLog, mergeReports };
const corpus = loadCorpus(join(import.meta.dirname, '..', 'captures'));

function failures(results: CheckResult[]): string[] {
  return results
    .filter((r) => r.failure !== null)
    .map((r) => `${r.case.description}: ${r.failure?.stack ?? r.failure}`);
}

describe('fuzz (bounded pass)', () => {
  it('has seed captures', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(20);
  });

  it('cases are reproducible from (seed, index)', () => {
    for (const i of [0, 1, 77, 12_345]) {
      const a = makeCase(corpus, SEED, i);
      const b = makeCase(corpus, SEED, i);
      expect(a.description).toBe(b.description);
      expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    }
  });

  it(`every strategy, ${PER_STRATEGY} cases each`, () => {
    const results: CheckResult[] = [];
    STRATEGIES.forEach((strategy, k) => {
      for (let i = 0; i < PER_STRATEGY; i++) results.push(checkCase(api, corpus, SEED + 1, k * 1000 + i, { maxMs: MAX_MS, strategy }));
    });
    expect(failures(results)).toEqual([]);
    // The pass must exercise both outcomes, or it proves little.
    const outcomes = new Set(results.map((r) => r.outcome));
    expect(outcomes).toContain('report');
    expect(outcomes).toContain('error:not-a-capture');
  });

  const SLICES = 4;
  for (let s = 0; s < SLICES; s++) {
    const from = Math.floor((RANDOM_CASES * s) / SLICES);
    const to = Math.floor((RANDOM_CASES * (s + 1)) / SLICES);
    it(`random cases ${from}..${to - 1} of seed ${SEED}`, () => {
      const results: CheckResult[] = [];
      for (let i = from; i < to; i++) results.push(checkCase(api, corpus, SEED, i, { maxMs: MAX_MS }));
      expect(failures(results)).toEqual([]);
    });
  }

  it('live mode (onLive, retain) on hostile input: events that survive JSON, and the same report as without it', () => {
    const bad: string[] = [];
    let events = 0;
    STRATEGIES.forEach((strategy, k) => {
      for (let i = 0; i < 3; i++) {
        const c = makeCase(corpus, SEED + 2, k * 1000 + i, strategy);
        const plain = runCase(api, c.bytes);
        const live = runCase(api, c.bytes, null, 'fuzz.pcap', {
          onLive: (event: unknown) => {
            const e = event as LiveEvent;
            events++;
            const json = liveJson(e, null);
            if (JSON.stringify(JSON.parse(JSON.stringify(json))) !== JSON.stringify(json)) bad.push(`${c.description}: event not JSON-safe`);
            // The terminal line of a hostile wire string is still one line.
            if (/[\n\r\u0000-\u0008\u001b]/.test(liveLine(e))) bad.push(`${c.description}: a live line that is not one clean line`);
          },
          retain: { healthy: 1000, problems: 1000 },
        });
        if (!live.ok) bad.push(`${c.description}: ${String(live.error)}`);
        else if (live.outcome !== plain.outcome || live.json !== plain.json) bad.push(`${c.description}: a different report in live mode`);
        // Folding every ended connection into counts at once (the budget of a days-long follow, made tiny).
        const folded = runCase(api, c.bytes, null, 'fuzz.pcap', { onLive: () => undefined, retain: { healthy: 0, problems: 0, members: 0 } });
        if (!folded.ok) bad.push(`${c.description}: folded: ${String(folded.error)}`);
      }
    });
    expect(bad).toEqual([]);
    expect(events).toBeGreaterThan(0);
  });

  it('a report survives JSON exactly; non-captures are AnalyzerErrors', () => {
    const ok = runCase(api, corpus[0]!.bytes);
    expect(ok).toMatchObject({ ok: true, outcome: 'report' });
    expect(runCase(api, new Uint8Array(0))).toMatchObject({ ok: true, outcome: 'error:not-a-capture' });
    expect(runCase(api, new TextEncoder().encode('hello world, not a capture'))).toMatchObject({ ok: true, outcome: 'error:not-a-capture' });
  });
});
