/**
 * The AMQP layer's output: frames decoded from one direction of a TCP stream, each stamped with the packet and the
 * capture time of the segment that completed it (as Wireshark attributes a reassembled PDU), plus the packet that
 * carried its first byte.
 *
 * Frame layout (AMQP 0-9-1 §4.2.3):
 *
 *   0      1         3             7                  size+7 size+8
 *   +------+---------+-------------+  +------------+  +-----------+
 *   | type | channel |    size     |  |  payload   |  | frame-end |
 *   +------+---------+-------------+  +------------+  +-----------+
 *    octet   short       long          size octets       0xCE
 */

import type { FrameView } from './frame-view.js';

/** A field-table / argument value, already JSON-safe (no bigint, no Uint8Array). */
export type FieldValue =
  | null // 'V' void
  | boolean
  | number
  | string
  | FieldValue[]
  | FieldTable
  | { type: 'decimal'; scale: number; value: number }
  | { type: 'timestamp'; seconds: number }
  | { type: 'bytes'; hex: string; length: number }
  | { type: 'int64'; value: string }; // a 64-bit integer beyond 2^53, kept exactly as decimal text
export interface FieldTable {
  [key: string]: FieldValue;
}

export const FRAME_METHOD = 1;
export const FRAME_HEADER = 2;
export const FRAME_BODY = 3;
export const FRAME_HEARTBEAT = 8;
export const FRAME_END = 0xce;
export const FRAME_HEADER_BYTES = 7;

interface FrameBase {
  /** Frame type octet (1 method, 2 content header, 3 content body, 8 heartbeat). */
  type: number;
  channel: number;
  /** Payload size from the frame header. */
  size: number;
  /** Packet (1-based) and time of the segment that carried the frame's last byte. */
  packet: number;
  tsSec: number;
  tsNsec: number;
  /** Packet that carried the frame's first byte. */
  firstPacket: number;
  /**
   * Payload bytes of this frame that were never captured (FrameDecoder.gap inside it, e.g. a snap length or a lost
   * segment); present only when > 0, and then the frame-end octet may not have been seen either. Body frames: those
   * bytes were not passed to `onBodyData`, the size still counts towards `bodySize`. Method/header frames: `args` /
   * `properties` hold only what was decoded before the first missing byte (a method frame is emitted only if its
   * class and method ids were captured, a header frame only if its class, weight and body-size were).
   */
  lost?: number;
}

export interface MethodFrame extends FrameBase {
  kind: 'method';
  classId: number;
  methodId: number;
  /** `Class.Method` in the spec's spelling, e.g. `Basic.Consume-Ok`; `Class.Unknown(id)` for unknown ones. */
  name: string;
  /** Arguments under their spec names (`reply-code`, `delivery-tag`, ...). */
  args: Record<string, FieldValue>;
}

export interface HeaderFrame extends FrameBase {
  kind: 'header';
  classId: number;
  weight: number;
  bodySize: number;
  /** The fourteen basic properties that are present, under their spec names (`content-type`, `message-id`, ...). */
  properties: Record<string, FieldValue>;
}

export interface BodyFrame extends FrameBase {
  kind: 'body';
}

export interface HeartbeatFrame extends FrameBase {
  kind: 'heartbeat';
}

export type Frame = MethodFrame | HeaderFrame | BodyFrame | HeartbeatFrame;

/** The 8-byte protocol header a client opens with, `AMQP` + 4 octets. */
export interface ProtocolHeader {
  /** e.g. '0-9-1', '0-9', '0-8', '0-10', '1.0', or the raw octets for unknown ones. */
  version: string;
  /** True only for 0-9-1, the version amqpscope decodes. */
  supported: boolean;
  packet: number;
  tsSec: number;
  tsNsec: number;
}

export type DecodeIssueCode =
  | 'frame-error' // bad frame-end, impossible size, a method whose arguments do not parse
  | 'capture-gap' // bytes missing from the stream (lost segment, snap length); decoding resumed after them
  | 'resync' // decoding resumed at a plausible frame after skipping bytes that were not
  | 'unsupported-version' // the peer speaks another AMQP version; the rest of this direction is not decoded
  | 'not-amqp' // the bytes do not look like AMQP at all (TLS, HTTP, ...)
  | 'truncated'; // the stream ended (FrameDecoder.end) inside a frame or a protocol header

export interface DecodeIssue {
  code: DecodeIssueCode;
  message: string;
  packet: number;
  tsSec: number;
  tsNsec: number;
  /** Bytes skipped or lost, where it applies. */
  bytes?: number;
  /**
   * A complete frame the peer sent but that is malformed (its frame-end octet is not 0xCE): what could be read of
   * it. It is no frame (RabbitMQ closes with 501 FRAME_ERROR), but it is what the peer last sent.
   */
  malformed?: { name: string; channel: number; size: number; frameEnd: number };
}

/**
 * Receives the decoder's output for one direction. OWNERSHIP: `onBodyData` gets a view valid only during the call
 * (content bodies are hashed and counted, never kept). Frames and issues are fresh objects the sink may keep.
 */
export interface FrameSink {
  onProtocolHeader(header: ProtocolHeader): void;
  onFrame(frame: Frame): void;
  /**
   * Optional allocation-free path: when present, every complete frame of the decoder's fast loop that decodes
   * cleanly comes here as the decoder's reused FrameView (valid during the call only) instead of to `onFrame`;
   * frames with issues, frames cut by gaps and frames that straddled pushes still come to `onFrame`.
   */
  onView?(view: FrameView): void;
  /** Content body bytes: bytes[start, end). */
  onBodyData(channel: number, bytes: Uint8Array, start: number, end: number): void;
  onIssue(issue: DecodeIssue): void;
}
