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
 * Its parts: message assembly (message-assembly.ts: content method, header and body frames, body hashes) and the
 * delivery ledger (delivery-ledger.ts: unacked deliveries and the consumers' and gets' ack modes, acks, publisher
 * confirms, transactions, channel lifecycles). The session dispatches each frame to them (by the numeric method
 * ids of method-ids.ts, reading arguments through method-args.ts) and keeps what the handshake negotiated.
 */
import { utf8Text } from './codec.js';
import { C2S, ChannelState, DIRS, IDLE, S2C, SKIP } from './channel-state.js';
import { DeliveryLedger } from './delivery-ledger.js';
import type { FrameView } from './frame-view.js';
import { MessageAssembler } from './message-assembly.js';
import { idString, num, str, table, tuneValues } from './method-args.js';
import {
  BASIC_ACK,
  BASIC_CANCEL,
  BASIC_CANCEL_OK,
  BASIC_CONSUME,
  BASIC_CONSUME_OK,
  BASIC_DELIVER,
  BASIC_GET,
  BASIC_GET_EMPTY,
  BASIC_GET_OK,
  BASIC_NACK,
  BASIC_PUBLISH,
  BASIC_QOS,
  BASIC_RECOVER,
  BASIC_RECOVER_ASYNC,
  BASIC_REJECT,
  BASIC_RETURN,
  CHANNEL_CLOSE,
  CHANNEL_CLOSE_OK,
  CHANNEL_OPEN,
  CHANNEL_OPEN_OK,
  CONFIRM_SELECT,
  CONFIRM_SELECT_OK,
  CONNECTION_CLOSE,
  CONNECTION_CLOSE_OK,
  CONNECTION_OPEN,
  CONNECTION_OPEN_OK,
  CONNECTION_START,
  CONNECTION_START_OK,
  CONNECTION_TUNE,
  CONNECTION_TUNE_OK,
  TX_COMMIT,
  TX_ROLLBACK,
  TX_SELECT,
} from './method-ids.js';
import type { FieldTable, Frame, MethodFrame } from './types.js';
import * as wire from './types.js';
import type { At, Direction, UnackedDelivery, AckKind, SessionIssueCode, SessionListener, SessionOptions, TuneValues, CloseInfo, ChannelInfo, SessionStats, ConfirmStats } from './session-types.js';

export type { Direction, UnackedDelivery, CompletedMessage, AckKind, AckEvent, RequeueEvent, SessionIssueCode, SessionIssue, SessionListener, SessionOptions, TuneValues, CloseInfo, ChannelInfo, SessionStats, ConfirmStats } from './session-types.js';

const FRAME_METHOD: number = wire.FRAME_METHOD;
const FRAME_HEADER: number = wire.FRAME_HEADER;
const FRAME_BODY: number = wire.FRAME_BODY;

export class AmqpSession {
  readonly #listener: SessionListener;
  readonly #channels = new Map<number, ChannelState>();
  #lastChannel: ChannelState | null = null;
  // Counts per direction as fields, not pairs in arrays: an array is one more object to fetch on every frame.
  #gapsC2s = 0;
  #gapsS2c = 0;
  #framesC2s = 0;
  #framesS2c = 0;

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

  readonly #stats: SessionStats = {
    messagesPublished: 0,
    messagesDelivered: 0,
    redelivered: 0,
    acks: 0,
    nacks: 0,
    rejects: 0,
    returned: 0,
  };
  readonly #assembler: MessageAssembler;
  readonly #ledger: DeliveryLedger;

  constructor(listener: SessionListener = {}, options: SessionOptions = {}) {
    this.#listener = listener;
    const issue = (code: SessionIssueCode, d: number, channel: number, at: At, message: string): void => this.#issue(code, d, channel, at, message);
    this.#assembler = new MessageAssembler(listener, options.hashBodies ?? true, issue);
    this.#ledger = new DeliveryLedger(listener, this.#stats, issue);
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
    return { c2s: this.#framesC2s, s2c: this.#framesS2c };
  }
  /** Capture gaps reported per direction: counts built on that direction may be short (e.g. lost acks). */
  get gaps(): { c2s: number; s2c: number } {
    return { c2s: this.#gapsC2s, s2c: this.#gapsS2c };
  }
  /** Live counters; read, do not mutate. */
  get stats(): Readonly<SessionStats> {
    return this.#stats;
  }
  get confirms(): ConfirmStats {
    return this.#ledger.confirms;
  }
  /** Deliveries not yet settled, across channels (acks inside an uncommitted transaction do not count yet). */
  get unackedCount(): number {
    return this.#ledger.unackedCount;
  }

  /**
   * The unsettled deliveries, oldest first. A fresh array of the live records: bodySize fills in as the message
   * completes, identity then too or (no listener for messages or acks) at the next unacked(). Do not mutate them, and read them before the next frame: without an onAck listener a
   * record settled by an ack is reused for a later delivery of any session (delivery-ledger.ts), so copy what must
   * be kept.
   */
  unacked(): UnackedDelivery[] {
    return this.#ledger.unacked(this.#channels.values());
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
    if (d === C2S) this.#framesC2s++;
    else this.#framesS2c++;
    // The decoder has moved past the previous frame, so every byte of it has been passed to onBodyData.
    this.#assembler.settlePending(d);
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
    if (d === C2S) this.#framesC2s++;
    else this.#framesS2c++;
    this.#assembler.settlePending(d);
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
    this.#assembler.beginMethod(d, asm, v.name, v);
    if (key === BASIC_PUBLISH) {
      this.#onPublish(d, ch, v);
    } else if (key === BASIC_ACK) {
      // delivery-tag longlong, then the multiple bit.
      const tag = v.u64(4);
      const multiple = (v.octet(12) & 1) === 1;
      if (d === C2S) this.#settleDeliveries(ch, 'ack', tag, multiple, null, v);
      else this.#ledger.settleConfirms(ch, 'ack', tag, multiple, null, v);
    } else {
      // Basic.Deliver: consumer-tag shortstr, delivery-tag longlong, redelivered bit, exchange, routing-key.
      const afterTag = v.afterShortstr(4);
      const redelivered = (v.octet(afterTag + 8) & 1) === 1;
      if (d === S2C) {
        const afterExchange = v.afterShortstr(afterTag + 9);
        const consumerTag = utf8Text(b, o + 5, o + afterTag);
        const exchange = utf8Text(b, o + afterTag + 10, o + afterExchange);
        const routingKey = utf8Text(b, o + afterExchange + 1, o + v.afterShortstr(afterExchange));
        this.#onDelivery(ch, 'deliver', v.name, v, v.u64(afterTag), redelivered, consumerTag, exchange, routingKey);
      } else {
        this.#assembler.start(asm, v.name, v.classId, v, redelivered);
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
    this.#assembler.onBodyData(ch.s2c, bytes, start, end);
  }

  /**
   * Bytes of a direction were lost. Messages in assembly on it are cut (reported incomplete), leftover content
   * frames after the gap are dropped silently until the next method frame, and on S->C the delivery tags that
   * may have been lost stop counting as unknown when acked.
   */
  onGap(dir: Direction): void {
    const d = dir === 'c2s' ? C2S : S2C;
    if (d === C2S) this.#gapsC2s++;
    else this.#gapsS2c++;
    this.#assembler.settlePending(d);
    for (const ch of this.#channels.values()) {
      const asm = d === C2S ? ch.c2s : ch.s2c;
      this.#assembler.abandon(asm);
      asm.state = SKIP;
      if (d === S2C) this.#ledger.noteS2cGap(ch);
    }
  }

  /** The connection or the capture ended: report messages still in assembly as incomplete. Idempotent. */
  finish(): void {
    for (const d of [C2S, S2C] as const) this.#assembler.settlePending(d);
    for (const ch of this.#channels.values()) {
      for (const asm of [ch.c2s, ch.s2c]) this.#assembler.abandon(asm);
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
      const c2s = !this.#handshakeSeen || this.#gapsC2s > 0 ? SKIP : IDLE;
      const s2c = !this.#handshakeSeen || this.#gapsS2c > 0 ? SKIP : IDLE;
      ch = new ChannelState(id, c2s, s2c);
      if (this.#gapsS2c > 0) ch.gapHi = Infinity;
      this.#channels.set(id, ch);
    }
    this.#lastChannel = ch;
    return ch;
  }

  #onPublish(d: number, ch: ChannelState, at: At): void {
    if (d === C2S) {
      this.#stats.messagesPublished++;
      this.#ledger.onPublish(ch, at);
    }
    this.#assembler.start(d === C2S ? ch.c2s : ch.s2c, 'Basic.Publish', 60, at, false);
  }

  /** A Basic.Deliver or Get-Ok (S->C): into the ledger, and its message into assembly. */
  #onDelivery(ch: ChannelState, via: 'deliver' | 'get', name: string, at: At, tag: number, redelivered: boolean, consumerTag: string | null, exchange: string, routingKey: string): void {
    const delivery = this.#ledger.onDelivery(ch, via, at, tag, redelivered, consumerTag, exchange, routingKey);
    this.#assembler.startDelivery(ch.s2c, name, at, redelivered, delivery, exchange, routingKey);
  }

  #settleDeliveries(ch: ChannelState, kind: AckKind, tag: number, multiple: boolean, requeue: boolean | null, at: At): void {
    this.#ledger.settleDeliveries(ch, kind, tag, multiple, requeue, at, this.#serverClosing, this.#handshakeSeen);
  }

  #onMethod(d: number, f: MethodFrame): void {
    const ch = this.#channel(f.channel);
    const asm = d === C2S ? ch.c2s : ch.s2c;
    this.#assembler.beginMethod(d, asm, f.name, f);
    const a = f.args;
    switch (f.classId * 0x10000 + f.methodId) {
      case BASIC_PUBLISH:
        this.#onPublish(d, ch, f);
        return;
      case BASIC_DELIVER:
      case BASIC_GET_OK:
        if (d === S2C) {
          const via = f.methodId === 60 ? 'deliver' : 'get';
          const consumerTag = via === 'deliver' ? str(a['consumer-tag']) : null;
          const tag = num(a['delivery-tag']);
          this.#onDelivery(ch, via, f.name, f, tag, a['redelivered'] === true, consumerTag, str(a['exchange']), str(a['routing-key']));
        } else {
          this.#assembler.start(asm, f.name, f.classId, f, a['redelivered'] === true);
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
          this.#ledger.settleConfirms(ch, kind, tag, a['multiple'] === true, kind === 'nack' ? a['requeue'] === true : null, f);
        }
        return;
      }
      case BASIC_RETURN:
        if (d === S2C) this.#stats.returned++;
        this.#assembler.start(asm, f.name, f.classId, f, false);
        return;
      case BASIC_CONSUME:
        if (d === C2S) this.#ledger.onConsume(ch, str(a['consumer-tag']), a['no-ack'] === true, a['nowait'] === true);
        return;
      case BASIC_CONSUME_OK:
        if (d === S2C) this.#ledger.onConsumeOk(ch, str(a['consumer-tag']));
        return;
      case BASIC_CANCEL:
        // A server-sent cancel (F21) means no more deliveries for it; a client's waits for Cancel-Ok, since
        // deliveries already in flight still arrive under the old registration.
        if (d === S2C) this.#ledger.deleteConsumer(ch, str(a['consumer-tag']));
        return;
      case BASIC_CANCEL_OK:
        this.#ledger.deleteConsumer(ch, str(a['consumer-tag']));
        return;
      case BASIC_GET:
        if (d === C2S) this.#ledger.onGet(ch, a['no-ack'] === true);
        return;
      case BASIC_GET_EMPTY:
        if (d === S2C) this.#ledger.onGetEmpty(ch);
        return;
      case BASIC_QOS:
        if (d === C2S) this.#ledger.onQos(ch, num(a['prefetch-count']));
        return;
      case BASIC_RECOVER:
      case BASIC_RECOVER_ASYNC:
        // RabbitMQ implements only requeue=true (requeue=false is 540 NOT_IMPLEMENTED): every unacked delivery
        // of the channel goes back to its queue.
        if (d === C2S && a['requeue'] === true && !ch.closed) this.#ledger.requeueAll(ch, 'recover', f);
        return;
      case CONFIRM_SELECT:
      case CONFIRM_SELECT_OK:
        // Numbering starts with the first publish after Select, which the broker processes in order; Select-Ok
        // alone (Select not captured) still enables tracking.
        if (f.methodId === 10 ? d === C2S : d === S2C) this.#ledger.confirmSelect(ch);
        return;
      case TX_SELECT:
        if (d === C2S) this.#ledger.txSelect(ch);
        return;
      case TX_COMMIT:
        if (d === C2S) this.#ledger.txCommit(ch);
        return;
      case TX_ROLLBACK:
        if (d === C2S) this.#ledger.txRollback(ch);
        return;
      case CHANNEL_OPEN:
        if (d === C2S) this.#ledger.openChannel(ch, f);
        return;
      case CHANNEL_OPEN_OK:
        // Open-Ok alone (its Channel.Open not captured) still starts a new incarnation.
        if (d === S2C && (!ch.opened || ch.closed)) this.#ledger.openChannel(ch, f);
        return;
      case CHANNEL_CLOSE:
      case CHANNEL_CLOSE_OK:
        if (!ch.closed) this.#ledger.closeChannel(ch, f);
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
    this.#assembler.onHeader(d, d === C2S ? ch.c2s : ch.s2c, channel, classId, bodySize, mid, correlationId, at);
  }

  #onBody(d: number, channel: number, size: number, lost: number, at: At): void {
    const ch = this.#channel(channel);
    this.#assembler.onBody(d, d === C2S ? ch.c2s : ch.s2c, channel, size, lost, at);
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
