/**
 * TCP sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): every comparison goes through the signed 32-bit
 * difference, so a stream that wraps past 2^32 compares correctly. Keep all sequence logic here.
 */

/** Signed distance a - b, in (-2^31, 2^31]. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
