/**
 * The decoder's allocation-free output. Nearly every frame of a busy connection is a heartbeat, a content body, a
 * content header or one of a few Basic methods; building an object per frame (and one per argument table) was most
 * of amqpscope's time and garbage (bench: `npm run bench -- --profile`). For frames that decode cleanly, a decoder
 * whose sink has `onView` passes one reused FrameView instead: the frame's header fields plus its payload bytes,
 * read in place. A consumer that needs the frame as an object calls `frame()`, which builds exactly what `onFrame`
 * would have received.
 *
 * OWNERSHIP: a view and its bytes are valid only during the `onView` call. `frame()` returns a fresh object the
 * caller may keep.
 */
import { decodeArgs, decodeBasicHeader, readU16, readU32, readU64, type HeaderScan } from './codec.js';
import { sharedArgs } from './shared-args.js';
import { methodInfo, methodName } from './spec.js';
import type { BodyFrame, FieldValue, Frame, HeaderFrame, HeartbeatFrame, MethodFrame } from './types.js';
import * as wire from './types.js';

const FRAME_METHOD: number = wire.FRAME_METHOD;
const FRAME_HEADER: number = wire.FRAME_HEADER;
const FRAME_BODY: number = wire.FRAME_BODY;

const EMPTY = new Uint8Array(0);

export class FrameView implements HeaderScan {
  /** Frame type octet (FRAME_METHOD, FRAME_HEADER, FRAME_BODY, FRAME_HEARTBEAT). */
  type = 0;
  channel = 0;
  size = 0;
  packet = 0;
  tsSec = 0;
  tsNsec = 0;
  firstPacket = 0;
  /** Display name, as frameName() gives it: `Basic.Deliver`, `Content-Header`, `Content-Body`, `Heartbeat`. */
  name = '';
  /** Methods: their ids. Content headers: classId 60. */
  classId = 0;
  methodId = 0;
  /** The payload: bytes[start, end). */
  bytes: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  // Content headers (HeaderScan).
  bodySize = 0;
  messageIdStart = -1;
  messageIdEnd = -1;
  correlationIdStart = -1;
  correlationIdEnd = -1;

  private built: Frame | null = null;

  /** Called by the decoder before each use. */
  reset(type: number, channel: number, size: number, packet: number, tsSec: number, tsNsec: number, firstPacket: number, bytes: Uint8Array, start: number, end: number): void {
    this.type = type;
    this.channel = channel;
    this.size = size;
    this.packet = packet;
    this.tsSec = tsSec;
    this.tsNsec = tsNsec;
    this.firstPacket = firstPacket;
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.built = null;
  }

  /** Drops the references to the payload's buffer and the built frame, once the view has been consumed. */
  release(): void {
    this.bytes = EMPTY;
    this.built = null;
  }

  /** The frame as an object (built once per frame, however many consumers ask). */
  frame(): Frame {
    return (this.built ??= frameFromPayload(this.type, this.channel, this.size, this.packet, this.tsSec, this.tsNsec, this.firstPacket, this.bytes, this.start, this.end));
  }

  /** An unsigned 64-bit method argument at payload offset `at` (delivery tags), as num() in method-args.ts reads it. */
  u64(at: number): number {
    return readU64(this.bytes, this.start + at);
  }

  /** The octet at payload offset `at` (bit arguments). */
  octet(at: number): number {
    return this.bytes[this.start + at] as number;
  }

  /** The payload offset just after the shortstr at payload offset `at`. */
  afterShortstr(at: number): number {
    return at + 1 + (this.bytes[this.start + at] as number);
  }
}

/**
 * The Frame object for a frame that decodes cleanly, from its payload b[start, end). Used by FrameView.frame() and
 * by consumers that kept a copy of a frame's payload (the timeline's ring) and need the object later.
 */
export function frameFromPayload(
  type: number,
  channel: number,
  size: number,
  packet: number,
  tsSec: number,
  tsNsec: number,
  firstPacket: number,
  b: Uint8Array,
  start: number,
  end: number,
): Frame {
  if (type === FRAME_METHOD) {
    const classId = readU16(b, start);
    const methodId = readU16(b, start + 2);
    const info = methodInfo(classId, methodId);
    let args: Record<string, FieldValue> | null = info !== undefined ? sharedArgs(info, b, start + 4, end) : null;
    if (args === null) {
      args = {};
      if (info !== undefined) decodeArgs(b, start + 4, end, info.argNames, info.argTypes, args);
    }
    return methodFrame(channel, size, packet, tsSec, tsNsec, firstPacket, classId, methodId, info?.name ?? methodName(classId, methodId), args);
  }
  if (type === FRAME_HEADER) {
    const properties: Record<string, FieldValue> = {};
    decodeBasicHeader(b, start + 4, end, properties);
    const bodySize = readU64(b, start + 4);
    return headerFrame(channel, size, packet, tsSec, tsNsec, firstPacket, readU16(b, start), readU16(b, start + 2), bodySize, properties);
  }
  if (type === FRAME_BODY) return bodyFrame(channel, size, packet, tsSec, tsNsec, firstPacket);
  return heartbeatFrame(channel, size, packet, tsSec, tsNsec, firstPacket);
}

export function bodyFrame(channel: number, size: number, packet: number, tsSec: number, tsNsec: number, firstPacket: number): BodyFrame {
  return { kind: 'body', type: FRAME_BODY, channel, size, packet, tsSec, tsNsec, firstPacket };
}

export function heartbeatFrame(channel: number, size: number, packet: number, tsSec: number, tsNsec: number, firstPacket: number): HeartbeatFrame {
  return { kind: 'heartbeat', type: wire.FRAME_HEARTBEAT, channel, size, packet, tsSec, tsNsec, firstPacket };
}

/** The one place each kind of frame object is built (decoder and views alike): one shape, one key order. */
export function methodFrame(
  channel: number,
  size: number,
  packet: number,
  tsSec: number,
  tsNsec: number,
  firstPacket: number,
  classId: number,
  methodId: number,
  name: string,
  args: Record<string, FieldValue>,
): MethodFrame {
  return { kind: 'method', type: FRAME_METHOD, channel, size, packet, tsSec, tsNsec, firstPacket, classId, methodId, name, args };
}

export function headerFrame(
  channel: number,
  size: number,
  packet: number,
  tsSec: number,
  tsNsec: number,
  firstPacket: number,
  classId: number,
  weight: number,
  bodySize: number,
  properties: Record<string, FieldValue>,
): HeaderFrame {
  return { kind: 'header', type: FRAME_HEADER, channel, size, packet, tsSec, tsNsec, firstPacket, classId, weight, bodySize, properties };
}
