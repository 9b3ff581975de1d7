/**
 * Connection.Start's arguments are decoded once per distinct payload and shared between connections: the same
 * object for the same bytes, never for other bytes, and never for a payload that does not decode whole (its
 * connection decodes it as before and reports what is wrong).
 */
import { describe, expect, it } from 'vitest';
import { sharedArgs } from '../../src/amqp/shared-args.js';
import { methodInfo } from '../../src/amqp/spec.js';
import { concat, field, longstr, table } from '../helpers/amqp-encode.js';

const START = methodInfo(10, 10)!;
const startArgs = (product: string) =>
  concat(Uint8Array.of(0, 9), table(field('product', 'S', longstr(product)), field('capabilities', 'F', table(field('basic.nack', 't', Uint8Array.of(1))))), longstr('PLAIN AMQPLAIN'), longstr('en_US'));

describe('shared Connection.Start arguments', () => {
  it('are one object for the same bytes, another for other bytes, and decode like decodeArgs', () => {
    const a = sharedArgs(START, startArgs('RabbitMQ'), 0, startArgs('RabbitMQ').length);
    const again = startArgs('RabbitMQ');
    // The same bytes at another offset of another buffer.
    const padded = concat(Uint8Array.of(1, 2, 3), again);
    expect(sharedArgs(START, padded, 3, padded.length)).toBe(a);
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
