/**
 * A channel as the session (session.ts) follows it: the message in assembly in each direction (AMQP 0-9-1 §4.2.6:
 * content method, content header, body frames), outstanding delivery tags and publisher confirms, consumers, and
 * transaction state.
 */
import type { BodyHasher } from './body-hash.js';
import type { Direction, UnackedDelivery } from './session-types.js';
import { TagQueue } from './tag-queue.js';

/** Directions as indexes (session.ts keeps per-direction state in pairs). */
export const C2S = 0 as const;
export const S2C = 1 as const;
/** The directions' names, by index. */
export const DIRS: readonly [Direction, Direction] = ['c2s', 's2c'];

// Assembly states.
export const IDLE = 0;
/** A content method was seen; its content header is due. */
export const HEADER = 1;
/** The header was seen; body bytes are due. */
export const BODY = 2;
/** Every body byte was counted, but the decoder passes the bytes after the frame: waiting for them to be hashed. */
export const HASH_PENDING = 3;
/**
 * Discard content frames silently until the next method frame: after a gap, a reported anomaly, or on a channel
 * first seen mid-stream, leftover header/body frames of a message whose start was not seen are expected, and
 * reporting each of them would bury the one real anomaly.
 */
export const SKIP = 4;

/** An identity not written yet (MutableDelivery.pendingIdentity): none, `mid:<message-id>`, or the body hash. */
export const NO_PENDING_IDENTITY = 0;
export const PENDING_MESSAGE_ID = 1;
export const PENDING_BODY_HASH = 2;

/**
 * A delivery as the ledger keeps it: the public fields, and the identity still to be written. Most deliveries are
 * acked long before anyone asks for their identity, so a session whose listener does not see records as they
 * settle keeps the body hash as a number, and unacked() writes the string (delivery-ledger.ts).
 */
export type MutableDelivery = { -readonly [K in keyof UnackedDelivery]: UnackedDelivery[K] } & {
  pendingIdentity: number;
  /** With PENDING_BODY_HASH: BodyHasher.digest() of the body. */
  pendingDigest: number;
};

/** One message in assembly on one channel and direction. Reused from message to message. */
export class Assembly {
  state = IDLE;
  /** The content method's name (null: no message in assembly), class, `redelivered` flag and moment. */
  method: string | null = null;
  methodClassId = 0;
  redelivered = false;
  packet = 0;
  tsSec = 0;
  tsNsec = 0;
  headerSeen = false;
  bodySize = 0;
  bodyReceived = 0;
  /** Body bytes the decoder counted but never captured (BodyFrame.lost): the message cannot be complete. */
  bodyLost = 0;
  endPacket = 0;
  /** Whether this message's body is being hashed (S->C Deliver/Get-Ok without message-id). */
  hashing = false;
  hasher: BodyHasher | null = null;
  messageId: string | null = null;
  exchange = '';
  routingKey = '';
  delivery: MutableDelivery | null = null;

  constructor(
    readonly channel: number,
    readonly dir: number,
    state: number,
  ) {
    this.state = state;
  }
}

export class ChannelState {
  readonly c2s: Assembly;
  readonly s2c: Assembly;
  /** Channel.Open or Open-Ok seen: every delivery tag of this incarnation is in the capture. */
  opened = false;
  /** Channel.Close or Close-Ok seen: RabbitMQ ignores acks from here until the channel is opened again. */
  closed = false;
  unacked = new TagQueue<MutableDelivery>();
  /** Highest and first delivery tag seen in this incarnation (0: none). */
  lastTag = 0;
  firstTag = 0;
  /**
   * Tags in (gapLo, gapHi) may have been delivered in an S->C capture gap: acks of them are not reported as
   * unknown. gapHi is Infinity until the first delivery after the gap closes the range.
   */
  gapLo = 0;
  gapHi = 0;
  /** consumer-tag -> no-ack. */
  consumers: Map<string, boolean> | null = null;
  /** Basic.Consume (without nowait) awaiting its Consume-Ok, in order. */
  pendingConsumes: { tag: string; noAck: boolean }[] | null = null;
  /** no-ack of each Basic.Get awaiting its Get-Ok / Get-Empty, in order. */
  pendingGets: boolean[] | null = null;
  /** Single-entry cache of the consumers map: deliveries come in long runs for one consumer. */
  lastConsumerTag: string | null = null;
  lastConsumerNoAck = false;
  prefetchCount: number | null = null;
  confirmMode = false;
  nextPublishSeq = 1;
  /** Outstanding publish sequence numbers -> packet of the Basic.Publish. */
  confirms: TagQueue<number> | null = null;
  txMode = false;
  /** Deliveries settled inside the current transaction: restored by Tx.Rollback, final at Tx.Commit. */
  txSettled: MutableDelivery[] | null = null;

  constructor(
    readonly id: number,
    c2sState: number,
    s2cState: number,
  ) {
    this.c2s = new Assembly(id, C2S, c2sState);
    this.s2c = new Assembly(id, S2C, s2cState);
  }
}
