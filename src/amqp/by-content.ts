/**
 * Values keyed by the content of a byte range, for payloads that repeat across connections: every client of a broker
 * receives the same Connection.Start (half a kilobyte of server properties), and a fleet of ten thousand
 * connections should decode and keep it once. Looked up by a 32-bit hash of the bytes and verified byte for byte:
 * keying a Map by a string made of each payload (a TextDecoder call and a string to hash per lookup) cost more than
 * what the sharing saved on a capture where most connections open during the capture.
 *
 * A payload is remembered only the second time its hash is seen: a payload that never repeats (a Connection.Start-Ok
 * names its own connection) costs a hash and no copy. Bounded: both tables are forgotten all at once when full.
 */
export class ByContent<V> {
  private readonly entries = new Map<number, { bytes: Uint8Array; value: V }>();
  private readonly seenOnce = new Set<number>();

  constructor(private readonly maxEntries: number) {}

  /** The value kept for the content of b[start, end), whose contentHash is `hash`; undefined when there is none. */
  get(b: Uint8Array, start: number, end: number, hash: number): V | undefined {
    const e = this.entries.get(hash);
    if (e === undefined || !sameBytes(e.bytes, b, start, end)) return undefined;
    return e.value;
  }

  /** Whether content with this hash was seen before (and is worth keeping); notes it as seen otherwise. */
  repeated(hash: number): boolean {
    if (this.seenOnce.has(hash)) return true;
    if (this.seenOnce.size >= 16 * this.maxEntries) this.seenOnce.clear();
    this.seenOnce.add(hash);
    return false;
  }

  /** Keeps `value` for `content` (a copy of the bytes, never changed afterwards), whose contentHash is `hash`. */
  set(hash: number, content: Uint8Array, value: V): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(hash, { bytes: content, value });
  }
}

/** FNV-1a over the bytes, four at a time: a payload of 500 bytes in about half a microsecond. */
export function contentHash(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  let i = start;
  for (; i + 4 <= end; i += 4) h = Math.imul(h ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)), 0x01000193);
  for (; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return (h ^ (h >>> 15)) | 0;
}

function sameBytes(kept: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  if (kept.length !== end - start) return false;
  for (let i = 0; i < kept.length; i++) if (kept[i] !== b[start + i]) return false;
  return true;
}
