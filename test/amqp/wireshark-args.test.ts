/**
 * Every frame of the real pika-kitchen-sink.pcap decodes with the arguments Wireshark shows: type, channel,
 * class and method, each scalar method argument, the body size and each basic property, frame by frame in order.
 * Wireshark's view is committed (test/fixtures/wireshark/pika-kitchen-sink.args.json, written by
 * scripts/tshark-args.js), so this runs without tshark. Field tables are compared elsewhere (tshark prints them as
 * free text).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/amqp/frame-decoder.js';
import type { FieldValue, Frame } from '../../src/amqp/types.js';
import { TcpTracker } from '../../src/tcp/tracker.js';
import type { Dir } from '../../src/tcp/types.js';
import { captureBytes, trackCapture } from '../helpers/captures.js';

interface WiresharkFrame {
  packet: number;
  dir: Dir;
  type: number;
  channel: number;
  classId?: number;
  methodId?: number;
  args?: Record<string, string>;
  bodySize?: number;
  properties?: Record<string, string>;
}

const expected = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'wireshark', 'pika-kitchen-sink.args.json'), 'utf8'),
) as WiresharkFrame[];

/** Our frames of every connection, in decoding order, with their direction. */
function decodeAll(bytes: Uint8Array): { dir: Dir; frame: Frame }[] {
  const out: { dir: Dir; frame: Frame }[] = [];
  const tracker = new TcpTracker({
    ports: new Set([5672]),
    newHandler: () => {
      const sink = (dir: Dir) => ({ onProtocolHeader() {}, onFrame: (frame: Frame) => out.push({ dir, frame }), onBodyData() {}, onIssue() {} });
      const d = { c2s: new FrameDecoder(sink('c2s'), { expectProtocolHeader: true }), s2c: new FrameDecoder(sink('s2c')) };
      return { onSegment() {}, onData: (dir, b, p, s, n) => d[dir].push(b, p, s, n), onGap() {}, onEnd() {} };
    },
  });
  trackCapture(bytes, tracker);
  return out;
}

/** Wireshark's argument names, where they are not just the spec name with '_' for '-'. */
const RENAMED: Record<string, string> = { nowait: 'no-wait', channel_id: 'channel-id', capabilities: 'capabilities' };
/** Wireshark-only fields: the publish sequence number it computes for confirms is not on the wire. */
const SYNTHETIC = new Set(['publish_number']);

/** Our value rendered the way tshark prints it. */
function asWireshark(v: FieldValue | undefined, theirs: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    // Long strings that are not text (SASL response, mechanism lists) are printed as colon-separated hex.
    if (/^([0-9a-f]{2}:)*[0-9a-f]{2}$/.test(theirs) && theirs !== v) return [...Buffer.from(v, 'latin1')].map((b) => b.toString(16).padStart(2, '0')).join(':');
    return v;
  }
  if (!Array.isArray(v) && typeof v === 'object' && 'type' in v && v.type === 'timestamp') {
    return new Date((v as { seconds: number }).seconds * 1000).toISOString();
  }
  if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return ''; // an empty table
  return JSON.stringify(v);
}

function normaliseTheirs(name: string, value: string): string {
  // "Jun 24, 2026 14:02:11.000000000 UTC" -> ISO, to compare with our seconds.
  if (name === 'timestamp') return new Date(`${value.replace(/\.\d+ UTC$/, '')} UTC`).toISOString();
  return value;
}

describe('pika-kitchen-sink.pcap: every frame with the arguments Wireshark shows', () => {
  const ours = decodeAll(captureBytes('pika-kitchen-sink.pcap'));

  it('has the same frames in the same order', () => {
    expect(ours.map((o) => [o.dir, o.frame.packet, o.frame.type, o.frame.channel])).toEqual(expected.map((w) => [w.dir, w.packet, w.type, w.channel]));
  });

  expected.forEach((w, i) => {
    const label = `frame ${i + 1} (packet ${w.packet}, ${w.dir}${w.classId !== undefined ? `, ${w.classId}/${w.methodId}` : ''})`;
    it(label, () => {
      const o = ours[i]!.frame;
      if (w.classId !== undefined) {
        expect(o.kind).toBe('method');
        if (o.kind !== 'method') return;
        expect([o.classId, o.methodId]).toEqual([w.classId, w.methodId]);
        for (const [name, value] of Object.entries(w.args ?? {})) {
          if (SYNTHETIC.has(name)) continue;
          const key = RENAMED[name] ?? name.replace(/_/g, '-');
          expect(Object.keys(o.args), `${o.name}: argument ${key}`).toContain(key);
          expect(asWireshark(o.args[key], value), `${o.name} ${key}`).toBe(normaliseTheirs(name, value));
        }
      }
      if (w.bodySize !== undefined) {
        expect(o.kind).toBe('header');
        if (o.kind !== 'header') return;
        expect(o.bodySize).toBe(w.bodySize);
        for (const [name, value] of Object.entries(w.properties ?? {})) {
          const key = name.replace(/_/g, '-');
          expect(asWireshark(o.properties[key], value), `property ${key}`).toBe(normaliseTheirs(name, value));
        }
      }
    });
  });
});
