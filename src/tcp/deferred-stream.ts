/**
 * A connection's handler, made only when it is needed. Most TCP connections in a large capture carry AMQP, but a SYN
 * flood, a port scan or a broker that refuses (listener down) makes tens of thousands that never carry a byte: a
 * full handler each (TLS sniffing, frame decoders, session, timeline: tens of kilobytes) would make memory follow
 * the attempts instead of the connections. Until the first byte (or gap) arrives, the segments are held as a few
 * plain copies and replayed into the handler, in order, when it is made; a connection that ends without a byte gets
 * its handler at its end. The handler sees exactly the calls it would have seen, only later. Once made, the handler
 * takes this one's place in the tracker's slot (HandlerSlot): nothing is deferred any more.
 */
import type { Dir, EndReason, GapReason, HandlerSlot, SegmentInfo, StreamHandler } from './types.js';

/** Segments held before a connection without bytes gets its handler anyway (a long idle stream of bare ACKs). */
const MAX_HELD_SEGMENTS = 8;

export class DeferredStream implements StreamHandler {
  private handler: StreamHandler | null = null;
  private held: SegmentInfo[] = [];

  constructor(
    private readonly make: () => StreamHandler,
    private readonly slot: HandlerSlot | null = null,
  ) {}

  onSegment(segment: SegmentInfo): void {
    if (this.handler !== null) {
      this.handler.onSegment(segment);
      return;
    }
    // The tracker reuses one SegmentInfo for every segment: hold a copy.
    this.held.push({ ...segment });
    if (this.held.length > MAX_HELD_SEGMENTS) this.made();
  }

  onData(dir: Dir, bytes: Uint8Array, packet: number, tsSec: number, tsNsec: number): void {
    this.made().onData(dir, bytes, packet, tsSec, tsNsec);
  }

  onGap(dir: Dir, length: number, reason: GapReason, packet: number, tsSec: number, tsNsec: number): void {
    this.made().onGap(dir, length, reason, packet, tsSec, tsNsec);
  }

  onEnd(reason: EndReason): void {
    this.made().onEnd(reason);
    this.handler = null;
  }

  private made(): StreamHandler {
    if (this.handler !== null) return this.handler;
    const handler = this.make();
    this.handler = handler;
    if (this.slot !== null && this.slot.handler === this) this.slot.handler = handler;
    for (const s of this.held) handler.onSegment(s);
    this.held = [];
    return handler;
  }
}
