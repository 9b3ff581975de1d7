/**
 * Every method of the table, built field by field from the specification (test/helpers/amqp-encode.ts does not
 * read src/amqp/spec.ts), decoded whole, split in two at every point, and one byte at a time: the outcomes must be
 * identical. A wrong argument list, type or order in spec.ts fails here.
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/amqp/frame-decoder.js';
import { allMethods, type MethodArgName, type MethodName } from '../../src/amqp/spec.js';
import type { FieldValue, MethodFrame } from '../../src/amqp/types.js';
import {
  PROTOCOL_HEADER_091,
  RecordingSink,
  bits,
  concat,
  feedPieces,
  field,
  hex,
  longstr,
  methodFrame,
  outcome,
  shortstr,
  splits,
  table,
  u16,
  u32,
  u64,
  u8,
  utf8,
} from '../helpers/amqp-encode.js';

interface Fixture {
  name: string;
  channel: number;
  bytes: Uint8Array;
  args: Record<string, FieldValue>;
}

const EMPTY = table();

const FIXTURES: Fixture[] = [
  // ---- Connection (channel 0) ----
  {
    name: 'Connection.Start',
    channel: 0,
    bytes: methodFrame(
      0, 10, 10,
      u8(0), u8(9),
      table(field('product', 'S', longstr('RabbitMQ')), field('capabilities', 'F', table(field('publisher_confirms', 't', u8(1))))),
      longstr('AMQPLAIN PLAIN'),
      longstr('en_US'),
    ),
    args: {
      'version-major': 0,
      'version-minor': 9,
      'server-properties': { product: 'RabbitMQ', capabilities: { publisher_confirms: true } },
      mechanisms: 'AMQPLAIN PLAIN',
      locales: 'en_US',
    },
  },
  {
    name: 'Connection.Start-Ok',
    channel: 0,
    bytes: methodFrame(0, 10, 11, table(field('product', 'S', longstr('pika'))), shortstr('PLAIN'), longstr('\0guest\0guest'), shortstr('en_US')),
    args: { 'client-properties': { product: 'pika' }, mechanism: 'PLAIN', response: '\0guest\0guest', locale: 'en_US' },
  },
  { name: 'Connection.Secure', channel: 0, bytes: methodFrame(0, 10, 20, longstr('challenge')), args: { challenge: 'challenge' } },
  { name: 'Connection.Secure-Ok', channel: 0, bytes: methodFrame(0, 10, 21, longstr('answer')), args: { response: 'answer' } },
  {
    // RabbitMQ 3.10's real Connection.Tune: channel-max 2047, frame-max 131072, heartbeat 60.
    name: 'Connection.Tune',
    channel: 0,
    bytes: hex('01 0000 0000000c 000a 001e 07ff 00020000 003c ce'),
    args: { 'channel-max': 2047, 'frame-max': 131072, heartbeat: 60 },
  },
  {
    // pika's Tune-Ok from pika-kitchen-sink.pcap: frame-max 8192, heartbeat 60.
    name: 'Connection.Tune-Ok',
    channel: 0,
    bytes: hex('01 0000 0000000c 000a 001f 07ff 00002000 003c ce'),
    args: { 'channel-max': 2047, 'frame-max': 8192, heartbeat: 60 },
  },
  {
    name: 'Connection.Open',
    channel: 0,
    bytes: hex('01 0000 00000008 000a 0028 01 2f 00 00 ce'), // vhost "/", capabilities "", insist 0
    args: { 'virtual-host': '/', capabilities: '', insist: false },
  },
  { name: 'Connection.Open-Ok', channel: 0, bytes: hex('01 0000 00000005 000a 0029 00 ce'), args: { 'known-hosts': '' } },
  {
    name: 'Connection.Close',
    channel: 0,
    bytes: methodFrame(0, 10, 50, u16(320), shortstr('CONNECTION_FORCED - maintenance: node drain'), u16(0), u16(0)),
    args: { 'reply-code': 320, 'reply-text': 'CONNECTION_FORCED - maintenance: node drain', 'class-id': 0, 'method-id': 0 },
  },
  { name: 'Connection.Close-Ok', channel: 0, bytes: hex('01 0000 00000004 000a 0033 ce'), args: {} },
  { name: 'Connection.Blocked', channel: 0, bytes: methodFrame(0, 10, 60, shortstr('low on memory')), args: { reason: 'low on memory' } },
  { name: 'Connection.Unblocked', channel: 0, bytes: hex('01 0000 00000004 000a 003d ce'), args: {} },
  {
    name: 'Connection.Update-Secret',
    channel: 0,
    bytes: methodFrame(0, 10, 70, longstr('eyJhbGciOi.new-token'), shortstr('token refresh')),
    args: { 'new-secret': 'eyJhbGciOi.new-token', reason: 'token refresh' },
  },
  { name: 'Connection.Update-Secret-Ok', channel: 0, bytes: hex('01 0000 00000004 000a 0047 ce'), args: {} },

  // ---- Channel ----
  { name: 'Channel.Open', channel: 1, bytes: hex('01 0001 00000005 0014 000a 00 ce'), args: { 'out-of-band': '' } },
  { name: 'Channel.Open-Ok', channel: 1, bytes: hex('01 0001 00000008 0014 000b 00000000 ce'), args: { 'channel-id': '' } },
  { name: 'Channel.Flow', channel: 1, bytes: hex('01 0001 00000005 0014 0014 01 ce'), args: { active: true } },
  { name: 'Channel.Flow-Ok', channel: 1, bytes: hex('01 0001 00000005 0014 0015 00 ce'), args: { active: false } },
  {
    name: 'Channel.Close',
    channel: 1,
    bytes: methodFrame(1, 20, 40, u16(404), shortstr("NOT_FOUND - no queue 'gone' in vhost '/'"), u16(50), u16(10)),
    args: { 'reply-code': 404, 'reply-text': "NOT_FOUND - no queue 'gone' in vhost '/'", 'class-id': 50, 'method-id': 10 },
  },
  { name: 'Channel.Close-Ok', channel: 1, bytes: hex('01 0001 00000004 0014 0029 ce'), args: {} },

  // ---- Access ----
  {
    name: 'Access.Request',
    channel: 1,
    bytes: methodFrame(1, 30, 10, shortstr('/data'), bits(false, true, true, true, true)),
    args: { realm: '/data', exclusive: false, passive: true, active: true, write: true, read: true },
  },
  { name: 'Access.Request-Ok', channel: 1, bytes: methodFrame(1, 30, 11, u16(1)), args: { ticket: 1 } },

  // ---- Exchange ----
  {
    name: 'Exchange.Declare',
    channel: 1,
    // passive 0, durable 1, auto-delete 0, internal 1, no-wait 0 -> 0b01010
    bytes: methodFrame(1, 40, 10, u16(0), shortstr('ks.topic'), shortstr('topic'), u8(0b01010), table(field('alternate-exchange', 'S', longstr('ks.alt')))),
    args: {
      ticket: 0, exchange: 'ks.topic', type: 'topic', passive: false, durable: true, 'auto-delete': false, internal: true, 'no-wait': false,
      arguments: { 'alternate-exchange': 'ks.alt' },
    },
  },
  { name: 'Exchange.Declare-Ok', channel: 1, bytes: hex('01 0001 00000004 0028 000b ce'), args: {} },
  {
    name: 'Exchange.Delete',
    channel: 1,
    bytes: methodFrame(1, 40, 20, u16(0), shortstr('ks.topic'), bits(true, false)),
    args: { ticket: 0, exchange: 'ks.topic', 'if-unused': true, 'no-wait': false },
  },
  { name: 'Exchange.Delete-Ok', channel: 1, bytes: hex('01 0001 00000004 0028 0015 ce'), args: {} },
  {
    name: 'Exchange.Bind',
    channel: 1,
    bytes: methodFrame(1, 40, 30, u16(0), shortstr('dst'), shortstr('src'), shortstr('a.#'), bits(true), EMPTY),
    args: { ticket: 0, destination: 'dst', source: 'src', 'routing-key': 'a.#', 'no-wait': true, arguments: {} },
  },
  { name: 'Exchange.Bind-Ok', channel: 1, bytes: hex('01 0001 00000004 0028 001f ce'), args: {} },
  {
    name: 'Exchange.Unbind',
    channel: 1,
    bytes: methodFrame(1, 40, 40, u16(0), shortstr('dst'), shortstr('src'), shortstr('a.#'), bits(false), EMPTY),
    args: { ticket: 0, destination: 'dst', source: 'src', 'routing-key': 'a.#', 'no-wait': false, arguments: {} },
  },
  // 40/51, not 40/41.
  { name: 'Exchange.Unbind-Ok', channel: 1, bytes: hex('01 0001 00000004 0028 0033 ce'), args: {} },

  // ---- Queue ----
  {
    name: 'Queue.Declare',
    channel: 1,
    // passive 0, durable 1, exclusive 0, auto-delete 1, no-wait 0 -> 0b01010
    bytes: methodFrame(1, 50, 10, u16(0), shortstr('ks.q'), u8(0b01010), table(field('x-message-ttl', 'I', u32(60000)))),
    args: {
      ticket: 0, queue: 'ks.q', passive: false, durable: true, exclusive: false, 'auto-delete': true, 'no-wait': false,
      arguments: { 'x-message-ttl': 60000 },
    },
  },
  {
    name: 'Queue.Declare-Ok',
    channel: 1,
    bytes: methodFrame(1, 50, 11, shortstr('ks.q'), u32(5), u32(1)),
    args: { queue: 'ks.q', 'message-count': 5, 'consumer-count': 1 },
  },
  {
    name: 'Queue.Bind',
    channel: 1,
    bytes: methodFrame(1, 50, 20, u16(0), shortstr('ks.q'), shortstr('ks.topic'), shortstr('k.*'), bits(false), EMPTY),
    args: { ticket: 0, queue: 'ks.q', exchange: 'ks.topic', 'routing-key': 'k.*', 'no-wait': false, arguments: {} },
  },
  { name: 'Queue.Bind-Ok', channel: 1, bytes: hex('01 0001 00000004 0032 0015 ce'), args: {} },
  {
    name: 'Queue.Purge',
    channel: 1,
    bytes: methodFrame(1, 50, 30, u16(0), shortstr('ks.q'), bits(false)),
    args: { ticket: 0, queue: 'ks.q', 'no-wait': false },
  },
  { name: 'Queue.Purge-Ok', channel: 1, bytes: methodFrame(1, 50, 31, u32(7)), args: { 'message-count': 7 } },
  {
    name: 'Queue.Delete',
    channel: 1,
    bytes: methodFrame(1, 50, 40, u16(0), shortstr('ks.q'), bits(true, false, true)),
    args: { ticket: 0, queue: 'ks.q', 'if-unused': true, 'if-empty': false, 'no-wait': true },
  },
  { name: 'Queue.Delete-Ok', channel: 1, bytes: methodFrame(1, 50, 41, u32(3)), args: { 'message-count': 3 } },
  {
    name: 'Queue.Unbind',
    channel: 1,
    bytes: methodFrame(1, 50, 50, u16(0), shortstr('ks.q'), shortstr('ks.topic'), shortstr('k.*'), EMPTY),
    args: { ticket: 0, queue: 'ks.q', exchange: 'ks.topic', 'routing-key': 'k.*', arguments: {} },
  },
  { name: 'Queue.Unbind-Ok', channel: 1, bytes: hex('01 0001 00000004 0032 0033 ce'), args: {} },

  // ---- Basic ----
  {
    name: 'Basic.Qos',
    channel: 1,
    bytes: hex('01 0001 0000000b 003c 000a 00000000 000a 01 ce'),
    args: { 'prefetch-size': 0, 'prefetch-count': 10, global: true },
  },
  { name: 'Basic.Qos-Ok', channel: 1, bytes: hex('01 0001 00000004 003c 000b ce'), args: {} },
  {
    name: 'Basic.Consume',
    channel: 1,
    // no-local 0, no-ack 1, exclusive 0, no-wait 0 -> 0b0010
    bytes: methodFrame(1, 60, 20, u16(0), shortstr('ks.q'), shortstr('ctag1'), u8(0b0010), table(field('x-priority', 'I', u32(5)))),
    args: {
      ticket: 0, queue: 'ks.q', 'consumer-tag': 'ctag1', 'no-local': false, 'no-ack': true, exclusive: false, 'no-wait': false,
      arguments: { 'x-priority': 5 },
    },
  },
  { name: 'Basic.Consume-Ok', channel: 1, bytes: methodFrame(1, 60, 21, shortstr('ctag1')), args: { 'consumer-tag': 'ctag1' } },
  { name: 'Basic.Cancel', channel: 1, bytes: methodFrame(1, 60, 30, shortstr('ctag1'), bits(true)), args: { 'consumer-tag': 'ctag1', 'no-wait': true } },
  { name: 'Basic.Cancel-Ok', channel: 1, bytes: methodFrame(1, 60, 31, shortstr('ctag1')), args: { 'consumer-tag': 'ctag1' } },
  {
    name: 'Basic.Publish',
    channel: 1,
    bytes: hex('01 0001 0000000d 003c 0028 0000 02 6578 02 726b 01 ce'), // exchange "ex", routing-key "rk", mandatory
    args: { ticket: 0, exchange: 'ex', 'routing-key': 'rk', mandatory: true, immediate: false },
  },
  {
    name: 'Basic.Return',
    channel: 1,
    bytes: methodFrame(1, 60, 50, u16(312), shortstr('NO_ROUTE'), shortstr('ks.topic'), shortstr('nowhere')),
    args: { 'reply-code': 312, 'reply-text': 'NO_ROUTE', exchange: 'ks.topic', 'routing-key': 'nowhere' },
  },
  {
    name: 'Basic.Deliver',
    channel: 1,
    // delivery-tag 2^53 + 1: not exact as a Number, kept as decimal text.
    bytes: methodFrame(1, 60, 60, shortstr('ctag1'), u64(9007199254740993n), bits(true), shortstr('ks.topic'), shortstr('k.1')),
    args: { 'consumer-tag': 'ctag1', 'delivery-tag': { type: 'int64', value: '9007199254740993' }, redelivered: true, exchange: 'ks.topic', 'routing-key': 'k.1' },
  },
  {
    name: 'Basic.Get',
    channel: 1,
    bytes: methodFrame(1, 60, 70, u16(0), shortstr('ks.q'), bits(true)),
    args: { ticket: 0, queue: 'ks.q', 'no-ack': true },
  },
  {
    name: 'Basic.Get-Ok',
    channel: 1,
    bytes: methodFrame(1, 60, 71, u64(1), bits(false), shortstr(''), shortstr('ks.q'), u32(4)),
    args: { 'delivery-tag': 1, redelivered: false, exchange: '', 'routing-key': 'ks.q', 'message-count': 4 },
  },
  { name: 'Basic.Get-Empty', channel: 1, bytes: hex('01 0001 00000005 003c 0048 00 ce'), args: { 'cluster-id': '' } },
  {
    name: 'Basic.Ack',
    channel: 1,
    bytes: hex('01 0001 0000000d 003c 0050 0000000000000005 01 ce'),
    args: { 'delivery-tag': 5, multiple: true },
  },
  { name: 'Basic.Reject', channel: 1, bytes: methodFrame(1, 60, 90, u64(6), bits(false)), args: { 'delivery-tag': 6, requeue: false } },
  { name: 'Basic.Recover-Async', channel: 1, bytes: hex('01 0001 00000005 003c 0064 01 ce'), args: { requeue: true } },
  { name: 'Basic.Recover', channel: 1, bytes: hex('01 0001 00000005 003c 006e 01 ce'), args: { requeue: true } },
  { name: 'Basic.Recover-Ok', channel: 1, bytes: hex('01 0001 00000004 003c 006f ce'), args: {} },
  {
    name: 'Basic.Nack',
    channel: 1,
    bytes: hex('01 0001 0000000d 003c 0078 0000000000000007 02 ce'), // multiple 0, requeue 1
    args: { 'delivery-tag': 7, multiple: false, requeue: true },
  },

  // ---- Confirm, Tx ----
  { name: 'Confirm.Select', channel: 1, bytes: hex('01 0001 00000005 0055 000a 00 ce'), args: { 'no-wait': false } },
  { name: 'Confirm.Select-Ok', channel: 1, bytes: hex('01 0001 00000004 0055 000b ce'), args: {} },
  { name: 'Tx.Select', channel: 2, bytes: hex('01 0002 00000004 005a 000a ce'), args: {} },
  { name: 'Tx.Select-Ok', channel: 2, bytes: hex('01 0002 00000004 005a 000b ce'), args: {} },
  { name: 'Tx.Commit', channel: 2, bytes: hex('01 0002 00000004 005a 0014 ce'), args: {} },
  { name: 'Tx.Commit-Ok', channel: 2, bytes: hex('01 0002 00000004 005a 0015 ce'), args: {} },
  { name: 'Tx.Rollback', channel: 2, bytes: hex('01 0002 00000004 005a 001e ce'), args: {} },
  { name: 'Tx.Rollback-Ok', channel: 2, bytes: hex('01 0002 00000004 005a 001f ce'), args: {} },
];

/** The brief's list of methods: the table must have exactly these. */
const EXPECTED_NAMES = [
  'Connection.Start', 'Connection.Start-Ok', 'Connection.Secure', 'Connection.Secure-Ok', 'Connection.Tune', 'Connection.Tune-Ok',
  'Connection.Open', 'Connection.Open-Ok', 'Connection.Close', 'Connection.Close-Ok', 'Connection.Blocked', 'Connection.Unblocked',
  'Connection.Update-Secret', 'Connection.Update-Secret-Ok',
  'Channel.Open', 'Channel.Open-Ok', 'Channel.Flow', 'Channel.Flow-Ok', 'Channel.Close', 'Channel.Close-Ok',
  'Access.Request', 'Access.Request-Ok',
  'Exchange.Declare', 'Exchange.Declare-Ok', 'Exchange.Delete', 'Exchange.Delete-Ok', 'Exchange.Bind', 'Exchange.Bind-Ok',
  'Exchange.Unbind', 'Exchange.Unbind-Ok',
  'Queue.Declare', 'Queue.Declare-Ok', 'Queue.Bind', 'Queue.Bind-Ok', 'Queue.Purge', 'Queue.Purge-Ok', 'Queue.Delete',
  'Queue.Delete-Ok', 'Queue.Unbind', 'Queue.Unbind-Ok',
  'Basic.Qos', 'Basic.Qos-Ok', 'Basic.Consume', 'Basic.Consume-Ok', 'Basic.Cancel', 'Basic.Cancel-Ok', 'Basic.Publish',
  'Basic.Return', 'Basic.Deliver', 'Basic.Get', 'Basic.Get-Ok', 'Basic.Get-Empty', 'Basic.Ack', 'Basic.Reject',
  'Basic.Recover-Async', 'Basic.Recover', 'Basic.Recover-Ok', 'Basic.Nack',
  'Confirm.Select', 'Confirm.Select-Ok',
  'Tx.Select', 'Tx.Select-Ok', 'Tx.Commit', 'Tx.Commit-Ok', 'Tx.Rollback', 'Tx.Rollback-Ok',
];

function decode(bytes: Uint8Array, pieces: number[], expectProtocolHeader = true): RecordingSink {
  const sink = new RecordingSink();
  const d = new FrameDecoder(sink, { expectProtocolHeader });
  feedPieces(d, bytes, pieces);
  return sink;
}

describe('method table', () => {
  it('has exactly the methods of AMQP 0-9-1 + RabbitMQ extensions, and a fixture for each', () => {
    expect(allMethods().map((m) => m.name).sort()).toEqual([...EXPECTED_NAMES].sort());
    expect(FIXTURES.map((f) => f.name).sort()).toEqual([...EXPECTED_NAMES].sort());
  });
});

describe('each method fixture', () => {
  for (const fx of FIXTURES) {
    it(`${fx.name}: decodes to the expected arguments, identically at every split`, () => {
      const stream = concat(PROTOCOL_HEADER_091, fx.bytes);
      const reference = decode(stream, [stream.length]);
      expect(reference.issues).toEqual([]);
      const frames = reference.frames;
      expect(frames).toHaveLength(1);
      const f = frames[0] as MethodFrame;
      expect(f.kind).toBe('method');
      expect(f.name).toBe(fx.name);
      expect(f.channel).toBe(fx.channel);
      expect(f.size).toBe(fx.bytes.length - 8);
      expect(f.args).toEqual(fx.args);
      // Key order is the spec's argument order.
      expect(Object.keys(f.args)).toEqual(Object.keys(fx.args));
      // JSON-safe: survives a round trip unchanged.
      expect(JSON.parse(JSON.stringify(f.args))).toEqual(f.args);
      const want = outcome(reference);
      for (const s of splits(stream.length)) {
        expect(outcome(decode(stream, s.pieces)), s.name).toEqual(want);
      }
    });
  }
});

describe('all fixtures in one stream', () => {
  // Interleave content (header + bodies) and heartbeats to exercise every frame type.
  const content = concat(
    hex('02 0001 0000000e 003c 0000 0000000000000005 0000 ce'), // Basic header: 5-byte body, no properties
    hex('03 0001 00000002 6865 ce'), // "he"
    hex('03 0001 00000003 6c6c6f ce'), // "llo"
    hex('08 0000 00000000 ce'),
  );
  const stream = concat(PROTOCOL_HEADER_091, ...FIXTURES.map((f) => f.bytes), content, ...FIXTURES.slice(14).map((f) => f.bytes));
  const reference = decode(stream, [stream.length]);

  it('decodes every frame', () => {
    expect(reference.issues).toEqual([]);
    expect(reference.frames.length).toBe(FIXTURES.length + 4 + FIXTURES.length - 14);
    expect(new TextDecoder().decode(reference.body(1))).toBe('hello');
    expect(reference.events[0]).toMatchObject({ e: 'header', header: { version: '0-9-1', supported: true } });
  });

  it('gives identical output split at every point, and byte by byte', () => {
    const want = outcome(reference);
    for (const s of splits(stream.length)) expect(outcome(decode(stream, s.pieces)), s.name).toEqual(want);
  });

  it('gives identical frames without the protocol header (server direction / mid-connection start)', () => {
    const noHeader = stream.subarray(8);
    const got = decode(noHeader, [noHeader.length], false);
    expect(got.issues).toEqual([]);
    expect(got.frames).toEqual(reference.frames);
    const bytewise = decode(noHeader, new Array<number>(noHeader.length).fill(1), false);
    expect(outcome(bytewise)).toEqual(outcome(got));
  });

  it('gives identical output in random partitions', () => {
    const want = outcome(reference);
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let t = 0; t < 200; t++) {
      const pieces: number[] = [];
      let left = stream.length;
      while (left > 0) {
        const n = Math.min(left, 1 + rnd(t % 2 === 0 ? 16 : 300));
        pieces.push(n);
        left -= n;
      }
      expect(outcome(decode(stream, pieces))).toEqual(want);
    }
  });
});

describe('content header with all fourteen properties', () => {
  // flags 0xfffc: all 14 properties, high bit first.
  const props = concat(
    shortstr('application/json'), // content-type
    shortstr('gzip'), // content-encoding
    table(field('x-retry', 's', u16(0xfffe)), field('trace', 'x', longstr(hex('00ff')))), // headers
    u8(2), // delivery-mode
    u8(9), // priority
    shortstr('corr-1'), // correlation-id
    shortstr('amq.rabbitmq.reply-to'), // reply-to
    shortstr('60000'), // expiration
    shortstr('msg-1'), // message-id
    u64(1700000000), // timestamp
    shortstr('order.created'), // type
    shortstr('guest'), // user-id
    shortstr('kitchen'), // app-id
    shortstr(''), // cluster-id
  );
  const bytes = concat(
    PROTOCOL_HEADER_091,
    u8(2), u16(3), u32(14 + props.length), u16(60), u16(0), u64(123456), u16(0xfffc), props, u8(0xce),
  );

  it('decodes every property under its spec name, identically at every split', () => {
    const ref = decode(bytes, [bytes.length]);
    expect(ref.issues).toEqual([]);
    const h = ref.frames[0];
    expect(h).toMatchObject({ kind: 'header', channel: 3, classId: 60, weight: 0, bodySize: 123456 });
    if (h?.kind !== 'header') throw new Error('not a header');
    expect(h.properties).toEqual({
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      headers: { 'x-retry': -2, trace: { type: 'bytes', hex: '00ff', length: 2 } },
      'delivery-mode': 2,
      priority: 9,
      'correlation-id': 'corr-1',
      'reply-to': 'amq.rabbitmq.reply-to',
      expiration: '60000',
      'message-id': 'msg-1',
      timestamp: { type: 'timestamp', seconds: 1700000000 },
      type: 'order.created',
      'user-id': 'guest',
      'app-id': 'kitchen',
      'cluster-id': '',
    });
    const want = outcome(ref);
    for (const s of splits(bytes.length)) expect(outcome(decode(bytes, s.pieces)), s.name).toEqual(want);
  });

  it('decodes a sparse flag word (delivery-mode and message-id only)', () => {
    const b = concat(PROTOCOL_HEADER_091, hex('02 0001 00000013 003c 0000 0000000000000000 1080 02 03 6d2d31 ce'));
    const ref = decode(b, [b.length]);
    expect(ref.issues).toEqual([]);
    expect(ref.frames[0]).toMatchObject({ kind: 'header', bodySize: 0, properties: { 'delivery-mode': 2, 'message-id': 'm-1' } });
  });

  it('rejects a property flag the Basic class does not have', () => {
    const b = concat(PROTOCOL_HEADER_091, hex('02 0001 0000000e 003c 0000 0000000000000000 0002 ce'), hex('08 0000 00000000 ce'));
    const ref = decode(b, [b.length]);
    expect(ref.frames.map((f) => f.kind)).toEqual(['heartbeat']);
    expect(ref.issues.map((i) => i.code)).toEqual(['frame-error']);
  });
});

describe('utf-8 in strings', () => {
  it('decodes multi-byte UTF-8 and shows invalid bytes as \\xNN', () => {
    const b = concat(PROTOCOL_HEADER_091, methodFrame(1, 60, 40, u16(0), shortstr('échange→😀'), shortstr(concat(utf8('caf'), u8(0xe9))), bits(false, false)));
    const ref = decode(b, [b.length]);
    expect(ref.issues).toEqual([]);
    expect((ref.frames[0] as MethodFrame).args).toMatchObject({ exchange: 'échange→😀', 'routing-key': 'caf\\xe9' });
  });
});

describe('types derived from the table', () => {
  it('MethodName and MethodArgName follow the table (compile-time checks)', () => {
    const ok: MethodName[] = ['Basic.Consume-Ok', 'Basic.Recover-Async', 'Connection.Update-Secret-Ok', 'Exchange.Unbind-Ok'];
    // @ts-expect-error not a method of the table
    const bad: MethodName = 'Basic.Frobnicate';
    const ackArgs: MethodArgName<'Basic.Ack'>[] = ['delivery-tag', 'multiple'];
    // @ts-expect-error Basic.Ack has no requeue argument
    const notAck: MethodArgName<'Basic.Ack'> = 'requeue';
    expect([...ok, bad, ...ackArgs, notAck]).toHaveLength(8);
  });
});
