/**
 * The allocation-free path (FrameView) must be invisible: the validators accept exactly what the decoders accept,
 * a decoder with a view sink produces exactly the frames and issues of one without, and whole reports are
 * identical with and without views (here on every real capture; the fuzzer checks it on mutated ones).
 */
import { describe, expect, it } from 'vitest';
import { CodecError, decodeArgs, decodeBasicHeader, decodeTable, scanBasicHeader, skipArgs, skipNested, utf8Text, type HeaderScan } from '../../src/amqp/codec.js';
import { FrameDecoder } from '../../src/amqp/frame-decoder.js';
import type { FrameView } from '../../src/amqp/frame-view.js';
import { allMethods, BASIC_PROPERTY_NAMES, D_BIT, type DomainCode } from '../../src/amqp/spec.js';
import type { FieldValue } from '../../src/amqp/types.js';
import { Analyzer, analyzeBytes } from '../../src/analyze.js';
import { captureBytes, smallCaptures } from '../helpers/captures.js';
import { prng } from '../helpers/prng.js';
import { itNeeds } from '../helpers/tools.js';
import {
  RecordingSink,
  bodyFrame,
  concat,
  field,
  frame,
  headerFrame,
  longstr,
  method,
  outcome,
  shortstr,
  table,
  u16,
  u32,
  u64,
  u8,
} from '../helpers/amqp-encode.js';


function randomText(r: () => number, max: number): string {
  const n = Math.floor(r() * max);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(0x20 + Math.floor(r() * 95));
  return s;
}

/** A random field table, sometimes nested, with every kind of value. */
function randomTable(r: () => number, depth = 0): Uint8Array {
  const fields: Uint8Array[] = [];
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * 9);
    const name = randomText(r, 8);
    if (k === 0) fields.push(field(name, 't', u8(r() < 0.5 ? 1 : 0)));
    else if (k === 1) fields.push(field(name, 'b', u8(Math.floor(r() * 256))));
    else if (k === 2) fields.push(field(name, 'I', u32(Math.floor(r() * 2 ** 32))));
    else if (k === 3) fields.push(field(name, 'l', u64(BigInt(Math.floor(r() * 2 ** 40)))));
    else if (k === 4) fields.push(field(name, 'S', longstr(randomText(r, 20))));
    else if (k === 5) fields.push(field(name, 'x', longstr(randomText(r, 6))));
    else if (k === 6) fields.push(field(name, 'D', concat(u8(2), u32(12345))));
    else if (k === 7 && depth < 3) fields.push(field(name, 'F', randomTable(r, depth + 1)));
    else fields.push(field(name, 'V', new Uint8Array(0)));
  }
  return table(...fields);
}

/** Random valid bytes for a sequence of domains (bits packed as the spec packs them). */
function randomArgs(r: () => number, types: readonly DomainCode[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let bits = -1;
  let bitPos = 0;
  const flushBits = () => {
    if (bits >= 0) parts.push(u8(bits));
    bits = -1;
  };
  for (const t of types) {
    if (t === D_BIT) {
      if (bits < 0 || bitPos === 8) {
        flushBits();
        bits = 0;
        bitPos = 0;
      }
      if (r() < 0.5) bits |= 1 << bitPos;
      bitPos++;
      continue;
    }
    flushBits();
    if (t === 1) parts.push(u8(Math.floor(r() * 256)));
    else if (t === 2) parts.push(u16(Math.floor(r() * 65536)));
    else if (t === 3) parts.push(u32(Math.floor(r() * 2 ** 32)));
    else if (t === 4 || t === 8) parts.push(u64(BigInt(Math.floor(r() * 2 ** 50))));
    else if (t === 5) parts.push(shortstr(randomText(r, 30)));
    else if (t === 6) parts.push(longstr(randomText(r, 40)));
    else parts.push(randomTable(r));
  }
  flushBits();
  return concat(...parts);
}

/** The valid bytes, or a damaged copy: cut short, grown, or with a few bytes changed. */
function mutate(r: () => number, b: Uint8Array): Uint8Array {
  const k = Math.floor(r() * 4);
  if (k === 0 || b.length === 0) return b;
  if (k === 1) return b.slice(0, Math.floor(r() * b.length));
  if (k === 2) return concat(b, u8(Math.floor(r() * 256)));
  const out = b.slice();
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) out[Math.floor(r() * out.length)] = r() < 0.3 ? 0xff : Math.floor(r() * 256);
  return out;
}

function scan(): HeaderScan {
  return { bodySize: 0, messageIdStart: -1, messageIdEnd: -1, correlationIdStart: -1, correlationIdEnd: -1 };
}

describe('validators accept exactly what the decoders accept', () => {
  it('skipArgs and decodeArgs agree on random and damaged arguments of every method', () => {
    const r = prng(7);
    let accepted = 0;
    let rejected = 0;
    for (const info of allMethods()) {
      for (let i = 0; i < 60; i++) {
        const b = mutate(r, randomArgs(r, info.argTypes));
        const decoded = decodeArgs(b, 0, b.length, info.argNames, info.argTypes, {});
        const skipped = skipArgs(b, 0, b.length, info.argTypes);
        if (decoded instanceof CodecError) {
          expect(skipped, `${info.name} #${i}`).toBe(-1);
          rejected++;
        } else {
          expect(skipped, `${info.name} #${i}`).toBe(decoded);
          accepted++;
        }
      }
    }
    // Both outcomes are exercised.
    expect(accepted).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(500);
  });

  it('skipNested and decodeTable agree on random and damaged tables', () => {
    const r = prng(11);
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const b = mutate(r, randomTable(r));
      const decoded = decodeTable(b, 0, b.length);
      const skipped = skipNested(b, 0, b.length, false);
      if (decoded instanceof CodecError) {
        expect(skipped, `table #${i}`).toBe(-1);
        rejected++;
      } else {
        expect(skipped, `table #${i}`).toBe(decoded[1]);
      }
    }
    expect(rejected).toBeGreaterThan(300);
  });

  it('scanBasicHeader and decodeBasicHeader agree, and the scan finds message-id and correlation-id', () => {
    const r = prng(13);
    const types: DomainCode[] = [5, 5, 7, 1, 1, 5, 5, 5, 5, 8, 5, 5, 5, 5];
    let rejected = 0;
    let withIds = 0;
    for (let i = 0; i < 3000; i++) {
      let flags = 0;
      const props: Uint8Array[] = [];
      for (let p = 0; p < 14; p++) {
        if (r() < 0.35) {
          flags |= 0x8000 >> p;
          props.push(randomArgs(r, [types[p]!]));
        }
      }
      if (r() < 0.05) flags |= 0x0002; // the unused bit
      const b = mutate(r, concat(u64(BigInt(Math.floor(r() * 1e6))), u16(flags), ...props));
      const props2: Record<string, FieldValue> = {};
      const decoded = decodeBasicHeader(b, 0, b.length, props2);
      const s = scan();
      const skipped = scanBasicHeader(b, 0, b.length, s);
      if (decoded instanceof CodecError) {
        expect(skipped, `header #${i}`).toBe(-1);
        rejected++;
        continue;
      }
      expect(skipped, `header #${i}`).toBe(decoded[1]);
      expect(s.bodySize).toBe(decoded[0].bodySize);
      const text = (start: number, end: number) => (start < 0 ? undefined : utf8Text(b, start, end));
      expect(text(s.messageIdStart, s.messageIdEnd)).toBe(props2['message-id']);
      expect(text(s.correlationIdStart, s.correlationIdEnd)).toBe(props2['correlation-id']);
      if (s.messageIdStart >= 0 && s.correlationIdStart >= 0) withIds++;
    }
    expect(rejected).toBeGreaterThan(300);
    expect(withIds).toBeGreaterThan(100);
    expect(BASIC_PROPERTY_NAMES[8]).toBe('message-id');
    expect(BASIC_PROPERTY_NAMES[5]).toBe('correlation-id');
  });
});

/** Records a view as the frame it stands for (views are valid only during the call). */
class ViewRecordingSink extends RecordingSink {
  views = 0;
  onView(view: FrameView): void {
    this.views++;
    this.onFrame(view.frame());
  }
}

describe('a decoder with a view sink emits exactly the frames and issues of one without', () => {
  const r = prng(17);
  const frames: Uint8Array[] = [
    frame(1, 0, method(10, 30, u16(2047), u32(131072), u16(60))), // Connection.Tune
    frame(8, 0, new Uint8Array(0)), // heartbeat
    frame(8, 1, new Uint8Array(0)), // heartbeat on channel 1: an issue, never a view
    frame(1, 1, method(60, 40, u16(0), shortstr('x'), shortstr('rk'), u8(0))), // Basic.Publish
    headerFrame(1, 5, 0x8000 | 0x0080 | 0x0400, shortstr('text/plain'), shortstr('corr'), shortstr('id-1')),
    bodyFrame(1, 'hello'),
    frame(1, 1, method(60, 60, shortstr('ctag'), u64(7), u8(1), shortstr('x'), shortstr('rk'))), // Deliver, redelivered
    headerFrame(1, 0, 0x2000, randomTable(r)),
    frame(1, 1, method(60, 80, u64(7), u8(1))), // Basic.Ack multiple
    frame(1, 1, method(60, 80, u64(7))), // Basic.Ack missing its bit octet: an issue
    frame(1, 1, method(60, 999)), // unknown method: an issue
    frame(1, 1, concat(method(60, 80, u64(1), u8(0)), u8(9))), // a byte after the last argument: an issue
    frame(2, 1, concat(u16(60), u16(0), u64(3), u16(0x0002))), // unused property bit: an issue
    frame(3, 1, new Uint8Array([1, 2, 3]), 0x00), // bad frame-end: resync
  ];
  for (let i = 0; i < 40; i++) {
    const info = allMethods()[Math.floor(r() * allMethods().length)]!;
    frames.push(frame(1, 1 + Math.floor(r() * 3), method(info.classId, info.methodId, randomArgs(r, info.argTypes))));
  }
  const stream = concat(new TextEncoder().encode('AMQP'), new Uint8Array([0, 0, 9, 1]), ...frames);

  function decode(sink: RecordingSink, pieces: number[]): void {
    const d = new FrameDecoder(sink, { expectProtocolHeader: true });
    let o = 0;
    let packet = 1;
    for (const n of pieces) {
      const chunk = stream.slice(o, o + n);
      d.push(chunk, packet++, 100, 0);
      chunk.fill(0xee); // a decoder or sink that kept the view would now see garbage
      o += n;
    }
    d.end(packet, 100, 0);
  }

  const splits: [string, number[]][] = [['whole', [stream.length]]];
  for (const size of [1, 7, 64, 300]) splits.push([`pieces of ${size}`, Array.from({ length: Math.ceil(stream.length / size) }, () => size)]);
  for (const [name, pieces] of splits) {
    it(`fed ${name}`, () => {
      const objects = new RecordingSink();
      decode(objects, pieces);
      const views = new ViewRecordingSink();
      decode(views, pieces);
      expect(outcome(views)).toEqual(outcome(objects));
      expect(views.views).toBeGreaterThan(10); // the view path was taken
      expect(objects.issues.length).toBeGreaterThan(4); // and so was the object path, for the damaged frames
    });
  }
});

describe('reports are identical with and without views', () => {
  const same = (name: string) => () => {
    const bytes = captureBytes(name);
    const withViews = JSON.stringify(analyzeBytes(bytes, { path: name }));
    const withObjects = JSON.stringify(analyzeBytes(bytes, { path: name, frameObjects: true }));
    expect(withViews).toBe(withObjects);
  };
  for (const name of smallCaptures()) it(name, same(name));
  // The load capture is committed xz-compressed: without xz this is skipped, or failed when CI is set.
  itNeeds(['xz'], 'load-mtu1500-4x5k.pcap.xz', same('load-mtu1500-4x5k.pcap.xz'));
});

describe('the analyzer keeps no view of the bytes it is given', () => {
  it('gives the same report when every chunk is read into one reused, scribbled-over buffer', () => {
    for (const name of ['pika-kitchen-sink.pcap', 'pika-sigstop-consumer.pcap', 'kitchen-sink-snaplen-128.pcap']) {
      const bytes = captureBytes(name);
      const a = new Analyzer({ path: name });
      const buf = new Uint8Array(1500);
      for (let o = 0; o < bytes.length; o += buf.length) {
        const n = Math.min(buf.length, bytes.length - o);
        buf.set(bytes.subarray(o, o + n));
        a.push(buf.subarray(0, n));
        buf.fill(0xee);
      }
      expect(JSON.stringify(a.end()), name).toBe(JSON.stringify(analyzeBytes(bytes, { path: name })));
    }
  });
});
