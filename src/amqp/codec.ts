/**
 * AMQP 0-9-1 field primitives: pure functions over (bytes, offset, end) that check lengths before reading and return
 * `[value, nextOffset]`, or a `CodecError` value (never an exception) when the bytes are malformed or truncated.
 * `end` bounds every read: a field can never read past the payload that contains it.
 *
 * AMQP has four encodings of data, and three overlapping sets of type names:
 * - method arguments and content properties use *domains* (spec §4.2.5): octet, short (u16), long (u32), longlong
 *   (u64), bit (packed, see decodeMethodArgs), shortstr (u8 length + UTF-8), longstr (u32 length + bytes), table,
 *   timestamp (u64 seconds);
 * - field tables (`u32 byte-length`, then `shortstr name, tag octet, value` repeated) and field arrays (`u32
 *   byte-length`, then `tag octet, value` repeated) carry self-describing values, one tag octet each.
 *
 * Field-value tags follow RabbitMQ and industry practice, NOT the 0-9-1 specification text. The spec's grammar says
 * `'s' short-string`, `'U' short-int`, `'L' long-long-int`, `'l' long-long-uint`; RabbitMQ's "AMQP 0-9-1 errata"
 * page documents that RabbitMQ, Qpid, the Java/.NET clients and everyone since use instead:
 *
 *   t bool, b int8, B uint8, s int16, u uint16, I int32, i uint32, l int64, f float32, d float64,
 *   D decimal (scale octet + i32), S longstr, A array, T timestamp (u64 s), F table, V void, x byte array
 *
 * (no short-string tag at all, `x` added). We decode those, and additionally the spec-only tags `U` (int16) and `L`
 * (int64), which nobody sends but which cannot be mistaken for anything else. An unknown tag makes the rest of the
 * table unreadable (its value has no known length), so it is a CodecError.
 *
 * Values are JSON-safe (see FieldValue in types.ts): 64-bit integers are numbers when exact, `{type:'int64',
 * value}` (decimal text) beyond 2^53; byte arrays are `{type:'bytes', hex, length}` with hex capped at
 * MAX_HEX_BYTES; non-finite floats (NaN, ±Infinity, which JSON cannot hold) are the strings 'NaN', 'Infinity',
 * '-Infinity'.
 *
 * Strings are UTF-8. Invalid UTF-8 never throws and never disappears silently: each byte that is not part of a valid
 * sequence is shown as `\xNN` (e.g. a Latin-1 `caf\xe9`), so the evidence stays visible in reports.
 *
 * Nesting (tables in tables, arrays in arrays) is decoded with an explicit stack, never recursion, so hostile depth
 * cannot overflow the JS stack; beyond MAX_FIELD_DEPTH levels the value is a CodecError (the frame becomes a
 * 'frame-error'), which also keeps every FieldValue we hand on shallow enough for JSON.stringify and renderers.
 */

import type { FieldTable, FieldValue } from './types.js';
import type { DomainCode } from './spec.js';
import * as spec from './spec.js';

// Module-local copies of spec.ts's domain codes and property tables, read once (see frame-decoder.ts: imported
// bindings are getter calls under vitest's module runner, and these are read per argument).
const D_BIT = spec.D_BIT;
const D_OCTET = spec.D_OCTET;
const D_SHORT = spec.D_SHORT;
const D_LONG = spec.D_LONG;
const D_LONGLONG = spec.D_LONGLONG;
const D_SHORTSTR = spec.D_SHORTSTR;
const D_LONGSTR = spec.D_LONGSTR;
const D_TABLE = spec.D_TABLE;
const D_TIMESTAMP = spec.D_TIMESTAMP;
const BASIC_PROPERTY_FLAGS = spec.BASIC_PROPERTY_FLAGS;
const BASIC_PROPERTY_NAMES = spec.BASIC_PROPERTY_NAMES;
const BASIC_PROPERTY_TYPES = spec.BASIC_PROPERTY_TYPES;

/** A decoded value and the offset just past it. */
export type Decoded<T> = [value: T, next: number];

/** Malformed or truncated input: a value, not an exception. `offset` is where decoding failed. */
export class CodecError {
  readonly message: string;
  readonly offset: number;
  constructor(message: string, offset: number) {
    this.message = message;
    this.offset = offset;
  }
}

export type Result<T> = Decoded<T> | CodecError;

/** Nesting depth beyond which a field table/array is rejected (the brief's "e.g. 100 levels"). */
export const MAX_FIELD_DEPTH = 100;
/** Byte arrays longer than this keep only their first MAX_HEX_BYTES bytes in `hex` (`length` stays exact). */
export const MAX_HEX_BYTES = 1024;

// ---------------------------------------------------------------------------------------------------------------
// Integers

export function readU16(b: Uint8Array, o: number): number {
  return ((b[o] as number) << 8) | (b[o + 1] as number);
}

export function readU32(b: Uint8Array, o: number): number {
  return (b[o] as number) * 0x1000000 + (((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number));
}

function readI32(b: Uint8Array, o: number): number {
  return ((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number);
}

const TWO_32 = 4294967296;

/**
 * An unsigned 64-bit integer as a Number (exact below 2^53; callers check isSafeInteger where it matters). The usual
 * value (a delivery tag, a body size) has a zero high half and is returned as the low half itself: `hi * 2^32 + lo`
 * is a heap number even when small, and a field that once holds one keeps every later value as a separate heap
 * object (a delivery tag per channel, a body size per message in assembly).
 */
export function readU64(b: Uint8Array, o: number): number {
  const hi = readU32(b, o);
  const lo = readU32(b, o + 4);
  return hi === 0 ? lo : hi * TWO_32 + lo;
}

/**
 * An unsigned 64-bit integer: a number when exact (< 2^53), else `{type:'int64', value}`. A Number computed from the
 * two halves is exact below 2^53 and rounds to >= 2^53 above it, so isSafeInteger on it decides correctly.
 */
export function u64Value(b: Uint8Array, o: number): FieldValue {
  const n = readU64(b, o);
  if (Number.isSafeInteger(n)) return n;
  return { type: 'int64', value: ((BigInt(readU32(b, o)) << 32n) | BigInt(readU32(b, o + 4))).toString() };
}

/** A signed (two's complement) 64-bit integer, same representation rules as u64Value. */
export function i64Value(b: Uint8Array, o: number): FieldValue {
  const hi = readI32(b, o);
  const lo = readU32(b, o + 4);
  const n = hi * TWO_32 + lo;
  if (Number.isSafeInteger(n)) return n;
  return { type: 'int64', value: ((BigInt(hi) << 32n) + BigInt(lo)).toString() };
}

const F32 = new Float32Array(1);
const F32_BYTES = new Uint8Array(F32.buffer);
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
/** Typed arrays use the platform's byte order; network order is big-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function floatValue(n: number): FieldValue {
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

function readF32(b: Uint8Array, o: number): FieldValue {
  for (let i = 0; i < 4; i++) F32_BYTES[LITTLE_ENDIAN ? 3 - i : i] = b[o + i] as number;
  return floatValue(F32[0] as number);
}

function readF64(b: Uint8Array, o: number): FieldValue {
  for (let i = 0; i < 8; i++) F64_BYTES[LITTLE_ENDIAN ? 7 - i : i] = b[o + i] as number;
  return floatValue(F64[0] as number);
}

// ---------------------------------------------------------------------------------------------------------------
// Strings

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Interned short ASCII strings. Exchange names, routing keys, consumer tags, content types and table keys repeat
 * across millions of frames; building each again costs ~150 ns, finding it here ~30 ns. Direct-mapped by an FNV-1a
 * hash of the bytes, verified byte for byte, so a collision only costs a rebuild. Bounded: 4096 strings of <= 64
 * characters. Sharing is safe because strings are immutable.
 */
const INTERN_SLOTS = 4096;
const INTERN_MAX = 64;
const interned: string[] = new Array<string>(INTERN_SLOTS).fill('');

/**
 * The UTF-8 text of b[start, end). Short pure-ASCII strings (nearly every string on the wire) go through the
 * intern table; anything else through TextDecoder. `intern` false for values that rarely repeat (message-ids):
 * looking them up would only cost time and evict the names that do repeat.
 */
export function utf8Text(b: Uint8Array, start: number, end: number, intern = true): string {
  const n = end - start;
  if (n <= 0) return '';
  if (n > INTERN_MAX) return utf8Slow(b, start, end);
  if (!intern) {
    for (let i = start; i < end; i++) if ((b[i] as number) >= 0x80) return utf8Slow(b, start, end);
    return asciiText(b, start, end);
  }
  let h = 0x811c9dc5 ^ n;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c >= 0x80) return utf8Slow(b, start, end);
    h = Math.imul(h ^ c, 0x01000193);
  }
  const slot = (h ^ (h >>> 15)) & (INTERN_SLOTS - 1);
  const cached = interned[slot] as string;
  if (cached.length === n) {
    let i = 0;
    while (i < n && cached.charCodeAt(i) === b[start + i]) i++;
    if (i === n) return cached;
  }
  const s = asciiText(b, start, end);
  interned[slot] = s;
  return s;
}

/**
 * ASCII bytes as a flat string. Latin-1 reads ASCII exactly: one native slice through a Buffer over the bytes'
 * ArrayBuffer (made once per buffer: the reader's chunk is reused), where adding a character at a time made a
 * string per character (message ids and routing keys, on every message of a busy connection). It keeps at most
 * one buffer alive that would otherwise be collected.
 */
function asciiText(b: Uint8Array, start: number, end: number): string {
  if (b.buffer !== latin1Source) {
    latin1Source = b.buffer;
    latin1View = Buffer.from(b.buffer);
  }
  return latin1View.toString('latin1', b.byteOffset + start, b.byteOffset + end);
}

let latin1Source: ArrayBufferLike | null = null;
let latin1View: Buffer = Buffer.alloc(0);

function utf8Slow(b: Uint8Array, start: number, end: number): string {
  try {
    return UTF8.decode(b.subarray(start, end));
  } catch {
    return utf8Escaped(b, start, end);
  }
}

function hex2(c: number): string {
  return (c < 16 ? '0' : '') + c.toString(16);
}

/**
 * Lossless rendering of invalid UTF-8: valid sequences decode normally, every other byte becomes `\xNN`. Follows the
 * WHATWG/Unicode rules for what a valid sequence is (no overlongs, no surrogates, nothing above U+10FFFF).
 */
function utf8Escaped(b: Uint8Array, start: number, end: number): string {
  const parts: string[] = [];
  let i = start;
  while (i < end) {
    const c = b[i] as number;
    if (c < 0x80) {
      parts.push(String.fromCharCode(c));
      i++;
      continue;
    }
    let need = 0;
    let cp = 0;
    let lower = 0x80;
    let upper = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
      if (c === 0xe0) lower = 0xa0;
      if (c === 0xed) upper = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x07;
      if (c === 0xf0) lower = 0x90;
      if (c === 0xf4) upper = 0x8f;
    }
    let ok = need > 0 && i + need < end; // the continuation bytes are b[i+1 .. i+need]
    if (ok) {
      for (let k = 1; k <= need; k++) {
        const d = b[i + k] as number;
        if (d < (k === 1 ? lower : 0x80) || d > (k === 1 ? upper : 0xbf)) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (d & 0x3f);
      }
    }
    if (ok) {
      parts.push(String.fromCodePoint(cp));
      i += need + 1;
    } else {
      parts.push('\\x' + hex2(c));
      i++;
    }
  }
  return parts.join('');
}

/** Lower-case hex of b[start, end), at most MAX_HEX_BYTES bytes of it. */
export function hexOf(b: Uint8Array, start: number, end: number): string {
  const stop = Math.min(end, start + MAX_HEX_BYTES);
  let s = '';
  for (let i = start; i < stop; i++) s += hex2(b[i] as number);
  return s;
}

/** shortstr: u8 length, then that many bytes of UTF-8. */
export function decodeShortstr(b: Uint8Array, off: number, end: number): Result<string> {
  if (off + 1 > end) return new CodecError(`shortstr length needs 1 byte at ${off}, ${end - off} left`, off);
  const len = b[off] as number;
  const stop = off + 1 + len;
  if (stop > end) return new CodecError(`shortstr of ${len} bytes at ${off} runs past the end (${end - off - 1} left)`, off);
  return [utf8Text(b, off + 1, stop), stop];
}

/**
 * longstr: u32 length, then that many bytes, decoded as UTF-8 (RabbitMQ puts text in them: mechanisms, locales,
 * the PLAIN response). The declared length is checked against the bytes present before anything is allocated, so a
 * length of 4 GB costs nothing.
 */
export function decodeLongstr(b: Uint8Array, off: number, end: number): Result<string> {
  if (off + 4 > end) return new CodecError(`longstr length needs 4 bytes at ${off}, ${end - off} left`, off);
  const len = readU32(b, off);
  if (len > end - off - 4) return new CodecError(`longstr declares ${len} bytes at ${off} but only ${end - off - 4} remain`, off);
  const stop = off + 4 + len;
  return [utf8Text(b, off + 4, stop), stop];
}

// ---------------------------------------------------------------------------------------------------------------
// Field tables and arrays

/** One open table or array on the explicit decoding stack. */
interface Open {
  /** The table (object) or array being filled. */
  readonly into: FieldTable | FieldValue[];
  readonly isArray: boolean;
  /** Offset just past this container's bytes. */
  readonly end: number;
}

function setKey(t: FieldTable, key: string, v: FieldValue): void {
  // `t['__proto__'] = v` would replace the prototype instead of adding a key; field names come from the wire.
  if (key === '__proto__') Object.defineProperty(t, key, { value: v, enumerable: true, writable: true, configurable: true });
  else t[key] = v;
}

/** A field table at `off` (u32 byte length first). */
export function decodeTable(b: Uint8Array, off: number, end: number): Result<FieldTable> {
  const r = decodeNested(b, off, end, false);
  return r as Result<FieldTable>;
}

/** A field array at `off` (u32 byte length first). */
export function decodeArray(b: Uint8Array, off: number, end: number): Result<FieldValue[]> {
  const r = decodeNested(b, off, end, true);
  return r as Result<FieldValue[]>;
}

/**
 * The table/array decoder: one loop and an explicit stack of open containers. Each iteration reads one entry of the
 * innermost open container (a name and a tag for tables, a tag for arrays), then either stores a scalar or opens a
 * child container (pushed, then filled by later iterations). A container closes when the offset reaches its end;
 * an entry that would cross its container's end is an error, so children never outgrow their parents.
 */
function decodeNested(b: Uint8Array, off: number, end: number, isArray: boolean): Result<FieldValue> {
  if (off + 4 > end) return new CodecError(`${isArray ? 'array' : 'table'} length needs 4 bytes at ${off}, ${end - off} left`, off);
  const len = readU32(b, off);
  if (len > end - off - 4) {
    return new CodecError(`${isArray ? 'array' : 'table'} declares ${len} bytes at ${off} but only ${end - off - 4} remain`, off);
  }
  const root: FieldTable | FieldValue[] = isArray ? [] : {};
  const rootEnd = off + 4 + len;
  const stack: Open[] = [{ into: root, isArray, end: rootEnd }];
  let p = off + 4;
  for (;;) {
    const top = stack[stack.length - 1];
    if (top === undefined) break;
    const limit = top.end;
    if (p === limit) {
      stack.pop();
      continue;
    }
    let key = '';
    if (!top.isArray) {
      const klen = b[p] as number;
      if (p + 1 + klen > limit) return new CodecError(`field name of ${klen} bytes at ${p} runs past the end of its table`, p);
      key = utf8Text(b, p + 1, p + 1 + klen);
      p += 1 + klen;
    }
    if (p + 1 > limit) return new CodecError(`field ${top.isArray ? 'value' : `'${key}'`} has no type tag at ${p}`, p);
    const tag = b[p] as number;
    p++;
    const left = limit - p;
    let v: FieldValue;
    switch (tag) {
      case 0x74: // 't' boolean
        if (left < 1) return short(key, 't', 1, p, left);
        v = b[p] !== 0;
        p += 1;
        break;
      case 0x62: // 'b' int8
        if (left < 1) return short(key, 'b', 1, p, left);
        v = ((b[p] as number) << 24) >> 24;
        p += 1;
        break;
      case 0x42: // 'B' uint8
        if (left < 1) return short(key, 'B', 1, p, left);
        v = b[p] as number;
        p += 1;
        break;
      case 0x73: // 's' int16 (RabbitMQ; the spec text says short-string)
      case 0x55: // 'U' int16 (spec)
        if (left < 2) return short(key, String.fromCharCode(tag), 2, p, left);
        v = (readU16(b, p) << 16) >> 16;
        p += 2;
        break;
      case 0x75: // 'u' uint16
        if (left < 2) return short(key, 'u', 2, p, left);
        v = readU16(b, p);
        p += 2;
        break;
      case 0x49: // 'I' int32
        if (left < 4) return short(key, 'I', 4, p, left);
        v = readI32(b, p);
        p += 4;
        break;
      case 0x69: // 'i' uint32
        if (left < 4) return short(key, 'i', 4, p, left);
        v = readU32(b, p);
        p += 4;
        break;
      case 0x6c: // 'l' int64 (RabbitMQ; the spec text says long-long-uint)
      case 0x4c: // 'L' int64 (spec)
        if (left < 8) return short(key, String.fromCharCode(tag), 8, p, left);
        v = i64Value(b, p);
        p += 8;
        break;
      case 0x66: // 'f' float32
        if (left < 4) return short(key, 'f', 4, p, left);
        v = readF32(b, p);
        p += 4;
        break;
      case 0x64: // 'd' float64
        if (left < 8) return short(key, 'd', 8, p, left);
        v = readF64(b, p);
        p += 8;
        break;
      case 0x44: // 'D' decimal: scale octet, then a 32-bit value
        // The spec says "decimal-value = scale long-uint", but the Java client reads it with readInt() and pika
        // writes struct.pack('>Bi'): signed in practice, which is how negative decimals survive.
        if (left < 5) return short(key, 'D', 5, p, left);
        v = { type: 'decimal', scale: b[p] as number, value: readI32(b, p + 1) };
        p += 5;
        break;
      case 0x53: {
        // 'S' longstr
        const r = decodeLongstr(b, p, limit);
        if (r instanceof CodecError) return r;
        v = r[0];
        p = r[1];
        break;
      }
      case 0x78: {
        // 'x' byte array (RabbitMQ extension): u32 length + raw bytes
        if (left < 4) return short(key, 'x', 4, p, left);
        const n = readU32(b, p);
        if (n > left - 4) return new CodecError(`byte array '${key}' declares ${n} bytes at ${p} but only ${left - 4} remain`, p);
        v = { type: 'bytes', hex: hexOf(b, p + 4, p + 4 + n), length: n };
        p += 4 + n;
        break;
      }
      case 0x54: // 'T' timestamp: u64 seconds (a Number; exact for any date before the year 285,000,000)
        if (left < 8) return short(key, 'T', 8, p, left);
        v = { type: 'timestamp', seconds: readU64(b, p) };
        p += 8;
        break;
      case 0x56: // 'V' void
        v = null;
        break;
      case 0x46: // 'F' nested table
      case 0x41: {
        // 'A' array
        if (left < 4) return short(key, String.fromCharCode(tag), 4, p, left);
        const n = readU32(b, p);
        if (n > left - 4) return new CodecError(`nested ${tag === 0x41 ? 'array' : 'table'} '${key}' declares ${n} bytes at ${p} but only ${left - 4} remain`, p);
        if (stack.length >= MAX_FIELD_DEPTH) return new CodecError(`field tables/arrays nested deeper than ${MAX_FIELD_DEPTH} levels at ${p}`, p);
        const child: FieldTable | FieldValue[] = tag === 0x41 ? [] : {};
        if (top.isArray) (top.into as FieldValue[]).push(child);
        else setKey(top.into as FieldTable, key, child);
        p += 4;
        stack.push({ into: child, isArray: tag === 0x41, end: p + n });
        continue;
      }
      default:
        return new CodecError(`unknown field type tag 0x${hex2(tag)}${tag >= 0x20 && tag < 0x7f ? ` ('${String.fromCharCode(tag)}')` : ''} for ${top.isArray ? 'an array element' : `field '${key}'`} at ${p - 1}`, p - 1);
    }
    if (top.isArray) (top.into as FieldValue[]).push(v);
    else setKey(top.into as FieldTable, key, v);
  }
  return [root, rootEnd];
}

function short(key: string, tag: string, need: number, at: number, left: number): CodecError {
  return new CodecError(`field ${key === '' ? '' : `'${key}' `}of type '${tag}' needs ${need} bytes at ${at}, ${Math.max(0, left)} left in its table`, at);
}

// ---------------------------------------------------------------------------------------------------------------
// Method arguments and content properties

/**
 * Decodes a sequence of domain-typed values (method arguments) from b[off, end) into `out` under `names`.
 * Consecutive bits share octets, low bit first, at most eight per octet (spec §4.2.5.2). Returns the offset after
 * the last argument, or a CodecError.
 */
export function decodeArgs(
  b: Uint8Array,
  off: number,
  end: number,
  names: readonly string[],
  types: readonly DomainCode[],
  out: Record<string, FieldValue>,
): number | CodecError {
  let p = off;
  let bits = 0;
  let bitPos = 8; // 8 = no partially used bit octet
  for (let i = 0; i < types.length; i++) {
    const t = types[i] as DomainCode;
    const name = names[i] as string;
    if (t === D_BIT) {
      if (bitPos === 8) {
        if (p >= end) return new CodecError(`bit '${name}' needs 1 byte at ${p}, none left`, p);
        bits = b[p] as number;
        p++;
        bitPos = 0;
      }
      out[name] = ((bits >> bitPos) & 1) === 1;
      bitPos++;
      continue;
    }
    bitPos = 8;
    const r = decodeInto(b, p, end, t, name, out);
    if (typeof r !== 'number') return r;
    p = r;
  }
  return p;
}

/**
 * One non-bit domain value, stored as out[name]; returns the offset after it. Writes into the caller's record
 * instead of returning a tuple: this runs for every argument of every method frame.
 */
export function decodeInto(
  b: Uint8Array,
  p: number,
  end: number,
  t: DomainCode,
  name: string,
  out: Record<string, FieldValue>,
): number | CodecError {
  switch (t) {
    case D_SHORTSTR: {
      if (p >= end) return need(name, 'shortstr', 1, p, end);
      const stop = p + 1 + (b[p] as number);
      if (stop > end) return new CodecError(`shortstr '${name}' of ${b[p] as number} bytes at ${p} runs past the end (${end - p - 1} left)`, p);
      out[name] = utf8Text(b, p + 1, stop);
      return stop;
    }
    case D_SHORT:
      if (p + 2 > end) return need(name, 'short', 2, p, end);
      out[name] = readU16(b, p);
      return p + 2;
    case D_LONGLONG:
      if (p + 8 > end) return need(name, 'longlong', 8, p, end);
      out[name] = u64Value(b, p);
      return p + 8;
    case D_LONG:
      if (p + 4 > end) return need(name, 'long', 4, p, end);
      out[name] = readU32(b, p);
      return p + 4;
    case D_OCTET:
      if (p + 1 > end) return need(name, 'octet', 1, p, end);
      out[name] = b[p] as number;
      return p + 1;
    case D_TIMESTAMP:
      if (p + 8 > end) return need(name, 'timestamp', 8, p, end);
      out[name] = { type: 'timestamp', seconds: readU64(b, p) };
      return p + 8;
    case D_LONGSTR: {
      const r = decodeLongstr(b, p, end);
      if (r instanceof CodecError) return r;
      out[name] = r[0];
      return r[1];
    }
    case D_TABLE: {
      const r = decodeTable(b, p, end);
      if (r instanceof CodecError) return r;
      out[name] = r[0];
      return r[1];
    }
    default:
      // D_BIT is handled by decodeArgs (bits pack across arguments).
      return new CodecError(`domain ${t} of '${name}' cannot be decoded alone`, p);
  }
}

function need(name: string, domain: string, n: number, p: number, end: number): CodecError {
  return new CodecError(`'${name}' (${domain}) needs ${n} bytes at ${p}, ${Math.max(0, end - p)} left`, p);
}

/** The decoded Basic content header after the class id and weight. */
export interface ContentHeaderBody {
  bodySize: number;
  properties: Record<string, FieldValue>;
}

/**
 * Content header payload from `off` (pointing at body-size, i.e. after class-id and weight):
 *
 *   body-size u64 | property-flags u16 (bit 0 = another flags word follows) | the present properties, in flag order
 *
 * Only Basic's fourteen properties exist; a flag bit for anything else (bit 1, or any bit of a continuation word)
 * announces a property whose type is unknown, which makes the header unreadable.
 *
 * Properties are stored into `properties` (returned in the result) as each decodes whole, so after an error it holds
 * those before the failure: what a frame cut by a capture gap still tells.
 */
export function decodeBasicHeader(b: Uint8Array, off: number, end: number, properties: Record<string, FieldValue> = {}): Result<ContentHeaderBody> {
  if (off + 10 > end) return new CodecError(`content header needs 10 bytes of body-size and flags at ${off}, ${end - off} left`, off);
  const bodySize = readU64(b, off);
  if (!Number.isSafeInteger(bodySize)) return new CodecError(`body-size ${bodySize} at ${off} is beyond 2^53 bytes`, off);
  const flags = readU16(b, off + 8);
  let p = off + 10;
  if ((flags & 0x0002) !== 0) return new CodecError(`property flags 0x${flags.toString(16)} set unused bit 1`, off + 8);
  let more = (flags & 0x0001) !== 0;
  while (more) {
    if (p + 2 > end) return new CodecError(`continuation property-flags word needs 2 bytes at ${p}`, p);
    const w = readU16(b, p);
    if ((w & 0xfffe) !== 0) return new CodecError(`continuation property flags 0x${w.toString(16)} name properties Basic does not have`, p);
    more = (w & 0x0001) !== 0;
    p += 2;
  }
  for (let i = 0; i < BASIC_PROPERTY_FLAGS.length; i++) {
    if ((flags & (BASIC_PROPERTY_FLAGS[i] as number)) === 0) continue;
    const name = BASIC_PROPERTY_NAMES[i] as string;
    const r = decodeInto(b, p, end, BASIC_PROPERTY_TYPES[i] as DomainCode, name, properties);
    if (typeof r !== 'number') return r;
    p = r;
  }
  return [{ bodySize, properties }, p];
}

// ---------------------------------------------------------------------------------------------------------------
// Validation without building: the decoder's allocation-free path (FrameView) checks that a payload decodes
// cleanly before handing it on undecoded. Each function accepts exactly what its decoding twin above accepts
// (test/amqp/codec-validate.test.ts compares them on random and mutated payloads), and returns the offset after
// the value, or -1 where the twin returns a CodecError.

/** Bytes after the type tag of the fixed-size field-table values (0: not fixed-size). */
const FIXED_FIELD_SIZE = new Uint8Array(256);
for (const [tag, n] of [['t', 1], ['b', 1], ['B', 1], ['s', 2], ['U', 2], ['u', 2], ['I', 4], ['i', 4], ['l', 8], ['L', 8], ['f', 4], ['d', 8], ['D', 5], ['T', 8]] as const) {
  FIXED_FIELD_SIZE[tag.charCodeAt(0)] = n;
}
/** Open containers' ends while validating (depth <= MAX_FIELD_DEPTH), and whether each is an array. */
const skipEnds = new Float64Array(MAX_FIELD_DEPTH + 1);
const skipIsArray = new Uint8Array(MAX_FIELD_DEPTH + 1);

/** Twin of decodeTable (isArray false) / decodeArray. */
export function skipNested(b: Uint8Array, off: number, end: number, isArray: boolean): number {
  if (off + 4 > end) return -1;
  const len = readU32(b, off);
  if (len > end - off - 4) return -1;
  const rootEnd = off + 4 + len;
  let depth = 1;
  skipEnds[0] = rootEnd;
  skipIsArray[0] = isArray ? 1 : 0;
  let p = off + 4;
  while (depth > 0) {
    const limit = skipEnds[depth - 1] as number;
    if (p === limit) {
      depth--;
      continue;
    }
    if (skipIsArray[depth - 1] === 0) {
      const klen = b[p] as number;
      if (p + 1 + klen > limit) return -1;
      p += 1 + klen;
    }
    if (p + 1 > limit) return -1;
    const tag = b[p] as number;
    p++;
    const left = limit - p;
    const fixed = FIXED_FIELD_SIZE[tag] as number;
    if (fixed !== 0) {
      if (left < fixed) return -1;
      p += fixed;
    } else if (tag === 0x53 || tag === 0x78) {
      // 'S' longstr, 'x' byte array: u32 length + bytes
      if (left < 4) return -1;
      const n = readU32(b, p);
      if (n > left - 4) return -1;
      p += 4 + n;
    } else if (tag === 0x56) {
      // 'V' void
    } else if (tag === 0x46 || tag === 0x41) {
      if (left < 4) return -1;
      const n = readU32(b, p);
      if (n > left - 4 || depth >= MAX_FIELD_DEPTH) return -1;
      p += 4;
      skipEnds[depth] = p + n;
      skipIsArray[depth] = tag === 0x41 ? 1 : 0;
      depth++;
    } else {
      return -1;
    }
  }
  return rootEnd;
}

/** One non-bit domain value at p: twin of decodeInto. */
function skipDomain(b: Uint8Array, p: number, end: number, t: DomainCode): number {
  switch (t) {
    case D_SHORTSTR: {
      if (p >= end) return -1;
      const stop = p + 1 + (b[p] as number);
      return stop > end ? -1 : stop;
    }
    case D_OCTET:
      return p + 1 > end ? -1 : p + 1;
    case D_SHORT:
      return p + 2 > end ? -1 : p + 2;
    case D_LONG:
      return p + 4 > end ? -1 : p + 4;
    case D_LONGLONG:
    case D_TIMESTAMP:
      return p + 8 > end ? -1 : p + 8;
    case D_LONGSTR: {
      if (p + 4 > end) return -1;
      const len = readU32(b, p);
      return len > end - p - 4 ? -1 : p + 4 + len;
    }
    case D_TABLE:
      return skipNested(b, p, end, false);
    default:
      return -1;
  }
}

/** Twin of decodeArgs. */
export function skipArgs(b: Uint8Array, off: number, end: number, types: readonly DomainCode[]): number {
  let p = off;
  let bitPos = 8;
  for (let i = 0; i < types.length; i++) {
    const t = types[i] as DomainCode;
    if (t === D_BIT) {
      if (bitPos === 8) {
        if (p >= end) return -1;
        p++;
        bitPos = 0;
      }
      bitPos++;
      continue;
    }
    bitPos = 8;
    p = skipDomain(b, p, end, t);
    if (p < 0) return -1;
  }
  return p;
}

/** What the allocation-free path needs from a content header: the body size and where two ids lie. */
export interface HeaderScan {
  bodySize: number;
  /** message-id / correlation-id text at b[start, end); start -1 when absent. */
  messageIdStart: number;
  messageIdEnd: number;
  correlationIdStart: number;
  correlationIdEnd: number;
}

const MESSAGE_ID_FLAG = 0x8000 >> 8;
const CORRELATION_ID_FLAG = 0x8000 >> 5;

/** Twin of decodeBasicHeader; fills `out` and returns the offset after the properties, or -1. */
export function scanBasicHeader(b: Uint8Array, off: number, end: number, out: HeaderScan): number {
  if (off + 10 > end) return -1;
  const bodySize = readU64(b, off);
  if (!Number.isSafeInteger(bodySize)) return -1;
  const flags = readU16(b, off + 8);
  let p = off + 10;
  if ((flags & 0x0002) !== 0) return -1;
  let more = (flags & 0x0001) !== 0;
  while (more) {
    if (p + 2 > end) return -1;
    const w = readU16(b, p);
    if ((w & 0xfffe) !== 0) return -1;
    more = (w & 0x0001) !== 0;
    p += 2;
  }
  out.bodySize = bodySize;
  out.messageIdStart = -1;
  out.correlationIdStart = -1;
  for (let i = 0; i < BASIC_PROPERTY_FLAGS.length; i++) {
    const flag = BASIC_PROPERTY_FLAGS[i] as number;
    if ((flags & flag) === 0) continue;
    const next = skipDomain(b, p, end, BASIC_PROPERTY_TYPES[i] as DomainCode);
    if (next < 0) return -1;
    if (flag === MESSAGE_ID_FLAG) {
      out.messageIdStart = p + 1;
      out.messageIdEnd = next;
    } else if (flag === CORRELATION_ID_FLAG) {
      out.correlationIdStart = p + 1;
      out.correlationIdEnd = next;
    }
    p = next;
  }
  return p;
}
