/** Types for fuzz-lib.js (plain ESM JavaScript shared by scripts/fuzz.js and test/fuzz.test.ts). */

export interface CorpusEntry {
  name: string;
  bytes: Uint8Array;
  /** The capture's NSS key log text (AMQPS captures), or null. */
  keys: string | null;
}

export interface FuzzCase {
  bytes: Uint8Array;
  /** Strategy chain and seed capture, e.g. "mutate:bitflips(pika-sigkill.pcap) + tcp-seq-ack". */
  description: string;
  /** Piece sizes for the chunk-invariance re-run, or null when the case is fed whole only. */
  chunks: number[] | null;
  /** A key log to analyse with (intact or mutated), or null. */
  keys: string | null;
}

export interface AnalyzerApi {
  Analyzer: new (options?: { path?: string; frameObjects?: boolean; keyLog?: never }) => { push(chunk: Uint8Array): void; end(): unknown };
  AnalyzerError: new (...args: never[]) => Error;
  /** Parses a key log (src/tls/keylog.ts) into what `keyLog` takes (typed never here: fuzz-lib only passes it on). */
  parseKeyLog?: (text: string) => { entries: number };
  /** Merges JSON reports (src/report/merge.ts); when given, every report a case makes is also merged with its copy. */
  mergeReports?: (reports: never[]) => unknown;
}

export interface RunResult {
  /** False means a bug: an exception other than AnalyzerError, or a report JSON cannot carry. */
  ok: boolean;
  /** 'report', 'error:<code>', 'exception' or 'bad-report'. */
  outcome: string;
  ms: number;
  json?: string;
  error?: unknown;
}

export interface CheckResult {
  case: FuzzCase;
  outcome: string;
  ms: number;
  /** Null when the case passed. */
  failure: Error | null;
}

export class Rng {
  constructor(seed: number);
  u32(): number;
  int(n: number): number;
  range(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(arr: readonly T[]): T;
  small(max: number): number;
  bytes(n: number): Uint8Array;
}

export const STRATEGIES: readonly string[];
export const PROTOCOL_HEADER: Uint8Array;

export function caseSeed(seed: number, index: number): number;
export function concat(parts: readonly Uint8Array[]): Uint8Array;
/** Big-endian integers of 1, 2, 4 and 8 bytes (u64 takes a bigint too, and wraps to 64 bits). */
export function u8(v: number): Uint8Array;
export function u16(v: number): Uint8Array;
export function u32(v: number): Uint8Array;
export function u64(v: bigint | number): Uint8Array;
export function loadCorpus(dir: string, maxBytes?: number): CorpusEntry[];
export function mutateKeyLog(text: string, r: Rng): string;
export function makeCase(corpus: readonly CorpusEntry[], seed: number, index: number, strategy?: string): FuzzCase;
export function runCase(
  api: AnalyzerApi,
  bytes: Uint8Array,
  chunks?: number[] | null,
  path?: string,
  options?: { frameObjects?: boolean; onLive?: (event: unknown) => void; retain?: { healthy: number; problems: number; members?: number } },
): RunResult;
export function checkCase(
  api: AnalyzerApi,
  corpus: readonly CorpusEntry[],
  seed: number,
  index: number,
  options?: { maxMs?: number; strategy?: string },
): CheckResult;
export function jsonProblem(value: unknown): string | null;
export function mergeProblem(api: AnalyzerApi, json: string): Error | null;
export function signature(error: unknown): string;

export function pcapLayout(b: Uint8Array): { le: boolean; nano: boolean; linkType: number; records: { off: number; caplen: number }[] } | null;
export function pcapngLayout(b: Uint8Array): { off: number; len: number; type: number; le: boolean }[] | null;
export function pcapToPcapng(b: Uint8Array, r: Rng): Uint8Array | null;
export function writePcap(
  packets: { tsSec: number; tsUsec: number; data: Uint8Array; origLen?: number }[],
  options?: { linkType?: number; snaplen?: number; le?: boolean },
): Uint8Array;
export function tcpPacket(p: {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window?: number;
  payload?: Uint8Array;
  options?: Uint8Array;
}): Uint8Array;
export class Conversation {
  constructor(options?: { client?: string; server?: string; cport?: number; sport?: number; start?: number; mss?: number; cisn?: number; sisn?: number });
  packets: { tsSec: number; tsUsec: number; data: Uint8Array }[];
  usec: number;
  tick(usec: number): void;
  seg(side: 'c' | 's', flags: number, payload?: Uint8Array, extra?: { seq?: number; window?: number }): void;
  handshake(): void;
  send(side: 'c' | 's', bytes: Uint8Array): void;
  fin(side: 'c' | 's'): void;
  rst(side: 'c' | 's'): void;
}
export function frame(type: number, channel: number, payload: Uint8Array, size?: number): Uint8Array;
export function method(channel: number, cls: number, mth: number, ...args: Uint8Array[]): Uint8Array;
export function heartbeat(): Uint8Array;
export function nestedTable(depth: number, tag?: 'F' | 'A'): Uint8Array;
export function syntheticCapture(r: Rng, kind: string): Uint8Array;
export function resyncNest(k: number, n: number, episodes?: boolean): Uint8Array;
