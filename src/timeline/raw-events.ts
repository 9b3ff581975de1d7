/**
 * Timeline events kept raw (struct of arrays) until a report needs them as rows, and the row a frame becomes.
 */
import { frameFromPayload, type FrameView } from '../amqp/frame-view.js';
import { frameName } from '../amqp/names.js';
import { FRAME_HEADER, FRAME_METHOD, type Frame } from '../amqp/types.js';
import type { Dir, SegmentInfo } from '../tcp/types.js';
import type { TimelineEntry } from './types.js';

/** Payload bytes a ring slot keeps of a frame that came as a view; larger frames are kept as objects. */
export const SLOT_BYTES = 128;

/** A frame's timeline row (its ordinal set when it is added). */
export function frameEntry(dir: Dir, type: string, frame: Frame): TimelineEntry {
  return { ordinal: 0, packet: frame.packet, tsSec: frame.tsSec, tsNsec: frame.tsNsec, dir, kind: 'amqp', type, channel: frame.channel, frame };
}

/** A TCP event's timeline row: one shape for rows made live, from a ring slot and from an EventLog. */
export function tcpEntry(
  ordinal: number, packet: number, tsSec: number, tsNsec: number, dir: Dir, type: string, tcpFlags: number, analysis: number, window: number, payloadLength: number,
): TimelineEntry {
  return { ordinal, packet, tsSec, tsNsec, dir, kind: 'tcp', type, tcpFlags, analysis, window, payloadLength };
}

/** The timeline row of a frame kept as its fields and payload bytes[start, end) (a ring slot, an EventLog). */
export function payloadFrameEntry(
  ordinal: number, dir: Dir, type: number, channel: number, size: number, packet: number, tsSec: number, tsNsec: number, firstPacket: number,
  bytes: Uint8Array, start: number, end: number,
): TimelineEntry {
  const frame = frameFromPayload(type, channel, size, packet, tsSec, tsNsec, firstPacket, bytes, start, end);
  const e = frameEntry(dir, frameName(frame), frame);
  e.ordinal = ordinal;
  return e;
}

/** A frame's fields as RawEvents keeps them (a FrameView, or a frame read back from an EventLog). */
export type RawFrameFields = Pick<FrameView, 'packet' | 'tsSec' | 'tsNsec' | 'size' | 'firstPacket' | 'channel' | 'type' | 'bytes' | 'start' | 'end'>;
/** A TCP event's fields as RawEvents keeps them. */
export type RawTcpFields = Pick<SegmentInfo, 'packet' | 'tsSec' | 'tsNsec' | 'payloadLength' | 'tcpFlags' | 'analysis' | 'window'>;

/**
 * Events not (yet) needed as objects: frames that came as views (raw fields and a copy of their payload) and TCP
 * events (their fields), in typed arrays (struct of arrays: no object per event), built into entries when needed:
 * the ring of a large connection's last events, in fixed slots of SLOT_BYTES payload each.
 */
export class RawEvents {
  readonly ordinal: Float64Array;
  readonly packet: Float64Array;
  readonly tsSec: Float64Array;
  readonly tsNsec: Float64Array;
  readonly size: Float64Array;
  readonly firstPacket: Float64Array;
  readonly channel: Uint16Array;
  readonly type: Uint8Array;
  readonly s2c: Uint8Array;
  readonly payloadAt: Uint32Array;
  readonly payloadLength: Uint16Array;
  readonly bytes: Uint8Array;
  /** TCP events: their type (null for a frame), flags, analysis bits and window; `size` is their payload length. */
  readonly tcpType: (string | null)[];
  readonly tcpFlags: Uint8Array;
  readonly analysis: Uint32Array;
  readonly window: Float64Array;
  count = 0;

  constructor(private readonly capacity: number) {
    this.ordinal = new Float64Array(capacity);
    this.packet = new Float64Array(capacity);
    this.tsSec = new Float64Array(capacity);
    this.tsNsec = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.firstPacket = new Float64Array(capacity);
    this.channel = new Uint16Array(capacity);
    this.type = new Uint8Array(capacity);
    this.s2c = new Uint8Array(capacity);
    this.payloadAt = new Uint32Array(capacity);
    this.payloadLength = new Uint16Array(capacity);
    this.bytes = new Uint8Array(capacity * SLOT_BYTES);
    this.tcpType = new Array<string | null>(capacity).fill(null);
    this.tcpFlags = new Uint8Array(capacity);
    this.analysis = new Uint32Array(capacity);
    this.window = new Float64Array(capacity);
  }

  /** Writes a TCP event into slot i. */
  putTcp(i: number, dir: Dir, seg: RawTcpFields, type: string, ordinal: number): void {
    this.ordinal[i] = ordinal;
    this.packet[i] = seg.packet;
    this.tsSec[i] = seg.tsSec;
    this.tsNsec[i] = seg.tsNsec;
    this.size[i] = seg.payloadLength;
    this.s2c[i] = dir === 's2c' ? 1 : 0;
    this.tcpType[i] = type;
    this.tcpFlags[i] = seg.tcpFlags;
    this.analysis[i] = seg.analysis;
    this.window[i] = seg.window;
    this.payloadLength[i] = 0;
  }

  /** Writes a frame into slot i (its payload at most SLOT_BYTES). */
  put(i: number, dir: Dir, v: RawFrameFields, ordinal: number): void {
    this.tcpType[i] = null;
    this.ordinal[i] = ordinal;
    this.packet[i] = v.packet;
    this.tsSec[i] = v.tsSec;
    this.tsNsec[i] = v.tsNsec;
    this.size[i] = v.size;
    this.firstPacket[i] = v.firstPacket;
    this.channel[i] = v.channel;
    this.type[i] = v.type;
    this.s2c[i] = dir === 's2c' ? 1 : 0;
    // Bodies and heartbeats are described by their size alone; methods and headers by their payload.
    const n = v.type === FRAME_METHOD || v.type === FRAME_HEADER ? v.end - v.start : 0;
    // Room is reserved in whole words: the copy below moves 4 bytes a step (2-3x faster than a byte loop over a
    // Buffer-or-Uint8Array source), and the 0-3 bytes past the payload are never read.
    const room = (n + 3) & ~3;
    const at = i * SLOT_BYTES; // SLOT_BYTES is a multiple of 4, and n <= SLOT_BYTES here
    this.payloadAt[i] = at;
    this.payloadLength[i] = n;
    const src = v.bytes;
    const from = v.start;
    const dst = this.bytes;
    for (let k = 0; k < room; k += 4) {
      dst[at + k] = src[from + k] as number;
      dst[at + k + 1] = src[from + k + 1] as number;
      dst[at + k + 2] = src[from + k + 2] as number;
      dst[at + k + 3] = src[from + k + 3] as number;
    }
  }

  /** Appends a copy of `src`'s event i (fixed slots; the caller bounds how many, and a surplus is dropped). */
  copy(src: RawEvents, i: number): void {
    if (this.count === this.capacity) return;
    const j = this.count++;
    this.ordinal[j] = src.ordinal[i] as number;
    this.packet[j] = src.packet[i] as number;
    this.tsSec[j] = src.tsSec[i] as number;
    this.tsNsec[j] = src.tsNsec[i] as number;
    this.size[j] = src.size[i] as number;
    this.firstPacket[j] = src.firstPacket[i] as number;
    this.channel[j] = src.channel[i] as number;
    this.type[j] = src.type[i] as number;
    this.s2c[j] = src.s2c[i] as number;
    this.tcpType[j] = src.tcpType[i] ?? null;
    this.tcpFlags[j] = src.tcpFlags[i] as number;
    this.analysis[j] = src.analysis[i] as number;
    this.window[j] = src.window[i] as number;
    const n = src.payloadLength[i] as number;
    const at = j * SLOT_BYTES;
    this.payloadAt[j] = at;
    this.payloadLength[j] = n;
    const from = src.payloadAt[i] as number;
    const s = src.bytes;
    const d = this.bytes;
    for (let k = 0; k < n; k++) d[at + k] = s[from + k] as number;
  }

  /** The timeline entry of event i. */
  entry(i: number): TimelineEntry {
    const ordinal = this.ordinal[i] as number;
    const dir = this.s2c[i] === 1 ? 's2c' : 'c2s';
    const tcpType = this.tcpType[i];
    if (tcpType !== null && tcpType !== undefined) {
      return tcpEntry(
        ordinal, this.packet[i] as number, this.tsSec[i] as number, this.tsNsec[i] as number, dir, tcpType, this.tcpFlags[i] as number,
        this.analysis[i] as number, this.window[i] as number, this.size[i] as number,
      );
    }
    const at = this.payloadAt[i] as number;
    return payloadFrameEntry(
      ordinal, dir, this.type[i] as number, this.channel[i] as number, this.size[i] as number, this.packet[i] as number, this.tsSec[i] as number,
      this.tsNsec[i] as number, this.firstPacket[i] as number, this.bytes, at, at + (this.payloadLength[i] as number),
    );
  }

}
