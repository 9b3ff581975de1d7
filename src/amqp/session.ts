/**
 * Per-connection AMQP 0-9-1 state, rebuilt by a passive observer from the decoded frames of both directions: what
 * the handshake negotiated, which messages were assembled, which deliveries are still unacknowledged, and where
 * publisher confirms stand. Later layers read it to explain a connection's end (heartbeat from Tune-Ok, unacked at
 * close, redeliveries across connections: failure-modes.md F10, F11, §3 item 9).
 *
 * Contract:
 * - Feed every frame of both directions in capture order (`onFrame`), the content body bytes as the decoder passes
 *   them (`onBodyData`, either before or after the body frame's `onFrame`: both orders give the same result), every
 *   capture gap (`onGap`), and call `finish()` once when the connection or the capture ends.
 * - Pure: no I/O and no clock; every time comes from the frames. Anomalies are reported through the listener as
 *   data, never thrown.
 * - Memory is bounded by open state: unacked deliveries, outstanding confirms and at most one message in assembly
 *   per channel and direction. Bodies are hashed as they pass and never kept.
 *
 * Message assembly (AMQP 0-9-1 §4.2.6), per channel and direction:
 *
 *   method (Basic.Publish | Basic.Deliver | Basic.Get-Ok | Basic.Return)
 *     -> content header (class 60, body-size N)
 *     -> content body frames until their payload sizes add up to N (none when N = 0)
 *
 * Body bytes are counted, never inferred from frame_max: the observer may not have seen Tune-Ok. Anything else
 * on that channel and direction meanwhile is what RabbitMQ answers with 505 UNEXPECTED_FRAME (F13): reported as
 * 'unexpected-frame', and the channel's assembly is reset.
 *
 * Delivery tags follow RabbitMQ's channel (rabbit_channel.erl, collect_acks): per channel, shared by Basic.Deliver
 * and Basic.Get-Ok, increasing from 1 after Channel.Open; a C->S Basic.Ack/Nack with `multiple` settles every
 * outstanding tag up to and including its own, and tag 0 with `multiple` settles all of them.
 */
import { BodyHasher } from './body-hash.js';
import { utf8Text } from './codec.js';
import type { FrameView } from './frame-view.js';
import type { FieldTable, FieldValue, Frame, MethodFrame } from './types.js';
import * as wire from './types.js';
import { TagQueue } from './tag-queue.js';
import { Assembly, BODY, C2S, ChannelState, HASH_PENDING, HEADER, IDLE, S2C, SKIP, type MutableDelivery } from './channel-state.js';
import type { At, Direction, UnackedDelivery, AckKind, AckEvent, RequeueEvent, SessionIssueCode, SessionListener, SessionOptions, TuneValues, CloseInfo, ChannelInfo, SessionStats, ConfirmStats } from './session-types.js';

export type { Direction, UnackedDelivery, CompletedMessage, AckKind, AckEvent, RequeueEvent, SessionIssueCode, SessionIssue, SessionListener, SessionOptions, TuneValues, CloseInfo, ChannelInfo, SessionStats, ConfirmStats } from './session-types.js';

const FRAME_METHOD: number = wire.FRAME_METHOD;
const FRAME_HEADER: number = wire.FRAME_HEADER;
const FRAME_BODY: number = wire.FRAME_BODY;

const CONNECTION_START = 0x000a000a;
const CONNECTION_START_OK = 0x000a000b;
const CONNECTION_TUNE = 0x000a001e;
const CONNECTION_TUNE_OK = 0x000a001f;
const CONNECTION_OPEN = 0x000a0028;
const CONNECTION_OPEN_OK = 0x000a0029;
const CONNECTION_CLOSE = 0x000a0032;
const CONNECTION_CLOSE_OK = 0x000a0033;
const CHANNEL_OPEN = 0x0014000a;
const CHANNEL_OPEN_OK = 0x0014000b;
const CHANNEL_CLOSE = 0x00140028;
const CHANNEL_CLOSE_OK = 0x00140029;
const BASIC_QOS = 0x003c000a;
const BASIC_CONSUME = 0x003c0014;
const BASIC_CONSUME_OK = 0x003c0015;
const BASIC_CANCEL = 0x003c001e;
const BASIC_CANCEL_OK = 0x003c001f;
const BASIC_PUBLISH = 0x003c0028;
const BASIC_RETURN = 0x003c0032;
const BASIC_DELIVER = 0x003c003c;
const BASIC_GET = 0x003c0046;
const BASIC_GET_OK = 0x003c0047;
const BASIC_GET_EMPTY = 0x003c0048;
const BASIC_ACK = 0x003c0050;
const BASIC_REJECT = 0x003c005a;
const BASIC_RECOVER_ASYNC = 0x003c0064;
const BASIC_RECOVER = 0x003c006e;
const BASIC_NACK = 0x003c0078;
const CONFIRM_SELECT = 0x0055000a;
const CONFIRM_SELECT_OK = 0x0055000b;
const TX_SELECT = 0x005a000a;
const TX_COMMIT = 0x005a0014;
const TX_ROLLBACK = 0x005a001e;

const DIRS: readonly [Direction, Direction] = ['c2s', 's2c'];

/** Bounds on the request FIFOs (Consume -> Consume-Ok, Get -> Get-Ok/Empty), in case replies were not captured. */
const MAX_PENDING_REQUESTS = 256;

const NO_DELIVERIES: readonly UnackedDelivery[] = Object.freeze([]);

export class AmqpSession {
  readonly #listener: SessionListener;
  readonly #hashBodies: boolean;
  readonly #channels = new Map<number, ChannelState>();
  #lastChannel: ChannelState | null = null;
  /** A message per direction whose body frames are all counted but whose bytes are still to be hashed. */
  readonly #pendingHash: [Assembly | null, Assembly | null] = [null, null];
  readonly #gaps: [number, number] = [0, 0];
  readonly #frames: [number, number] = [0, 0];

  #clientProperties: FieldTable | null = null;
  #serverProperties: FieldTable | null = null;
  #tune: TuneValues | null = null;
  #tuneOk: TuneValues | null = null;
  #vhost: string | null = null;
  #handshakeSeen = false;
  #handshakeComplete = false;
  #close: CloseInfo | null = null;
  #closeOk: { dir: Direction; packet: number; tsSec: number; tsNsec: number } | null = null;
  /** The server sent Connection.Close: RabbitMQ discards every client frame but Close-Ok from then on. */
  #serverClosing = false;

  #unackedCount = 0;
  readonly #stats: SessionStats = {
    messagesPublished: 0,
    messagesDelivered: 0,
    redelivered: 0,
    acks: 0,
    nacks: 0,
    rejects: 0,
    returned: 0,
  };
  #confirmPublished = 0;
  #confirmAcked = 0;
  #confirmNacked = 0;
  #confirmOutstanding = 0;
  #confirmDropped = 0;

  constructor(listener: SessionListener = {}, options: SessionOptions = {}) {
    this.#listener = listener;
    this.#hashBodies = options.hashBodies ?? true;
  }

  // ---- negotiated state -------------------------------------------------------------------------------------

  /** Connection.Start-Ok client-properties. */
  get clientProperties(): FieldTable | null {
    return this.#clientProperties;
  }
  /** Connection.Start server-properties. */
  get serverProperties(): FieldTable | null {
    return this.#serverProperties;
  }
  /** Connection.Tune: the server's proposal. */
  get tune(): Readonly<TuneValues> | null {
    return this.#tune;
  }
  /** Connection.Tune-Ok: the client's answer, which is what RabbitMQ uses (failure-modes.md §1.2). */
  get tuneOk(): Readonly<TuneValues> | null {
    return this.#tuneOk;
  }
  /** Connection.Open virtual-host. */
  get vhost(): string | null {
    return this.#vhost;
  }
  /** Connection.Start or Start-Ok seen: the capture holds the connection from its beginning. */
  get handshakeSeen(): boolean {
    return this.#handshakeSeen;
  }
  /** Connection.Open-Ok seen. */
  get handshakeComplete(): boolean {
    return this.#handshakeComplete;
  }
  /** The first Connection.Close seen, either side. */
  get connectionClose(): Readonly<CloseInfo> | null {
    return this.#close;
  }
  /** Connection.Close-Ok seen. */
  get connectionCloseOk(): Readonly<{ dir: Direction; packet: number; tsSec: number; tsNsec: number }> | null {
    return this.#closeOk;
  }

  // ---- counters -------------------------------------------------------------------------------------------

  /** Frames seen per direction, heartbeats included. */
  get frames(): { c2s: number; s2c: number } {
    return { c2s: this.#frames[C2S], s2c: this.#frames[S2C] };
  }
  /** Capture gaps reported per direction: counts built on that direction may be short (e.g. lost acks). */
  get gaps(): { c2s: number; s2c: number } {
    return { c2s: this.#gaps[C2S], s2c: this.#gaps[S2C] };
  }
  /** Live counters; read, do not mutate. */
  get stats(): Readonly<SessionStats> {
    return this.#stats;
  }
  get confirms(): ConfirmStats {
    return {
      published: this.#confirmPublished,
      acked: this.#confirmAcked,
      nacked: this.#confirmNacked,
      outstanding: this.#confirmOutstanding,
      dropped: this.#confirmDropped,
    };
  }
  /** Deliveries not yet settled, across channels (acks inside an uncommitted transaction do not count yet). */
  get unackedCount(): number {
    return this.#unackedCount;
  }

  /**
   * The unsettled deliveries, oldest first. A fresh array of the live records: identity and bodySize fill in as
   * the message completes. Do not mutate them.
   */
  unacked(): UnackedDelivery[] {
    const out: UnackedDelivery[] = [];
    for (const ch of this.#channels.values()) {
      ch.unacked.forEach((d) => out.push(d));
      if (ch.txSettled !== null) for (const d of ch.txSettled) out.push(d);
    }
    out.sort((a, b) => a.packet - b.packet || a.channel - b.channel || a.deliveryTag - b.deliveryTag);
    return out;
  }

  /** A snapshot of every channel seen (channel 0, the connection's, excluded), by channel number. */
  channels(): ChannelInfo[] {
    const out: ChannelInfo[] = [];
    for (const ch of this.#channels.values()) {
      if (ch.id === 0) continue;
      out.push({
        channel: ch.id,
        open: ch.opened && !ch.closed,
        closed: ch.closed,
        unacked: ch.unacked.live + (ch.txSettled?.length ?? 0),
        prefetchCount: ch.prefetchCount,
        confirmMode: ch.confirmMode,
        outstandingConfirms: ch.confirms?.live ?? 0,
        txMode: ch.txMode,
        consumers: ch.consumers?.size ?? 0,
      });
    }
    out.sort((a, b) => a.channel - b.channel);
    return out;
  }

  // ---- input ----------------------------------------------------------------------------------------------

  /** Feed every decoded frame of both directions, in capture order. */
  onFrame(dir: Direction, frame: Frame): void {
    const d = dir === 'c2s' ? C2S : S2C;
    this.#frames[d]++;
    // The decoder has moved past the previous frame, so every byte of it has been passed to onBodyData.
    const pending = this.#pendingHash[d];
    if (pending !== null) this.#finishPending(d, pending);
    switch (frame.kind) {
      case 'method':
        this.#onMethod(d, frame);
        return;
      case 'header': {
        const p = frame.properties;
        this.#onHeader(d, frame.channel, frame.classId, frame.bodySize, idString(p['message-id']), idString(p['correlation-id']), frame);
        return;
      }
      case 'body':
        this.#onBody(d, frame.channel, frame.size, frame.lost ?? 0, frame);
        return;
      case 'heartbeat':
        // rabbit_reader answers a heartbeat on a non-zero channel with 505 (failure-modes.md §1.1).
        if (frame.channel !== 0) {
          this.#issue('unexpected-frame', d, frame.channel, frame, `heartbeat frame on channel ${frame.channel}: RabbitMQ answers 505 UNEXPECTED_FRAME`);
        }
        return;
    }
  }

  /**
   * The decoder's allocation-free path (FrameSink.onView): the same as `onFrame(dir, view.frame())`, but heartbeats,
   * bodies, content headers, Basic.Publish, Basic.Deliver and Basic.Ack are read from the view's bytes in place.
   */
  onView(dir: Direction, v: FrameView): void {
    const type = v.type;
    const key = v.classId * 0x10000 + v.methodId;
    if (type === FRAME_METHOD && key !== BASIC_PUBLISH && key !== BASIC_DELIVER && key !== BASIC_ACK) {
      this.onFrame(dir, v.frame());
      return;
    }
    const d = dir === 'c2s' ? C2S : S2C;
    this.#frames[d]++;
    const pending = this.#pendingHash[d];
    if (pending !== null) this.#finishPending(d, pending);
    if (type === FRAME_BODY) {
      this.#onBody(d, v.channel, v.size, 0, v);
      return;
    }
    const b = v.bytes;
    const o = v.start;
    if (type === FRAME_HEADER) {
      // The ids serve deliveries (S->C) and message records; a publisher's are never read: not decoded.
      const ids = d === S2C || this.#listener.onMessage !== undefined;
      const mid = ids && v.messageIdStart >= 0 ? idString(utf8Text(b, v.messageIdStart, v.messageIdEnd, false)) : null;
      const cid = ids && v.correlationIdStart >= 0 ? idString(utf8Text(b, v.correlationIdStart, v.correlationIdEnd, false)) : null;
      this.#onHeader(d, v.channel, v.classId, v.bodySize, mid, cid, v);
      return;
    }
    if (type !== FRAME_METHOD) return; // a heartbeat (the decoder passes only channel-0 ones as views)
    const ch = this.#channel(v.channel);
    const asm = d === C2S ? ch.c2s : ch.s2c;
    this.#beginMethod(d, asm, v.name, v);
    if (key === BASIC_PUBLISH) {
      this.#onPublish(d, ch, asm, v);
    } else if (key === BASIC_ACK) {
      // delivery-tag longlong, then the multiple bit.
      const tag = v.u64(4);
      const multiple = (v.octet(12) & 1) === 1;
      if (d === C2S) this.#settleDeliveries(ch, 'ack', tag, multiple, null, v);
      else this.#settleConfirms(ch, 'ack', tag, multiple, null, v);
    } else {
      // Basic.Deliver: consumer-tag shortstr, delivery-tag longlong, redelivered bit, exchange, routing-key.
      const afterTag = v.afterShortstr(4);
      const redelivered = (v.octet(afterTag + 8) & 1) === 1;
      if (d === S2C) {
        const afterExchange = v.afterShortstr(afterTag + 9);
        const consumerTag = utf8Text(b, o + 5, o + afterTag);
        const exchange = utf8Text(b, o + afterTag + 10, o + afterExchange);
        const routingKey = utf8Text(b, o + afterExchange + 1, o + v.afterShortstr(afterExchange));
        this.#onDelivery(ch, asm, 'deliver', v.name, v, v.u64(afterTag), redelivered, consumerTag, exchange, routingKey);
      } else {
        this.#startMessage(asm, v.name, v.classId, v, redelivered, null, false, '', '');
      }
    }
  }

  /**
   * Feed content body bytes as they pass (FrameSink.onBodyData), before or after the body frame's `onFrame`.
   * Only S->C bodies of deliveries are hashed: they are the ones matched across connections.
   */
  onBodyData(dir: Direction, channel: number, bytes: Uint8Array, start = 0, end = bytes.length): void {
    if (dir !== 's2c') return;
    const ch = this.#lastChannel !== null && this.#lastChannel.id === channel ? this.#lastChannel : this.#channels.get(channel);
    if (ch === undefined) return;
    const asm = ch.s2c;
    if (!asm.hashing || asm.hasher === null) return;
    if (asm.state === BODY) {
      asm.hasher.update(bytes, start, end);
    } else if (asm.state === HASH_PENDING) {
      asm.hasher.update(bytes, start, end);
      if (asm.hasher.length >= asm.bodyReceived - asm.bodyLost) {
        this.#pendingHash[S2C] = null;
        this.#finalize(asm, asm.bodyLost === 0);
      }
    }
  }

  /**
   * Bytes of a direction were lost. Messages in assembly on it are cut (reported incomplete), leftover content
   * frames after the gap are dropped silently until the next method frame, and on S->C the delivery tags that
   * may have been lost stop counting as unknown when acked.
   */
  onGap(dir: Direction): void {
    const d = dir === 'c2s' ? C2S : S2C;
    this.#gaps[d]++;
    const pending = this.#pendingHash[d];
    if (pending !== null) this.#finishPending(d, pending);
    for (const ch of this.#channels.values()) {
      const asm = d === C2S ? ch.c2s : ch.s2c;
      if (asm.state === HEADER || asm.state === BODY) this.#finalize(asm, false);
      asm.state = SKIP;
      if (d === S2C) {
        ch.gapLo = ch.lastTag;
        ch.gapHi = Infinity;
      }
    }
  }

  /** The connection or the capture ended: report messages still in assembly as incomplete. Idempotent. */
  finish(): void {
    for (const d of [C2S, S2C] as const) {
      const pending = this.#pendingHash[d];
      if (pending !== null) this.#finishPending(d, pending);
    }
    for (const ch of this.#channels.values()) {
      for (const asm of [ch.c2s, ch.s2c]) {
        if (asm.state === HEADER || asm.state === BODY) this.#finalize(asm, false);
      }
    }
  }

  // ---- frames ---------------------------------------------------------------------------------------------

  #channel(id: number): ChannelState {
    const last = this.#lastChannel;
    if (last !== null && last.id === id) return last;
    let ch = this.#channels.get(id);
    if (ch === undefined) {
      // A channel first seen without the connection's start, or after a gap, may begin with leftovers of a
      // message whose method was not captured: skip content frames until its first method.
      const c2s = !this.#handshakeSeen || this.#gaps[C2S] > 0 ? SKIP : IDLE;
      const s2c = !this.#handshakeSeen || this.#gaps[S2C] > 0 ? SKIP : IDLE;
      ch = new ChannelState(id, c2s, s2c);
      if (this.#gaps[S2C] > 0) ch.gapHi = Infinity;
      this.#channels.set(id, ch);
    }
    this.#lastChannel = ch;
    return ch;
  }

  /** A method frame ends whatever content its channel and direction had in assembly. */
  #beginMethod(d: number, asm: Assembly, name: string, at: At): void {
    if (asm.state === IDLE) return;
    if (asm.state === SKIP) {
      asm.state = IDLE;
      return;
    }
    const m = asm.method ?? 'content method';
    const expected =
      asm.state === HEADER
        ? `${m} not followed by its content header: got ${name} (RabbitMQ answers 505 UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead)`
        : `${m} content cut short after ${asm.bodyReceived} of ${asm.bodySize} body bytes: got ${name} (RabbitMQ answers 505 UNEXPECTED_FRAME - expected content body, got non content body frame instead)`;
    this.#issue('unexpected-frame', d, asm.channel, at, expected);
    this.#finalize(asm, false);
  }

  #onPublish(d: number, ch: ChannelState, asm: Assembly, at: At): void {
    if (d === C2S) {
      this.#stats.messagesPublished++;
      if (ch.confirmMode && ch.confirms !== null && !ch.closed) {
        ch.confirms.push(ch.nextPublishSeq++, at.packet);
        this.#confirmPublished++;
        this.#confirmOutstanding++;
      }
    }
    this.#startMessage(asm, 'Basic.Publish', 60, at, false, null, false, '', '');
  }

  #onMethod(d: number, f: MethodFrame): void {
    const ch = this.#channel(f.channel);
    const asm = d === C2S ? ch.c2s : ch.s2c;
    this.#beginMethod(d, asm, f.name, f);
    const a = f.args;
    switch (f.classId * 0x10000 + f.methodId) {
      case BASIC_PUBLISH:
        this.#onPublish(d, ch, asm, f);
        return;
      case BASIC_DELIVER:
      case BASIC_GET_OK:
        if (d === S2C) {
          const via = f.methodId === 60 ? 'deliver' : 'get';
          const consumerTag = via === 'deliver' ? str(a['consumer-tag']) : null;
          const tag = num(a['delivery-tag']);
          this.#onDelivery(ch, asm, via, f.name, f, tag, a['redelivered'] === true, consumerTag, str(a['exchange']), str(a['routing-key']));
        } else {
          this.#startMessage(asm, f.name, f.classId, f, a['redelivered'] === true, null, false, '', '');
        }
        return;
      case BASIC_ACK:
      case BASIC_NACK:
      case BASIC_REJECT: {
        const kind: AckKind = f.methodId === 80 ? 'ack' : f.methodId === 120 ? 'nack' : 'reject';
        const tag = num(a['delivery-tag']);
        if (d === C2S) {
          this.#settleDeliveries(ch, kind, tag, kind !== 'reject' && a['multiple'] === true, kind === 'ack' ? null : a['requeue'] === true, f);
        } else if (kind !== 'reject') {
          this.#settleConfirms(ch, kind, tag, a['multiple'] === true, kind === 'nack' ? a['requeue'] === true : null, f);
        }
        return;
      }
      case BASIC_RETURN:
        if (d === S2C) this.#stats.returned++;
        this.#startMessage(asm, f.name, f.classId, f, false, null, false, '', '');
        return;
      case BASIC_CONSUME: {
        if (d !== C2S) return;
        const tag = str(a['consumer-tag']);
        const noAck = a['no-ack'] === true;
        if (tag !== '') this.#setConsumer(ch, tag, noAck);
        if (a['nowait'] !== true) {
          const q = (ch.pendingConsumes ??= []);
          if (q.length >= MAX_PENDING_REQUESTS) q.shift();
          q.push({ tag, noAck });
        }
        return;
      }
      case BASIC_CONSUME_OK: {
        if (d !== S2C) return;
        const req = ch.pendingConsumes?.shift();
        if (ch.pendingConsumes?.length === 0) ch.pendingConsumes = null; // thousands of channels hold none
        // The server names the consumer when the client left the tag empty.
        if (req !== undefined) this.#setConsumer(ch, str(a['consumer-tag']), req.noAck);
        return;
      }
      case BASIC_CANCEL:
        // A server-sent cancel (F21) means no more deliveries for it; a client's waits for Cancel-Ok, since
        // deliveries already in flight still arrive under the old registration.
        if (d === S2C) this.#deleteConsumer(ch, str(a['consumer-tag']));
        return;
      case BASIC_CANCEL_OK:
        this.#deleteConsumer(ch, str(a['consumer-tag']));
        return;
      case BASIC_GET:
        if (d === C2S) {
          const q = (ch.pendingGets ??= []);
          if (q.length >= MAX_PENDING_REQUESTS) q.shift();
          q.push(a['no-ack'] === true);
        }
        return;
      case BASIC_GET_EMPTY:
        if (d === S2C) ch.pendingGets?.shift();
        return;
      case BASIC_QOS:
        if (d === C2S) ch.prefetchCount = num(a['prefetch-count']);
        return;
      case BASIC_RECOVER:
      case BASIC_RECOVER_ASYNC:
        // RabbitMQ implements only requeue=true (requeue=false is 540 NOT_IMPLEMENTED): every unacked delivery
        // of the channel goes back to its queue.
        if (d === C2S && a['requeue'] === true && !ch.closed) this.#requeueAll(ch, 'recover', f);
        return;
      case CONFIRM_SELECT:
      case CONFIRM_SELECT_OK:
        // Numbering starts with the first publish after Select, which the broker processes in order; Select-Ok
        // alone (Select not captured) still enables tracking.
        if (!ch.confirmMode && (f.methodId === 10 ? d === C2S : d === S2C)) {
          ch.confirmMode = true;
          ch.nextPublishSeq = 1;
          ch.confirms = new TagQueue<number>();
        }
        return;
      case TX_SELECT:
        if (d === C2S) ch.txMode = true;
        return;
      case TX_COMMIT:
        if (d === C2S && ch.txSettled !== null) {
          this.#unackedCount -= ch.txSettled.length;
          ch.txSettled = null;
        }
        return;
      case TX_ROLLBACK:
        // rabbit_channel's tx.rollback puts the acked deliveries back on the unacked queue.
        if (d === C2S && ch.txSettled !== null) {
          for (const dl of ch.txSettled) ch.unacked.push(dl.deliveryTag, dl);
          ch.txSettled = null;
        }
        return;
      case CHANNEL_OPEN:
        if (d === C2S) this.#openChannel(ch, f);
        return;
      case CHANNEL_OPEN_OK:
        // Open-Ok alone (its Channel.Open not captured) still starts a new incarnation.
        if (d === S2C && (!ch.opened || ch.closed)) this.#openChannel(ch, f);
        return;
      case CHANNEL_CLOSE:
      case CHANNEL_CLOSE_OK:
        if (!ch.closed) this.#closeChannel(ch, f);
        return;
      case CONNECTION_START:
        this.#handshakeSeen = true;
        if (d === S2C) this.#serverProperties = table(a['server-properties']);
        return;
      case CONNECTION_START_OK:
        // Only client-properties: the response field carries credentials and is never kept.
        this.#handshakeSeen = true;
        if (d === C2S) this.#clientProperties = table(a['client-properties']);
        return;
      case CONNECTION_TUNE:
        if (d === S2C) this.#tune = tuneValues(a, f);
        return;
      case CONNECTION_TUNE_OK:
        if (d === C2S) this.#tuneOk = tuneValues(a, f);
        return;
      case CONNECTION_OPEN:
        if (d === C2S) this.#vhost = str(a['virtual-host']);
        return;
      case CONNECTION_OPEN_OK:
        if (d === S2C) this.#handshakeComplete = true;
        return;
      case CONNECTION_CLOSE:
        if (this.#close === null) {
          this.#close = {
            dir: DIRS[d] as Direction,
            replyCode: num(a['reply-code']),
            replyText: str(a['reply-text']),
            classId: num(a['class-id']),
            methodId: num(a['method-id']),
            packet: f.packet,
            tsSec: f.tsSec,
            tsNsec: f.tsNsec,
          };
        }
        if (d === S2C) this.#serverClosing = true;
        return;
      case CONNECTION_CLOSE_OK:
        this.#closeOk ??= { dir: DIRS[d] as Direction, packet: f.packet, tsSec: f.tsSec, tsNsec: f.tsNsec };
        return;
      default:
        return;
    }
  }

  #onHeader(d: number, channel: number, classId: number, bodySize: number, mid: string | null, correlationId: string | null, at: At): void {
    const ch = this.#channel(channel);
    const asm = d === C2S ? ch.c2s : ch.s2c;
    if (asm.state !== HEADER) {
      if (asm.state === SKIP) return;
      const text =
        asm.state === IDLE
          ? `content header with no content method before it (RabbitMQ answers 505 UNEXPECTED_FRAME - expected method frame, got non method frame instead)`
          : `content header while ${asm.method ?? 'a message'} still expected ${asm.bodySize - asm.bodyReceived} body bytes (RabbitMQ answers 505 UNEXPECTED_FRAME - expected content body, got non content body frame instead)`;
      this.#issue('unexpected-frame', d, channel, at, text);
      if (asm.state === BODY) this.#finalize(asm, false);
      asm.state = SKIP;
      return;
    }
    if (classId !== asm.methodClassId) {
      this.#issue(
        'unexpected-frame',
        d,
        channel,
        at,
        `${asm.method} followed by a content header for class ${classId} (RabbitMQ answers 505 UNEXPECTED_FRAME - expected content header for class ${asm.methodClassId}, got one for class ${classId} instead)`,
      );
      this.#finalize(asm, false);
      asm.state = SKIP;
      return;
    }
    asm.headerSeen = true;
    asm.bodySize = bodySize;
    asm.endPacket = at.packet;
    asm.messageId = mid;
    const dl = asm.delivery;
    if (dl !== null) {
      dl.bodySize = bodySize;
      dl.messageId = mid;
      dl.correlationId = correlationId;
    }
    if (asm.hashing) {
      if (mid !== null) {
        // message-id is the identity: no need to hash the body.
        asm.hashing = false;
      } else {
        const h = (asm.hasher ??= new BodyHasher());
        h.reset();
        h.updateString(asm.exchange);
        h.updateString(asm.routingKey);
      }
    }
    if (bodySize === 0) {
      this.#finalize(asm, true);
    } else {
      asm.state = BODY;
    }
  }

  #onBody(d: number, channel: number, size: number, lost: number, at: At): void {
    const ch = this.#channel(channel);
    const asm = d === C2S ? ch.c2s : ch.s2c;
    if (asm.state !== BODY) {
      if (asm.state === SKIP) return;
      const text =
        asm.state === IDLE
          ? `content body with no content header before it (RabbitMQ answers 505 UNEXPECTED_FRAME - expected method frame, got non method frame instead)`
          : `${asm.method ?? 'content method'} followed by a content body before its content header (RabbitMQ answers 505 UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead)`;
      this.#issue('unexpected-frame', d, channel, at, text);
      if (asm.state === HEADER) this.#finalize(asm, false);
      asm.state = SKIP;
      return;
    }
    asm.bodyReceived += size;
    // A frame hit by a gap inside it still counts in full (its size is known), so the byte count stays right.
    if (lost > 0) asm.bodyLost += lost;
    asm.endPacket = at.packet;
    if (asm.bodyReceived < asm.bodySize) return;
    if (asm.bodyReceived > asm.bodySize) {
      this.#issue(
        'frame-error',
        d,
        channel,
        at,
        `content body frames carry ${asm.bodyReceived} bytes, more than the ${asm.bodySize} of the content header`,
      );
    }
    if (asm.hashing && asm.hasher !== null && asm.hasher.length < asm.bodyReceived - asm.bodyLost) {
      // The decoder passes this frame's bytes after the frame itself: finish once they are hashed.
      asm.state = HASH_PENDING;
      this.#pendingHash[d] = asm;
      return;
    }
    this.#finalize(asm, asm.bodyLost === 0);
  }

  // ---- messages -------------------------------------------------------------------------------------------

  #startMessage(
    asm: Assembly,
    method: string,
    classId: number,
    at: At,
    redelivered: boolean,
    delivery: MutableDelivery | null,
    hash: boolean,
    exchange: string,
    routingKey: string,
  ): void {
    asm.state = HEADER;
    asm.method = method;
    asm.methodClassId = classId;
    asm.redelivered = redelivered;
    asm.packet = at.packet;
    asm.tsSec = at.tsSec;
    asm.tsNsec = at.tsNsec;
    asm.headerSeen = false;
    asm.bodySize = 0;
    asm.bodyReceived = 0;
    asm.bodyLost = 0;
    asm.endPacket = at.packet;
    asm.hashing = hash;
    asm.messageId = null;
    asm.delivery = delivery;
    asm.exchange = exchange;
    asm.routingKey = routingKey;
  }

  #finishPending(d: number, asm: Assembly): void {
    this.#pendingHash[d] = null;
    if (asm.state === HASH_PENDING) this.#finalize(asm, asm.bodyLost === 0);
  }

  /** Report the message in `asm` (complete or cut) and return the assembly to IDLE. */
  #finalize(asm: Assembly, complete: boolean): void {
    const method = asm.method;
    asm.state = IDLE;
    if (method === null) return;
    const dl = asm.delivery;
    const onMessage = this.#listener.onMessage;
    const onRedelivered = asm.redelivered && asm.dir === S2C ? this.#listener.onRedelivered : undefined;
    if (dl !== null || onMessage !== undefined || onRedelivered !== undefined) {
      let identity: string | null = null;
      if (asm.messageId !== null) {
        identity = `mid:${asm.messageId}`;
      } else if (complete && asm.hashing && asm.hasher !== null && asm.hasher.length === asm.bodySize) {
        identity = `h:${asm.hasher.digestHex()}:${asm.bodySize}`;
      }
      if (dl !== null) dl.identity = identity;
      if (onRedelivered !== undefined && identity !== null) onRedelivered(identity, asm);
      if (onMessage !== undefined) {
        onMessage({
          dir: DIRS[asm.dir] as Direction,
          channel: asm.channel,
          method,
          redelivered: asm.redelivered,
          bodySize: asm.headerSeen ? asm.bodySize : null,
          bodyReceived: asm.bodyReceived,
          complete: complete && asm.headerSeen,
          identity,
          packet: asm.packet,
          tsSec: asm.tsSec,
          tsNsec: asm.tsNsec,
          endPacket: asm.endPacket,
        });
      }
    }
    asm.method = null;
    asm.headerSeen = false;
    asm.delivery = null;
  }

  // ---- deliveries and acks --------------------------------------------------------------------------------

  #onDelivery(
    ch: ChannelState,
    asm: Assembly,
    via: 'deliver' | 'get',
    name: string,
    at: At,
    tag: number,
    redelivered: boolean,
    consumerTagArg: string | null,
    exchange: string,
    routingKey: string,
  ): void {
    const stats = this.#stats;
    stats.messagesDelivered++;
    if (redelivered) stats.redelivered++;
    const consumerTag = consumerTagArg;
    let noAck = false;
    let ackModeKnown = false;
    if (consumerTag !== null) {
      if (consumerTag === ch.lastConsumerTag) {
        noAck = ch.lastConsumerNoAck;
        ackModeKnown = true;
      } else {
        const known = ch.consumers?.get(consumerTag);
        if (known !== undefined) {
          noAck = known;
          ackModeKnown = true;
          ch.lastConsumerTag = consumerTag;
          ch.lastConsumerNoAck = known;
        }
      }
    } else {
      const req = ch.pendingGets?.shift();
      if (req !== undefined) {
        noAck = req;
        ackModeKnown = true;
      }
    }
    // Tags are shared by acked and no-ack deliveries, so every delivery moves the channel's tag bounds.
    if (tag > ch.lastTag) ch.lastTag = tag;
    if (ch.firstTag === 0) ch.firstTag = tag;
    if (ch.gapHi === Infinity) ch.gapHi = tag;
    let delivery: MutableDelivery | null = null;
    // After a Channel.Close the broker requeues whatever it had in flight: those are never the client's to ack.
    if (!noAck && !ch.closed) {
      delivery = {
        channel: ch.id,
        deliveryTag: tag,
        consumerTag,
        via,
        exchange,
        routingKey,
        redelivered,
        identity: null,
        messageId: null,
        correlationId: null,
        bodySize: null,
        ackModeKnown,
        packet: at.packet,
        tsSec: at.tsSec,
        tsNsec: at.tsNsec,
      };
      const before = ch.unacked.live;
      ch.unacked.push(tag, delivery);
      // A repeated tag replaces the earlier delivery (its settlement was not captured) instead of adding one.
      this.#unackedCount += ch.unacked.live - before;
    }
    this.#startMessage(asm, name, 60, at, redelivered, delivery, this.#hashBodies, exchange, routingKey);
  }

  #settleDeliveries(ch: ChannelState, kind: AckKind, tag: number, multiple: boolean, requeue: boolean | null, at: At): void {
    const stats = this.#stats;
    if (kind === 'ack') stats.acks++;
    else if (kind === 'nack') stats.nacks++;
    else stats.rejects++;
    const onAck = this.#listener.onAck;
    if (ch.closed || this.#serverClosing) {
      // rabbit_channel in 'closing' (and the reader after its Connection.Close) drops every frame but Close-Ok.
      onAck?.(ackEvent(C2S, ch.id, kind, tag, multiple, requeue, NO_DELIVERIES, 0, true, true, false, at));
      return;
    }
    const collect = onAck !== undefined || ch.txMode;
    const out: MutableDelivery[] | null = collect ? [] : null;
    let count: number;
    let known: boolean;
    if (multiple && tag === 0) {
      count = ch.unacked.drain(out);
      known = true;
    } else {
      // With multiple, RabbitMQ refuses the whole ack when the exact tag is not outstanding; settling the tags
      // below it anyway keeps the state right when our view is the one that is short (a delivery lost in a gap),
      // and if the broker does refuse, its Channel.Close requeues them all a moment later.
      count = ch.unacked.settle(tag, multiple, out);
      known = tag !== 0 && ch.unacked.found;
    }
    if (ch.txMode && out !== null && out.length > 0) {
      // Still unacked for the broker until Tx.Commit (Tx.Rollback restores them).
      const tx = (ch.txSettled ??= []);
      for (const dl of out) tx.push(dl);
    } else {
      this.#unackedCount -= count;
    }
    if (!known && !this.#excused(ch, tag)) {
      const name = kind === 'ack' ? 'Basic.Ack' : kind === 'nack' ? 'Basic.Nack' : 'Basic.Reject';
      const methodId = kind === 'ack' ? 80 : kind === 'nack' ? 120 : 90;
      this.#issue(
        'unknown-delivery-tag',
        C2S,
        ch.id,
        at,
        `${name} of delivery tag ${tag}${multiple ? ' (multiple)' : ''} on channel ${ch.id}, which is not outstanding (already settled, never delivered on this channel, or delivered no-ack): RabbitMQ answers Channel.Close 406 PRECONDITION_FAILED - unknown delivery tag ${tag} (class 60, method ${methodId})`,
      );
    }
    onAck?.(ackEvent(C2S, ch.id, kind, tag, multiple, requeue, out ?? NO_DELIVERIES, count, known, false, ch.txMode, at));
  }

  /** Whether an unknown tag may simply be one whose delivery the capture did not hold. */
  #excused(ch: ChannelState, tag: number): boolean {
    if (tag === 0) return false;
    // Mid-stream capture, channel opened before it started: tags below the first one seen predate the capture.
    if (!ch.opened && !this.#handshakeSeen && (ch.firstTag === 0 || tag < ch.firstTag)) return true;
    return tag > ch.gapLo && tag < ch.gapHi;
  }

  #settleConfirms(ch: ChannelState, kind: AckKind, tag: number, multiple: boolean, requeue: boolean | null, at: At): void {
    const q = ch.confirms;
    const onAck = this.#listener.onAck;
    if (q === null) {
      // No Confirm.Select captured: nothing to settle, and nothing to blame the broker for.
      onAck?.(ackEvent(S2C, ch.id, kind, tag, multiple, requeue, NO_DELIVERIES, 0, false, false, false, at));
      return;
    }
    let count: number;
    let known: boolean;
    if (multiple && tag === 0) {
      count = q.drain(null);
      known = true;
    } else {
      count = q.settle(tag, multiple, null);
      known = tag !== 0 && q.found;
    }
    if (kind === 'ack') this.#confirmAcked += count;
    else this.#confirmNacked += count;
    this.#confirmOutstanding -= count;
    onAck?.(ackEvent(S2C, ch.id, kind, tag, multiple, requeue, NO_DELIVERIES, count, known, false, false, at));
  }

  #requeueAll(ch: ChannelState, reason: RequeueEvent['reason'], f: MethodFrame): void {
    const onRequeue = this.#listener.onRequeue;
    const out: MutableDelivery[] | null = onRequeue !== undefined ? [] : null;
    // Acks of an uncommitted transaction die with it: those deliveries go back to the queue too.
    const tx = ch.txSettled;
    ch.txSettled = null;
    const n = ch.unacked.drain(out) + (tx?.length ?? 0);
    if (n === 0) return;
    this.#unackedCount -= n;
    if (out !== null && onRequeue !== undefined) {
      if (tx !== null) for (const dl of tx) out.push(dl);
      out.sort((x, y) => x.deliveryTag - y.deliveryTag);
      onRequeue({ channel: ch.id, reason, deliveries: out, packet: f.packet, tsSec: f.tsSec, tsNsec: f.tsNsec });
    }
  }

  #openChannel(ch: ChannelState, f: MethodFrame): void {
    // A channel number is reused only after a close; if that close was not captured the broker has requeued
    // whatever was left.
    if (!ch.closed) this.#requeueAll(ch, 'channel-reopen', f);
    this.#resetChannel(ch);
    ch.opened = true;
    ch.closed = false;
  }

  #closeChannel(ch: ChannelState, f: MethodFrame): void {
    this.#requeueAll(ch, 'channel-close', f);
    if (ch.confirms !== null) {
      this.#confirmDropped += ch.confirms.live;
      this.#confirmOutstanding -= ch.confirms.live;
    }
    this.#resetChannel(ch);
    ch.closed = true;
  }

  #resetChannel(ch: ChannelState): void {
    ch.unacked = new TagQueue<MutableDelivery>();
    ch.lastTag = 0;
    ch.firstTag = 0;
    ch.gapLo = 0;
    ch.gapHi = 0;
    ch.consumers = null;
    ch.pendingConsumes = null;
    ch.pendingGets = null;
    ch.lastConsumerTag = null;
    ch.prefetchCount = null;
    ch.confirmMode = false;
    ch.nextPublishSeq = 1;
    ch.confirms = null;
    ch.txMode = false;
    ch.txSettled = null;
  }

  #setConsumer(ch: ChannelState, tag: string, noAck: boolean): void {
    (ch.consumers ??= new Map()).set(tag, noAck);
    if (ch.lastConsumerTag === tag) ch.lastConsumerNoAck = noAck;
  }

  #deleteConsumer(ch: ChannelState, tag: string): void {
    ch.consumers?.delete(tag);
    if (ch.lastConsumerTag === tag) ch.lastConsumerTag = null;
  }

  #issue(code: SessionIssueCode, d: number, channel: number, at: At, message: string): void {
    this.#listener.onIssue?.({
      code,
      message,
      dir: DIRS[d] as Direction,
      channel,
      packet: at.packet,
      tsSec: at.tsSec,
      tsNsec: at.tsNsec,
    });
  }
}

// ---- argument helpers: the decoder's values are JSON-safe FieldValues, so narrow them here ---------------------

function ackEvent(
  d: number,
  channel: number,
  kind: AckKind,
  deliveryTag: number,
  multiple: boolean,
  requeue: boolean | null,
  settled: readonly UnackedDelivery[],
  count: number,
  known: boolean,
  ignored: boolean,
  inTransaction: boolean,
  at: At,
): AckEvent {
  return {
    dir: DIRS[d] as Direction,
    channel,
    kind,
    deliveryTag,
    multiple,
    requeue,
    settled,
    count,
    known,
    ignored,
    inTransaction,
    packet: at.packet,
    tsSec: at.tsSec,
    tsNsec: at.tsNsec,
  };
}

/** A numeric argument; a 64-bit value beyond 2^53 (delivery tags never get there) loses precision. */
function num(v: FieldValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && v.type === 'int64') return Number(v.value);
  return 0;
}

function str(v: FieldValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** message-id / correlation-id: a string, or hex for bytes that are not text; null when absent or empty. */
function idString(v: FieldValue | undefined): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && v.type === 'bytes' && typeof v.hex === 'string') {
    return v.length === 0 ? null : `hex:${v.hex}`;
  }
  return null;
}

function table(v: FieldValue | undefined): FieldTable | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as FieldTable) : null;
}

function tuneValues(a: Record<string, FieldValue>, f: MethodFrame): TuneValues {
  return {
    channelMax: num(a['channel-max']),
    frameMax: num(a['frame-max']),
    heartbeat: num(a['heartbeat']),
    packet: f.packet,
    tsSec: f.tsSec,
    tsNsec: f.tsNsec,
  };
}
