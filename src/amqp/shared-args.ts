/**
 * Connection.Start's arguments, decoded at most twice per distinct payload and shared between connections from the
 * second on (ByContent): every connection to one broker receives the same bytes (server properties, mechanisms,
 * locales), and a capture of ten thousand connections decoded and kept ten thousand copies of them. Only complete, clean decodes are shared (a damaged or
 * cut payload is decoded by the caller as before, with its issues). Nothing changes decoded arguments afterwards.
 */
import { ByContent, contentHash } from './by-content.js';
import { decodeArgs } from './codec.js';
import type { MethodInfo } from './spec.js';
import type { FieldValue } from './types.js';

const CONNECTION_CLASS = 10;
const START_METHOD = 10;
/** Bounds: a run sees a handful of brokers; a larger payload is decoded per connection. */
const MAX_ENTRIES = 64;
const MAX_BYTES = 4096;
const cache = new ByContent<Record<string, FieldValue>>(MAX_ENTRIES);

/** The arguments in b[off, end) if the method is Connection.Start and they decode whole, else null. */
export function sharedArgs(info: MethodInfo, b: Uint8Array, off: number, end: number): Record<string, FieldValue> | null {
  if (info.classId !== CONNECTION_CLASS || info.methodId !== START_METHOD || end - off > MAX_BYTES || end < off) return null;
  const hash = contentHash(b, off, end);
  const known = cache.get(b, off, end, hash);
  if (known !== undefined) return known;
  const args: Record<string, FieldValue> = {};
  if (decodeArgs(b, off, end, info.argNames, info.argTypes, args) !== end) return null;
  // A copy even when `b` is a Buffer (whose slice is a view of memory the reader reuses).
  if (cache.repeated(hash)) cache.set(hash, Uint8Array.prototype.slice.call(b, off, end), args);
  return args;
}
