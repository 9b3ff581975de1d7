/**
 * Connection.Start's arguments are decoded at most twice per distinct payload and shared between connections: the
 * same object for the same bytes from their second time on, never for other bytes (even with the same hash), and
 * never for a payload that does not decode whole (its connection decodes it as before and reports what is wrong).
 */
import { describe, expect, it } from 'vitest';
import { ByContent, contentHash } from '../../src/amqp/by-content.js';
import { sharedArgs } from '../../src/amqp/shared-args.js';
import { methodInfo } from '../../src/amqp/spec.js';
import { concat, field, longstr, table } from '../helpers/amqp-encode.js';

const START = methodInfo(10, 10)!;
const startArgs = (product: string) =>
  concat(Uint8Array.of(0, 9), table(field('product', 'S', longstr(product)), field('capabilities', 'F', table(field('basic.nack', 't', Uint8Array.of(1))))), longstr('PLAIN AMQPLAIN'), longstr('en_US'));

describe('shared Connection.Start arguments', () => {
  it('are one object for the same bytes from their second time on, another for other bytes, and decode like decodeArgs', () => {
    const first = sharedArgs(START, startArgs('RabbitMQ'), 0, startArgs('RabbitMQ').length);
    const again = startArgs('RabbitMQ');
    // The same bytes at another offset of another buffer: kept the second time they come, not the first (a payload
    // that never repeats costs no copy).
    const padded = concat(Uint8Array.of(1, 2, 3), again);
    const a = sharedArgs(START, padded, 3, padded.length);
    expect(a).not.toBe(first);
    expect(a).toEqual(first);
    padded.fill(0); // the kept copy is not the caller's bytes
    expect(sharedArgs(START, startArgs('RabbitMQ'), 0, startArgs('RabbitMQ').length)).toBe(a);
    expect(a).toEqual({ 'version-major': 0, 'version-minor': 9, 'server-properties': { product: 'RabbitMQ', capabilities: { 'basic.nack': true } }, mechanisms: 'PLAIN AMQPLAIN', locales: 'en_US' });
    const other = startArgs('RabbitMQ-2');
    const b = sharedArgs(START, other, 0, other.length);
    expect(b).not.toBe(a);
    expect(b).toMatchObject({ 'server-properties': { product: 'RabbitMQ-2' } });
  });

  it('are not shared for other methods, cut or damaged payloads', () => {
    const bytes = startArgs('RabbitMQ');
    expect(sharedArgs(methodInfo(10, 11)!, bytes, 0, bytes.length)).toBeNull();
    expect(sharedArgs(START, bytes, 0, bytes.length - 1)).toBeNull();
    const damaged = concat(bytes, Uint8Array.of(0)); // a byte after the last argument
    expect(sharedArgs(START, damaged, 0, damaged.length)).toBeNull();
  });
});

describe('ByContent', () => {
  it('finds a value by the content of a byte range, never for other bytes with the same hash', () => {
    const cache = new ByContent<string>(4);
    const bytes = Uint8Array.of(9, 1, 2, 3, 4, 5, 9);
    const hash = contentHash(bytes, 1, 6);
    expect(contentHash(Uint8Array.of(1, 2, 3, 4, 5), 0, 5)).toBe(hash);
    expect(contentHash(Uint8Array.of(1, 2, 3, 4, 6), 0, 5)).not.toBe(hash);
    expect(cache.repeated(hash)).toBe(false);
    expect(cache.repeated(hash)).toBe(true);
    cache.set(hash, bytes.slice(1, 6), 'five');
    expect(cache.get(Uint8Array.of(0, 1, 2, 3, 4, 5), 1, 6, hash)).toBe('five');
    // A collision: other bytes under the same hash are not found.
    expect(cache.get(Uint8Array.of(1, 2, 3, 4, 6), 0, 5, hash)).toBeUndefined();
    expect(cache.get(Uint8Array.of(1, 2, 3, 4), 0, 4, hash)).toBeUndefined();
  });

  it('stays bounded: forgotten all at once when full', () => {
    const cache = new ByContent<number>(2);
    for (let i = 0; i < 3; i++) cache.set(i, Uint8Array.of(i), i);
    expect(cache.get(Uint8Array.of(0), 0, 1, 0)).toBeUndefined();
    expect(cache.get(Uint8Array.of(2), 0, 1, 2)).toBe(2);
    for (let i = 0; i < 32; i++) cache.repeated(100 + i);
    // 32 hashes noted (16 per kept entry) filled the table: the next one starts it again.
    expect(cache.repeated(1000)).toBe(false);
    expect(cache.repeated(100)).toBe(false);
  });
});
