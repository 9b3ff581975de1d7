/**
 * Differential test against Wireshark: on every real capture, per connection and per direction, amqpscope's frame
 * counts (in all and per type), its counts of keep-alives, retransmissions and zero windows, the packets that carry
 * SYN, FIN or RST, the heartbeat arguments of Tune and Tune-Ok, the reply codes of every Connection.Close,
 * Channel.Close and Basic.Return, and the last frame each way equal what tshark reports. The expected figures are committed
 * (test/fixtures/oracle/*.json, made by scripts/tshark-oracle.js), so this needs no tshark; a capture without
 * them fails. `npm run test:oracle` re-derives them with tshark and also covers the large load captures.
 *
 * Where Wireshark is wrong, test/fixtures/oracle/wireshark-wrong.json lists the connection with the reason and
 * amqpscope's answer for what it gets wrong (frames; last frames and reply codes where they differ), which is asserted
 * instead; everything else Wireshark says about that connection (its TCP analysis, flags, arguments) is still
 * checked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReportEvent } from '../src/report/types.js';
import { Analyzer } from '../src/analyze.js';
import { SYN_ANSWER_WAIT_SECONDS } from '../src/fleet/member.js';
import { cutOffAttempts, pairStreams } from '../scripts/oracle-pairs.js';
import { ORACLE_DIR, captureBytes, keyLogOf, oracleFor, smallCaptures, type OracleConnection } from './helpers/captures.js';

/** Wireshark's frame names differ from ours only in spelling of the non-method frames. */
function oracleKey(key: string): string {
  return key.replace(/ heartbeat$/, ' Heartbeat').replace(/ header$/, ' Content-Header').replace(/ body$/, ' Content-Body');
}
const frameName = (name: string): string => oracleKey(` ${name}`).slice(1);

interface LastFrame {
  type: string;
  packet: number;
}
interface Wrong {
  why: string;
  /** amqpscope's frame counts where Wireshark miscounts them (its counts per type are then not compared). */
  frames?: { c2s: number; s2c: number };
  /** amqpscope's answer for the other figures Wireshark gets wrong there (last frames, reply codes, SYN/FIN/RST packets). */
  amqpscope?: { lastClientFrame?: LastFrame | null; lastServerFrame?: LastFrame | null; replyCodes?: number[] | null; tcpFlags?: { dir: string; packet: number; flags: string[] }[] };
}

/**
 * Connections where Wireshark's dissector is wrong, keyed "<capture file> <client addr:port>" (with " stream <n>"
 * where two of the capture's connections share addresses and ports), with why; amqpscope's own figures are checked
 * instead. Shared with scripts/oracle-check.js (`npm run test:oracle`).
 */
const WIRESHARK_WRONG = JSON.parse(readFileSync(join(ORACLE_DIR, 'wireshark-wrong.json'), 'utf8')) as Record<string, Wrong>;

/** Everything amqpscope says about a capture's connections, from its report and the stream of every event. */
function analyze(capture: string) {
  // By id and first packet: a new connection on the ports of an earlier one has the same id (fleet-port-reuse).
  const events = new Map<string, ReportEvent[]>();
  const onEvent = (connection: string, e: ReportEvent, firstPacket: number) => {
    const key = `${connection}#${firstPacket}`;
    let list = events.get(key);
    if (list === undefined) events.set(key, (list = []));
    list.push(e);
  };
  // AMQPS captures are decrypted with their committed key log, as tshark was (scripts/tshark-oracle.js).
  const a = new Analyzer({ path: capture, onEvent, keyLog: keyLogOf(capture) });
  a.push(captureBytes(capture));
  return { report: a.end(), events };
}

const dirs = (x: { clientToServer: number | null; serverToClient: number | null }) => ({ c2s: x.clientToServer, s2c: x.serverToClient });

/** The figures amqpscope gives for what oracle.py asks Wireshark, in the fixture's shape. */
function ours(c: ReturnType<typeof analyze>['report']['connections'][number], events: ReportEvent[]) {
  const frames = events.filter((e) => e.kind === 'amqp' && !e.type.startsWith('Protocol-Header') && !e.type.endsWith(' (malformed)'));
  const counts: Record<string, number> = {};
  for (const e of frames) counts[`${e.dir} ${e.type}`] = (counts[`${e.dir} ${e.type}`] ?? 0) + 1;
  const tcpFlags = events
    .filter((e) => e.kind === 'tcp')
    // The flags' brackets, after any of the TCP analysis ("[TCP Retransmission] [SYN] win=64240").
    .map((e) => ({ dir: e.dir, packet: e.packet, flags: ([...e.summary.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!).find((g) => !g.startsWith('TCP ')) ?? '').split(', ').filter((f) => f === 'SYN' || f === 'FIN' || f === 'RST') }))
    .filter((e) => e.flags.length > 0);
  const heartbeatArgs = events
    .filter((e) => e.kind === 'amqp' && (e.type === 'Connection.Tune' || e.type === 'Connection.Tune-Ok'))
    .map((e) => Number(/ heartbeat=(\d+)/.exec(e.summary)?.[1]));
  const replyCodes = events
    .filter((e) => e.kind === 'amqp' && (e.type === 'Connection.Close' || e.type === 'Channel.Close' || e.type === 'Basic.Return'))
    .map((e) => Number(/^\S+ (\d+)/.exec(e.summary)?.[1]));
  const last = (f: { type: string; packet: number } | null) => (f === null ? null : { type: f.type, packet: f.packet });
  return {
    frames: dirs(c.frames),
    counts,
    keepalives: dirs(c.tcp.keepAlives),
    retransmissions: dirs(c.tcp.retransmissions),
    zeroWindows: dirs(c.tcp.zeroWindows),
    tcpFlags,
    heartbeatArgs: heartbeatArgs.length > 0 ? heartbeatArgs : null,
    replyCodes: replyCodes.length > 0 ? replyCodes : null,
    lastClientFrame: last(c.lastClientFrame),
    lastServerFrame: last(c.lastServerFrame),
  };
}

/** What Wireshark says, in the same shape. */
function theirs(o: OracleConnection) {
  const last = (f: { frame: string; packet: number } | null) => (f === null ? null : { type: frameName(f.frame), packet: f.packet });
  return {
    frames: { c2s: o.frames_c2s, s2c: o.frames_s2c },
    counts: Object.fromEntries(Object.entries(o.counts).map(([k, v]) => [oracleKey(k), v])),
    keepalives: o.by_dir.keepalives,
    retransmissions: o.by_dir.retransmissions,
    zeroWindows: o.by_dir.zero_windows,
    tcpFlags: o.tcp_flags.map((f) => ({ dir: f.dir, packet: f.packet, flags: f.flags })),
    heartbeatArgs: o.heartbeat_args,
    replyCodes: o.reply_codes,
    lastClientFrame: last(o.last_client_frame),
    lastServerFrame: last(o.last_server_frame),
  };
}

describe('amqpscope agrees with Wireshark on every real capture', () => {
  for (const capture of smallCaptures()) {
    it(capture, () => {
      const oracle = oracleFor(capture);
      expect(oracle, `test/fixtures/oracle/ has no figures for ${capture}: node scripts/tshark-oracle.js --write captures/${capture}`).not.toBeNull();
      const { report, events } = analyze(capture);
      // Connections that carried no AMQP (refused attempts, bare handshakes) are counted by the fleet section, not
      // listed: every TCP stream tshark sees is one or the other.
      const pairs = pairStreams(oracle!.connections, report.connections);
      const listed = pairs.filter((p) => p.c !== null);
      const counted = pairs.filter((p) => p.c === null).map((p) => p.o);
      expect(listed).toHaveLength(report.connections.length);
      for (const o of counted) expect({ id: `${o.client}->${o.server}`, frames: o.frames_c2s + o.frames_s2c }).toEqual({ id: `${o.client}->${o.server}`, frames: 0 });
      // A lone SYN in the capture's last SYN_ANSWER_WAIT_SECONDS is neither: its answer may be cut off.
      const cutOff = cutOffAttempts(counted, report, SYN_ANSWER_WAIT_SECONDS);
      expect(counted).toHaveLength(report.fleet.refused.count + report.fleet.noAmqp.count + cutOff.length);
      for (const { o, c: paired } of listed) {
        const id = `${o.client}->${o.server}`;
        const c = paired!;
        // The totals are the sums of the split (the fixture keeps oracle.py's totals too).
        expect([o.keepalives, o.retransmissions, o.zero_windows], id).toEqual([
          o.by_dir.keepalives.c2s + o.by_dir.keepalives.s2c,
          o.by_dir.retransmissions.c2s + o.by_dir.retransmissions.s2c,
          o.by_dir.zero_windows.c2s + o.by_dir.zero_windows.s2c,
        ]);
        const got = ours(c, events.get(`${c.id}#${c.opened.packet}`) ?? []);
        const want = theirs(o);
        const wrong = WIRESHARK_WRONG[`${capture} ${o.client} stream ${o.stream}`] ?? WIRESHARK_WRONG[`${capture} ${o.client}`];
        if (wrong?.frames !== undefined) {
          // Wireshark miscounts this connection's frames: amqpscope's own figures, with the reason.
          expect(got.frames, wrong.why).toEqual(wrong.frames);
          expect(want.frames, `${id}: wireshark-wrong.json says Wireshark is wrong here, but it agrees`).not.toEqual(wrong.frames);
          const { frames: _f, counts: _c, ...rest } = want;
          const expected = { ...rest, ...wrong.amqpscope };
          const { frames: _g, counts: _h, ...mine } = got;
          expect(mine, id).toEqual(expected);
          continue;
        }
        if (wrong !== undefined) {
          // Wireshark puts a packet in the wrong connection (fleet-port-reuse: the client's RST to the broker's
          // challenge ACK, in the new connection's stream): amqpscope's answer there, with the reason.
          const expected = { ...want, ...wrong.amqpscope };
          expect(want, `${id}: wireshark-wrong.json says Wireshark is wrong here, but it agrees`).not.toEqual(expected);
          expect(got, `${id}: ${wrong.why}`).toEqual(expected);
          continue;
        }
        expect(got, id).toEqual(want);
      }
    });
  }

  it('lists in wireshark-wrong.json only connections that exist', () => {
    for (const key of Object.keys(WIRESHARK_WRONG)) {
      const [capture, client] = key.split(' ');
      expect(existsSync(join(ORACLE_DIR, '..', '..', '..', 'captures', capture!)), key).toBe(true);
      expect(oracleFor(capture!)!.connections.map((o) => o.client), key).toContain(client);
    }
  });
});
