/** Field primitives: every field-table tag, integer edges, UTF-8, hostile lengths and depths. */
import { describe, expect, it } from 'vitest';
import {
  CodecError,
  MAX_FIELD_DEPTH,
  MAX_HEX_BYTES,
  decodeArgs,
  decodeArray,
  decodeBasicHeader,
  decodeLongstr,
  decodeShortstr,
  decodeTable,
  i64Value,
  readU64,
  u64Value,
  utf8Text,
} from '../../src/amqp/codec.js';
import { D_BIT, D_SHORT, type DomainCode } from '../../src/amqp/spec.js';
import type { FieldValue } from '../../src/amqp/types.js';
import { array, concat, field, hex, longstr, shortstr, table, tagged, u16, u32, u64, u8, utf8 } from '../helpers/amqp-encode.js';

function ok<T>(r: [T, number] | CodecError): [T, number] {
  if (r instanceof CodecError) throw new Error(`unexpected CodecError: ${r.message}`);
  return r;
}

describe('field tables: every RabbitMQ type tag', () => {
  it('decodes t b B s u I i l f d D S x T V F A, and spec-only U and L', () => {
    const f32 = new Uint8Array(new Float32Array([1.5]).buffer).reverse();
    const f64 = new Uint8Array(new Float64Array([-0.25]).buffer).reverse();
    const bytes = table(
      field('bool-t', 't', u8(1)),
      field('bool-f', 't', u8(0)),
      field('int8', 'b', u8(0x80)), // -128
      field('uint8', 'B', u8(0xff)),
      field('int16', 's', u16(0xfffe)), // -2 (RabbitMQ 's'; the spec text would say short-string)
      field('uint16', 'u', u16(0xffff)),
      field('int32', 'I', u32(0xffffffff)), // -1
      field('uint32', 'i', u32(0xffffffff)),
      field('int64', 'l', u64(-5n)), // RabbitMQ 'l' is signed
      field('int64-big', 'l', u64(2n ** 53n)),
      field('int64-min', 'l', u64(-(2n ** 63n))),
      field('spec-U', 'U', u16(0x8000)), // -32768
      field('spec-L', 'L', u64(2n ** 62n)),
      field('float', 'f', f32),
      field('double', 'd', f64),
      field('decimal', 'D', concat(u8(2), u32(12345))),
      field('neg-decimal', 'D', concat(u8(2), u32(-314))), // pika: struct.pack('>Bi', 2, -314)
      field('longstr', 'S', longstr('héllo')),
      field('bytes', 'x', longstr(hex('deadbeef'))),
      field('timestamp', 'T', u64(1700000000)),
      field('void', 'V', new Uint8Array(0)),
      field('table', 'F', table(field('inner', 'S', longstr('x')))),
      field('array', 'A', array(tagged('I', u32(1)), tagged('S', longstr('two')), tagged('A', array(tagged('t', u8(1)))), tagged('V', new Uint8Array(0)))),
    );
    const [v, next] = ok(decodeTable(bytes, 0, bytes.length));
    expect(next).toBe(bytes.length);
    expect(v).toEqual({
      'bool-t': true,
      'bool-f': false,
      int8: -128,
      uint8: 255,
      int16: -2,
      uint16: 65535,
      int32: -1,
      uint32: 4294967295,
      int64: -5,
      'int64-big': { type: 'int64', value: '9007199254740992' },
      'int64-min': { type: 'int64', value: '-9223372036854775808' },
      'spec-U': -32768,
      'spec-L': { type: 'int64', value: '4611686018427387904' },
      float: 1.5,
      double: -0.25,
      decimal: { type: 'decimal', scale: 2, value: 12345 },
      'neg-decimal': { type: 'decimal', scale: 2, value: -314 },
      longstr: 'héllo',
      bytes: { type: 'bytes', hex: 'deadbeef', length: 4 },
      timestamp: { type: 'timestamp', seconds: 1700000000 },
      void: null,
      table: { inner: 'x' },
      array: [1, 'two', [true], null],
    });
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });

  it('keeps non-finite floats JSON-safe', () => {
    const nan = new Uint8Array(new Float64Array([NaN]).buffer).reverse();
    const inf = new Uint8Array(new Float32Array([-Infinity]).buffer).reverse();
    const [v] = ok(decodeTable(table(field('n', 'd', nan), field('i', 'f', inf)), 0, 1e9));
    expect(v).toEqual({ n: 'NaN', i: '-Infinity' });
  });

  it('caps the hex of a long byte array but keeps its exact length', () => {
    const big = new Uint8Array(5000).fill(0xab);
    const [v] = ok(decodeTable(table(field('blob', 'x', longstr(big))), 0, 1e9));
    const blob = v['blob'] as { type: string; hex: string; length: number };
    expect(blob.length).toBe(5000);
    expect(blob.hex).toBe('ab'.repeat(MAX_HEX_BYTES));
  });

  it("treats a '__proto__' field name as a plain key", () => {
    const [v] = ok(decodeTable(table(field('__proto__', 'S', longstr('evil')), field('ok', 't', u8(1))), 0, 1e9));
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__', 'ok']);
    expect(JSON.stringify(v)).toBe('{"__proto__":"evil","ok":true}');
  });

  it('decodes an empty table and an empty array', () => {
    expect(ok(decodeTable(table(), 0, 4))).toEqual([{}, 4]);
    expect(ok(decodeArray(array(), 0, 4))).toEqual([[], 4]);
  });

  it('rejects an unknown tag, naming it', () => {
    const r = decodeTable(table(field('k', 'Z', u8(0))), 0, 1e9);
    expect(r).toBeInstanceOf(CodecError);
    expect((r as CodecError).message).toMatch(/unknown field type tag 0x5a \('Z'\) for field 'k'/);
  });

  it('rejects truncation at every point without throwing', () => {
    const bytes = table(field('a', 'S', longstr('hello')), field('b', 'F', table(field('c', 'l', u64(7)))), field('d', 'A', array(tagged('u', u16(1)))));
    expect(ok(decodeTable(bytes, 0, bytes.length))[1]).toBe(bytes.length);
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(decodeTable(bytes, 0, cut)).toBeInstanceOf(CodecError);
    }
    // A table whose inner lengths disagree with the outer one: the entry may not cross its table's end.
    const lying = concat(u32(6), shortstr('a'), utf8('S'), u32(100), utf8('xxxx'));
    expect(decodeTable(lying, 0, lying.length)).toBeInstanceOf(CodecError);
  });

  it('checks a 4 GB longstr against the bytes present before allocating anything', () => {
    const bytes = concat(u32(0xffffffff), utf8('tiny'));
    const t0 = performance.now();
    const r = decodeLongstr(bytes, 0, bytes.length);
    expect(r).toBeInstanceOf(CodecError);
    expect((r as CodecError).message).toMatch(/declares 4294967295 bytes/);
    // Same inside a table ('S' and 'x' values, nested table lengths).
    for (const tag of ['S', 'x', 'F', 'A']) {
      const t = concat(u32(11), shortstr('k'), utf8(tag), u32(0xfffffff0), utf8('ab'));
      expect(decodeTable(t, 0, t.length)).toBeInstanceOf(CodecError);
    }
    expect(decodeTable(u32(0xffffffff), 0, 4)).toBeInstanceOf(CodecError);
    expect(performance.now() - t0).toBeLessThan(50);
  });
});

describe('nesting without recursion', () => {
  /** A table nested `depth` levels deep: {a: {a: {... {} }}}, built inside out. */
  function nestedTables(depth: number): Uint8Array {
    let inner = table();
    for (let i = 1; i < depth; i++) inner = table(field('a', 'F', inner));
    return inner;
  }
  function nestedArrays(depth: number): Uint8Array {
    let inner = array();
    for (let i = 1; i < depth; i++) inner = array(tagged('A', inner));
    return inner;
  }

  it(`accepts ${MAX_FIELD_DEPTH} levels`, () => {
    const [v] = ok(decodeTable(nestedTables(MAX_FIELD_DEPTH), 0, 1e9));
    let depth = 1;
    let t = v as Record<string, FieldValue>;
    while (t['a'] !== undefined) {
      t = t['a'] as Record<string, FieldValue>;
      depth++;
    }
    expect(depth).toBe(MAX_FIELD_DEPTH);
    expect(() => JSON.stringify(v)).not.toThrow();
  });

  it('rejects 10,000 levels of tables, and of arrays, quickly and without a stack overflow', () => {
    const cases: [Uint8Array, (b: Uint8Array, o: number, e: number) => unknown][] = [
      [nestedTables(10_000), decodeTable],
      [nestedArrays(10_000), decodeArray],
    ];
    for (const [bytes, decode] of cases) {
      const t0 = performance.now();
      const r = decode(bytes, 0, bytes.length);
      expect(r).toBeInstanceOf(CodecError);
      expect((r as CodecError).message).toMatch(/nested deeper than 100 levels/);
      expect(performance.now() - t0).toBeLessThan(200);
    }
  });
});

describe('integers', () => {
  it('keeps 64-bit integers exact', () => {
    const v = (n: bigint): FieldValue => u64Value(u64(n), 0);
    expect(v(0n)).toBe(0);
    expect(v(2n ** 53n - 1n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(v(2n ** 53n)).toEqual({ type: 'int64', value: '9007199254740992' });
    expect(v(2n ** 64n - 1n)).toEqual({ type: 'int64', value: '18446744073709551615' });
    const s = (n: bigint): FieldValue => i64Value(u64(n), 0);
    expect(s(-1n)).toBe(-1);
    expect(s(-(2n ** 53n) + 1n)).toBe(-Number.MAX_SAFE_INTEGER);
    expect(s(-(2n ** 53n))).toEqual({ type: 'int64', value: '-9007199254740992' });
    expect(s(2n ** 63n - 1n)).toEqual({ type: 'int64', value: '9223372036854775807' });
  });

  it('reads an unsigned 64-bit integer as the number hi * 2^32 + lo, with or without a high half', () => {
    for (const n of [0n, 1n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 5n, 2n ** 53n - 1n, 2n ** 63n + 7n, 2n ** 64n - 1n]) {
      expect(readU64(u64(n), 0), String(n)).toBe(Number(BigInt.asUintN(32, n >> 32n)) * 2 ** 32 + Number(BigInt.asUintN(32, n)));
    }
  });

  it('packs consecutive bits low bit first, nine bits into two octets', () => {
    const names = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'after', 'last'];
    const types: DomainCode[] = [D_BIT, D_BIT, D_BIT, D_BIT, D_BIT, D_BIT, D_BIT, D_BIT, D_BIT, D_SHORT, D_BIT];
    const bytes = hex('81 01 0102 01');
    const out: Record<string, FieldValue> = {};
    expect(decodeArgs(bytes, 0, bytes.length, names, types, out)).toBe(5);
    expect(out).toEqual({ b0: true, b1: false, b2: false, b3: false, b4: false, b5: false, b6: false, b7: true, b8: true, after: 258, last: true });
    expect(decodeArgs(bytes, 0, 1, names, types, {})).toBeInstanceOf(CodecError);
  });
});

describe('strings', () => {
  const s = (b: Uint8Array): string => utf8Text(b, 0, b.length);

  it('decodes ASCII, 2/3/4-byte UTF-8, and long strings', () => {
    expect(s(utf8('amq.direct'))).toBe('amq.direct');
    expect(s(utf8('é→😀'))).toBe('é→😀');
    expect(s(utf8('x'.repeat(300) + 'é'))).toBe('x'.repeat(300) + 'é');
  });

  it('shows invalid UTF-8 as \\xNN and never throws', () => {
    expect(s(hex('636166e9'))).toBe('caf\\xe9'); // Latin-1 café
    expect(s(hex('c080'))).toBe('\\xc0\\x80'); // overlong NUL
    expect(s(hex('eda080'))).toBe('\\xed\\xa0\\x80'); // UTF-16 surrogate
    expect(s(hex('41f09f98'))).toBe('A\\xf0\\x9f\\x98'); // truncated 4-byte sequence
    expect(s(hex('ff41c3a9'))).toBe('\\xff' + 'Aé');
    expect(s(concat(utf8('x'.repeat(100)), hex('ff')))).toBe('x'.repeat(100) + '\\xff');
  });

  it('checks shortstr and longstr lengths', () => {
    expect(ok(decodeShortstr(shortstr('abc'), 0, 4))).toEqual(['abc', 4]);
    expect(decodeShortstr(shortstr('abc'), 0, 3)).toBeInstanceOf(CodecError);
    expect(decodeShortstr(new Uint8Array(0), 0, 0)).toBeInstanceOf(CodecError);
    expect(ok(decodeLongstr(longstr(''), 0, 4))).toEqual(['', 4]);
    expect(decodeLongstr(longstr('abc'), 0, 6)).toBeInstanceOf(CodecError);
  });
});

describe('basic content header', () => {
  it('reads body-size and flags, and rejects unknown property bits and continuation words', () => {
    expect(ok(decodeBasicHeader(hex('0000000000000010 8000 04 74657874'), 0, 15))).toEqual([{ bodySize: 16, properties: { 'content-type': 'text' } }, 15]);
    expect(decodeBasicHeader(hex('0000000000000000 0002'), 0, 10)).toBeInstanceOf(CodecError);
    // A continuation word that is empty is harmless; one that names a 15th property is not.
    expect(ok(decodeBasicHeader(hex('0000000000000000 0001 0000'), 0, 12))).toEqual([{ bodySize: 0, properties: {} }, 12]);
    expect(decodeBasicHeader(hex('0000000000000000 0001 8000'), 0, 12)).toBeInstanceOf(CodecError);
    // body-size beyond 2^53 cannot be real.
    expect(decodeBasicHeader(hex('ffffffffffffffff 0000'), 0, 10)).toBeInstanceOf(CodecError);
  });
});
