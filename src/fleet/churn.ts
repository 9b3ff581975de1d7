/** Churn: connections opened and ended per time bucket over the run. */
import type { FoldedChurn } from './folded.js';
import { secondsFrom, type FleetMember, type Instant } from './types.js';

/** Bucket widths to choose from: the smallest that keeps the series within MAX_BUCKETS. */
export const CHURN_WIDTHS: readonly number[] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
const MAX_BUCKETS = 120;

export function bucketSeconds(duration: number): number {
  for (const w of CHURN_WIDTHS) if (duration / w < MAX_BUCKETS) return w;
  return Math.ceil(duration / MAX_BUCKETS / 86400) * 86400;
}

/** `folded`: the counts of members folded away (folded.ts), in bins whose width divides this run's bucket width. */
export function churn(members: readonly FleetMember[], origin: Instant, captureEnd: Instant, folded: FoldedChurn | null = null): { bucketSeconds: number; opened: number[]; ended: number[] } {
  const duration = Math.max(0, secondsFrom(origin, captureEnd));
  const width = bucketSeconds(duration);
  const n = Math.floor(duration / width) + 1;
  const opened = new Array<number>(n).fill(0);
  const ended = new Array<number>(n).fill(0);
  const bucket = (i: Instant) => Math.min(n - 1, Math.max(0, Math.floor(secondsFrom(origin, i) / width)));
  for (const m of members) {
    opened[bucket(m.opened)]!++;
    if (m.ended !== null) ended[bucket(m.ended)]!++;
  }
  if (folded !== null) {
    const into = (counts: number[], bins: readonly number[]) =>
      bins.forEach((k, i) => {
        counts[Math.min(n - 1, Math.floor((i * folded.width) / width))]! += k;
      });
    into(opened, folded.opened);
    into(ended, folded.ended);
  }
  return { bucketSeconds: width, opened, ended };
}
