/**
 * Connection.Start's arguments, decoded once per distinct payload and shared between connections: every connection
 * to one broker receives the same bytes (server properties, mechanisms, locales), and a capture of ten thousand
 * connections decoded and kept ten thousand copies of them. Only complete, clean decodes are shared (a damaged or
 * cut payload is decoded by the caller as before, with its issues). Nothing changes decoded arguments afterwards.
 */
import { decodeArgs } from './codec.js';
import type { MethodInfo } from './spec.js';
import type { FieldValue } from './types.js';

const CONNECTION_CLASS = 10;
const START_METHOD = 10;
/** Bounds: a run sees a handful of brokers; a larger payload is decoded per connection. */
const MAX_ENTRIES = 64;
const MAX_BYTES = 4096;
// One code point per byte (WHATWG's latin1 is windows-1252, still one distinct character for each byte value).
const LATIN1 = new TextDecoder('latin1');
const cache = new Map<string, Record<string, FieldValue>>();

/** The arguments in b[off, end) if the method is Connection.Start and they decode whole, else null. */
export function sharedArgs(info: MethodInfo, b: Uint8Array, off: number, end: number): Record<string, FieldValue> | null {
  if (info.classId !== CONNECTION_CLASS || info.methodId !== START_METHOD || end - off > MAX_BYTES || end < off) return null;
  const key = LATIN1.decode(b.subarray(off, end));
  const known = cache.get(key);
  if (known !== undefined) return known;
  const args: Record<string, FieldValue> = {};
  if (decodeArgs(b, off, end, info.argNames, info.argTypes, args) !== end) return null;
  if (cache.size < MAX_ENTRIES) cache.set(key, args);
  return args;
}
