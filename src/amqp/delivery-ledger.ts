/**
 * Deliveries, acknowledgements and publisher confirms for the session (session.ts): which deliveries the client has
 * not settled, per channel, and where publisher confirms stand; channels' lifecycles (an open, a close or a
 * recover requeues what was outstanding), consumers' ack modes, and transactions.
 *
 * Delivery tags follow RabbitMQ's channel (rabbit_channel.erl, collect_acks): per channel, shared by Basic.Deliver
 * and Basic.Get-Ok, increasing from 1 after Channel.Open; a C->S Basic.Ack/Nack with `multiple` settles every
 * outstanding tag up to and including its own, and tag 0 with `multiple` settles all of them.
 */
import { digestHexOf } from './body-hash.js';
import { C2S, DIRS, NO_PENDING_IDENTITY, PENDING_BODY_HASH, PENDING_MESSAGE_ID, S2C, type ChannelState, type MutableDelivery } from './channel-state.js';
import type { AckEvent, AckKind, At, ConfirmStats, Direction, IssueSink, RequeueEvent, SessionListener, SessionStats, UnackedDelivery } from './session-types.js';
import { TagQueue } from './tag-queue.js';
import type { MethodFrame } from './types.js';

/** Bounds on the request FIFOs (Consume -> Consume-Ok, Get -> Get-Ok/Empty), in case replies were not captured. */
const MAX_PENDING_REQUESTS = 256;
/**
 * Records of deliveries settled by an ack nobody else saw (no listener, no transaction), reused by the next
 * deliveries of any connection: a record per message was a quarter of what reading the load capture allocated, and
 * each one that waited for its ack through a young-generation collection was copied by it. Shared by all sessions
 * (one thread), so that thousands of connections do not each keep spares.
 */
const spareRecords: MutableDelivery[] = [];
const MAX_SPARE_RECORDS = 1024;

const NO_DELIVERIES: readonly UnackedDelivery[] = Object.freeze([]);

export class DeliveryLedger {
  #unackedCount = 0;
  #confirmPublished = 0;
  #confirmAcked = 0;
  #confirmNacked = 0;
  #confirmOutstanding = 0;
  #confirmDropped = 0;

  readonly #listener: SessionListener;
  readonly #stats: SessionStats;
  readonly #issue: IssueSink;

  /** `stats` is the session's: the ledger counts deliveries, redeliveries, acks, nacks and rejects in it. */
  constructor(listener: SessionListener, stats: SessionStats, issue: IssueSink) {
    this.#listener = listener;
    this.#stats = stats;
    this.#issue = issue;
  }

  /** Deliveries not yet settled, across channels (acks inside an uncommitted transaction do not count yet). */
  get unackedCount(): number {
    return this.#unackedCount;
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

  /** The unsettled deliveries of `channels`, oldest first, their identities written. */
  unacked(channels: Iterable<ChannelState>): UnackedDelivery[] {
    const out: UnackedDelivery[] = [];
    for (const ch of channels) {
      ch.unacked.forEach((d) => out.push(withIdentity(d)));
      if (ch.txSettled !== null) for (const d of ch.txSettled) out.push(withIdentity(d));
    }
    out.sort((a, b) => a.packet - b.packet || a.channel - b.channel || a.deliveryTag - b.deliveryTag);
    return out;
  }

  /** A C->S Basic.Consume: its ack mode, by its tag (or, with an empty tag, by its Consume-Ok's). */
  onConsume(ch: ChannelState, tag: string, noAck: boolean, nowait: boolean): void {
    if (tag !== '') this.setConsumer(ch, tag, noAck);
    if (nowait) return;
    const q = (ch.pendingConsumes ??= []);
    if (q.length >= MAX_PENDING_REQUESTS) q.shift();
    q.push({ tag, noAck });
  }

  /** A S->C Basic.Consume-Ok: the server names the consumer when the client left the tag empty. */
  onConsumeOk(ch: ChannelState, tag: string): void {
    const req = ch.pendingConsumes?.shift();
    if (ch.pendingConsumes?.length === 0) ch.pendingConsumes = null; // thousands of channels hold none
    if (req !== undefined) this.setConsumer(ch, tag, req.noAck);
  }

  /** A C->S Basic.Get: its Get-Ok's ack mode. */
  onGet(ch: ChannelState, noAck: boolean): void {
    const q = (ch.pendingGets ??= []);
    if (q.length >= MAX_PENDING_REQUESTS) q.shift();
    q.push(noAck);
  }

  /** A S->C Basic.Get-Empty answers the oldest Basic.Get. */
  onGetEmpty(ch: ChannelState): void {
    ch.pendingGets?.shift();
  }

  /** A C->S Basic.Qos. */
  onQos(ch: ChannelState, prefetchCount: number): void {
    ch.prefetchCount = prefetchCount;
  }

  /** A C->S Basic.Publish: numbered for publisher confirms once the channel is in confirm mode. */
  onPublish(ch: ChannelState, at: At): void {
    if (ch.confirmMode && ch.confirms !== null && !ch.closed) {
      ch.confirms.push(ch.nextPublishSeq++, at.packet);
      this.#confirmPublished++;
      this.#confirmOutstanding++;
    }
  }

  /**
   * Confirm.Select (C->S) or Select-Ok (S->C): numbering starts with the first publish after Select, which the
   * broker processes in order; Select-Ok alone (Select not captured) still enables tracking.
   */
  confirmSelect(ch: ChannelState): void {
    if (ch.confirmMode) return;
    ch.confirmMode = true;
    ch.nextPublishSeq = 1;
    ch.confirms = new TagQueue<number>();
  }

  /** A C->S Tx.Select: from now on the channel's acks are final only at Tx.Commit. */
  txSelect(ch: ChannelState): void {
    ch.txMode = true;
  }

  txCommit(ch: ChannelState): void {
    if (ch.txSettled === null) return;
    this.#unackedCount -= ch.txSettled.length;
    ch.txSettled = null;
  }

  /** rabbit_channel's tx.rollback puts the acked deliveries back on the unacked queue. */
  txRollback(ch: ChannelState): void {
    if (ch.txSettled === null) return;
    for (const dl of ch.txSettled) ch.unacked.push(dl.deliveryTag, dl);
    ch.txSettled = null;
  }

  /** S->C bytes were lost: the tags delivered since the last one seen may be in the gap. */
  noteS2cGap(ch: ChannelState): void {
    ch.gapLo = ch.lastTag;
    ch.gapHi = Infinity;
  }

  /**
   * A Basic.Deliver or Get-Ok (S->C): counted, the channel's tag bounds moved, and its record kept until the client
   * settles it (null when it needs no settling: no-ack, or a closed channel). The message's assembly is the
   * caller's.
   */
  onDelivery(
    ch: ChannelState,
    via: 'deliver' | 'get',
    at: At,
    tag: number,
    redelivered: boolean,
    consumerTagArg: string | null,
    exchange: string,
    routingKey: string,
  ): MutableDelivery | null {
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
      delivery = spareRecords.pop() ?? newDeliveryRecord();
      delivery.channel = ch.id;
      delivery.deliveryTag = tag;
      delivery.consumerTag = consumerTag;
      delivery.via = via;
      delivery.exchange = exchange;
      delivery.routingKey = routingKey;
      delivery.redelivered = redelivered;
      delivery.identity = null;
      delivery.messageId = null;
      delivery.correlationId = null;
      delivery.bodySize = null;
      delivery.ackModeKnown = ackModeKnown;
      delivery.packet = at.packet;
      delivery.tsSec = at.tsSec;
      delivery.tsNsec = at.tsNsec;
      delivery.pendingIdentity = NO_PENDING_IDENTITY;
      delivery.pendingDigest = 0;
      const before = ch.unacked.live;
      ch.unacked.push(tag, delivery);
      // A repeated tag replaces the earlier delivery (its settlement was not captured) instead of adding one.
      this.#unackedCount += ch.unacked.live - before;
    }
    return delivery;
  }

  /**
   * A C->S Basic.Ack, Nack or Reject. `ignored`: the broker drops it (the server sent Connection.Close, and
   * RabbitMQ's reader then discards every client frame but Close-Ok). `wholeConnection`: the capture holds the
   * connection's handshake, so every delivery tag of a channel opened in it was seen.
   */
  settleDeliveries(ch: ChannelState, kind: AckKind, tag: number, multiple: boolean, requeue: boolean | null, at: At, ignored: boolean, wholeConnection: boolean): void {
    const stats = this.#stats;
    if (kind === 'ack') stats.acks++;
    else if (kind === 'nack') stats.nacks++;
    else stats.rejects++;
    const onAck = this.#listener.onAck;
    if (ch.closed || ignored) {
      // rabbit_channel in 'closing' (and the reader after its Connection.Close) drops every frame but Close-Ok.
      onAck?.(ackEvent(C2S, ch.id, kind, tag, multiple, requeue, NO_DELIVERIES, 0, true, true, false, at));
      return;
    }
    // The settled records go to the listener or the transaction when there is one; otherwise nobody else is given
    // them, and they go to the spares (keepSpares checks them).
    const collected: MutableDelivery[] | null = onAck !== undefined || ch.txMode ? [] : null;
    const sparesBefore = spareRecords.length;
    const out = collected ?? (sparesBefore < MAX_SPARE_RECORDS ? spareRecords : null);
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
    if (collected === null && out !== null) keepSpares(ch, sparesBefore);
    if (ch.txMode && collected !== null && collected.length > 0) {
      // Still unacked for the broker until Tx.Commit (Tx.Rollback restores them).
      const tx = (ch.txSettled ??= []);
      for (const dl of collected) tx.push(dl);
    } else {
      this.#unackedCount -= count;
    }
    if (!known && !excused(ch, tag, wholeConnection)) {
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
    onAck?.(ackEvent(C2S, ch.id, kind, tag, multiple, requeue, collected ?? NO_DELIVERIES, count, known, false, ch.txMode, at));
  }

  /** A S->C Basic.Ack or Nack: publisher confirms. */
  settleConfirms(ch: ChannelState, kind: AckKind, tag: number, multiple: boolean, requeue: boolean | null, at: At): void {
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

  requeueAll(ch: ChannelState, reason: RequeueEvent['reason'], f: MethodFrame): void {
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

  openChannel(ch: ChannelState, f: MethodFrame): void {
    // A channel number is reused only after a close; if that close was not captured the broker has requeued
    // whatever was left.
    if (!ch.closed) this.requeueAll(ch, 'channel-reopen', f);
    this.#resetChannel(ch);
    ch.opened = true;
    ch.closed = false;
  }

  closeChannel(ch: ChannelState, f: MethodFrame): void {
    this.requeueAll(ch, 'channel-close', f);
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

  setConsumer(ch: ChannelState, tag: string, noAck: boolean): void {
    (ch.consumers ??= new Map()).set(tag, noAck);
    if (ch.lastConsumerTag === tag) ch.lastConsumerNoAck = noAck;
  }

  deleteConsumer(ch: ChannelState, tag: string): void {
    ch.consumers?.delete(tag);
    if (ch.lastConsumerTag === tag) ch.lastConsumerTag = null;
  }
}

/** The record with its pending identity written (the same strings the assembly writes when it writes them at once). */
function withIdentity(d: MutableDelivery): MutableDelivery {
  if (d.pendingIdentity === PENDING_MESSAGE_ID) d.identity = `mid:${d.messageId}`;
  else if (d.pendingIdentity === PENDING_BODY_HASH) d.identity = `h:${digestHexOf(d.pendingDigest)}:${d.bodySize}`;
  d.pendingIdentity = NO_PENDING_IDENTITY;
  return d;
}

/** A record whose every field the caller sets (one shape for all: made here, or reused from the spares). */
function newDeliveryRecord(): MutableDelivery {
  return {
    channel: 0,
    deliveryTag: 0,
    consumerTag: null,
    via: 'deliver',
    exchange: '',
    routingKey: '',
    redelivered: false,
    identity: null,
    messageId: null,
    correlationId: null,
    bodySize: null,
    ackModeKnown: false,
    packet: 0,
    tsSec: 0,
    tsNsec: 0,
    pendingIdentity: NO_PENDING_IDENTITY,
    pendingDigest: 0,
  };
}

/**
 * The records just settled into the spares (from index `from`): all but the one whose message is still in assembly
 * (acked before its body was complete: the assembly still writes its identity), and none past the bound.
 */
function keepSpares(ch: ChannelState, from: number): void {
  const assembling = ch.s2c.delivery;
  if (assembling !== null) {
    const i = spareRecords.indexOf(assembling, from);
    if (i >= 0) spareRecords.splice(i, 1);
  }
  if (spareRecords.length > MAX_SPARE_RECORDS) spareRecords.length = MAX_SPARE_RECORDS;
}

/** Whether an unknown tag may simply be one whose delivery the capture did not hold. */
function excused(ch: ChannelState, tag: number, wholeConnection: boolean): boolean {
  if (tag === 0) return false;
  // Mid-stream capture, channel opened before it started: tags below the first one seen predate the capture.
  if (!ch.opened && !wholeConnection && (ch.firstTag === 0 || tag < ch.firstTag)) return true;
  return tag > ch.gapLo && tag < ch.gapHi;
}

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
