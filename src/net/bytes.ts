/**
 * Network-byte-order reads for the header decoders. They never check bounds: every caller has already checked
 * that the bytes it reads were captured (an out-of-range typed-array read gives `undefined`, which would turn into
 * 0 silently and deoptimise the hot path, so the checks are the callers' job, done once per header).
 */

/** Unsigned 16-bit big-endian at `i`. */
export function u16be(d: Uint8Array, i: number): number {
  return (d[i]! << 8) | d[i + 1]!;
}

/** Unsigned 32-bit big-endian at `i` (`>>> 0`: 0 .. 2^32-1, never negative). */
export function u32be(d: Uint8Array, i: number): number {
  return ((d[i]! << 24) | (d[i + 1]! << 16) | (d[i + 2]! << 8) | d[i + 3]!) >>> 0;
}

/** Unsigned 32-bit little-endian at `i`. */
export function u32le(d: Uint8Array, i: number): number {
  return (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24)) >>> 0;
}
