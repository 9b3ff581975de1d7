/**
 * The bounded selection of a large connection's timeline events (one that outgrew its EventLog): the first
 * events (the handshake), every notable event with a few events of context on each side, the events around the
 * client's last frame, the broker's unanswered heartbeats, and the last events before the end. Events are entries
 * (objects), or raw fields (RawEvents) built into entries only when kept.
 */
import { FRAME_HEADER, FRAME_HEARTBEAT, FRAME_METHOD } from '../amqp/types.js';
import type { Dir } from '../tcp/types.js';
import { RawEvents, SLOT_BYTES, type RawFrameFields, type RawTcpFields } from './raw-events.js';
import type { TimelineEntry } from './types.js';

const HEAD_EVENTS = 80;
const TAIL_EVENTS = 60;
const CONTEXT_EVENTS = 4;
const AFTER_LAST_CLIENT_FRAME = 40;
const MAX_KEPT_EVENTS = 1500;
/** Broker heartbeats kept since the client's latest frame (RabbitMQ closes after 2T-3T: five or six of them). */
const MAX_UNANSWERED_HEARTBEATS = 32;

export class BoundedSelection {
  private readonly head: TimelineEntry[] = [];
  /**
   * The last TAIL_EVENTS events. A slot holds an entry, or null for a frame that came as a view: its fields and
   * payload are then in `raw` (allocated at the first raw event) and become an entry only
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

  /** @param streaming every event is an entry anyway (--frames streams them). */
  constructor(private readonly streaming: boolean) {}

  /** Whether a TCP event must be added as an entry (place) rather than raw (putTcp). */
  tcpNeedsEntry(dir: Dir, notable: boolean): boolean {
    return this.needsEntry(notable) || this.keepsEvidence(dir, false);
  }

  /** The same for a frame: a ring slot holds SLOT_BYTES of payload, so larger methods and headers are entries. */
  frameNeedsEntry(dir: Dir, type: number, payloadLength: number, notable: boolean): boolean {
    return this.needsEntry(notable) || this.keepsEvidence(dir, type === FRAME_HEARTBEAT) || ((type === FRAME_METHOD || type === FRAME_HEADER) && payloadLength > SLOT_BYTES);
  }

  /** An event as an entry. */
  place(e: TimelineEntry, notable: boolean): void {
    this.keepUnansweredHeartbeat(e);
    if (this.head.length < HEAD_EVENTS) this.head.push(e);
    this.keep(e, notable);
    this.ringPut(e);
  }

  /** A TCP event as raw fields. */
  putTcp(dir: Dir, seg: RawTcpFields, type: string, ordinal: number): void {
    this.rawRing().putTcp(this.rawRingSlot(), dir, seg, type, ordinal);
  }

  /** A frame as raw fields and payload (at most SLOT_BYTES of it). */
  putFrame(dir: Dir, v: RawFrameFields, ordinal: number): void {
    this.rawRing().put(this.rawRingSlot(), dir, v, ordinal);
  }

  /** The client's frame `ordinal` (just added) moves the window of events kept around its last frame. */
  noteClientFrame(ordinal: number): void {
    this.lastClientOrdinal = ordinal;
    this.clearAroundLastClient();
    if (this.unansweredHeartbeats.size > 0) this.unansweredHeartbeats.clear();
    this.heartbeatAckPending = false;
  }

  /** The selected events, in no particular order. */
  events(): TimelineEntry[] {
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
    return [...byOrdinal.values()];
  }

  /** Whether the next event must be an entry now: streamed, in the head, or kept as or beside a notable one. */
  private needsEntry(notable: boolean): boolean {
    return this.streaming || this.head.length < HEAD_EVENTS || ((notable || this.afterNotable > 0) && this.kept.size < MAX_KEPT_EVENTS);
  }

  /**
   * Whether the next event of `dir` must be an entry because it is evidence of a stall: a broker heartbeat since
   * the client's latest frame, or the client's TCP event after one.
   */
  private keepsEvidence(dir: Dir, heartbeat: boolean): boolean {
    return dir === 's2c' ? heartbeat && this.unansweredHeartbeats.size < 2 * MAX_UNANSWERED_HEARTBEATS : this.heartbeatAckPending;
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
        else (this.aroundRaw ??= new RawEvents(CONTEXT_EVENTS + AFTER_LAST_CLIENT_FRAME + 1)).copy(this.raw as RawEvents, i);
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

  private rawRing(): RawEvents {
    return (this.raw ??= new RawEvents(TAIL_EVENTS));
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
