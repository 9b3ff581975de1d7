/** The run's clock, as the fleet rules need it: seconds since the run's first packet, and ISO time. */
import { isoTime } from '../capture/timestamp.js';
import type { Instant } from './types.js';

export interface Clock {
  t(i: Instant): number;
  at(i: Instant): string;
}

/**
 * "between 1.210 and 14.346 s", or "at 1.210 s" when both ends read the same at the report's precision (a burst
 * within a millisecond, or a late-starting capture whose first events all stand at 0.000). `sign` ('+') for live
 * lines, which count from the start of the run.
 */
export function timeSpan(from: number, to: number, sign = ''): string {
  const a = from.toFixed(3);
  const b = to.toFixed(3);
  return a === b ? `at ${sign}${a} s` : `between ${sign}${a} and ${sign}${b} s`;
}

export function runClock(origin: { sec: number; nsec: number }, digits: number): Clock {
  const scale = 10 ** Math.min(digits, 9);
  return {
    t: (i) => Math.round((i.sec - origin.sec + (i.nsec - origin.nsec) / 1e9) * scale) / scale,
    at: (i) => isoTime(i.sec, i.nsec, digits),
  };
}
