/**
 * The bounded selection of a connection's timeline events. A small connection keeps every event; a large one
 * keeps the first events (the handshake), every notable event with a few events of context on each side, the
 * events around the client's last frame, and the last events before the end. Events are entries (objects), or
 * raw fields (RawEvents) built into entries only when kept.
 */
import type { FrameView } from '../amqp/frame-view.js';
import type { Dir, SegmentInfo } from '../tcp/types.js';
import { RawEvents } from './raw-events.js';
import { RunTracker } from './runs.js';
import type { Moment, TimelineEntry } from './types.js';

/** A connection with at most this many events keeps all of them. */
export const FULL_TIMELINE_EVENTS = 600;
const HEAD_EVENTS = 80;
const TAIL_EVENTS = 60;
const CONTEXT_EVENTS = 4;
const AFTER_LAST_CLIENT_FRAME = 40;
const MAX_KEPT_EVENTS = 1500;
/** Broker heartbeats kept since the client's latest frame (RabbitMQ closes after 2T-3T: five or six of them). */
const MAX_UNANSWERED_HEARTBEATS = 32;

export class TimelineSelection {
  private ordinal = 0;
  /**
   * Every event while there are at most FULL_TIMELINE_EVENTS: entries, or indexes into `allRaw` for frames that
   * came as views and were not needed as objects so far.
   */
  private all: (TimelineEntry | number)[] | null = [];
  private allRaw: RawEvents | null = null;
  private readonly head: TimelineEntry[] = [];
  /**
   * The last TAIL_EVENTS events. A slot holds an entry, or null for a frame that came as a view: its fields and
   * payload are then in `raw` (allocated once a connection outgrows FULL_TIMELINE_EVENTS) and become an entry only
   * if the event is kept. A busy connection builds no object per frame.
   */
  private readonly ring: (TimelineEntry | null)[] = []; // grows by appending to TAIL_EVENTS slots
  private raw: RawEvents | null = null;
  private ringCount = 0;
  private ringPos = 0;
  private readonly kept = new Map<number, TimelineEntry>();
  private afterNotable = 0;
  /**
   * The client's latest frame, and events around it that left the ring: if that frame turns out to be its last,
   * these rows explain the silence. Events are retained only when the ring evicts them (rarely), so a busy
   * connection pays nothing per frame for this.
   */
  private lastClientOrdinal = -1;
  private readonly aroundLastClient = new Map<number, TimelineEntry>();
  /** The same for events that left the ring as raw slots: copied raw (a busy client's window moves every frame). */
  private aroundRaw: RawEvents | null = null;
  /**
   * The broker's heartbeats since the client's latest frame, each with the client's next TCP event (its kernel's
   * ACK): the evidence of a stalled client, kept however busy the connection is around them (deliveries to a
   * client that stopped reading can push them out of the ring). Cleared when the client sends a frame.
   */
  private readonly unansweredHeartbeats = new Map<number, TimelineEntry>();
  private heartbeatAckPending = false;
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
    this.keepUnansweredHeartbeat(e);
    this.addToAll(e);
    if (this.head.length < HEAD_EVENTS) this.head.push(e);
    this.keep(e, notable);
    this.ringPut(e);
  }

  /** Whether the next event must be an entry now: streamed, in the head, or kept as or beside a notable one. */
  needsEntry(notable: boolean): boolean {
    return this.onEntry !== null || this.head.length < HEAD_EVENTS || ((notable || this.afterNotable > 0) && this.kept.size < MAX_KEPT_EVENTS);
  }

  /**
   * Whether the next event of `dir` must be an entry because it is evidence of a stall: a broker heartbeat since
   * the client's latest frame, or the client's TCP event after one.
   */
  keepsEvidence(dir: Dir, heartbeat: boolean): boolean {
    return dir === 's2c' ? heartbeat && this.unansweredHeartbeats.size < 2 * MAX_UNANSWERED_HEARTBEATS : this.heartbeatAckPending;
  }

  /** Adds a TCP event that is not kept (yet) as raw fields; returns its ordinal. */
  addRawTcp(dir: Dir, seg: SegmentInfo, type: string): number {
    const ordinal = this.ordinal++;
    this.runs.tcp(type);
    const log = this.rawLog();
    if (log !== null) {
      const j = log.append();
      log.putTcp(j, dir, seg, type, ordinal);
      this.addToAll(j);
    }
    this.rawRing().putTcp(this.rawRingSlot(), dir, seg, type, ordinal);
    return ordinal;
  }

  /** Adds a frame that came as a view and is not kept (yet) as raw fields and payload; returns its ordinal. */
  addRawFrame(dir: Dir, v: FrameView): number {
    const ordinal = this.ordinal++;
    this.runs.frame(dir, v.type, v.name, v.size, v.packet, v.tsSec, v.tsNsec, ordinal);
    const log = this.rawLog();
    if (log !== null) {
      const j = log.append();
      log.put(j, dir, v, ordinal);
      this.addToAll(j);
    }
    this.rawRing().put(this.rawRingSlot(), dir, v, ordinal);
    return ordinal;
  }

  /** A client frame moves the window of events kept around the client's last frame. */
  noteClientFrame(dir: Dir, ordinal: number): void {
    if (dir !== 'c2s') return;
    this.lastClientOrdinal = ordinal;
    this.clearAroundLastClient();
    if (this.unansweredHeartbeats.size > 0) this.unansweredHeartbeats.clear();
    this.heartbeatAckPending = false;
  }

  /** The selected events in packet order, with rows saying how many events were left out where. */
  build(lastPacket: Moment): TimelineEntry[] {
    let events: TimelineEntry[];
    if (this.all !== null) {
      const log = this.allRaw;
      events = this.all.map((e) => (typeof e === 'number' ? (log as RawEvents).entry(e) : e));
    } else {
      const byOrdinal = new Map<number, TimelineEntry>();
      for (const list of [this.head, this.kept.values(), this.aroundLastClient.values(), this.unansweredHeartbeats.values()]) {
        for (const e of list) byOrdinal.set(e.ordinal, e);
      }
      for (let i = 0; i < this.ringCount; i++) {
        const e = this.slotEvent(i);
        byOrdinal.set(e.ordinal, e);
      }
      const around = this.aroundRaw;
      for (let i = 0; around !== null && i < around.count; i++) {
        const e = around.entry(i);
        byOrdinal.set(e.ordinal, e);
      }
      events = [...byOrdinal.values()].sort((x, y) => x.ordinal - y.ordinal);
    }
    // Bytes held out of order are delivered later than their packet: keep the rows in packet order.
    events.sort((x, y) => x.packet - y.packet || x.ordinal - y.ordinal);
    this.runs.finish();
    const out: TimelineEntry[] = [];
    let expected = 0;
    for (const e of events) {
      if (e.ordinal > expected && this.all === null) {
        const elided: TimelineEntry = { ordinal: expected, packet: e.packet, tsSec: e.tsSec, tsNsec: e.tsNsec, dir: e.dir, kind: 'elided', type: 'elided', elided: e.ordinal - expected };
        // The left-out events are all part of a run of the same traffic: the row can say what they were.
        const runs = this.runs.containing(expected, e.ordinal - 1);
        if (runs.length > 0) elided.runs = runs;
        out.push(elided);
      }
      out.push(e);
      expected = Math.max(expected, e.ordinal + 1);
    }
    if (this.all === null && expected < this.ordinal) {
      const last = lastPacket;
      out.push({ ordinal: expected, packet: last.packet, tsSec: last.tsSec, tsNsec: last.tsNsec, dir: 'c2s', kind: 'elided', type: 'elided', elided: this.ordinal - expected });
    }
    return out;
  }

  private addToAll(e: TimelineEntry | number): void {
    if (this.all === null) return;
    this.all.push(e);
    if (this.all.length > FULL_TIMELINE_EVENTS) {
      this.all = null;
      this.allRaw = null;
    }
  }

  /** Notable events are kept with CONTEXT_EVENTS events on each side. */
  private keep(e: TimelineEntry, notable: boolean): void {
    if (notable && this.kept.size < MAX_KEPT_EVENTS) {
      for (const r of this.recentEvents(CONTEXT_EVENTS)) this.kept.set(r.ordinal, r);
      this.kept.set(e.ordinal, e);
      this.afterNotable = CONTEXT_EVENTS;
    } else if (this.afterNotable > 0 && this.kept.size < MAX_KEPT_EVENTS) {
      this.kept.set(e.ordinal, e);
      this.afterNotable--;
    }
  }

  /** The ring slot for the next event, after evicting its oldest one. */
  private ringNext(): number {
    const i = this.ringPos;
    if (this.ringCount < TAIL_EVENTS) {
      this.ringCount++;
    } else {
      const ordinal = this.slotOrdinal(i);
      const sinceClient = ordinal - this.lastClientOrdinal;
      if (this.lastClientOrdinal >= 0 && sinceClient >= -CONTEXT_EVENTS && sinceClient <= AFTER_LAST_CLIENT_FRAME) {
        const e = this.ring[i];
        if (e !== null && e !== undefined) this.aroundLastClient.set(ordinal, e);
        else (this.aroundRaw ??= new RawEvents(CONTEXT_EVENTS + AFTER_LAST_CLIENT_FRAME + 1, false)).copy(this.raw as RawEvents, i);
      }
    }
    this.ringPos = (i + 1) % TAIL_EVENTS;
    return i;
  }

  private ringPut(e: TimelineEntry): void {
    this.ring[this.ringNext()] = e;
  }

  private slotOrdinal(i: number): number {
    const e = this.ring[i];
    return e !== null && e !== undefined ? e.ordinal : (this.raw as RawEvents).ordinal[i] as number;
  }

  /** The event in ring slot i, built from its raw fields the first time it is needed. */
  private slotEvent(i: number): TimelineEntry {
    const e = this.ring[i];
    if (e !== null && e !== undefined) return e;
    const built = (this.raw as RawEvents).entry(i);
    this.ring[i] = built;
    return built;
  }

  /** The last `n` events, oldest first. */
  private recentEvents(n: number): TimelineEntry[] {
    const count = Math.min(n, this.ringCount);
    const out: TimelineEntry[] = [];
    // The newest `count` events sit just before ringPos, modulo the ring size.
    for (let i = 0; i < count; i++) out.push(this.slotEvent((this.ringPos - count + i + TAIL_EVENTS) % TAIL_EVENTS));
    return out;
  }

  /** The log of every event while the connection is small enough to keep them all; null after. */
  private rawLog(): RawEvents | null {
    return this.all === null ? null : (this.allRaw ??= new RawEvents(64, true));
  }

  private rawRing(): RawEvents {
    return (this.raw ??= new RawEvents(TAIL_EVENTS, false));
  }

  /** The ring slot for the next raw event (an entry it held is dropped). */
  private rawRingSlot(): number {
    const i = this.ringNext();
    this.ring[i] = null;
    return i;
  }

  private keepUnansweredHeartbeat(e: TimelineEntry): void {
    if (e.dir === 's2c' && e.kind === 'amqp' && e.type === 'Heartbeat') {
      if (this.unansweredHeartbeats.size >= 2 * MAX_UNANSWERED_HEARTBEATS) return;
      this.unansweredHeartbeats.set(e.ordinal, e);
      this.heartbeatAckPending = true;
    } else if (e.dir === 'c2s' && e.kind === 'tcp' && this.heartbeatAckPending) {
      this.unansweredHeartbeats.set(e.ordinal, e);
      this.heartbeatAckPending = false;
    }
  }

  private clearAroundLastClient(): void {
    if (this.aroundLastClient.size > 0) this.aroundLastClient.clear();
    if (this.aroundRaw !== null) this.aroundRaw.count = 0;
  }
}
