/**
 * Differential test against Wireshark: on every real capture, per connection and direction, amqpscope's frame
 * counts and its counts of keep-alives, retransmissions and zero windows equal what tshark reports. The expected
 * figures are committed (test/fixtures/oracle/*.json), so this needs no tshark; `npm run test:oracle` re-derives
 * them with tshark and also covers the large load captures.
 *
 * Where Wireshark is wrong, the exception is listed with the reason in test/fixtures/oracle/wireshark-wrong.json, and
 * amqpscope's answer is asserted instead.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ORACLE_DIR, analyzeCapture, keyLogOf, oracleFor, smallCaptures } from './helpers/captures.js';

/** Wireshark's frame names differ from ours only in spelling of the non-method frames. */
function oracleKey(key: string): string {
  return key.replace(/ heartbeat$/, ' Heartbeat').replace(/ header$/, ' Content-Header').replace(/ body$/, ' Content-Body');
}

/**
 * Connections where Wireshark's dissector is wrong, keyed "<capture file> <client addr:port>", with why; amqpscope's
 * own frame counts are checked instead. Shared with scripts/oracle-check.js (`npm run test:oracle`).
 */
const WIRESHARK_WRONG = JSON.parse(readFileSync(join(ORACLE_DIR, 'wireshark-wrong.json'), 'utf8')) as Record<
  string,
  { why: string; frames: { c2s: number; s2c: number } }
>;

describe('amqpscope agrees with Wireshark on every real capture', () => {
  for (const capture of smallCaptures()) {
    const oracle = oracleFor(capture);
    it.skipIf(oracle === null)(`${capture}`, () => {
      // AMQPS captures: decrypted with their key log, as tshark was (scripts/tshark-oracle.js).
      const { report, frameCounts } = analyzeCapture(capture, { keyLog: keyLogOf(capture) });
      for (const o of oracle!.connections) {
        const conn = report.connections.find((c) => c.id.replace(/[[\]]/g, '') === `${o.client}->${o.server}`);
        expect(conn, `connection ${o.client}->${o.server}`).toBeDefined();
        const c = conn!;
        const wrong = WIRESHARK_WRONG[`${capture} ${o.client}`];
        if (wrong !== undefined) {
          expect({ c2s: c.frames.clientToServer, s2c: c.frames.serverToClient }, wrong.why).toEqual(wrong.frames);
          continue;
        }
        expect({ c2s: c.frames.clientToServer, s2c: c.frames.serverToClient }).toEqual({ c2s: o.frames_c2s, s2c: o.frames_s2c });
        const expected = Object.fromEntries(Object.entries(o.counts).map(([k, v]) => [oracleKey(k), v]));
        expect(Object.fromEntries(frameCounts.get(c.id) ?? [])).toEqual(expected);
        const sum = (x: { clientToServer: number | null; serverToClient: number | null }) => (x.clientToServer ?? 0) + (x.serverToClient ?? 0);
        expect({
          keepalives: sum(c.tcp.keepAlives),
          retransmissions: sum(c.tcp.retransmissions),
          zeroWindows: sum(c.tcp.zeroWindows),
        }).toEqual({ keepalives: o.keepalives, retransmissions: o.retransmissions, zeroWindows: o.zero_windows });
        if (o.last_client_frame !== null) {
          expect(c.lastClientFrame?.packet).toBe(o.last_client_frame.packet);
        }
      }
    });
  }
});
