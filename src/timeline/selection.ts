/**
 * The selection of a connection's timeline events. A small connection keeps every event, logged (event-log.ts:
 * bytes, no object per event); one that outgrows FULL_TIMELINE_EVENTS has its logged events replayed into a
 * BoundedSelection (bounded.ts), which keeps what a report of a long connection shows.
 */
import type { FrameView } from '../amqp/frame-view.js';
import type { Dir, SegmentInfo } from '../tcp/types.js';
import { BoundedSelection } from './bounded.js';
import { EventLog, LOGGED_ENTRY, LOGGED_NOTE, LOGGED_TCP, loggedEntry } from './event-log.js';
import { RunTracker } from './runs.js';
import type { Moment, TimelineEntry } from './types.js';

/** A connection with at most this many events keeps all of them. */
export const FULL_TIMELINE_EVENTS = 600;

export class TimelineSelection {
  private ordinal = 0;
  /** Every event while there are at most FULL_TIMELINE_EVENTS; null after, when `bounded` takes over. */
  private log: EventLog | null = new EventLog();
  private bounded: BoundedSelection | null = null;
  /** Runs of the same traffic, so that rows eliding part of one can say what they stand for. */
  private readonly runs = new RunTracker();

  /** @param onEntry receives every event as it happens (for --frames streaming); the entry may be kept. */
  constructor(private readonly onEntry: ((entry: TimelineEntry) => void) | null) {}

  /** How many events the connection had so far. */
  get eventCount(): number {
    return this.ordinal;
  }

  /** Adds an event as an entry (its ordinal is set here). */
  addEvent(e: TimelineEntry, notable: boolean): void {
    e.ordinal = this.ordinal++;
    if (e.kind === 'amqp' && e.frame !== undefined) {
      const f = e.frame;
      this.runs.frame(e.dir, f.type, e.type, f.size, e.packet, e.tsSec, e.tsNsec, e.ordinal);
    } else if (e.kind === 'tcp') {
      this.runs.tcp(e.type);
    } else {
      this.runs.other();
    }
    if (this.onEntry !== null) this.onEntry(e);
    if (this.log !== null) {
      this.log.addEntry(e, e.dir, notable);
      this.outgrowLog();
    } else {
      (this.bounded as BoundedSelection).place(e, notable);
    }
  }

  /** Whether a TCP event must be added as an entry (addEvent) rather than raw (addRawTcp). */
  tcpNeedsEntry(dir: Dir, notable: boolean): boolean {
    return this.bounded === null ? this.onEntry !== null : this.bounded.tcpNeedsEntry(dir, notable);
  }

  /** Whether a frame that came as a view must be added as an entry (addEvent) rather than raw (addRawFrame). */
  frameNeedsEntry(dir: Dir, type: number, payloadLength: number, notable: boolean): boolean {
    return this.bounded === null ? this.onEntry !== null : this.bounded.frameNeedsEntry(dir, type, payloadLength, notable);
  }

  /** Adds a TCP event as raw fields; returns its ordinal. */
  addRawTcp(dir: Dir, seg: SegmentInfo, type: string, notable: boolean): number {
    const ordinal = this.ordinal++;
    this.runs.tcp(type);
    if (this.log !== null) {
      this.log.addTcp(dir, seg, type, notable);
      this.outgrowLog();
    } else {
      (this.bounded as BoundedSelection).putTcp(dir, seg, type, ordinal);
    }
    return ordinal;
  }

  /** Adds a frame that came as a view as raw fields and payload; returns its ordinal. */
  addRawFrame(dir: Dir, v: FrameView, notable: boolean): number {
    const ordinal = this.ordinal++;
    this.runs.frame(dir, v.type, v.name, v.size, v.packet, v.tsSec, v.tsNsec, ordinal);
    if (this.log !== null) {
      this.log.addFrame(dir, v, notable);
      this.outgrowLog();
    } else {
      (this.bounded as BoundedSelection).putFrame(dir, v, ordinal);
    }
    return ordinal;
  }

  /** A client frame moves the window of events kept around the client's last frame. Called right after adding it. */
  noteClientFrame(dir: Dir, ordinal: number): void {
    if (dir !== 'c2s') return;
    if (this.log !== null) this.log.markClientFrame();
    else (this.bounded as BoundedSelection).noteClientFrame(ordinal);
  }

  /** The selected events in packet order, with rows saying how many events were left out where. */
  build(lastPacket: Moment): TimelineEntry[] {
    const log = this.log;
    const events = log !== null ? log.entriesInOrder() : (this.bounded as BoundedSelection).events();
    // Bytes held out of order are delivered later than their packet: keep the rows in packet order.
    events.sort((x, y) => x.packet - y.packet || x.ordinal - y.ordinal);
    this.runs.finish();
    const out: TimelineEntry[] = [];
    let expected = 0;
    for (const e of events) {
      if (e.ordinal > expected && log === null) {
        const elided: TimelineEntry = { ordinal: expected, packet: e.packet, tsSec: e.tsSec, tsNsec: e.tsNsec, dir: e.dir, kind: 'elided', type: 'elided', elided: e.ordinal - expected };
        // The left-out events are all part of a run of the same traffic: the row can say what they were.
        const runs = this.runs.containing(expected, e.ordinal - 1);
        if (runs.length > 0) elided.runs = runs;
        out.push(elided);
      }
      out.push(e);
      expected = Math.max(expected, e.ordinal + 1);
    }
    if (log === null && expected < this.ordinal) {
      const last = lastPacket;
      out.push({ ordinal: expected, packet: last.packet, tsSec: last.tsSec, tsNsec: last.tsNsec, dir: 'c2s', kind: 'elided', type: 'elided', elided: this.ordinal - expected });
    }
    return out;
  }

  /**
   * Once the log holds more than FULL_TIMELINE_EVENTS, its events go through a BoundedSelection in order, each as
   * an entry or raw exactly as if it had just happened (the same decisions, from the same state), and the log is
   * dropped.
   */
  private outgrowLog(): void {
    const log = this.log as EventLog;
    if (log.count <= FULL_TIMELINE_EVENTS) return;
    const b = new BoundedSelection(this.onEntry !== null);
    this.log = null;
    this.bounded = b;
    log.forEach((e, entry) => {
      if (e.kind === LOGGED_ENTRY) b.place(entry as TimelineEntry, e.notable);
      else if (e.kind === LOGGED_NOTE) b.place(loggedEntry(e), e.notable);
      else if (e.kind === LOGGED_TCP) {
        if (b.tcpNeedsEntry(e.dir, e.notable)) b.place(loggedEntry(e), e.notable);
        else b.putTcp(e.dir, e, e.tcpType, e.ordinal);
      } else if (b.frameNeedsEntry(e.dir, e.type, e.end - e.start, e.notable)) {
        b.place(loggedEntry(e), e.notable);
      } else {
        b.putFrame(e.dir, e, e.ordinal);
      }
      if (e.clientFrame) b.noteClientFrame(e.ordinal);
    });
  }
}
