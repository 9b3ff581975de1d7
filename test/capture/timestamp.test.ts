/**
 * ISO times written by isoTime are read back exactly by parseIsoTime (what `--merge` does with reports), for every
 * year a capture's clock can say: 4-digit years, expanded years far beyond Date's range, before year 0.
 */
import { describe, expect, it } from 'vitest';
import { isoTime, parseIsoTime } from '../../src/capture/timestamp.js';

describe('parseIsoTime', () => {
  it('reads back what isoTime writes, to the nanosecond, in and far beyond Date range', () => {
    const seconds = [0, 1, -1, 1_764_000_000, 951_782_400 /* 2000-02-29 */, -62_167_219_200, -62_167_219_201, 253_402_300_799, 253_402_300_800, 123_456_789_012, -9_000_000_000_000, 9_000_000_000_000_000];
    for (const sec of seconds) {
      for (const nsec of [0, 5, 999_999_999]) {
        expect(parseIsoTime(isoTime(sec, nsec, 9)), isoTime(sec, nsec, 9)).toEqual({ sec, nsec });
      }
    }
    expect(parseIsoTime('2026-12-05T09:13:54.799497Z')).toEqual({ sec: 1_796_462_034, nsec: 799_497_000 });
    expect(parseIsoTime('+289993629879-04-25T10:31:28.376846313Z')?.nsec).toBe(376_846_313);
  });

  it('refuses what is not such a time', () => {
    for (const text of ['', 'yesterday', '2026-13-01T00:00:00Z', '2026-12-05T24:00:00Z', '2026-12-05 09:13:54Z', '2026-12-05T09:13:54.1234567890Z', '12026-12-05T09:13:54Z']) {
      expect(parseIsoTime(text), text).toBeNull();
    }
  });
});

describe('isoTime', () => {
  it('writes each second right however the calls alternate (its cache keys seconds by their low bits)', () => {
    // 64 apart share a cache slot; 1 apart do not; each must still be its own date, as Date writes it.
    const base = 1_764_000_000;
    const seconds = [base, base + 64, base, base + 1, base + 64 * 1000, base + 64, -1, 63, -65, base];
    for (const sec of seconds) {
      expect(isoTime(sec, 5, 6)).toBe(`${new Date(sec * 1000).toISOString().slice(0, 19)}.000000Z`);
      expect(isoTime(sec, 123_456_789, 9)).toBe(`${new Date(sec * 1000).toISOString().slice(0, 19)}.123456789Z`);
    }
    expect(isoTime(base, 0, 0)).toBe(`${new Date(base * 1000).toISOString().slice(0, 19)}Z`);
  });
});
