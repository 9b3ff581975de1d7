/** Running amqpscope over the real captures in captures/, for tests. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Analyzer, type AnalyzeOptions } from '../../src/analyze.js';
import { CaptureReader } from '../../src/capture/reader.js';
import { createTcpSegment, decodePacket } from '../../src/net/decode.js';
import type { TcpTracker } from '../../src/tcp/tracker.js';
import type { LiveEvent, LiveSilence } from '../../src/live/types.js';
import type { Report, ReportEvent } from '../../src/report/types.js';
import { parseKeyLog, type KeyLog } from '../../src/tls/keylog.js';

export const CAPTURES_DIR = join(import.meta.dirname, '..', '..', 'captures');
export const ORACLE_DIR = join(import.meta.dirname, '..', 'fixtures', 'oracle');

/** The small real captures (the .xz load captures are for `npm run test:oracle` and the benchmark). */
export function smallCaptures(): string[] {
  return readdirSync(CAPTURES_DIR)
    .filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'))
    .sort();
}

/** The key log committed next to an AMQPS capture (captures/<name>.keys), parsed; null for a plaintext capture. */
export function keyLogOf(name: string): KeyLog | null {
  const path = join(CAPTURES_DIR, `${name.replace(/\.xz$/, '').replace(/\.(pcap|pcapng)$/, '')}.keys`);
  return existsSync(path) ? parseKeyLog(readFileSync(path)) : null;
}

export function captureBytes(name: string): Uint8Array {
  const path = join(CAPTURES_DIR, name);
  if (name.endsWith('.xz')) return execFileSync('xz', ['-dc', path], { maxBuffer: 1 << 30 });
  return readFileSync(path);
}

/** Every TCP segment of a capture (its name in captures/, or its bytes) through `tracker`, then the tracker's end. */
export function trackCapture(capture: string | Uint8Array, tracker: TcpTracker): void {
  const seg = createTcpSegment();
  const reader = new CaptureReader(
    {
      onPacket: (p) => {
        if (decodePacket(p.linkType, p.data, p.origLen, seg) === 'tcp') tracker.onSegment(seg, p.index, p.tsSec, p.tsNsec);
      },
      onWarning() {},
    },
    typeof capture === 'string' ? capture : 'capture',
  );
  reader.push(typeof capture === 'string' ? captureBytes(capture) : capture);
  reader.end();
  tracker.end();
}

export interface AnalyzedCapture {
  report: Report;
  /** Per connection id: frame counts keyed "c2s Basic.Publish". */
  frameCounts: Map<string, Map<string, number>>;
}

/** A capture analysed in one push with live mode on (what --follow sees): its live events and the final report. */
export function analyzeLive(bytes: Uint8Array, options: AnalyzeOptions = {}): { events: LiveEvent[]; silences: LiveSilence[]; report: Report } {
  const events: LiveEvent[] = [];
  const a = new Analyzer({ ...options, onLive: (e) => events.push(e) });
  a.push(bytes);
  const report = a.end();
  return { events, silences: events.flatMap((e) => (e.type === 'silence' ? [e] : [])), report };
}

export function analyzeCapture(name: string, options: AnalyzeOptions = {}): AnalyzedCapture {
  const frameCounts = new Map<string, Map<string, number>>();
  const onEvent = (connection: string, e: ReportEvent) => {
    if (e.kind !== 'amqp' || e.type.startsWith('Protocol-Header')) return;
    let m = frameCounts.get(connection);
    if (m === undefined) frameCounts.set(connection, (m = new Map()));
    const key = `${e.dir} ${e.type}`;
    m.set(key, (m.get(key) ?? 0) + 1);
  };
  const a = new Analyzer({ path: name, ...options, onEvent });
  a.push(captureBytes(name));
  return { report: a.end(), frameCounts };
}

/** What Wireshark's dissector says about a capture (committed JSON, made with tshark). */
export interface OracleConnection {
  /** tshark's TCP stream index (tcp.stream). */
  stream: number;
  client: string;
  server: string;
  frames_c2s: number;
  frames_s2c: number;
  counts: Record<string, number>;
  keepalives: number;
  retransmissions: number;
  zero_windows: number;
  heartbeat_args: number[] | null;
  reply_codes: number[] | null;
  last_client_frame: { frame: string; packet: number } | null;
  last_server_frame: { frame: string; packet: number } | null;
  tcp_flags: { t: number; dir: 'c2s' | 's2c'; flags: string[]; packet: number }[];
  /** The three TCP analysis counts per direction (scripts/tshark-oracle.js adds them to oracle.py's totals). */
  by_dir: Record<'keepalives' | 'retransmissions' | 'zero_windows', { c2s: number; s2c: number }>;
}

export function oracleFor(capture: string): { connections: OracleConnection[] } | null {
  const base = capture.replace(/\.pcap(ng)?(\.xz)?$/, '');
  try {
    return JSON.parse(readFileSync(join(ORACLE_DIR, `${base}.json`), 'utf8')) as { connections: OracleConnection[] };
  } catch {
    return null;
  }
}
