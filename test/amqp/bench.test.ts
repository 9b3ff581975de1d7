/**
 * Framing/decoding microbenchmark. Not part of a normal run (vitest.config.ts excludes it) unless AMQPSCOPE_BENCH=1:
 *
 *   AMQPSCOPE_BENCH=1 npx vitest run test/amqp/bench.test.ts
 *
 * Figures for this workload on the tsc output under plain Node 20 (2-vCPU VM shared with other jobs, best of 5);
 * under vitest expect about half (its module runner adds a getter call per imported binding):
 * - 1 M x (Basic.Publish + content header + 64-byte body + Basic.Ack) = 4 M frames, 173 MB, 1460-byte pushes,
 *   fully decoded (arguments, properties, frame objects): ~5-6.5 M frames/s (~220-280 MB/s, by load).
 * - framing loop alone (body and heartbeat frames, 112 MB): ~30 M frames/s (~850 MB/s).
 * The 107 MB / 1.15 M-frame capture of the brief thus costs well under half a second of AMQP decoding.
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/amqp/frame-decoder.js';
import type { FrameSink } from '../../src/amqp/types.js';
import { PROTOCOL_HEADER_091, bodyFrame, concat, headerFrame, heartbeat, methodFrame, shortstr, u16, u64, u8 } from '../helpers/amqp-encode.js';

const N = 1_000_000;

function measure(unit: Uint8Array, framesPerUnit: number, seg: number): { ms: number; frames: number; mb: number } {
  const reps = 4096;
  const block = new Uint8Array(unit.length * reps);
  for (let i = 0; i < reps; i++) block.set(unit, i * unit.length);
  const total = unit.length * N;
  let issues = 0;
  const sink: FrameSink = { onProtocolHeader() {}, onFrame() {}, onBodyData() {}, onIssue: () => void issues++ };
  const d = new FrameDecoder(sink, { expectProtocolHeader: true });
  d.push(PROTOCOL_HEADER_091, 1, 0, 0);
  let sent = 0;
  let pkt = 2;
  let off = 0;
  const t0 = performance.now();
  while (sent < total) {
    const n = Math.min(seg, total - sent, block.length - off);
    d.push(block.subarray(off, off + n), pkt++, 0, 0);
    sent += n;
    off += n;
    if (off === block.length) off = 0;
  }
  const ms = performance.now() - t0;
  expect(issues).toBe(0);
  expect(d.frames).toBe(N * framesPerUnit);
  return { ms, frames: d.frames, mb: total / 1e6 };
}

describe.runIf(process.env['AMQPSCOPE_BENCH'] === '1')('benchmark', () => {
  const body = new Uint8Array(64).fill(0x61);
  const cases: [string, Uint8Array, number][] = [
    [
      'Basic.Publish + header + 64 B body + Basic.Ack',
      concat(
        methodFrame(1, 60, 40, u16(0), shortstr('amq.topic'), shortstr('orders.created'), u8(0)),
        headerFrame(1, 64, 0x9000, shortstr('application/json'), u8(2)),
        bodyFrame(1, body),
        methodFrame(1, 60, 80, u64(12345), u8(0)),
      ),
      4,
    ],
    ['framing only: body + heartbeat frames', concat(bodyFrame(1, body), heartbeat(), bodyFrame(2, new Uint8Array(16)), heartbeat()), 4],
  ];
  for (const [label, unit, per] of cases) {
    it(label, { timeout: 300_000 }, () => {
      for (const seg of [1460, 65536]) {
        let best = Infinity;
        let r = { ms: 0, frames: 0, mb: 0 };
        for (let k = 0; k < 5; k++) {
          r = measure(unit, per, seg);
          best = Math.min(best, r.ms);
        }
        console.log(`${label}, ${seg}-byte pushes: ${r.frames} frames, ${r.mb.toFixed(0)} MB, best ${best.toFixed(0)} ms = ${(r.frames / best / 1000).toFixed(2)} M frames/s, ${((r.mb / best) * 1000).toFixed(0)} MB/s`);
      }
    });
  }
});
