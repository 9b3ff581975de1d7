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
  // The run in progress, as fields of this object: it changes with every frame of a busy connection, and with
  // thousands of connections taking turns each object on that path is a cache miss per frame (a run object and its
  // two moments were three; made only when a run is long enough to keep).
  private running = false;
  private runDir: Dir = 'c2s';
  /** The method of the run in progress (its type without "+content"). */
  private method = '';
  private runType = '';
  private count = 0;
  private bodyBytes = 0;
  private firstPacket = 0;
  private firstTsSec = 0;
  private firstTsNsec = 0;
  private firstOrdinal = 0;
  private lastPacket = 0;
  private lastTsSec = 0;
  private lastTsNsec = 0;
  private lastOrdinal = 0;

  /** A frame: `frameType` is its type octet, `name` its display name, `size` its payload size. */
  frame(dir: Dir, frameType: number, name: string, size: number, packet: number, tsSec: number, tsNsec: number, ordinal: number): void {
    if (frameType === FRAME_METHOD) {
      if (this.running && this.runDir === dir && this.method === name) {
        this.count++;
        this.extend(packet, tsSec, tsNsec, ordinal);
        return;
      }
      this.close();
      this.start(dir, name, packet, tsSec, tsNsec, ordinal);
      return;
    }
    if ((frameType === FRAME_HEADER || frameType === FRAME_BODY) && this.running && this.runDir === dir) {
      // Named once per run: a string built per content frame would be garbage on every message.
      if (this.runType === this.method) this.runType = `${this.method}+content`;
      if (frameType === FRAME_BODY) this.bodyBytes += size;
      this.extend(packet, tsSec, tsNsec, ordinal);
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

  private start(dir: Dir, name: string, packet: number, tsSec: number, tsNsec: number, ordinal: number): void {
    this.running = true;
    this.runDir = dir;
    this.method = name;
    this.runType = name;
    this.count = 1;
    this.bodyBytes = 0;
    this.firstPacket = this.lastPacket = packet;
    this.firstTsSec = this.lastTsSec = tsSec;
    this.firstTsNsec = this.lastTsNsec = tsNsec;
    this.firstOrdinal = this.lastOrdinal = ordinal;
  }

  private extend(packet: number, tsSec: number, tsNsec: number, ordinal: number): void {
    this.lastPacket = packet;
    this.lastTsSec = tsSec;
    this.lastTsNsec = tsNsec;
    this.lastOrdinal = ordinal;
  }

  private close(): void {
    if (!this.running) return;
    this.running = false;
    if (this.count < MIN_RUN) return;
    this.runs.push({
      dir: this.runDir,
      type: this.runType,
      count: this.count,
      bodyBytes: this.bodyBytes,
      first: { packet: this.firstPacket, tsSec: this.firstTsSec, tsNsec: this.firstTsNsec },
      last: { packet: this.lastPacket, tsSec: this.lastTsSec, tsNsec: this.lastTsNsec },
      firstOrdinal: this.firstOrdinal,
      lastOrdinal: this.lastOrdinal,
    });
    if (this.runs.length > MAX_RUNS) {
      let shortest = 0;
      for (let i = 1; i < this.runs.length; i++) if (this.runs[i]!.count < this.runs[shortest]!.count) shortest = i;
      this.runs.splice(shortest, 1);
    }
  }
}
