/**
 * Puts one direction of a TCP connection back in sequence order.
 *
 * - In-order bytes are delivered at once, as views of the packet (no copy).
 * - Bytes that arrive ahead of a hole are copied and held until the hole fills. Retransmitted and overlapping
 *   bytes are delivered once: the first copy wins, as in the receiving kernel.
 * - A hole is declared a gap, never glued over, when we learn the bytes will not come: the peer acknowledged past
 *   it (so the bytes were on the wire but not in the capture), the snap length cut the packet, the held data grew
 *   past its bound, or the connection ended.
 * - Sequence numbers wrap past 2^32 (all comparisons through sequence.ts).
 *
 * Every delivery carries the packet number and time of the packet that carried those bytes.
 */
import { seqAdd, seqDiff, seqGt } from './sequence.js';
import type { GapReason } from './types.js';

/** Where both directions' bytes go, told which side (0 or 1) they came from: one object for the two. */
export interface ReassemblyOutput {
  data(side: 0 | 1, bytes: Uint8Array, packet: number, tsSec: number, tsNsec: number): void;
  gap(side: 0 | 1, length: number, reason: GapReason, packet: number, tsSec: number, tsNsec: number): void;
}

interface HeldSegment {
  seq: number;
  bytes: Uint8Array; // captured bytes (copied)
  /** Bytes of the segment beyond the captured ones (snap length). */
  uncaptured: number;
  packet: number;
  tsSec: number;
  tsNsec: number;
}

/** Out-of-order data held per direction before the oldest hole is declared a gap: bounds memory per connection. */
export const MAX_HELD_BYTES = 4 * 1024 * 1024;
export const MAX_HELD_SEGMENTS = 4096;

/**
 * Nothing held, shared by every direction until it holds something: an in-order stream (nearly all of them) never
 * makes an array of its own, nor fetches one from memory on every delivery.
 */
const NOTHING_HELD: HeldSegment[] = [];

export class Reassembler {
  /** Sequence number of the next byte to deliver (signed 32-bit, see seqAdd); meaningful once `started`. */
  next = 0;
  started = false;
  /** Sequence number of this direction's FIN, once `finSeen`: nothing at or past it is data. */
  finSeq = 0;
  finSeen = false;
  private held: HeldSegment[] = NOTHING_HELD;
  private heldBytes = 0;

  constructor(
    private readonly out: ReassemblyOutput,
    private readonly side: 0 | 1,
  ) {}

  /** The SYN fixes where the data starts: ISN + 1. */
  onSyn(seq: number): void {
    if (this.started) return;
    this.next = seqAdd(seq, 1);
    this.started = true;
  }

  onFin(seq: number, payloadLength: number): void {
    if (this.finSeen) return;
    this.finSeq = seqAdd(seq, payloadLength);
    this.finSeen = true;
  }

  /**
   * A segment with payload. `payload` holds the captured bytes (a view, valid during the call), `payloadLength`
   * the length on the wire.
   */
  onSegment(seq: number, payload: Uint8Array, payloadLength: number, packet: number, tsSec: number, tsNsec: number): void {
    if (!this.started) {
      // No SYN captured: the stream starts here (a capture that began mid-connection).
      this.next = seq | 0;
      this.started = true;
    }
    const ahead = seqDiff(seq, this.next);
    if (ahead > 0) {
      this.hold(seq, payload, payloadLength, packet, tsSec, tsNsec);
      return;
    }
    this.deliverFrom(seq, payload, payloadLength - payload.length, packet, tsSec, tsNsec);
    this.drain();
  }

  /**
   * The peer acknowledged `ack`: every byte before it reached the peer, so any hole below it is bytes that were on
   * the wire but not in the capture. Declare those holes now rather than waiting for data that will never come.
   */
  onPeerAck(ack: number, packet: number, tsSec: number, tsNsec: number): void {
    if (!this.started) return;
    let limit = ack;
    // The FIN occupies one sequence number that is not data.
    if (this.finSeen && seqGt(limit, this.finSeq)) limit = this.finSeq;
    while (seqGt(limit, this.next)) {
      const first = this.held[0];
      // Held data ahead of the hole ends it; otherwise the hole runs up to what the peer acknowledged.
      const holeEnd = first !== undefined && seqGt(limit, first.seq) ? first.seq : limit;
      this.out.gap(this.side, seqDiff(holeEnd, this.next), 'not-captured', packet, tsSec, tsNsec);
      this.next = holeEnd | 0;
      this.drain();
    }
  }

  /** The connection is over: whatever is held is delivered, with the holes before it as gaps. */
  flush(packet: number, tsSec: number, tsNsec: number): void {
    while (this.held.length > 0) {
      const first = this.held[0]!;
      const missing = seqDiff(first.seq, this.next);
      if (missing > 0) {
        this.out.gap(this.side, missing, 'connection-end', packet, tsSec, tsNsec);
        this.next = first.seq | 0;
      }
      this.drain();
    }
  }

  get heldByteCount(): number {
    return this.heldBytes;
  }

  /** Deliver the part of a segment at or after `next`; the segment starts at or before `next`. */
  private deliverFrom(seq: number, captured: Uint8Array, uncaptured: number, packet: number, tsSec: number, tsNsec: number): void {
    const skip = seqDiff(this.next, seq); // bytes already delivered (retransmission / overlap): first copy wins
    const total = captured.length + uncaptured;
    if (skip >= total) return;
    if (skip < captured.length) {
      const fresh = skip === 0 ? captured : captured.subarray(skip);
      this.next = seqAdd(this.next, fresh.length);
      this.out.data(this.side, fresh, packet, tsSec, tsNsec);
    }
    const stillMissing = total - Math.max(skip, captured.length);
    if (stillMissing > 0) {
      this.next = seqAdd(this.next, stillMissing);
      this.out.gap(this.side, stillMissing, 'snap-length', packet, tsSec, tsNsec);
    }
  }

  private hold(seq: number, payload: Uint8Array, payloadLength: number, packet: number, tsSec: number, tsNsec: number): void {
    const seg: HeldSegment = {
      seq,
      bytes: payload.slice(), // the packet buffer is reused by the reader: keep a copy
      uncaptured: payloadLength - payload.length,
      packet,
      tsSec,
      tsNsec,
    };
    if (this.held === NOTHING_HELD) this.held = [];
    // Keep `held` sorted by sequence number; segments mostly arrive in order, so search from the end.
    let i = this.held.length;
    while (i > 0 && seqGt(this.held[i - 1]!.seq, seq)) i--;
    this.held.splice(i, 0, seg);
    this.heldBytes += seg.bytes.length;
    // Bound memory: past the limit the oldest hole is declared a gap.
    while ((this.heldBytes > MAX_HELD_BYTES || this.held.length > MAX_HELD_SEGMENTS) && this.held.length > 0) {
      const first = this.held[0]!;
      const missing = seqDiff(first.seq, this.next);
      if (missing > 0) {
        this.out.gap(this.side, missing, 'not-captured', packet, tsSec, tsNsec);
        this.next = first.seq | 0;
      }
      this.drain();
    }
  }

  /** Deliver held segments that are now in order. Returns true if anything was consumed. */
  private drain(): boolean {
    let consumed = false;
    while (this.held.length > 0) {
      const first = this.held[0]!;
      if (seqGt(first.seq, this.next)) break;
      this.held.shift();
      this.heldBytes -= first.bytes.length;
      consumed = true;
      this.deliverFrom(first.seq, first.bytes, first.uncaptured, first.packet, first.tsSec, first.tsNsec);
    }
    return consumed;
  }
}
