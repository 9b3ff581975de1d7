/**
 * TCP sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): every comparison goes through the signed 32-bit
 * difference, so a stream that wraps past 2^32 compares correctly, and a number may be given as unsigned (as on the
 * wire) or as signed 32-bit (as kept in state): the same value modulo 2^32 compares the same. Keep all sequence
 * logic here.
 */

/** Signed distance a - b, in (-2^31, 2^31]. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * a + n modulo 2^32, as a signed 32-bit integer: the same sequence number for every function here, and a value V8
 * keeps inside the object that stores it (an unsigned one from 2^31 up is a separate heap number).
 */
export function seqAdd(a: number, n: number): number {
  return (a + n) | 0;
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
