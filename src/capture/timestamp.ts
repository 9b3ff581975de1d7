/**
 * Capture timestamps. Nanoseconds since the epoch (~1.7e18) do not fit a double exactly (2^53 ~ 9.0e15), so a
 * moment is kept as whole seconds plus nanoseconds, both plain numbers. Relative times (seconds since the first
 * packet) are small enough to be ordinary numbers.
 */
export interface Stamp {
  /** Whole seconds since the Unix epoch. */
  sec: number;
  /** 0 .. 999_999_999. */
  nsec: number;
}

/** Seconds from `origin` to (sec, nsec), exact to the nanosecond for any span a capture can have. */
export function secondsSince(originSec: number, originNsec: number, sec: number, nsec: number): number {
  return sec - originSec + (nsec - originNsec) / 1e9;
}

/**
 * ISO-8601 UTC with `digits` decimals (6 for microsecond captures, 9 for nanosecond ones), e.g.
 * 2026-11-22T02:07:53.701121Z. The fraction is printed from the integer nanoseconds, never through a float.
 */
export function isoTime(sec: number, nsec: number, digits: number): string {
  const base = new Date(sec * 1000).toISOString().slice(0, 19); // YYYY-MM-DDTHH:MM:SS
  if (digits <= 0) return `${base}Z`;
  const frac = String(nsec).padStart(9, '0').slice(0, Math.min(digits, 9));
  return `${base}.${frac}Z`;
}

/** Compare two moments: negative, zero or positive. */
export function compareStamps(aSec: number, aNsec: number, bSec: number, bNsec: number): number {
  return aSec !== bSec ? aSec - bSec : aNsec - bNsec;
}
