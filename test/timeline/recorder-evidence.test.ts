/** Silence evidence is reused between data segments: clearing it must give exactly a new one, every field. */
import { describe, expect, it } from 'vitest';
import { newEvidence, resetEvidence } from '../../src/timeline/recorder.js';

describe('silence evidence reuse', () => {
  it('a reset clears every field a new evidence has, and keeps no moment', () => {
    const e = newEvidence();
    const moment = { packet: 7, tsSec: 1, tsNsec: 2 };
    for (const key of Object.keys(e) as (keyof typeof e)[]) {
      (e as unknown as Record<string, unknown>)[key] = typeof e[key] === 'number' ? 99 : moment;
    }
    resetEvidence(e);
    expect(e).toEqual(newEvidence());
    expect(moment).toEqual({ packet: 7, tsSec: 1, tsNsec: 2 }); // dropped, not changed: a copy may share it
  });
});
