/**
 * The test helper's JSON Schema validator (test/helpers/json-schema.ts), tested on its own: a validator that
 * accepts everything would make the report-schema test worthless.
 */
import { describe, expect, it } from 'vitest';
import { formatErrors, jsonEqual, validate, type JsonSchema } from '../helpers/json-schema.js';

const ok = (schema: JsonSchema, v: unknown) => expect(validate(schema, v), JSON.stringify(v)).toEqual([]);
const bad = (schema: JsonSchema, v: unknown, message?: RegExp) => {
  const errors = validate(schema, v);
  expect(errors.length, `${JSON.stringify(v)} should be rejected`).toBeGreaterThan(0);
  if (message !== undefined) expect(formatErrors(errors)).toMatch(message);
};

describe('json-schema validator', () => {
  it('checks types, integer included', () => {
    ok({ type: 'string' }, 'x');
    bad({ type: 'string' }, 1, /expected string, got number/);
    ok({ type: 'integer' }, 3);
    bad({ type: 'integer' }, 3.5, /expected integer/);
    ok({ type: 'number' }, 3.5);
    bad({ type: 'number' }, '3.5');
    bad({ type: 'number' }, Number.NaN);
    ok({ type: 'null' }, null);
    bad({ type: 'object' }, null);
    bad({ type: 'object' }, []);
    ok({ type: 'array' }, []);
    bad({ type: 'boolean' }, 0);
    ok({ type: ['string', 'null'] }, null);
    ok({ type: ['string', 'null'] }, 's');
    bad({ type: ['string', 'null'] }, 1, /expected string or null/);
  });

  it('checks required and additional properties', () => {
    const schema = {
      type: 'object',
      required: ['a', 'b'],
      additionalProperties: false,
      properties: { a: { type: 'integer' }, b: { type: 'string' }, c: { type: 'boolean' } },
    };
    ok(schema, { a: 1, b: 'x' });
    ok(schema, { a: 1, b: 'x', c: true });
    bad(schema, { a: 1 }, /missing required property 'b'/);
    bad(schema, { a: 1, b: 'x', d: 0 }, /\/d: property 'd' is not allowed/);
    bad(schema, { a: 'one', b: 'x' }, /\/a: expected integer/);
    // additionalProperties as a schema, and open objects.
    ok({ type: 'object', additionalProperties: { type: 'number' } }, { x: 1, y: 2 });
    bad({ type: 'object', additionalProperties: { type: 'number' } }, { x: 1, y: 'two' }, /\/y: expected number/);
    ok({ type: 'object', properties: { a: { type: 'integer' } } }, { a: 1, anything: 'goes' });
  });

  it('checks enum and const, with JSON equality', () => {
    ok({ enum: ['info', 'warning', 'error'] }, 'warning');
    bad({ enum: ['info', 'warning', 'error'] }, 'fatal', /"fatal" is not one of/);
    ok({ enum: ['rst', null] }, null);
    bad({ enum: ['rst', null] }, 'null');
    ok({ const: 'amqpscope' }, 'amqpscope');
    bad({ const: 'amqpscope' }, 'amqpscopes');
    ok({ const: { a: [1, 2] } }, { a: [1, 2] });
    bad({ const: { a: [1, 2] } }, { a: [2, 1] });
    expect(jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
  });

  it('checks array items with the item path', () => {
    const schema = { type: 'array', items: { type: 'integer', minimum: 0 } };
    ok(schema, [0, 1, 2]);
    bad(schema, [0, -1], /\/1: -1 is less than the minimum 0/);
    bad(schema, [0, 'x'], /\/1: expected integer/);
  });

  it('checks minimum, maximum and pattern', () => {
    ok({ type: 'integer', minimum: 1, maximum: 65535 }, 5672);
    bad({ type: 'integer', minimum: 1 }, 0, /less than the minimum/);
    bad({ type: 'integer', maximum: 65535 }, 65536, /more than the maximum/);
    const iso = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\\.[0-9]{1,9})?Z$' };
    ok(iso, '2026-11-22T02:07:53.701121Z');
    ok(iso, '2026-11-22T02:07:53.701121123Z');
    bad(iso, '2026-11-22 02:07:53Z', /does not match/);
  });

  it('checks anyOf and oneOf', () => {
    const nullable = { anyOf: [{ type: 'integer' }, { type: 'null' }] };
    ok(nullable, 3);
    ok(nullable, null);
    bad(nullable, 'x', /matches none of the 2 anyOf alternatives/);
    const one = { oneOf: [{ type: 'integer' }, { type: 'number' }] };
    ok(one, 1.5); // only "number"
    bad(one, 1, /matches 2 of the oneOf alternatives/); // both
    bad(one, 'x', /matches 0 of the oneOf/);
  });

  it('follows $ref into $defs, with sibling keywords applied too', () => {
    const schema = {
      type: 'object',
      properties: {
        when: { $ref: '#/$defs/when' },
        list: { type: 'array', items: { $ref: '#/$defs/when' } },
        port: { $ref: '#/$defs/port', description: 'a port' },
      },
      $defs: {
        when: { type: 'object', required: ['t', 'packet'], additionalProperties: false, properties: { t: { type: 'number' }, packet: { $ref: '#/$defs/packet' } } },
        packet: { type: 'integer', minimum: 1 },
        port: { type: 'integer', maximum: 65535 },
      },
    };
    ok(schema, { when: { t: 1.5, packet: 3 }, list: [{ t: 0, packet: 1 }], port: 5672 });
    bad(schema, { when: { t: 1.5 } }, /\/when: missing required property 'packet'/);
    bad(schema, { when: { t: 1.5, packet: 0 } }, /\/when\/packet: 0 is less than the minimum 1/);
    bad(schema, { list: [{ t: 0, packet: 1 }, { t: 'x', packet: 1 }] }, /\/list\/1\/t: expected number/);
    bad(schema, { port: 70000 }, /more than the maximum/);
    expect(() => validate({ $ref: '#/$defs/missing' }, 1)).toThrow(/does not resolve/);
  });

  it('supports recursive schemas', () => {
    const schema = { $ref: '#/$defs/value', $defs: { value: { anyOf: [{ type: 'string' }, { type: 'array', items: { $ref: '#/$defs/value' } }] } } };
    ok(schema, ['a', ['b', ['c']]]);
    bad(schema, ['a', [1]]);
  });

  it('accepts true and rejects everything under false', () => {
    ok(true, { any: 'thing' });
    bad(false, 1);
    bad({ type: 'object', properties: { x: false } }, { x: 1 });
  });

  it('refuses keywords it does not implement rather than skipping them', () => {
    expect(() => validate({ type: 'object', patternProperties: {} }, {})).toThrow(/unsupported keyword 'patternProperties'/);
    expect(() => validate({ type: 'strnig' }, 'x')).toThrow(/unknown type/);
    // Annotations are fine.
    ok({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: 't', description: 'd', type: 'string' }, 'x');
  });
});
