/**
 * Message assembly for the session (session.ts), per channel and direction (AMQP 0-9-1 §4.2.6):
 *
 *   method (Basic.Publish | Basic.Deliver | Basic.Get-Ok | Basic.Return)
 *     -> content header (class 60, body-size N)
 *     -> content body frames until their payload sizes add up to N (none when N = 0)
 *
 * Body bytes are counted, never inferred from frame_max: the observer may not have seen Tune-Ok. Anything else
 * on that channel and direction meanwhile is what RabbitMQ answers with 505 UNEXPECTED_FRAME (F13): reported as
 * 'unexpected-frame', and the channel's assembly is reset.
 *
 * S->C bodies of deliveries without a message-id are hashed as they pass (body-hash.ts), never kept: the hash is
 * the message's identity across connections. The decoder passes a body frame's bytes after the frame itself, so a
 * message whose last body frame has been counted may wait (HASH_PENDING) until its bytes are hashed.
 */
import { BodyHasher } from './body-hash.js';
import { Assembly, BODY, DIRS, HASH_PENDING, HEADER, IDLE, NO_PENDING_IDENTITY, PENDING_BODY_HASH, PENDING_MESSAGE_ID, S2C, SKIP, type MutableDelivery } from './channel-state.js';
import type { At, Direction, IssueSink, SessionListener } from './session-types.js';

export class MessageAssembler {
  /** A message per direction whose body frames are all counted but whose bytes are still to be hashed. */
  readonly #pendingHash: [Assembly | null, Assembly | null] = [null, null];

  readonly #listener: SessionListener;
  readonly #hashBodies: boolean;
  readonly #issue: IssueSink;

  constructor(listener: SessionListener, hashBodies: boolean, issue: IssueSink) {
    this.#listener = listener;
    this.#hashBodies = hashBodies;
    this.#issue = issue;
  }

  /** Direction d's decoder has moved past its previous frame, so every byte of it has been passed to onBodyData. */
  settlePending(d: number): void {
    const pending = this.#pendingHash[d] ?? null;
    if (pending !== null) this.#finishPending(d, pending);
  }

  /** A method frame ends whatever content its channel and direction had in assembly. */
  beginMethod(d: number, asm: Assembly, name: string, at: At): void {
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

  /** A content method that is not a delivery the client must settle: its header and body are due. */
  start(asm: Assembly, method: string, classId: number, at: At, redelivered: boolean): void {
    this.#start(asm, method, classId, at, redelivered, null, false, '', '');
  }

  /** A Basic.Deliver or Get-Ok (S->C): its body is hashed for its identity unless hashing is off. */
  startDelivery(asm: Assembly, method: string, at: At, redelivered: boolean, delivery: MutableDelivery | null, exchange: string, routingKey: string): void {
    this.#start(asm, method, 60, at, redelivered, delivery, this.#hashBodies, exchange, routingKey);
  }

  onHeader(d: number, asm: Assembly, channel: number, classId: number, bodySize: number, mid: string | null, correlationId: string | null, at: At): void {
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

  onBody(d: number, asm: Assembly, channel: number, size: number, lost: number, at: At): void {
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

  /** S->C content body bytes as they pass, for the hash of the message in assembly on their channel. */
  onBodyData(asm: Assembly, bytes: Uint8Array, start: number, end: number): void {
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

  /** A message still in assembly (a gap, or the end) is reported incomplete. */
  abandon(asm: Assembly): void {
    if (asm.state === HEADER || asm.state === BODY) this.#finalize(asm, false);
  }

  #start(
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
    if (dl !== null && onMessage === undefined && onRedelivered === undefined && this.#listener.onAck === undefined && this.#listener.onRequeue === undefined) {
      // Nobody needs the identity now and no listener sees the record: keep what makes it, for unacked() to write
      // if the delivery is still unacked when asked (most are acked first: no string made for them).
      dl.identity = null;
      if (asm.messageId !== null) {
        dl.pendingIdentity = PENDING_MESSAGE_ID;
      } else if (complete && asm.hashing && asm.hasher !== null && asm.hasher.length === asm.bodySize) {
        dl.pendingIdentity = PENDING_BODY_HASH;
        dl.pendingDigest = asm.hasher.digest();
      } else {
        dl.pendingIdentity = NO_PENDING_IDENTITY;
      }
    } else if (dl !== null || onMessage !== undefined || onRedelivered !== undefined) {
      let identity: string | null = null;
      if (asm.messageId !== null) {
        identity = `mid:${asm.messageId}`;
      } else if (complete && asm.hashing && asm.hasher !== null && asm.hasher.length === asm.bodySize) {
        identity = `h:${asm.hasher.digestHex()}:${asm.bodySize}`;
      }
      if (dl !== null) {
        dl.identity = identity;
        dl.pendingIdentity = NO_PENDING_IDENTITY;
      }
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
}
