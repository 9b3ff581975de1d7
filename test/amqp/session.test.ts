import { describe, expect, it } from 'vitest';
import { BodyHasher, digestHexOf, hashBytesHex } from '../../src/amqp/body-hash.js';
import {
  AmqpSession,
  type AckEvent,
  type CompletedMessage,
  type RequeueEvent,
  type SessionIssue,
  type SessionOptions,
} from '../../src/amqp/session.js';
import type { BodyFrame, FieldValue, HeaderFrame, HeartbeatFrame, MethodFrame } from '../../src/amqp/types.js';

// ---- frame factory: the decoder's output shapes, built by hand --------------------------------------------------

const METHOD_IDS: Record<string, [number, number]> = {
  'Connection.Start': [10, 10],
  'Connection.Start-Ok': [10, 11],
  'Connection.Tune': [10, 30],
  'Connection.Tune-Ok': [10, 31],
  'Connection.Open': [10, 40],
  'Connection.Open-Ok': [10, 41],
  'Connection.Close': [10, 50],
  'Connection.Close-Ok': [10, 51],
  'Channel.Open': [20, 10],
  'Channel.Open-Ok': [20, 11],
  'Channel.Close': [20, 40],
  'Channel.Close-Ok': [20, 41],
  'Queue.Declare': [50, 10],
  'Basic.Qos': [60, 10],
  'Basic.Consume': [60, 20],
  'Basic.Consume-Ok': [60, 21],
  'Basic.Cancel': [60, 30],
  'Basic.Cancel-Ok': [60, 31],
  'Basic.Publish': [60, 40],
  'Basic.Return': [60, 50],
  'Basic.Deliver': [60, 60],
  'Basic.Get': [60, 70],
  'Basic.Get-Ok': [60, 71],
  'Basic.Get-Empty': [60, 72],
  'Basic.Ack': [60, 80],
  'Basic.Reject': [60, 90],
  'Basic.Recover-Async': [60, 100],
  'Basic.Recover': [60, 110],
  'Basic.Nack': [60, 120],
  'Confirm.Select': [85, 10],
  'Confirm.Select-Ok': [85, 11],
  'Tx.Select': [90, 10],
  'Tx.Commit': [90, 20],
  'Tx.Rollback': [90, 30],
};

let packet = 0;
function stamp(channel: number, size: number) {
  packet++;
  return { channel, size, packet, firstPacket: packet, tsSec: 1_700_000_000 + packet, tsNsec: 500 };
}

function method(name: string, args: Record<string, FieldValue> = {}, channel = 1): MethodFrame {
  const ids = METHOD_IDS[name];
  if (ids === undefined) throw new Error(`test factory: unknown method ${name}`);
  return { kind: 'method', type: 1, ...stamp(channel, 12), classId: ids[0], methodId: ids[1], name, args };
}

function header(bodySize: number, properties: Record<string, FieldValue> = {}, channel = 1, classId = 60): HeaderFrame {
  return { kind: 'header', type: 2, ...stamp(channel, 14), classId, weight: 0, bodySize, properties };
}

function body(size: number, channel = 1): BodyFrame {
  return { kind: 'body', type: 3, ...stamp(channel, size) };
}

function heartbeat(channel = 0): HeartbeatFrame {
  return { kind: 'heartbeat', type: 8, ...stamp(channel, 0) };
}

const enc = new TextEncoder();

/**
 * `listen`: 'all' callbacks; 'messages' without onAck and onRequeue (acked delivery records are then reused);
 * 'none' at all, like the timeline's session for messages that are not redelivered (identities are then written
 * only when unacked() is asked).
 */
function harness(options?: SessionOptions, listen: 'all' | 'messages' | 'none' = 'all') {
  const messages: CompletedMessage[] = [];
  const acks: AckEvent[] = [];
  const requeues: RequeueEvent[] = [];
  const issues: SessionIssue[] = [];
  const s = new AmqpSession(
    {
      ...(listen !== 'none' ? { onMessage: (m: CompletedMessage) => messages.push(m) } : {}),
      ...(listen === 'all' ? { onAck: (e: AckEvent) => acks.push(e), onRequeue: (e: RequeueEvent) => requeues.push(e) } : {}),
      onIssue: (i) => issues.push(i),
    },
    options,
  );
  return {
    s,
    messages,
    acks,
    requeues,
    issues,
    c: (...frames: (MethodFrame | HeaderFrame | BodyFrame | HeartbeatFrame)[]) => frames.forEach((f) => s.onFrame('c2s', f)),
    sv: (...frames: (MethodFrame | HeaderFrame | BodyFrame | HeartbeatFrame)[]) => frames.forEach((f) => s.onFrame('s2c', f)),
  };
}

type H = ReturnType<typeof harness>;

/** The connection handshake and Channel.Open on the given channels. */
function handshake(h: H, ...channels: number[]): void {
  h.sv(method('Connection.Start', { 'version-major': 0, 'version-minor': 9, 'server-properties': { product: 'RabbitMQ' } }, 0));
  h.c(method('Connection.Start-Ok', { 'client-properties': { product: 'pika' }, mechanism: 'PLAIN' }, 0));
  h.sv(method('Connection.Tune', { 'channel-max': 2047, 'frame-max': 131072, heartbeat: 60 }, 0));
  h.c(method('Connection.Tune-Ok', { 'channel-max': 2047, 'frame-max': 131072, heartbeat: 4 }, 0));
  h.c(method('Connection.Open', { 'virtual-host': '/' }, 0));
  h.sv(method('Connection.Open-Ok', {}, 0));
  for (const ch of channels) openChannel(h, ch);
}

function openChannel(h: H, ch: number): void {
  h.c(method('Channel.Open', {}, ch));
  h.sv(method('Channel.Open-Ok', {}, ch));
}

function consume(h: H, ch: number, tag: string, noAck = false): void {
  h.c(method('Basic.Consume', { queue: 'q', 'consumer-tag': tag, 'no-ack': noAck, nowait: false }, ch));
  h.sv(method('Basic.Consume-Ok', { 'consumer-tag': tag }, ch));
}

/** A delivery with a body of `size` bytes in one frame, its bytes passed to onBodyData as the decoder does. */
function deliver(h: H, ch: number, tag: number, opts: { ctag?: string; redelivered?: boolean; messageId?: string; size?: number } = {}): void {
  const size = opts.size ?? 4;
  h.sv(
    method(
      'Basic.Deliver',
      { 'consumer-tag': opts.ctag ?? 'ctag', 'delivery-tag': tag, redelivered: opts.redelivered ?? false, exchange: 'x', 'routing-key': 'rk' },
      ch,
    ),
  );
  h.sv(header(size, opts.messageId !== undefined ? { 'message-id': opts.messageId } : {}, ch));
  if (size > 0) {
    h.s.onBodyData('s2c', ch, new Uint8Array(size).fill(tag & 0xff));
    h.sv(body(size, ch));
  }
}

/**
 * A delivery whose body bytes are passed to onBodyData, split at `cuts`, with the bytes before (decoder streams
 * them) or after (decoder reports the frame first) each body frame.
 */
function deliverBytes(
  h: H,
  ch: number,
  tag: number,
  bytes: Uint8Array,
  cuts: number[],
  order: 'bytes-first' | 'frame-first',
  routingKey = 'rk',
): void {
  h.sv(method('Basic.Deliver', { 'consumer-tag': 'ctag', 'delivery-tag': tag, redelivered: false, exchange: 'x', 'routing-key': routingKey }, ch));
  h.sv(header(bytes.length, {}, ch));
  const bounds = [0, ...cuts, bytes.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const part = bytes.subarray(bounds[i], bounds[i + 1]);
    if (order === 'bytes-first') {
      h.s.onBodyData('s2c', ch, part);
      h.s.onFrame('s2c', body(part.length, ch));
    } else {
      h.s.onFrame('s2c', body(part.length, ch));
      h.s.onBodyData('s2c', ch, part);
    }
  }
}

/** An S->C body frame with its bytes passed first, as a decoder streaming them would. */
function sbody(h: H, size: number, ch = 1): void {
  h.s.onBodyData('s2c', ch, new Uint8Array(size));
  h.sv(body(size, ch));
}

const ack = (tag: number, multiple = false, ch = 1) => method('Basic.Ack', { 'delivery-tag': tag, multiple }, ch);
const tagsOf = (h: H) => h.s.unacked().map((u) => `${u.channel}:${u.deliveryTag}`);

// ---- handshake ----------------------------------------------------------------------------------------------------

describe('AmqpSession handshake', () => {
  it('starts empty', () => {
    const { s } = harness();
    expect(s.clientProperties).toBeNull();
    expect(s.serverProperties).toBeNull();
    expect(s.tune).toBeNull();
    expect(s.tuneOk).toBeNull();
    expect(s.vhost).toBeNull();
    expect(s.handshakeSeen).toBe(false);
    expect(s.handshakeComplete).toBe(false);
    expect(s.unackedCount).toBe(0);
  });

  it('records Start, Start-Ok, Tune, Tune-Ok, Open and Open-Ok', () => {
    const h = harness();
    h.sv(method('Connection.Start', { 'server-properties': { product: 'RabbitMQ', version: '3.10.8' } }, 0));
    expect(h.s.handshakeSeen).toBe(true);
    expect(h.s.serverProperties).toEqual({ product: 'RabbitMQ', version: '3.10.8' });
    const startOk = method('Connection.Start-Ok', { 'client-properties': { connection_name: 'pika-long-callback' }, response: 'secret' }, 0);
    h.c(startOk);
    expect(h.s.clientProperties).toEqual({ connection_name: 'pika-long-callback' });
    h.sv(method('Connection.Tune', { 'channel-max': 2047, 'frame-max': 131072, heartbeat: 60 }, 0));
    const tuneOk = method('Connection.Tune-Ok', { 'channel-max': 2047, 'frame-max': 8192, heartbeat: 4 }, 0);
    h.c(tuneOk);
    expect(h.s.tune).toMatchObject({ channelMax: 2047, frameMax: 131072, heartbeat: 60 });
    expect(h.s.tuneOk).toEqual({
      channelMax: 2047,
      frameMax: 8192,
      heartbeat: 4,
      packet: tuneOk.packet,
      tsSec: tuneOk.tsSec,
      tsNsec: tuneOk.tsNsec,
    });
    h.c(method('Connection.Open', { 'virtual-host': 'prod' }, 0));
    expect(h.s.vhost).toBe('prod');
    expect(h.s.handshakeComplete).toBe(false);
    h.sv(method('Connection.Open-Ok', {}, 0));
    expect(h.s.handshakeComplete).toBe(true);
    expect(h.s.frames).toEqual({ c2s: 3, s2c: 3 });
    expect(h.issues).toEqual([]);
  });

  it('records the first Connection.Close and Close-Ok', () => {
    const h = harness();
    handshake(h);
    const close = method('Connection.Close', { 'reply-code': 320, 'reply-text': 'CONNECTION_FORCED - shutdown', 'class-id': 0, 'method-id': 0 }, 0);
    h.sv(close);
    expect(h.s.connectionClose).toEqual({
      dir: 's2c',
      replyCode: 320,
      replyText: 'CONNECTION_FORCED - shutdown',
      classId: 0,
      methodId: 0,
      packet: close.packet,
      tsSec: close.tsSec,
      tsNsec: close.tsNsec,
    });
    expect(h.s.connectionCloseOk).toBeNull();
    h.c(method('Connection.Close-Ok', {}, 0));
    expect(h.s.connectionCloseOk?.dir).toBe('c2s');
  });

  it('reads 64-bit arguments kept as decimal text', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    h.sv(method('Basic.Deliver', { 'consumer-tag': 'c', 'delivery-tag': { type: 'int64', value: '7' }, exchange: '', 'routing-key': 'q' }, 1));
    h.sv(header(0));
    expect(tagsOf(h)).toEqual(['1:7']);
  });
});

// ---- message assembly ---------------------------------------------------------------------------------------------

describe('AmqpSession message assembly', () => {
  it('assembles a body split over many frames by counting bytes', () => {
    const h = harness();
    handshake(h, 1);
    const publish = method('Basic.Publish', { exchange: 'x', 'routing-key': 'rk' });
    h.c(publish, header(50_000, { 'content-type': 'application/json', 'message-id': 'm-1' }));
    for (let i = 0; i < 6; i++) {
      h.c(body(8_184));
      expect(h.messages).toHaveLength(0);
    }
    const last = body(50_000 - 6 * 8_184);
    h.c(last);
    expect(h.messages).toHaveLength(1);
    const m = h.messages[0]!;
    expect(m).toMatchObject({
      dir: 'c2s',
      channel: 1,
      bodySize: 50_000,
      bodyReceived: 50_000,
      complete: true,
      identity: 'mid:m-1',
      packet: publish.packet,
      endPacket: last.packet,
    });
    expect(m.method).toBe('Basic.Publish');
    expect(m.redelivered).toBe(false);
    expect(h.s.stats.messagesPublished).toBe(1);
    expect(h.issues).toEqual([]);
  });

  it('completes a zero-length body at the content header', () => {
    const h = harness();
    handshake(h, 1);
    h.c(method('Basic.Publish', { exchange: '', 'routing-key': 'q' }), header(0));
    expect(h.messages).toHaveLength(1);
    expect(h.messages[0]).toMatchObject({ bodySize: 0, bodyReceived: 0, complete: true });
    // The next frame on the channel is a method again: no anomaly.
    h.c(method('Basic.Publish', { exchange: '', 'routing-key': 'q' }), header(3), body(3));
    expect(h.messages).toHaveLength(2);
    expect(h.issues).toEqual([]);
  });

  it('keeps channels and directions apart when their frames interleave', () => {
    const h = harness();
    handshake(h, 1, 2);
    consume(h, 1, 'c1');
    h.c(method('Basic.Publish', { exchange: 'x', 'routing-key': 'a' }, 1), header(10, {}, 1));
    h.c(method('Basic.Publish', { exchange: 'x', 'routing-key': 'b' }, 2), header(4, {}, 2), body(2, 2));
    h.sv(method('Basic.Deliver', { 'consumer-tag': 'c1', 'delivery-tag': 1, exchange: 'x', 'routing-key': 'a' }, 1), header(5, {}, 1));
    h.c(body(6, 1), body(2, 2));
    sbody(h, 5, 1);
    h.c(body(4, 1));
    expect(h.issues).toEqual([]);
    expect(h.messages.map((m) => `${m.dir}:${m.channel}:${m.method}:${m.bodySize}:${m.complete}`)).toEqual([
      'c2s:2:Basic.Publish:4:true',
      's2c:1:Basic.Deliver:5:true',
      'c2s:1:Basic.Publish:10:true',
    ]);
  });

  it('reports a method where a content header was expected, and recovers', () => {
    const h = harness();
    handshake(h, 1);
    h.c(method('Basic.Publish', { exchange: 'x', 'routing-key': 'r1' }));
    h.c(method('Basic.Publish', { exchange: 'x', 'routing-key': 'r2' }), header(2), body(2));
    expect(h.issues).toHaveLength(1);
    expect(h.issues[0]).toMatchObject({ code: 'unexpected-frame', dir: 'c2s', channel: 1 });
    expect(h.issues[0]!.message).toContain('expected content header for class 60');
    expect(h.messages.map((m) => [m.packet, m.complete, m.bodySize])).toEqual([
      [h.messages[0]!.packet, false, null],
      [h.messages[1]!.packet, true, 2],
    ]);
    expect(h.messages[0]!.packet).toBeLessThan(h.messages[1]!.packet);
  });

  it('reports a method cutting a body short', () => {
    const h = harness();
    handshake(h, 1);
    h.c(method('Basic.Publish', {}), header(10), body(4), method('Basic.Qos', { 'prefetch-count': 1 }));
    expect(h.issues.map((i) => i.code)).toEqual(['unexpected-frame']);
    expect(h.issues[0]!.message).toContain('after 4 of 10 body bytes');
    expect(h.messages[0]).toMatchObject({ complete: false, bodySize: 10, bodyReceived: 4 });
  });

  it('reports a body with no header once, then skips the orphan frames until the next method', () => {
    const h = harness();
    handshake(h, 1);
    h.c(method('Basic.Publish', {}), body(5), body(5), body(5));
    expect(h.issues).toHaveLength(1);
    expect(h.issues[0]!.message).toContain('before its content header');
    h.c(body(3));
    expect(h.issues).toHaveLength(1);
    h.c(method('Basic.Publish', {}), header(1), body(1));
    expect(h.messages.map((m) => m.complete)).toEqual([false, true]);
    expect(h.issues).toHaveLength(1);
  });

  it('reports content frames with no content method, and headers while a body is due', () => {
    const h = harness();
    handshake(h, 1, 2);
    h.c(header(3, {}, 1));
    h.c(body(3, 2));
    h.c(method('Basic.Publish', {}, 2), header(8, {}, 2), body(2, 2), header(8, {}, 2));
    expect(h.issues.map((i) => [i.channel, i.code])).toEqual([
      [1, 'unexpected-frame'],
      [2, 'unexpected-frame'],
      [2, 'unexpected-frame'],
    ]);
    expect(h.issues[0]!.message).toContain('expected method frame');
    expect(h.issues[2]!.message).toContain('still expected 6 body bytes');
  });

  it('reports a content header of another class', () => {
    const h = harness();
    handshake(h, 1);
    h.c(method('Basic.Publish', {}), header(3, {}, 1, 50));
    expect(h.issues).toHaveLength(1);
    expect(h.issues[0]!.message).toContain('got one for class 50');
  });

  it('reports body frames carrying more than body-size as a frame error', () => {
    const h = harness();
    handshake(h, 1);
    h.c(method('Basic.Publish', {}), header(4), body(6));
    expect(h.issues.map((i) => i.code)).toEqual(['frame-error']);
    expect(h.messages[0]).toMatchObject({ complete: true, bodyReceived: 6 });
  });

  it('reports heartbeats on a non-zero channel only', () => {
    const h = harness();
    handshake(h);
    h.sv(heartbeat(0));
    h.c(heartbeat(0));
    expect(h.issues).toEqual([]);
    h.c(heartbeat(3));
    expect(h.issues).toMatchObject([{ code: 'unexpected-frame', channel: 3, dir: 'c2s' }]);
  });

  it('cuts messages in assembly on a gap of their direction only, and skips the leftovers silently', () => {
    const h = harness();
    handshake(h, 1, 2);
    consume(h, 1, 'c');
    h.sv(method('Basic.Deliver', { 'consumer-tag': 'c', 'delivery-tag': 1, exchange: 'x', 'routing-key': 'rk' }), header(10), body(4));
    h.c(method('Basic.Publish', {}, 2), header(4, {}, 2));
    h.s.onGap('s2c');
    expect(h.messages).toHaveLength(1);
    expect(h.messages[0]).toMatchObject({ dir: 's2c', complete: false, bodyReceived: 4, identity: null });
    // Leftover body frames of the cut message, then a header whose method was lost: no anomaly.
    h.sv(body(6), header(3), body(3));
    expect(h.issues).toEqual([]);
    // The other direction was not affected.
    h.c(body(4, 2));
    expect(h.messages[1]).toMatchObject({ dir: 'c2s', channel: 2, complete: true });
    // Assembly resumes at the next method.
    deliver(h, 1, 2);
    expect(h.messages[2]).toMatchObject({ dir: 's2c', complete: true });
    expect(h.s.gaps).toEqual({ c2s: 0, s2c: 1 });
    expect(h.issues).toEqual([]);
  });

  it('counts a body frame with lost bytes toward the body, but reports the message incomplete', () => {
    const h = harness();
    handshake(h, 1);
    h.sv(method('Basic.Deliver', { 'consumer-tag': 'c', 'delivery-tag': 1, exchange: 'x', 'routing-key': 'rk' }), header(10));
    // The decoder passed 6 of the frame's 10 bytes; 4 fell in a gap inside the frame.
    h.s.onBodyData('s2c', 1, new Uint8Array(6));
    h.sv({ ...body(10), lost: 4 });
    expect(h.messages).toMatchObject([{ complete: false, bodyReceived: 10, identity: null }]);
    // Byte counting stayed right: the next delivery assembles with no anomaly.
    deliver(h, 1, 2);
    expect(h.messages[1]).toMatchObject({ complete: true });
    expect(h.issues).toEqual([]);
  });

  it('reports messages still in assembly as incomplete on finish()', () => {
    const h = harness();
    handshake(h, 1);
    h.c(method('Basic.Publish', {}), header(100), body(10));
    h.s.finish();
    expect(h.messages).toMatchObject([{ complete: false, bodyReceived: 10, bodySize: 100 }]);
    h.s.finish();
    expect(h.messages).toHaveLength(1);
  });

  it('does not report leftovers at the start of a mid-stream capture', () => {
    const h = harness();
    // No handshake: the capture started while channel 1 was mid-message.
    h.sv(body(100, 1), body(20, 1));
    h.sv(method('Basic.Deliver', { 'consumer-tag': 'c', 'delivery-tag': 40, exchange: 'x', 'routing-key': 'rk' }), header(2));
    sbody(h, 2);
    expect(h.issues).toEqual([]);
    expect(h.messages).toHaveLength(1);
  });

  it('emits no message objects without an onMessage listener, yet still fills delivery identities', () => {
    const s = new AmqpSession();
    s.onFrame('s2c', method('Basic.Deliver', { 'consumer-tag': 'c', 'delivery-tag': 1, exchange: 'x', 'routing-key': 'rk' }));
    s.onFrame('s2c', header(3, { 'message-id': 'abc' }));
    s.onFrame('s2c', body(3));
    expect(s.unacked()[0]?.identity).toBe('mid:abc');
  });
});

// ---- deliveries and acks ------------------------------------------------------------------------------------------

describe('AmqpSession deliveries and acks', () => {
  it('opens a tag per delivery and settles single and multiple acks', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    for (let t = 1; t <= 6; t++) deliver(h, 1, t, { ctag: 'c' });
    expect(h.s.unackedCount).toBe(6);
    h.c(ack(2));
    expect(tagsOf(h)).toEqual(['1:1', '1:3', '1:4', '1:5', '1:6']);
    h.c(ack(4, true));
    expect(tagsOf(h)).toEqual(['1:5', '1:6']);
    expect(h.acks[1]).toMatchObject({ kind: 'ack', multiple: true, deliveryTag: 4, count: 3, known: true, ignored: false });
    expect(h.acks[1]!.settled.map((d) => d.deliveryTag)).toEqual([1, 3, 4]);
    expect(h.s.unackedCount).toBe(2);
    expect(h.s.stats.acks).toBe(2);
    expect(h.issues).toEqual([]);
  });

  it('settles every outstanding tag with tag 0 and multiple', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    for (let t = 1; t <= 4; t++) deliver(h, 1, t, { ctag: 'c' });
    h.c(ack(0, true));
    expect(h.s.unackedCount).toBe(0);
    expect(h.acks[0]).toMatchObject({ count: 4, known: true });
    expect(h.issues).toEqual([]);
  });

  it('settles with nack and reject, keeping their requeue flag', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    for (let t = 1; t <= 5; t++) deliver(h, 1, t, { ctag: 'c' });
    h.c(method('Basic.Nack', { 'delivery-tag': 3, multiple: true, requeue: true }));
    h.c(method('Basic.Reject', { 'delivery-tag': 5, requeue: false }));
    expect(tagsOf(h)).toEqual(['1:4']);
    expect(h.acks.map((a) => [a.kind, a.count, a.requeue])).toEqual([
      ['nack', 3, true],
      ['reject', 1, false],
    ]);
    expect(h.s.stats).toMatchObject({ nacks: 1, rejects: 1, acks: 0 });
  });

  it('reports acks of tags that are not outstanding', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    for (let t = 1; t <= 3; t++) deliver(h, 1, t, { ctag: 'c' });
    h.c(ack(2), ack(2)); // double ack
    h.c(ack(0)); // tag 0 without multiple is never valid
    expect(h.issues.map((i) => i.code)).toEqual(['unknown-delivery-tag', 'unknown-delivery-tag']);
    expect(h.issues[0]!.message).toContain('unknown delivery tag 2');
    expect(h.issues[0]!.message).toContain('method 80');
    expect(h.acks.map((a) => a.known)).toEqual([true, false, false]);
    // A multiple ack whose own tag is gone still settles the tags below it, and is reported.
    h.c(ack(2, true));
    expect(h.issues).toHaveLength(3);
    expect(tagsOf(h)).toEqual(['1:3']);
    // Ack on the wrong channel.
    h.c(ack(3, false, 2));
    expect(h.issues[3]).toMatchObject({ code: 'unknown-delivery-tag', channel: 2 });
    expect(h.s.unackedCount).toBe(1);
  });

  it('does not track deliveries to no-ack consumers, including server-named ones', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'auto', true);
    // Empty tag: the server names the consumer in Consume-Ok.
    h.c(method('Basic.Consume', { queue: 'q2', 'consumer-tag': '', 'no-ack': true, nowait: false }));
    h.sv(method('Basic.Consume-Ok', { 'consumer-tag': 'amq.ctag-XYZ' }));
    consume(h, 1, 'manual', false);
    deliver(h, 1, 1, { ctag: 'auto' });
    deliver(h, 1, 2, { ctag: 'amq.ctag-XYZ' });
    deliver(h, 1, 3, { ctag: 'manual' });
    deliver(h, 1, 4, { ctag: 'auto' });
    expect(tagsOf(h)).toEqual(['1:3']);
    expect(h.s.unacked()[0]).toMatchObject({ consumerTag: 'manual', via: 'deliver', ackModeKnown: true });
    expect(h.s.stats.messagesDelivered).toBe(4);
    // Acking a no-ack delivery is what earns a 406.
    h.c(ack(1));
    expect(h.issues.map((i) => i.code)).toEqual(['unknown-delivery-tag']);
  });

  it('tracks a consumer whose Basic.Consume was not captured, flagged as a guess', () => {
    const h = harness();
    handshake(h, 1);
    deliver(h, 1, 1, { ctag: 'unknown' });
    expect(h.s.unacked()[0]).toMatchObject({ deliveryTag: 1, ackModeKnown: false });
  });

  it('tracks Basic.Get-Ok unless the Get had no-ack, pairing replies with requests in order', () => {
    const h = harness();
    handshake(h, 1);
    h.c(method('Basic.Get', { queue: 'q', 'no-ack': true }));
    h.sv(method('Basic.Get-Empty', {}));
    h.c(method('Basic.Get', { queue: 'q', 'no-ack': false }));
    h.sv(method('Basic.Get-Ok', { 'delivery-tag': 1, redelivered: true, exchange: '', 'routing-key': 'q', 'message-count': 0 }), header(2));
    sbody(h, 2);
    h.c(method('Basic.Get', { queue: 'q', 'no-ack': true }));
    h.sv(method('Basic.Get-Ok', { 'delivery-tag': 2, redelivered: false, exchange: '', 'routing-key': 'q', 'message-count': 0 }), header(2));
    sbody(h, 2);
    expect(h.s.unacked()).toMatchObject([{ deliveryTag: 1, consumerTag: null, via: 'get', redelivered: true, ackModeKnown: true }]);
    expect(h.s.stats).toMatchObject({ messagesDelivered: 2, redelivered: 1 });
    expect(h.messages.filter((m) => m.dir === 's2c')).toHaveLength(2);
  });

  it('counts redeliveries and keeps the flag on the delivery', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    deliver(h, 1, 1, { ctag: 'c', redelivered: true });
    deliver(h, 1, 2, { ctag: 'c' });
    deliver(h, 1, 3, { ctag: 'c', redelivered: true });
    expect(h.s.stats.redelivered).toBe(2);
    expect(h.s.unacked().map((u) => u.redelivered)).toEqual([true, false, true]);
  });

  it('drops the unacked deliveries of a closed channel as requeued, and ignores acks after the close', () => {
    const h = harness();
    handshake(h, 1, 2);
    consume(h, 1, 'c1');
    consume(h, 2, 'c2');
    deliver(h, 1, 1, { ctag: 'c1' });
    deliver(h, 1, 2, { ctag: 'c1' });
    deliver(h, 2, 1, { ctag: 'c2' });
    const close = method('Channel.Close', {
      'reply-code': 406,
      'reply-text': 'PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out',
      'class-id': 0,
      'method-id': 0,
    });
    h.sv(close);
    expect(h.requeues).toHaveLength(1);
    expect(h.requeues[0]).toMatchObject({ channel: 1, reason: 'channel-close', packet: close.packet });
    expect(h.requeues[0]!.deliveries.map((d) => d.deliveryTag)).toEqual([1, 2]);
    expect(tagsOf(h)).toEqual(['2:1']);
    // The client's ack crossed the broker's Close on the wire: the broker drops it, and it is not an anomaly.
    h.c(ack(1));
    expect(h.acks.at(-1)).toMatchObject({ ignored: true, count: 0 });
    expect(h.issues).toEqual([]);
    h.c(method('Channel.Close-Ok', {}));
    expect(h.requeues).toHaveLength(1);
    expect(h.s.channels().find((c) => c.channel === 1)).toMatchObject({ open: false, closed: true, unacked: 0 });
  });

  it('resets delivery tags when a channel number is reused', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    deliver(h, 1, 1, { ctag: 'c' });
    deliver(h, 1, 2, { ctag: 'c' });
    h.c(method('Channel.Close', { 'reply-code': 200, 'reply-text': 'OK', 'class-id': 0, 'method-id': 0 }));
    h.sv(method('Channel.Close-Ok', {}));
    openChannel(h, 1);
    consume(h, 1, 'c');
    deliver(h, 1, 1, { ctag: 'c' });
    expect(tagsOf(h)).toEqual(['1:1']);
    h.c(ack(1));
    expect(h.s.unackedCount).toBe(0);
    expect(h.issues).toEqual([]);
    // Tag 2 belonged to the previous incarnation.
    h.c(ack(2));
    expect(h.issues.map((i) => i.code)).toEqual(['unknown-delivery-tag']);
  });

  it('requeues what is left when a channel is reopened without a captured close', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    deliver(h, 1, 1, { ctag: 'c' });
    openChannel(h, 1);
    expect(h.requeues.map((r) => [r.reason, r.deliveries.length])).toEqual([['channel-reopen', 1]]);
    expect(h.s.unackedCount).toBe(0);
  });

  it('requeues everything on Basic.Recover with requeue', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    deliver(h, 1, 1, { ctag: 'c' });
    deliver(h, 1, 2, { ctag: 'c' });
    h.c(method('Basic.Recover', { requeue: false }));
    expect(h.s.unackedCount).toBe(2);
    h.c(method('Basic.Recover', { requeue: true }));
    expect(h.s.unackedCount).toBe(0);
    expect(h.requeues.map((r) => [r.reason, r.deliveries.length])).toEqual([['recover', 2]]);
  });

  it('ignores client acks after the server closed the connection, but keeps the unacked for the report', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    deliver(h, 1, 1, { ctag: 'c' });
    h.sv(method('Connection.Close', { 'reply-code': 320, 'reply-text': 'CONNECTION_FORCED', 'class-id': 0, 'method-id': 0 }, 0));
    h.c(ack(1));
    expect(h.acks[0]).toMatchObject({ ignored: true });
    expect(h.s.unackedCount).toBe(1);
    expect(h.s.unacked()[0]).toMatchObject({ deliveryTag: 1, bodySize: 4 });
    expect(h.s.unacked()[0]!.identity).toMatch(/^h:[0-9a-f]{14}:4$/);
  });

  it('holds acks inside a transaction until Tx.Commit, and restores them on Tx.Rollback', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    h.c(method('Tx.Select', {}));
    for (let t = 1; t <= 3; t++) deliver(h, 1, t, { ctag: 'c' });
    h.c(ack(1));
    expect(h.acks[0]).toMatchObject({ inTransaction: true, count: 1 });
    expect(h.s.unackedCount).toBe(3);
    h.c(method('Tx.Rollback', {}));
    expect(tagsOf(h)).toEqual(['1:1', '1:2', '1:3']);
    h.c(ack(2, true)); // settles 1 and 2 again: legal after the rollback
    expect(h.issues).toEqual([]);
    h.c(method('Tx.Commit', {}));
    expect(h.s.unackedCount).toBe(1);
    expect(tagsOf(h)).toEqual(['1:3']);
  });

  it('keeps the oldest first across channels', () => {
    const h = harness();
    handshake(h, 1, 2);
    deliver(h, 2, 1);
    deliver(h, 1, 1);
    deliver(h, 2, 2);
    expect(tagsOf(h)).toEqual(['2:1', '1:1', '2:2']);
    expect(h.s.channels().map((c) => [c.channel, c.unacked])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('stays exact through thousands of out-of-order acks', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    const n = 5_000;
    for (let t = 1; t <= n; t++) deliver(h, 1, t, { ctag: 'c', size: 0 });
    // A fixed pseudo-random order (LCG) of every other tag, then a multiple ack of the first half.
    const order = Array.from({ length: n / 2 }, (_, i) => 2 * i + 2);
    let seed = 12345;
    for (let i = order.length - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const t of order) h.c(ack(t));
    expect(h.s.unackedCount).toBe(n / 2);
    h.c(ack(n / 2 + 1, true));
    const left = h.s.unacked().map((u) => u.deliveryTag);
    // Odd tags remain; the multiple ack settles the odd ones up to n/2 + 1.
    expect(left).toHaveLength(n / 2 - (n / 4 + 1));
    expect(left[0]).toBe(n / 2 + 3);
    expect(left.every((t) => t % 2 === 1 && t > n / 2)).toBe(true);
    expect(h.issues).toEqual([]);
  });

  it('records the prefetch of Basic.Qos per channel', () => {
    const h = harness();
    handshake(h, 1);
    h.c(method('Basic.Qos', { 'prefetch-size': 0, 'prefetch-count': 12, global: false }));
    expect(h.s.channels()[0]).toMatchObject({ channel: 1, open: true, prefetchCount: 12 });
  });
});

// ---- gaps and mid-stream captures ---------------------------------------------------------------------------------

describe('AmqpSession with incomplete captures', () => {
  it('does not blame acks of tags delivered in an S->C gap', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    deliver(h, 1, 1, { ctag: 'c' });
    h.s.onGap('s2c'); // deliveries 2 and 3 were lost
    deliver(h, 1, 4, { ctag: 'c' });
    h.c(ack(2), ack(3));
    expect(h.issues).toEqual([]);
    h.c(ack(1), ack(4), ack(4));
    expect(h.issues.map((i) => i.code)).toEqual(['unknown-delivery-tag']);
    expect(h.s.unackedCount).toBe(0);
  });

  it('does not blame acks of tags delivered before a mid-stream capture started', () => {
    const h = harness();
    deliver(h, 1, 40, { ctag: 'c' });
    h.c(ack(39), ack(40));
    expect(h.issues).toEqual([]);
    h.c(ack(40));
    expect(h.issues.map((i) => i.code)).toEqual(['unknown-delivery-tag']);
  });
});

// ---- publisher confirms -------------------------------------------------------------------------------------------

describe('AmqpSession publisher confirms', () => {
  function publish(h: H, ch = 1): void {
    h.c(method('Basic.Publish', { exchange: 'x', 'routing-key': 'rk' }, ch), header(1, {}, ch), body(1, ch));
  }

  it('numbers publishes after Confirm.Select and settles them with acks and nacks', () => {
    const h = harness();
    handshake(h, 1);
    publish(h); // before Select: no sequence number
    h.c(method('Confirm.Select', { nowait: false }));
    h.sv(method('Confirm.Select-Ok', {}));
    for (let i = 0; i < 6; i++) publish(h);
    expect(h.s.confirms).toEqual({ published: 6, acked: 0, nacked: 0, outstanding: 6, dropped: 0 });
    h.sv(ack(2));
    h.sv(ack(4, true)); // 1, 3, 4
    h.sv(method('Basic.Nack', { 'delivery-tag': 5, multiple: false, requeue: false }));
    expect(h.s.confirms).toEqual({ published: 6, acked: 4, nacked: 1, outstanding: 1, dropped: 0 });
    const confirmAcks = h.acks.filter((a) => a.dir === 's2c');
    expect(confirmAcks.map((a) => [a.kind, a.count, a.known])).toEqual([
      ['ack', 1, true],
      ['ack', 3, true],
      ['nack', 1, true],
    ]);
    expect(confirmAcks[0]!.settled).toEqual([]);
    // Broker acks never touch the client's deliveries and are never 'unknown delivery tag'.
    expect(h.s.stats.acks).toBe(0);
    expect(h.issues).toEqual([]);
    h.sv(ack(0, true));
    expect(h.s.confirms.outstanding).toBe(0);
    expect(h.s.confirms.acked).toBe(5);
  });

  it('counts confirms still outstanding when their channel closes as dropped', () => {
    const h = harness();
    handshake(h, 1, 2);
    h.c(method('Confirm.Select', { nowait: true }, 1));
    h.c(method('Confirm.Select', { nowait: true }, 2));
    publish(h, 1);
    publish(h, 1);
    publish(h, 2);
    h.sv(ack(1, false, 2));
    h.sv(method('Channel.Close', { 'reply-code': 404, 'reply-text': 'NOT_FOUND', 'class-id': 60, 'method-id': 40 }, 1));
    expect(h.s.confirms).toEqual({ published: 3, acked: 1, nacked: 0, outstanding: 0, dropped: 2 });
    expect(h.s.channels().map((c) => [c.channel, c.confirmMode])).toEqual([
      [1, false],
      [2, true],
    ]);
  });
});

// ---- delivery records, reused once settled ------------------------------------------------------------------------

describe('AmqpSession delivery records without an ack listener', () => {
  it('gives each outstanding delivery its own record while settled ones are reused', () => {
    const h = harness(undefined, 'messages');
    handshake(h, 1);
    consume(h, 1, 'c');
    for (let round = 0; round < 50; round++) {
      for (let i = 1; i <= 20; i++) deliver(h, 1, round * 20 + i, { ctag: 'c', size: 4 + (i % 3) });
      h.c(ack(round * 20 + 15, true)); // the first 15 of the round; 5 stay outstanding
      h.c(ack(round * 20 + 16), ack(round * 20 + 17), ack(round * 20 + 18), ack(round * 20 + 19), ack(round * 20 + 20));
    }
    for (let i = 1; i <= 6; i++) deliver(h, 1, 1000 + i, { ctag: 'c', size: i });
    const left = h.s.unacked();
    expect(left.map((d) => [d.deliveryTag, d.bodySize])).toEqual([1, 2, 3, 4, 5, 6].map((i) => [1000 + i, i]));
    expect(new Set(left).size).toBe(6);
    // Each record carries its own message's identity (the body bytes are the tag's low byte).
    const byTag = new Map(h.messages.map((m) => [m.packet, m.identity]));
    for (const d of left) expect(d.identity).toBe(byTag.get(d.packet));
  });

  it('reuses the record of an acked delivery with every field of the new delivery, none of the old', () => {
    const h = harness(undefined, 'messages');
    handshake(h, 1);
    consume(h, 1, 'a');
    deliver(h, 1, 1, { ctag: 'a', messageId: 'm-1', size: 4 });
    const first = h.s.unacked()[0]!;
    expect(first).toMatchObject({ deliveryTag: 1, messageId: 'm-1', identity: 'mid:m-1', bodySize: 4, redelivered: false });
    h.c(ack(1));
    // A redelivery whose header never comes (cut by a gap): nothing of it may come from the record's last use.
    h.sv(method('Basic.Deliver', { 'consumer-tag': 'a', 'delivery-tag': 2, redelivered: true, exchange: 'x2', 'routing-key': 'rk2' }, 1));
    h.s.onGap('s2c');
    const [second] = h.s.unacked();
    expect(second).toBe(first); // the same object: reused
    // Every public field, exactly (the ledger's own pending-identity fields aside).
    expect(Object.fromEntries(Object.entries(second!).filter(([k]) => !k.startsWith('pending')))).toEqual({
      channel: 1,
      deliveryTag: 2,
      consumerTag: 'a',
      via: 'deliver',
      exchange: 'x2',
      routingKey: 'rk2',
      redelivered: true,
      identity: null,
      messageId: null,
      correlationId: null,
      bodySize: null,
      ackModeKnown: true,
      packet: second!.packet,
      tsSec: second!.tsSec,
      tsNsec: second!.tsNsec,
    });
    expect(second!.packet).toBeGreaterThan(1);
  });

  it('gives a reused record no identity of its last use while its new message is still in assembly', () => {
    const h = harness(undefined, 'none'); // identities written when asked: the record holds a pending one
    handshake(h, 1);
    consume(h, 1, 'a');
    deliver(h, 1, 1, { ctag: 'a', size: 4 });
    h.c(ack(1));
    h.sv(method('Basic.Deliver', { 'consumer-tag': 'a', 'delivery-tag': 2, redelivered: false, exchange: 'x', 'routing-key': 'rk' }, 1));
    h.sv(header(10, {}, 1)); // its body has not come
    expect(h.s.unacked()).toMatchObject([{ deliveryTag: 2, identity: null, bodySize: 10 }]);
  });

  it('does not reuse the record of a delivery acked before its body is complete: that message still writes to it', () => {
    const h = harness(undefined, 'messages');
    handshake(h, 1, 2);
    consume(h, 1, 'a');
    consume(h, 2, 'b');
    // Channel 1: a delivery whose body has not come yet, acked by a hasty client.
    h.sv(method('Basic.Deliver', { 'consumer-tag': 'a', 'delivery-tag': 1, redelivered: false, exchange: 'x', 'routing-key': 'rk' }, 1));
    h.sv(header(4, {}, 1));
    h.c(ack(1, false, 1));
    // Channel 2: a whole delivery, its record made after that ack.
    deliver(h, 2, 1, { ctag: 'b', size: 4 });
    // Channel 1's body now completes: its identity goes to its own record, not to channel 2's.
    h.s.onBodyData('s2c', 1, enc.encode('zzzz'));
    h.sv(body(4, 1));
    const [left] = h.s.unacked();
    expect(h.s.unacked()).toHaveLength(1);
    expect(left).toMatchObject({ channel: 2, deliveryTag: 1, bodySize: 4 });
    const channel2 = h.messages.find((m) => m.channel === 2);
    const channel1 = h.messages.find((m) => m.channel === 1);
    expect(channel1?.identity).not.toBe(channel2?.identity);
    expect(left!.identity).toBe(channel2!.identity);
  });
});

describe('AmqpSession identities written when asked', () => {
  it('gives unacked() the identities a listening session writes at once: hashes, message-ids, cut bodies', () => {
    const feed = (h: H): void => {
      handshake(h, 1, 2);
      consume(h, 1, 'a');
      consume(h, 2, 'b');
      for (let tag = 1; tag <= 30; tag++) deliver(h, 1 + (tag % 2), Math.ceil(tag / 2), { ctag: tag % 2 === 0 ? 'a' : 'b', size: tag % 7, ...(tag % 5 === 0 ? { messageId: `m-${tag}` } : {}) });
      // A delivery whose body a gap cuts: no identity.
      h.sv(method('Basic.Deliver', { 'consumer-tag': 'a', 'delivery-tag': 16, redelivered: false, exchange: 'x', 'routing-key': 'rk' }, 1));
      h.sv(header(10, {}, 1));
      h.s.onBodyData('s2c', 1, new Uint8Array(4));
      h.sv(body(4, 1));
      h.s.onGap('s2c');
      h.c(ack(3, true, 1), ack(2, false, 2));
    };
    const eager = harness(undefined, 'messages');
    const lazy = harness(undefined, 'none');
    feed(eager);
    feed(lazy);
    expect(lazy.messages).toHaveLength(0);
    const ids = (h: H) => h.s.unacked().map((d) => [d.channel, d.deliveryTag, d.identity]);
    expect(ids(lazy)).toEqual(ids(eager));
    const identities = ids(lazy).map((x) => x[2]);
    expect(identities).toContain(null);
    expect(identities.some((i) => typeof i === 'string' && i.startsWith('h:'))).toBe(true);
    expect(identities.some((i) => typeof i === 'string' && i.startsWith('mid:'))).toBe(true);
  });
});

// ---- message identity ---------------------------------------------------------------------------------------------

describe('AmqpSession message identity', () => {
  const payload = enc.encode('{"task":"resize","image":"cat.png","attempt":1,"padding":"0123456789abcdef"}');

  function identityOf(cuts: number[], order: 'bytes-first' | 'frame-first', bytes = payload, routingKey = 'rk'): string | null {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'ctag');
    deliverBytes(h, 1, 1, bytes, cuts, order, routingKey);
    h.sv(heartbeat()); // the decoder moves on: a message waiting for its bytes is finished by now
    expect(h.messages).toHaveLength(1);
    expect(h.messages[0]!.complete).toBe(true);
    expect(h.s.unacked()[0]!.identity).toBe(h.messages[0]!.identity);
    return h.messages[0]!.identity;
  }

  it('uses message-id when present', () => {
    const h = harness();
    handshake(h, 1);
    consume(h, 1, 'c');
    deliver(h, 1, 1, { ctag: 'c', messageId: 'order-42' });
    expect(h.messages[0]!.identity).toBe('mid:order-42');
    expect(h.s.unacked()[0]).toMatchObject({ identity: 'mid:order-42', messageId: 'order-42', bodySize: 4 });
  });

  it('hashes exchange, routing key and body otherwise, whatever the framing', () => {
    const whole = identityOf([], 'bytes-first');
    expect(whole).toMatch(new RegExp(`^h:[0-9a-f]{14}:${payload.length}$`));
    expect(identityOf([1, 2, 3, 5, 8, 13, 21, 34, 55], 'bytes-first')).toBe(whole);
    expect(identityOf([40], 'frame-first')).toBe(whole);
    expect(identityOf([3, 7, 11, 70], 'frame-first')).toBe(whole);
  });

  it('finishes a frame-first message as soon as its last bytes are hashed', () => {
    const h = harness();
    handshake(h, 1);
    deliverBytes(h, 1, 1, payload, [30], 'frame-first');
    expect(h.messages).toHaveLength(1);
    expect(h.messages[0]!.identity).toMatch(/^h:/);
  });

  it('gives different bodies, routing keys and sizes different identities', () => {
    const base = identityOf([], 'bytes-first');
    const changed = payload.slice();
    changed[10] = changed[10]! ^ 1;
    expect(identityOf([], 'bytes-first', changed)).not.toBe(base);
    expect(identityOf([], 'bytes-first', payload, 'rk2')).not.toBe(base);
    expect(identityOf([], 'bytes-first', payload.subarray(0, payload.length - 1))).not.toBe(base);
  });

  it('hashes only S->C content, and not at all when disabled', () => {
    const h = harness();
    handshake(h, 1);
    h.c(method('Basic.Publish', { exchange: 'x', 'routing-key': 'rk' }), header(payload.length));
    h.s.onBodyData('c2s', 1, payload);
    h.c(body(payload.length));
    expect(h.messages[0]!.identity).toBeNull();

    const off = harness({ hashBodies: false });
    handshake(off, 1);
    deliverBytes(off, 1, 1, payload, [], 'bytes-first');
    expect(off.messages[0]!.identity).toBeNull();
  });

  it('finishes a message whose bytes never come at the next frame of its direction, without identity', () => {
    const h = harness();
    handshake(h, 1);
    h.sv(method('Basic.Deliver', { 'consumer-tag': 'c', 'delivery-tag': 1, exchange: 'x', 'routing-key': 'rk' }), header(3), body(3));
    expect(h.messages).toHaveLength(0); // its bytes may still follow the frame
    h.c(heartbeat());
    expect(h.messages).toHaveLength(0); // the other direction says nothing about this decoder
    h.sv(heartbeat());
    expect(h.messages).toMatchObject([{ complete: true, identity: null, bodyReceived: 3 }]);
    // finish() also settles it.
    const g = harness();
    handshake(g, 1);
    g.sv(method('Basic.Deliver', { 'consumer-tag': 'c', 'delivery-tag': 1, exchange: 'x', 'routing-key': 'rk' }), header(3), body(3));
    g.s.finish();
    expect(g.messages).toMatchObject([{ complete: true, identity: null }]);
  });

  it('gives no body identity when bytes were missing', () => {
    const h = harness();
    handshake(h, 1);
    // The decoder passed only part of the bytes (e.g. it lost some): the hash would be wrong, so there is none.
    h.sv(method('Basic.Deliver', { 'consumer-tag': 'c', 'delivery-tag': 1, exchange: 'x', 'routing-key': 'rk' }), header(10));
    h.s.onBodyData('s2c', 1, payload.subarray(0, 4));
    h.sv(body(10));
    h.sv(heartbeat());
    expect(h.messages[0]).toMatchObject({ complete: true, identity: null });
  });
});

// ---- the hash itself ----------------------------------------------------------------------------------------------

describe('BodyHasher', () => {
  const data = new Uint8Array(1_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;

  it('does not depend on how the bytes are split', () => {
    const whole = hashBytesHex(data);
    const oneByOne = new BodyHasher();
    for (let i = 0; i < data.length; i++) oneByOne.update(data.subarray(i, i + 1));
    expect(oneByOne.digestHex()).toBe(whole);
    let seed = 7;
    for (let round = 0; round < 20; round++) {
      const h = new BodyHasher();
      let i = 0;
      while (i < data.length) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const n = seed % 13;
        h.update(data.subarray(i, i + n));
        i += n;
      }
      expect(h.digestHex()).toBe(whole);
      expect(h.length).toBe(data.length);
    }
  });

  it('is 53 bits of hex, seed- and length-sensitive', () => {
    expect(hashBytesHex(data)).toMatch(/^[0-9a-f]{14}$/);
    expect(hashBytesHex(data, 1)).not.toBe(hashBytesHex(data));
    expect(hashBytesHex(new Uint8Array(4))).not.toBe(hashBytesHex(new Uint8Array(5)));
    expect(hashBytesHex(new Uint8Array(0))).not.toBe(hashBytesHex(new Uint8Array(1)));
    const h = new BodyHasher();
    h.update(data);
    expect(h.digest()).toBe(h.digest()); // digest leaves the state alone
    h.reset();
    expect(h.digestHex()).toBe(hashBytesHex(new Uint8Array(0)));
  });

  it('writes the digest as its 14 hex digits, the same identities as ever', () => {
    // Pinned: identities in reports (and in reports merged with --merge) must not change with the hex writer.
    expect(hashBytesHex(data)).toBe('18b59b929464c5');
    expect(hashBytesHex(data, 1)).toBe('106ba24dac5be7');
    expect(hashBytesHex(new Uint8Array(0))).toBe('156e9cdc80846a');
    expect(hashBytesHex(data.subarray(0, 3))).toBe('02cf99dd729f36');
    const h = new BodyHasher();
    let leadingZero = 0;
    let topBit = 0;
    for (let n = 0; n < 3_000; n++) {
      h.reset(n);
      h.update(data, 0, n % data.length);
      const value = h.digest();
      expect(value).toBeLessThan(2 ** 53);
      expect(h.digestHex()).toBe(value.toString(16).padStart(14, '0'));
      expect(digestHexOf(value)).toBe(h.digestHex());
      if (value < 2 ** 49) leadingZero++;
      if (value % 2 ** 32 >= 2 ** 31) topBit++;
    }
    // The sample reaches the cases a byte-wise writer can get wrong: a zero first digit, a low half past 2^31.
    expect(leadingZero).toBeGreaterThan(0);
    expect(topBit).toBeGreaterThan(0);
  });

  it('separates the strings mixed in before the body', () => {
    const a = new BodyHasher();
    a.updateString('ab');
    a.updateString('c');
    const b = new BodyHasher();
    b.updateString('a');
    b.updateString('bc');
    expect(a.digest()).not.toBe(b.digest());
  });

  it('has no collisions among 200,000 similar bodies', () => {
    const seen = new Set<number>();
    const buf = new Uint8Array(24);
    const view = new DataView(buf.buffer);
    const h = new BodyHasher();
    for (let i = 0; i < 200_000; i++) {
      view.setUint32(20, i, true); // bodies differing only in a counter near the end, like task ids
      h.reset();
      h.update(buf);
      seen.add(h.digest());
    }
    expect(seen.size).toBe(200_000);
  });
});
