/** The run's clock, as the fleet rules need it: seconds since the run's first packet, and ISO time. */
import { isoTime } from '../capture/timestamp.js';
import type { Instant } from './types.js';

export interface Clock {
  t(i: Instant): number;
  at(i: Instant): string;
}

export function runClock(origin: { sec: number; nsec: number }, digits: number): Clock {
  const scale = 10 ** Math.min(digits, 9);
  return {
    t: (i) => Math.round((i.sec - origin.sec + (i.nsec - origin.nsec) / 1e9) * scale) / scale,
    at: (i) => isoTime(i.sec, i.nsec, digits),
  };
}
