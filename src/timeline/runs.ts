/**
 * Runs of the same traffic: one side writing the same method again and again (a publisher's burst of Basic.Publish
 * with their content, a consumer's stream of Basic.Deliver), with nothing but TCP ACKs and window updates in
 * between. A large connection's bounded timeline leaves most of such a run out; the run's count, bytes and span let
 * the elided rows say what they stand for ("170 x Basic.Publish+content c→b, 11.1 MB, 0.023-0.100").
 *
 * Fed every event in order (entries and raw ones alike), it keeps at most MAX_RUNS runs of at least MIN_RUN
 * methods (the longest): memory stays bounded however long the connection.
 */
import { FRAME_BODY, FRAME_HEADER, FRAME_METHOD } from '../amqp/types.js';
import type { Dir } from '../tcp/types.js';
import type { Moment } from './types.js';

export interface TrafficRun {
  dir: Dir;
  /** The method, with "+content" when content frames followed it: `Basic.Publish+content`. */
  type: string;
  /** Methods in the run. */
  count: number;
  /** Content-body bytes of the run's messages. */
  bodyBytes: number;
  first: Moment;
  last: Moment;
  /** The events the run spans, by their timeline ordinals (inclusive). */
  firstOrdinal: number;
  lastOrdinal: number;
}

/** Fewer methods in a row are no run worth summarising. */
export const MIN_RUN = 8;
const MAX_RUNS = 64;
/** TCP events that may sit inside a run: the flow control of a busy stream (also a burst's, render/fold.ts). */
export const FLOW_TCP = new Set(['ACK', 'Window Update', 'Window Full', 'Dup ACK']);

export class RunTracker {
  readonly runs: TrafficRun[] = [];
  private current: TrafficRun | null = null;
  /** The method of the run in progress (its type without "+content"). */
  private method = '';
  /** A run too short to keep, reused by the next one (start). */
  private spare: TrafficRun | null = null;

  /** A frame: `frameType` is its type octet, `name` its display name, `size` its payload size. */
  frame(dir: Dir, frameType: number, name: string, size: number, packet: number, tsSec: number, tsNsec: number, ordinal: number): void {
    const cur = this.current;
    if (frameType === FRAME_METHOD) {
      if (cur !== null && cur.dir === dir && this.method === name) {
        cur.count++;
        this.extend(cur, packet, tsSec, tsNsec, ordinal);
        return;
      }
      this.close();
      this.method = name;
      this.current = this.start(dir, name, packet, tsSec, tsNsec, ordinal);
      return;
    }
    if ((frameType === FRAME_HEADER || frameType === FRAME_BODY) && cur !== null && cur.dir === dir) {
      // Named once per run: a string built per content frame would be garbage on every message.
      if (cur.type === this.method) cur.type = `${this.method}+content`;
      if (frameType === FRAME_BODY) cur.bodyBytes += size;
      this.extend(cur, packet, tsSec, tsNsec, ordinal);
      return;
    }
    // A heartbeat, or content that belongs to no method of this run: the run ends here.
    this.close();
  }

  /** A TCP event: ACKs and window updates may sit inside a run; anything else (FIN, RST, retransmission) ends it. */
  tcp(type: string): void {
    if (!FLOW_TCP.has(type)) this.close();
  }

  /** Any other event (a protocol header, a malformed frame, a TLS record): the run ends. */
  other(): void {
    this.close();
  }

  /** The run in progress counts too once the connection has ended. */
  finish(): void {
    this.close();
  }

  /** The kept runs that span every ordinal in [from, to]. */
  containing(from: number, to: number): TrafficRun[] {
    return this.runs.filter((r) => r.firstOrdinal <= from && r.lastOrdinal >= to);
  }

  /**
   * A new run, in the last discarded one's objects when there is one: with thousands of connections taking turns,
   * each connection's short run outlives a young-generation collection, so fresh ones were all promoted to die old.
   */
  private start(dir: Dir, type: string, packet: number, tsSec: number, tsNsec: number, ordinal: number): TrafficRun {
    const r = this.spare;
    if (r === null) return { dir, type, count: 1, bodyBytes: 0, first: { packet, tsSec, tsNsec }, last: { packet, tsSec, tsNsec }, firstOrdinal: ordinal, lastOrdinal: ordinal };
    this.spare = null;
    r.dir = dir;
    r.type = type;
    r.count = 1;
    r.bodyBytes = 0;
    r.first.packet = r.last.packet = packet;
    r.first.tsSec = r.last.tsSec = tsSec;
    r.first.tsNsec = r.last.tsNsec = tsNsec;
    r.firstOrdinal = r.lastOrdinal = ordinal;
    return r;
  }

  private extend(r: TrafficRun, packet: number, tsSec: number, tsNsec: number, ordinal: number): void {
    r.last.packet = packet;
    r.last.tsSec = tsSec;
    r.last.tsNsec = tsNsec;
    r.lastOrdinal = ordinal;
  }

  private close(): void {
    const cur = this.current;
    this.current = null;
    if (cur === null) return;
    if (cur.count < MIN_RUN) {
      this.spare = cur;
      return;
    }
    this.runs.push(cur);
    if (this.runs.length > MAX_RUNS) {
      let shortest = 0;
      for (let i = 1; i < this.runs.length; i++) if (this.runs[i]!.count < this.runs[shortest]!.count) shortest = i;
      this.runs.splice(shortest, 1);
    }
  }
}
