#!/usr/bin/env node
/**
 * The Wireshark differential check on every capture in captures/, the .xz load captures included
 * (`npm run test:oracle`, which builds dist/ first; `.ci/run` runs it after installing tshark).
 *
 * For each capture with committed Wireshark figures (test/fixtures/oracle/<name>.json, made by
 * scripts/tshark-oracle.js):
 *   (a) if tshark can be run ($TSHARK or `tshark` on PATH), the figures are derived again and must equal the
 *       committed ones (all but the `capture` label, so a .pcapng copy can share its .pcap's figures): a tshark
 *       upgrade or a re-recorded capture cannot silently invalidate them. Without tshark this part is skipped, and
 *       said so.
 *   (b) amqpscope (dist/analyze.js) runs on the capture and, per connection, must agree with the committed figures:
 *       frames each way, frames per "<dir> <type>", TCP keep-alives, retransmissions and zero windows (each
 *       direction), and the packet of the last client frame. Connections where Wireshark is known to be
 *       wrong are listed with the reason in test/fixtures/oracle/wireshark-wrong.json (shared with
 *       test/oracle.test.ts); for those amqpscope's own frame counts are asserted instead.
 * Captures without committed figures are listed but not checked (e.g. derived captures Wireshark cannot read
 * correctly, such as a snaplen-truncated one).
 *
 * Prints one line per capture (OK, or the differences) and `N passed, M failed`; exits 1 if anything failed.
 * Needs nothing beyond `npm ci`, a build and xz (tshark optional).
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cutOffAttempts, pairStreams, streamId } from './oracle-pairs.js';
import { FIXTURE_DIR, fixtureName, keyLogFor, tsharkOracle, tsharkVersion } from './tshark-oracle.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CAPTURES_DIR = join(ROOT, 'captures');

let Analyzer;
let parseKeyLog;
try {
  ({ Analyzer } = await import('../dist/analyze.js'));
  ({ parseKeyLog } = await import('../dist/tls/keylog.js'));
} catch (e) {
  console.error(`oracle-check: cannot load dist/analyze.js (${e.message}); run \`npm run build\` first`);
  process.exit(2);
}

const WIRESHARK_WRONG = JSON.parse(readFileSync(join(FIXTURE_DIR, 'wireshark-wrong.json'), 'utf8'));

/** Wireshark's short names for the non-method frames, in amqpscope's spelling. */
function oracleKey(key) {
  return key.replace(/ heartbeat$/, ' Heartbeat').replace(/ header$/, ' Content-Header').replace(/ body$/, ' Content-Body');
}

/** Where two parsed JSON values differ: up to `limit` "path: ours vs committed" lines. */
function jsonDiff(actual, expected, path = '', out = [], limit = 8) {
  if (out.length >= limit) return out;
  const isObj = (v) => v !== null && typeof v === 'object';
  if (isObj(actual) && isObj(expected) && Array.isArray(actual) === Array.isArray(expected)) {
    if (Array.isArray(actual) && actual.length !== expected.length) {
      out.push(`${path || '.'}: ${actual.length} entries, committed ${expected.length}`);
    }
    const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
    for (const k of keys) {
      const p = Array.isArray(actual) ? `${path}[${k}]` : `${path}.${k}`;
      if (!(k in actual)) out.push(`${p}: missing, committed ${JSON.stringify(expected[k])}`);
      else if (!(k in expected)) out.push(`${p}: ${JSON.stringify(actual[k])}, not committed`);
      else jsonDiff(actual[k], expected[k], p, out, limit);
      if (out.length >= limit) break;
    }
  } else if (actual !== expected) {
    // Numbers come from JSON.parse on both sides, so 1795314301.87403 and 1795314301.874030000 compare equal.
    out.push(`${path || '.'}: ${JSON.stringify(actual)}, committed ${JSON.stringify(expected)}`);
  }
  return out;
}

/** Feeds a capture (xz-compressed or not) to amqpscope in chunks; returns the report and per-connection frame counts. */
async function analyze(name) {
  const path = join(CAPTURES_DIR, name);
  const frameCounts = new Map();
  // By id and first packet: a new connection on the ports of an earlier one has the same id (fleet-port-reuse).
  const onEvent = (connection, e, firstPacket) => {
    if (e.kind !== 'amqp' || e.type.startsWith('Protocol-Header')) return;
    const byConnection = `${connection}#${firstPacket}`;
    let m = frameCounts.get(byConnection);
    if (m === undefined) frameCounts.set(byConnection, (m = new Map()));
    const key = `${e.dir} ${e.type}`;
    m.set(key, (m.get(key) ?? 0) + 1);
  };
  // AMQPS captures are decrypted with their key log, as tshark is asked to (tshark-oracle.js).
  const keys = keyLogFor(path);
  const keyLog = keys === null ? null : parseKeyLog(readFileSync(keys));
  const analyzer = new Analyzer({ path: name, onEvent, keyLog });
  if (name.endsWith('.xz')) {
    const xz = spawn('xz', ['-dc', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    xz.stderr.on('data', (d) => (stderr += d));
    const status = new Promise((resolve, reject) => {
      xz.once('error', (e) => reject(new Error(`xz: ${e.message}`)));
      xz.once('close', (code) => resolve(code));
    });
    for await (const chunk of xz.stdout) analyzer.push(chunk);
    const code = await status;
    if (code !== 0) throw new Error(`xz -dc ${name} failed (${code}): ${stderr.trim()}`);
  } else {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) analyzer.push(chunk);
  }
  return { report: analyzer.end(), frameCounts };
}

const both = (x) => x.clientToServer + x.serverToClient;
const split = (x) => `${both(x)} (c2s ${x.clientToServer}, s2c ${x.serverToClient})`;

/** amqpscope against the committed Wireshark figures; returns the differences. */
function compare(name, oracle, report, frameCounts) {
  const diffs = [];
  const seen = new Set();
  let counted = 0;
  const unpaired = [];
  for (const { o, c } of pairStreams(oracle.connections, report.connections)) {
    const id = `${o.client}->${o.server}`;
    // A stream without one AMQP frame (an attempt the broker refused, a bare handshake) is counted by the fleet
    // section, not listed as a connection; the counts must still add up (below).
    if (c === null && o.frames_c2s + o.frames_s2c === 0) {
      counted += 1;
      unpaired.push(o);
      continue;
    }
    if (c === null) {
      diffs.push(`${id}: Wireshark has this connection (stream ${o.stream}, ${o.frames_c2s}+${o.frames_s2c} frames), amqpscope does not`);
      continue;
    }
    seen.add(id);
    const frames = { c2s: c.frames.clientToServer, s2c: c.frames.serverToClient };
    // Entries with frames: Wireshark miscounts them (only those are checked); without: it misplaces a packet
    // (fleet-port-reuse's RST, which this check does not compare), the rest is checked as usual.
    const wrong = WIRESHARK_WRONG[`${name} ${o.client} stream ${o.stream}`] ?? WIRESHARK_WRONG[`${name} ${o.client}`];
    if (wrong?.frames !== undefined) {
      if (frames.c2s !== wrong.frames.c2s || frames.s2c !== wrong.frames.s2c) {
        diffs.push(`${id}: frames c2s/s2c ${frames.c2s}/${frames.s2c}, expected ${wrong.frames.c2s}/${wrong.frames.s2c} (${wrong.why})`);
      }
      continue;
    }
    if (frames.c2s !== o.frames_c2s || frames.s2c !== o.frames_s2c) {
      diffs.push(`${id}: frames c2s/s2c amqpscope ${frames.c2s}/${frames.s2c}, Wireshark ${o.frames_c2s}/${o.frames_s2c}`);
    }
    const ours = frameCounts.get(`${c.id}#${c.opened.packet}`) ?? new Map();
    const theirs = new Map(Object.entries(o.counts).map(([k, v]) => [oracleKey(k), v]));
    const typeDiffs = [];
    for (const key of new Set([...theirs.keys(), ...ours.keys()])) {
      const a = ours.get(key) ?? 0;
      const w = theirs.get(key) ?? 0;
      if (a !== w) typeDiffs.push(`${key} ${a} vs ${w}`);
    }
    if (typeDiffs.length > 0) diffs.push(`${id}: frames by type (amqpscope vs Wireshark): ${typeDiffs.join(', ')}`);
    for (const [label, ourCount, theirCount] of [
      ['keep-alives', c.tcp.keepAlives, o.by_dir.keepalives],
      ['retransmissions', c.tcp.retransmissions, o.by_dir.retransmissions],
      ['zero windows', c.tcp.zeroWindows, o.by_dir.zero_windows],
    ]) {
      if (ourCount.clientToServer !== theirCount.c2s || ourCount.serverToClient !== theirCount.s2c) {
        diffs.push(`${id}: ${label} amqpscope ${split(ourCount)}, Wireshark ${theirCount.c2s + theirCount.s2c} (c2s ${theirCount.c2s}, s2c ${theirCount.s2c})`);
      }
    }
    if (o.last_client_frame !== null && c.lastClientFrame?.packet !== o.last_client_frame.packet) {
      const ourLast = c.lastClientFrame === null ? 'none' : `packet ${c.lastClientFrame.packet}`;
      diffs.push(`${id}: last client frame amqpscope ${ourLast}, Wireshark packet ${o.last_client_frame.packet} (${o.last_client_frame.frame})`);
    }
  }
  for (const c of report.connections) {
    const id = streamId(c);
    if (!seen.has(id) && !oracle.connections.some((o) => `${o.client}->${o.server}` === id)) {
      diffs.push(`${id}: amqpscope reports this connection (${c.frames.clientToServer}+${c.frames.serverToClient} frames), Wireshark does not`);
    }
  }
  const fleetCounted = (report.fleet?.refused?.count ?? 0) + (report.fleet?.noAmqp?.count ?? 0);
  // A lone SYN at the capture's very end is neither counted nor listed (its answer may be cut off).
  const cutOff = cutOffAttempts(unpaired, report).length;
  if (counted !== fleetCounted + cutOff) {
    diffs.push(`${counted} streams without AMQP in Wireshark, amqpscope's fleet section counts ${fleetCounted} (refused + noAmqp)${cutOff > 0 ? ` and ${cutOff} at the capture's end` : ''}`);
  }
  return diffs;
}

async function main() {
  const captures = readdirSync(CAPTURES_DIR)
    .filter((f) => /\.(pcap|pcapng)(\.xz)?$/.test(f))
    .sort();
  const tshark = tsharkVersion();
  console.log(
    tshark !== null
      ? `${tshark.replace(/\.$/, '')}; re-deriving the committed Wireshark figures, then checking amqpscope against them`
      : 'tshark not found (set $TSHARK or install it: apt-get install tshark): the committed Wireshark figures are NOT re-derived; checking amqpscope against them only',
  );
  const keys = new Set(Object.keys(WIRESHARK_WRONG));
  let passed = 0;
  let failed = 0;
  const unchecked = [];
  for (const name of captures) {
    const fixture = join(FIXTURE_DIR, `${fixtureName(name)}.json`);
    if (!existsSync(fixture)) {
      unchecked.push(name);
      console.log(`--    ${name}: no committed Wireshark figures (test/fixtures/oracle/${fixtureName(name)}.json), not checked`);
      continue;
    }
    const started = Date.now();
    const diffs = [];
    try {
      const committed = JSON.parse(readFileSync(fixture, 'utf8'));
      const [fresh, { report, frameCounts }] = await Promise.all([
        tshark !== null ? tsharkOracle(join(CAPTURES_DIR, name)) : Promise.resolve(null),
        analyze(name),
      ]);
      if (fresh !== null) {
        const d = jsonDiff({ ...fresh, capture: committed.capture }, committed);
        if (d.length > 0) diffs.push(...d.map((x) => `tshark now says ${x}`), `(re-derive: node scripts/tshark-oracle.js --write captures/${name})`);
      }
      diffs.push(...compare(name, committed, report, frameCounts));
      for (const k of keys) if (k.startsWith(`${name} `)) keys.delete(k);
    } catch (e) {
      diffs.push(`error: ${e.message}`);
    }
    const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    if (diffs.length === 0) {
      passed++;
      console.log(`OK    ${name} (${took})`);
    } else {
      failed++;
      console.log(`FAIL  ${name} (${took})`);
      for (const d of diffs) console.log(`        ${d}`);
    }
  }
  for (const k of keys) console.log(`note: wireshark-wrong.json entry "${k}" matches no checked capture`);
  const extra = [
    unchecked.length > 0 ? `${unchecked.length} without Wireshark figures` : '',
    tshark === null ? 'figures not re-derived: no tshark' : '',
  ].filter((x) => x !== '');
  console.log(`${passed} passed, ${failed} failed${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
