/**
 * Regression tests for bugs the fuzzer found (issue 6), each built from the input that found it, trimmed down.
 * Reproduce the original with `node scripts/fuzz.js --seed S --case K` (the seed and case are given per test).
 */
import { describe, expect, it } from 'vitest';
import { Analyzer, analyzeBytes } from '../src/analyze.js';
import { FrameDecoder } from '../src/amqp/frame-decoder.js';
import { isoTime } from '../src/capture/timestamp.js';
import { Conversation, PROTOCOL_HEADER, concat, method, resyncNest, writePcap } from '../scripts/fuzz-lib.js';
import { RecordingSink, feedPieces, outcome } from './helpers/amqp-encode.js';

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

describe('fuzz regressions', () => {
  /**
   * Found by seed 1 case 12 (mutate:tcp-seq-ack + pcapng-block-fields): `RangeError: Invalid time value` from
   * Date#toISOString in capture/timestamp.ts isoTime. The pcapng IDB's if_tsoffset (option 14) is
   * ff ff ff ff ff ff ff fe in a little-endian section: -72,057,594,037,927,937 s, so every packet is ~2.3 billion
   * years BC, outside Date's range (±8.64e12 s). Any 64-bit pcapng timestamp or offset can do that. Trimmed to the
   * SHB, that IDB and the first three packets (a TCP handshake to port 5672).
   * Also showed (by reading the report) that Analyzer took a negative first-packet time for "no packet yet", so
   * capture.start was null and every packet reset the origin.
   */
  const FAR_PAST = hex(`
    0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000
    010000002400000001000000000004000e000800fffffffffffffffe0000000024000000
    060000006c00000000000000d460060039c75aa04a0000004a00000016476b0d34713ea3622e59d908004500003c00344000400625c00a63
    00020a630001a624162877523a7100000000a002faf014f70000020405b40402080adbffc725000000000103030a00006c000000
    060000006c00000000000000d460060043c75aa04a0000004a0000003ea3622e59d916476b0d347108004500003c00004000400625f40a63
    00010a6300021628a624ddd2dc7677523a72a012fe8814f70000020405b40402080a3edd4f50dbffc7250103030a00006c000000
    060000006400000000000000d46006004bc75aa0420000004200000016476b0d34713ea3622e59d908004500003400354000400625c70a63
    00020a630001a624162877523a72ddd2dc778010003f14ef00000101080adbffc7253edd4f50000064000000`);

  it('seed 1 case 12: a pcapng if_tsoffset billions of years away gives a report, not a RangeError', () => {
    const report = analyzeBytes(FAR_PAST);
    expect(report.capture.packets).toBe(3);
    // A handshake and nothing on it: no AMQP connection, counted by the fleet section.
    expect(report.connections).toHaveLength(0);
    expect(report.fleet.noAmqp.count).toBe(1);
    // The first packet is the origin however far from 1970 it is; times stay relative to it.
    expect(report.fleet.churn.start).toBe(report.capture.start);
    expect(report.capture.start).toMatch(/^-\d{6,}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(report.capture.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(report.capture.durationSeconds).toBeLessThan(1);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    // And in pieces, the same.
    const a = new Analyzer();
    for (const b of FAR_PAST) a.push(Uint8Array.of(b));
    expect(JSON.stringify(a.end())).toBe(JSON.stringify(report));
  });

  it('isoTime is total: any finite second, in the format Date uses where Date can', () => {
    const viaDate = (sec: number) => new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, '');
    // Inside the 4-digit years, as before.
    expect(isoTime(1_700_000_000, 123_456_789, 6)).toBe('2023-11-14T22:13:20.123456Z');
    expect(isoTime(0, 0, 9)).toBe('1970-01-01T00:00:00.000000000Z');
    // Outside them but inside Date's range: the expanded year Date itself writes (not a cut-off "+01000-01-01T0").
    for (const sec of [253_402_300_800, -62_167_219_201, 8.64e12, -8.64e12, 1e11 + 12_345, -1e12 - 7, 4_294_967_295 * 1000]) {
      expect(isoTime(sec, 5, 0)).toBe(`${viaDate(sec)}Z`);
    }
    expect(isoTime(253_402_300_800, 0, 0)).toBe('+010000-01-01T00:00:00Z');
    expect(isoTime(-62_167_219_201, 0, 0)).toBe('-000001-12-31T23:59:59Z');
    // Beyond Date's range (2^64 microseconds, 2^63 seconds): still a string, never an exception.
    for (const sec of [1.8446744073709552e13, 9.223372036854776e18, -9.223372036854776e18, 1.8446744073709552e19]) {
      expect(isoTime(sec, 999_999_999, 9)).toMatch(/^[+-]\d{6,}-\d\d-\d\dT\d\d:\d\d:\d\d\.999999999Z$/);
    }
  });

  /**
   * Found by reading the resync search (then added to the fuzzer as synthetic:resync-attack): quadratic time in
   * src/amqp/frame-decoder.ts. resyncNest(k, n) is k candidate Start-Ok frames nested in each other's first table
   * entry, all parsing the same tail of n table entries and failing at its end; each candidate was decoded in full,
   * so 123 KB of stream took 17 s. With a heartbeat and a bad octet between the candidates (episodes = true) each
   * is tried in a new search, which re-buffered the whole lookahead: still quadratic after bounding the decoding
   * alone. And with frame-max raised to 4 GB (a Tune-Ok may), any 0x03 octet with a non-zero "channel" after it was
   * a body-frame candidate of up to 4 GB that the search waited for, buffering the rest of the direction. Fixed by
   * a lifetime budget on the sizes of the candidates the search tries (RESYNC_BUDGET_*, charged before it waits
   * for their bytes), and by buffering in small steps.
   */
  for (const episodes of [false, true]) {
    it(`resync search stays linear on nested candidates${episodes ? ', one search each' : ''}`, () => {
      // Each copy fits the default 128 KiB search window; before the fix each cost 17-19 s.
      const one = resyncNest(3000, 30_000, episodes);
      const stream = concat([one, one, one, one, one, one]);
      const decode = (pieces: number[]) => {
        const sink = new RecordingSink();
        const d = new FrameDecoder(sink, { expectProtocolHeader: true });
        feedPieces(d, stream, pieces);
        d.end(2, 0, 0);
        return sink;
      };
      const t0 = performance.now();
      const whole = decode([stream.length]);
      const ms = performance.now() - t0;
      // A hang detector, not a speed test: over a minute before the fix (the test timed out), ~0.5 s after.
      expect(ms).toBeLessThan(20_000);
      // Nothing is accepted from the nested candidates (their arguments never end at the frame-end).
      expect(whole.frames.filter((f) => f.kind === 'method')).toEqual([]);
      // The budget counts content, not pushes: any split gives the same result.
      const pieces: number[] = [];
      for (let left = stream.length, i = 0; left > 0; i++) {
        const n = Math.min(left, [1, 7, 1000, 3, 65_536][i % 5]!);
        pieces.push(n);
        left -= n;
      }
      expect(outcome(decode(pieces))).toEqual(outcome(whole));
    });
  }

  it('resync search stays linear through the whole pipeline, at the default frame-max and at 4 GB', () => {
    const b = (...x: number[]) => Uint8Array.from(x);
    const one = resyncNest(3000, 30_000, true);
    for (const frameMax of [131072, 0xffffffff]) {
      const conv = new Conversation({ mss: 1448 });
      conv.handshake();
      conv.send('c', PROTOCOL_HEADER);
      conv.send('s', method(0, 10, 10, b(0, 9), b(0, 0, 0, 0), b(0, 0, 0, 5, 80, 76, 65, 73, 78), b(0, 0, 0, 5, 101, 110, 95, 85, 83)));
      conv.send('s', method(0, 10, 30, b(7, 0xff), b(0, 2, 0, 0), b(0, 60)));
      // Tune-Ok: frame-max 0xFFFFFFFF lets the search consider candidates of any size (before the fix, a stray
      // 0x03 octet then made it buffer the rest of the stream waiting for a "body frame" gigabytes long).
      conv.send('c', method(0, 10, 31, b(7, 0xff), b(frameMax >>> 24, (frameMax >>> 16) & 0xff, (frameMax >>> 8) & 0xff, frameMax & 0xff), b(0, 60)));
      conv.send('c', b(0x55)); // a frame-error: the search starts here
      conv.send('c', concat([one, one, one, one, one, one]));
      const t0 = performance.now();
      const report = analyzeBytes(writePcap(conv.packets));
      expect(performance.now() - t0).toBeLessThan(20_000); // a hang detector: over a minute before the fix
      expect(report.connections).toHaveLength(1);
    }
  });
});

