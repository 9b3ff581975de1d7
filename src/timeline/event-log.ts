/**
 * Every event of a connection small enough to keep them all (selection.ts, FULL_TIMELINE_EVENTS), as one growing
 * byte string: a flags byte, then each number as the difference from the previous event's (packet, time) or as
 * itself, in variable-length integers, and the payload of methods and content headers. A fleet of thousands of
 * mostly quiet connections keeps each one's timeline in a few kilobytes, with no object per event for the garbage
 * collector to copy; rows are built only when a report asks for them (or when the connection outgrows the log and
 * its events are replayed into the bounded selection).
 */
import type { FrameView } from '../amqp/frame-view.js';
import { ByContent, contentHash } from '../amqp/by-content.js';
import { FRAME_HEADER, FRAME_METHOD } from '../amqp/types.js';
import type { Dir, SegmentInfo } from '../tcp/types.js';
import { payloadFrameEntry, tcpEntry } from './raw-events.js';
import type { TimelineEntry } from './types.js';

/** What a logged event is: a TCP event or a frame kept as fields, or an event that came as an entry (an object). */
export const LOGGED_TCP = 0;
export const LOGGED_FRAME = 1;
export const LOGGED_ENTRY = 2;
/** An entry with nothing but its time, direction and type (a protocol header): kept as fields, not as an object. */
export const LOGGED_NOTE = 3;

const KIND_MASK = 3;
const S2C = 4;
const NOTABLE = 8;
const CLIENT_FRAME = 16;
/** The timestamps are written as two float64s: numbers the variable-length integers cannot carry exactly. */
const EXACT_TIME = 32;
/** The frame's payload is a blob of its own (the log's next one), not in the byte string. */
const BLOB = 64;

/**
 * Payloads longer than this are looked up among the ones earlier logs stored: each client of a broker gets the same
 * Connection.Start, half a kilobyte of server properties, and a fleet keeps one copy of it (a blob), not one per
 * connection. A payload seen for the first time is stored in the log itself.
 */
const BLOB_BYTES = 96;
/** Payloads seen more than once, by content (ByContent: forgotten all at once when full). */
const sharedBlobs = new ByContent<Uint8Array>(512);
/** Larger payloads are never shared (the cache stays under about 2 MiB). */
const MAX_SHARED_BLOB_BYTES = 4096;

/**
 * The shared copy of bytes[start, end) once the same bytes have come before (kept from the second time on); null
 * when there is none yet: the log stores the payload itself.
 */
function sharedCopy(bytes: Uint8Array, start: number, end: number): Uint8Array | null {
  if (end - start > MAX_SHARED_BLOB_BYTES) return null;
  const hash = contentHash(bytes, start, end);
  const blob = sharedBlobs.get(bytes, start, end, hash);
  if (blob !== undefined) return blob;
  if (!sharedBlobs.repeated(hash)) return null;
  const copy = Uint8Array.prototype.slice.call(bytes, start, end);
  sharedBlobs.set(hash, copy, copy);
  return copy;
}

/** One decoded event (reused from event to event while reading). Shaped like the fields RawEvents' writers read. */
export class LoggedEvent {
  kind = LOGGED_TCP;
  dir: Dir = 'c2s';
  notable = false;
  /** The client's frame: the recorder noted it as the client's latest (TimelineSelection.noteClientFrame). */
  clientFrame = false;
  ordinal = 0;
  packet = 0;
  tsSec = 0;
  tsNsec = 0;
  // Notes
  noteType = '';
  // TCP events
  tcpType = '';
  tcpFlags = 0;
  analysis = 0;
  window = 0;
  payloadLength = 0;
  // Frames
  type = 0;
  channel = 0;
  size = 0;
  firstPacket = 0;
  bytes: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;
}

/** TCP event types by number ('ACK', 'SYN', 'Dup ACK', ...: tcpEventType's dozen), shared by every log. */
const tcpTypes: string[] = [];
const tcpTypeIds = new Map<string, number>();

function tcpTypeId(type: string): number {
  let id = tcpTypeIds.get(type);
  if (id === undefined) {
    id = tcpTypes.length;
    tcpTypes.push(type);
    tcpTypeIds.set(type, id);
  }
  return id;
}

/** Notes' types by number ('Protocol-Header 0-9-1'). A header can name any 4 bytes: past MAX_NOTE_TYPES, none is added. */
const noteTypes: string[] = [];
const noteTypeIds = new Map<string, number>();
const MAX_NOTE_TYPES = 256;

function noteTypeId(type: string): number {
  let id = noteTypeIds.get(type);
  if (id === undefined) {
    if (noteTypes.length >= MAX_NOTE_TYPES) return -1;
    id = noteTypes.length;
    noteTypes.push(type);
    noteTypeIds.set(type, id);
  }
  return id;
}

/**
 * Buffers logs gave up when they grew, by size, for the next log that grows to that size: a fleet's connections
 * grow their logs in step through the same sizes (256, 384, 576, ...), and an ArrayBuffer made and dropped for each
 * step costs more than the bytes (a fresh, zeroed allocation that the garbage collector must account for). What a
 * buffer held past a log's end is never read.
 */
const FIRST_BYTES = 256;
const spares = new Map<number, Uint8Array[]>();
let spareBytes = 0;
const MAX_SPARE_BYTES = 4 << 20;

function newBuffer(size: number): Uint8Array {
  const list = spares.get(size);
  const reused = list?.pop();
  if (reused === undefined) return new Uint8Array(size);
  spareBytes -= size;
  return reused;
}

function recycle(buf: Uint8Array): void {
  if (spareBytes + buf.length > MAX_SPARE_BYTES) return;
  let list = spares.get(buf.length);
  if (list === undefined) spares.set(buf.length, (list = []));
  list.push(buf);
  spareBytes += buf.length;
}

/** The largest difference written as a varint (zigzag makes it at most 2^53 - 1, exact in a double). */
const MAX_DELTA = 2 ** 52 - 1;

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

export class EventLog {
  private buf = newBuffer(FIRST_BYTES);
  private at = 0;
  /** Where the latest event's flags byte is, for noting it as the client's frame afterwards. */
  private latestFlags = -1;
  private packet = 0;
  private tsSec = 0;
  private tsNsec = 0;
  /** The events that came as entries, in order. */
  private entries: TimelineEntry[] | null = null;
  /** The frames' payloads kept as blobs, in order. */
  private blobs: Uint8Array[] | null = null;
  count = 0;

  addTcp(dir: Dir, seg: SegmentInfo, type: string, notable: boolean): void {
    this.begin(LOGGED_TCP, dir, notable, seg.packet, seg.tsSec, seg.tsNsec);
    this.unsigned(tcpTypeId(type));
    this.unsigned(seg.tcpFlags);
    this.signed(seg.analysis);
    this.signed(seg.window);
    this.unsigned(seg.payloadLength);
  }

  addFrame(dir: Dir, v: FrameView, notable: boolean): void {
    // Bodies and heartbeats are described by their size alone; methods and headers by their payload.
    const n = v.type === FRAME_METHOD || v.type === FRAME_HEADER ? v.end - v.start : 0;
    const blob = n > BLOB_BYTES ? sharedCopy(v.bytes, v.start, v.end) : null;
    this.begin(LOGGED_FRAME | (blob !== null ? BLOB : 0), dir, notable, v.packet, v.tsSec, v.tsNsec);
    this.unsigned(v.type);
    this.unsigned(v.channel);
    this.unsigned(v.size);
    this.signed(v.packet - v.firstPacket);
    if (blob !== null) {
      (this.blobs ??= []).push(blob);
      return;
    }
    this.unsigned(n);
    this.room(n);
    // At most BLOB_BYTES, copied byte by byte: `set` would need a subarray, an object per frame.
    const buf = this.buf;
    const bytes = v.bytes;
    let at = this.at;
    for (let i = v.start, end = v.start + n; i < end; i++) buf[at++] = bytes[i]!;
    this.at = at;
  }

  addEntry(e: TimelineEntry, dir: Dir, notable: boolean): void {
    // Its seven fields alone (ordinal, packet, tsSec, tsNsec, dir, kind, type): a note, rebuilt when needed.
    if (e.kind === 'amqp' && Object.keys(e).length === 7) {
      const id = noteTypeId(e.type);
      if (id >= 0) {
        this.begin(LOGGED_NOTE, dir, notable, e.packet, e.tsSec, e.tsNsec);
        this.unsigned(id);
        return;
      }
    }
    this.room(1);
    this.latestFlags = this.at;
    this.buf[this.at++] = LOGGED_ENTRY | (dir === 's2c' ? S2C : 0) | (notable ? NOTABLE : 0);
    (this.entries ??= []).push(e);
    this.count++;
  }

  /** The latest event is the client's frame. */
  markClientFrame(): void {
    this.buf[this.latestFlags] = (this.buf[this.latestFlags] as number) | CLIENT_FRAME;
  }

  /** Calls `visit` with each event in order (the same LoggedEvent object, refilled), and the entry of those that came as one. */
  forEach(visit: (e: LoggedEvent, entry: TimelineEntry | null) => void): void {
    const reader = new LogReader(this.buf);
    const e = new LoggedEvent();
    let entries = 0;
    let blobs = 0;
    for (let ordinal = 0; ordinal < this.count; ordinal++) {
      const flags = reader.byte();
      e.kind = flags & KIND_MASK;
      e.dir = (flags & S2C) !== 0 ? 's2c' : 'c2s';
      e.notable = (flags & NOTABLE) !== 0;
      e.clientFrame = (flags & CLIENT_FRAME) !== 0;
      e.ordinal = ordinal;
      if (e.kind === LOGGED_ENTRY) {
        visit(e, (this.entries as TimelineEntry[])[entries++] as TimelineEntry);
        continue;
      }
      e.packet += reader.signed();
      if ((flags & EXACT_TIME) !== 0) {
        e.tsSec = reader.float();
        e.tsNsec = reader.float();
      } else {
        e.tsSec += reader.signed();
        e.tsNsec += reader.signed();
      }
      if (e.kind === LOGGED_NOTE) {
        e.noteType = noteTypes[reader.unsigned()] as string;
      } else if (e.kind === LOGGED_TCP) {
        e.tcpType = tcpTypes[reader.unsigned()] as string;
        e.tcpFlags = reader.unsigned();
        e.analysis = reader.signed();
        e.window = reader.signed();
        e.payloadLength = reader.unsigned();
        e.size = e.payloadLength;
      } else {
        e.type = reader.unsigned();
        e.channel = reader.unsigned();
        e.size = reader.unsigned();
        e.firstPacket = e.packet - reader.signed();
        if ((flags & BLOB) !== 0) {
          const blob = (this.blobs as Uint8Array[])[blobs++] as Uint8Array;
          e.bytes = blob;
          e.start = 0;
          e.end = blob.length;
        } else {
          const n = reader.unsigned();
          e.bytes = this.buf;
          e.start = reader.at;
          e.end = reader.at + n;
          reader.at += n;
        }
      }
      visit(e, null);
    }
  }

  /** Every event as its timeline row. */
  entriesInOrder(): TimelineEntry[] {
    const out: TimelineEntry[] = [];
    this.forEach((e, entry) => out.push(entry ?? loggedEntry(e)));
    return out;
  }

  /** `kind` may carry the BLOB flag. */
  private begin(kind: number, dir: Dir, notable: boolean, packet: number, tsSec: number, tsNsec: number): void {
    this.room(1);
    this.latestFlags = this.at;
    // Zigzag doubles a difference: it must stay under 2^52 for the varint to be exact.
    const exact = Number.isSafeInteger(tsSec) && Number.isSafeInteger(tsNsec) && Math.abs(tsSec - this.tsSec) <= MAX_DELTA && Math.abs(tsNsec - this.tsNsec) <= MAX_DELTA;
    this.buf[this.at++] = kind | (dir === 's2c' ? S2C : 0) | (notable ? NOTABLE : 0) | (exact ? 0 : EXACT_TIME);
    this.signed(packet - this.packet);
    if (exact) {
      this.signed(tsSec - this.tsSec);
      this.signed(tsNsec - this.tsNsec);
    } else {
      this.float(tsSec);
      this.float(tsNsec);
    }
    this.packet = packet;
    this.tsSec = tsSec;
    this.tsNsec = tsNsec;
    this.count++;
  }

  /** A non-negative safe integer, 7 bits a byte, low bits first. */
  private unsigned(n: number): void {
    this.room(8);
    const b = this.buf;
    let at = this.at;
    while (n >= 0x80) {
      b[at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    b[at++] = n;
    this.at = at;
  }

  /** A safe integer of either sign (zigzag: 0, -1, 1, -2, ... as 0, 1, 2, 3, ...). */
  private signed(n: number): void {
    this.unsigned(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  private float(x: number): void {
    this.room(8);
    F64[0] = x;
    this.buf.set(F64_BYTES, this.at);
    this.at += 8;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    // By half again, not double: thousands of open connections each hold one log, and a doubled buffer is a
    // third empty on average.
    const next = newBuffer(Math.max(Math.ceil(this.buf.length * 1.5), this.at + n));
    next.set(this.buf.subarray(0, this.at));
    recycle(this.buf);
    this.buf = next;
  }

}

class LogReader {
  at = 0;
  constructor(private readonly b: Uint8Array) {}

  byte(): number {
    return this.b[this.at++] as number;
  }

  unsigned(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const byte = this.b[this.at++] as number;
      n += (byte & 0x7f) * scale;
      if (byte < 0x80) return n;
      scale *= 0x80;
    }
  }

  signed(): number {
    const z = this.unsigned();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  float(): number {
    F64_BYTES.set(this.b.subarray(this.at, this.at + 8));
    this.at += 8;
    return F64[0] as number;
  }
}

/** The timeline row of a logged TCP event or frame (as RawEvents.entry builds it from a ring slot). */
export function loggedEntry(e: LoggedEvent): TimelineEntry {
  if (e.kind === LOGGED_NOTE) return { ordinal: e.ordinal, packet: e.packet, tsSec: e.tsSec, tsNsec: e.tsNsec, dir: e.dir, kind: 'amqp', type: e.noteType };
  if (e.kind === LOGGED_TCP) return tcpEntry(e.ordinal, e.packet, e.tsSec, e.tsNsec, e.dir, e.tcpType, e.tcpFlags, e.analysis, e.window, e.payloadLength);
  return payloadFrameEntry(e.ordinal, e.dir, e.type, e.channel, e.size, e.packet, e.tsSec, e.tsNsec, e.firstPacket, e.bytes, e.start, e.end);
}
