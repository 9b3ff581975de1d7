/**
 * A tiny AMQP 0-9-1 ENCODER for tests, written against the specification text and independent of src/amqp/spec.ts
 * on purpose: fixtures built from the decoder's own table could not catch a wrong table entry. Method frames are
 * assembled field by field (`method(60, 40, u16(0), shortstr('ex'), ...)`) or written out as hex.
 *
 * Also: a recording FrameSink and helpers to feed a decoder whole, split in two at every point, or byte by byte.
 */

import type { DecodeIssue, Frame, FrameSink, ProtocolHeader } from '../../src/amqp/types.js';

import { concat as concatAll } from './synth-capture.js';
import { u16, u32, u64, u8 } from '../../scripts/fuzz-lib.js';

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`bad hex: ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** Big-endian integers: the fuzzer's (scripts/fuzz-lib.js), one definition for tests and scripts. */
export { u8, u16, u32, u64 };
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function shortstr(s: string | Uint8Array): Uint8Array {
  const b = typeof s === 'string' ? utf8(s) : s;
  if (b.length > 255) throw new Error('shortstr too long');
  return concat(u8(b.length), b);
}
export function longstr(s: string | Uint8Array): Uint8Array {
  const b = typeof s === 'string' ? utf8(s) : s;
  return concat(u32(b.length), b);
}
/** Bits packed low bit first into one octet (spec §4.2.5.2). */
export function bits(...flags: boolean[]): Uint8Array {
  let v = 0;
  flags.forEach((f, i) => {
    if (f) v |= 1 << i;
  });
  return u8(v);
}

/** A field: shortstr name, tag octet, value bytes. */
export function field(name: string, tag: string, value: Uint8Array): Uint8Array {
  return concat(shortstr(name), utf8(tag), value);
}
/** A field table from encoded fields (u32 byte length + the fields). */
export function table(...fields: Uint8Array[]): Uint8Array {
  const body = concat(...fields);
  return concat(u32(body.length), body);
}
/** A field array from encoded tagged values (tag + value each). */
export function array(...values: Uint8Array[]): Uint8Array {
  const body = concat(...values);
  return concat(u32(body.length), body);
}
export const tagged = (tag: string, value: Uint8Array): Uint8Array => concat(utf8(tag), value);

export function frame(type: number, channel: number, payload: Uint8Array, end = 0xce): Uint8Array {
  return concat(u8(type), u16(channel), u32(payload.length), payload, u8(end));
}
export function method(classId: number, methodId: number, ...args: Uint8Array[]): Uint8Array {
  return concat(u16(classId), u16(methodId), ...args);
}
export function methodFrame(channel: number, classId: number, methodId: number, ...args: Uint8Array[]): Uint8Array {
  return frame(1, channel, method(classId, methodId, ...args));
}
/** Basic content header: class 60, weight 0, body size, property flags, then the encoded properties in flag order. */
export function headerFrame(channel: number, bodySize: number | bigint, flags: number, ...props: Uint8Array[]): Uint8Array {
  return frame(2, channel, concat(u16(60), u16(0), u64(bodySize), u16(flags), ...props));
}
export function bodyFrame(channel: number, body: Uint8Array | string): Uint8Array {
  return frame(3, channel, typeof body === 'string' ? utf8(body) : body);
}
export const heartbeat = (channel = 0): Uint8Array => frame(8, channel, new Uint8Array(0));
export const PROTOCOL_HEADER_091 = hex('414d5150 00000901');

// ---------------------------------------------------------------------------------------------------------------

export type Event =
  | { e: 'header'; header: ProtocolHeader }
  | { e: 'frame'; frame: Frame }
  | { e: 'issue'; issue: DecodeIssue };

/** Records everything; body bytes are copied (the view is valid only during the call) and concatenated by channel. */
export class RecordingSink implements FrameSink {
  readonly events: Event[] = [];
  readonly bodies = new Map<number, number[]>();
  bodyCalls = 0;

  onProtocolHeader(header: ProtocolHeader): void {
    this.events.push({ e: 'header', header });
  }
  onFrame(frame: Frame): void {
    this.events.push({ e: 'frame', frame });
  }
  onBodyData(channel: number, bytes: Uint8Array, start: number, end: number): void {
    this.bodyCalls++;
    let a = this.bodies.get(channel);
    if (a === undefined) {
      a = [];
      this.bodies.set(channel, a);
    }
    for (let i = start; i < end; i++) a.push(bytes[i] as number);
  }
  onIssue(issue: DecodeIssue): void {
    this.events.push({ e: 'issue', issue });
  }

  get frames(): Frame[] {
    return this.events.flatMap((e) => (e.e === 'frame' ? [e.frame] : []));
  }
  get issues(): DecodeIssue[] {
    return this.events.flatMap((e) => (e.e === 'issue' ? [e.issue] : []));
  }
  body(channel: number): Uint8Array {
    return new Uint8Array(this.bodies.get(channel) ?? []);
  }
}

/** What a decode produced, in a comparable form (events + body bytes per channel). */
export interface Outcome {
  events: Event[];
  bodies: Record<number, string>;
}

export function outcome(sink: RecordingSink): Outcome {
  const bodies: Record<number, string> = {};
  for (const [ch, bytes] of sink.bodies) bodies[ch] = toHex(new Uint8Array(bytes));
  return { events: sink.events, bodies };
}

/** The minimal decoder surface the feeding helpers need (keeps this file free of a runtime import of src). */
export interface Pushable {
  push(bytes: Uint8Array, packet: number, tsSec: number, tsNsec: number): void;
}

/**
 * Feeds `bytes` in the given pieces (lengths). Every push is packet 1, time 0, so that frames decoded from
 * different splits are comparable field for field; attribution is tested separately. The pushed arrays are fresh
 * copies that are scribbled over after each call, to catch a decoder that keeps a view it does not own.
 */
export function feedPieces(d: Pushable, bytes: Uint8Array, pieces: number[]): void {
  let o = 0;
  for (const n of pieces) {
    const chunk = bytes.slice(o, o + n);
    d.push(chunk, 1, 0, 0);
    chunk.fill(0xee);
    o += n;
  }
  if (o < bytes.length) {
    const chunk = bytes.slice(o);
    d.push(chunk, 1, 0, 0);
    chunk.fill(0xee);
  }
}

/** Split points: whole, [k, rest] for every k, and one byte at a time. */
export function splits(length: number): { name: string; pieces: number[] }[] {
  const out: { name: string; pieces: number[] }[] = [{ name: 'whole', pieces: [length] }];
  for (let k = 1; k < length; k++) out.push({ name: `split@${k}`, pieces: [k, length - k] });
  out.push({ name: 'bytewise', pieces: new Array<number>(length).fill(1) });
  return out;
}
