/**
 * amqpscope's pure core: capture bytes in, report out. No process, no clock, no terminal: the CLI is a thin shell
 * over this (and tests, the benchmark and the fuzzer call it directly).
 *
 *   capture/ (pcap, pcapng)  ->  net/ (link, IP, TCP headers)  ->  tcp/ (connections, analysis, reassembly)
 *     ->  amqp/ (frames, session)  ->  timeline/ (facts, events)  ->  diagnosis/ (verdicts, findings)  ->  report/
 *
 * Feed chunks with `push` in any sizes (the result does not depend on them), then `end()`.
 */
import { CaptureReader } from './capture/reader.js';
import { CaptureSource } from './capture/source.js';
import type { CapturedPacket, CaptureSink, CaptureWarning } from './capture/types.js';
import { redeliveredAfterClose, type ConnectionOutcome } from './diagnosis/cross-connection.js';
import { diagnose } from './diagnosis/index.js';
import { countKind, createNetStats, createTcpSegment, decodePacket, linkTypeName } from './net/decode.js';
import { CaptureClock, buildConnection, reportEvent, reportFinding } from './report/build.js';
import type { Report, ReportConnection, ReportEvent } from './report/types.js';
import { ConnectionRecorder } from './timeline/recorder.js';
import type { ConnectionFacts } from './timeline/types.js';
import { DEFAULT_AMQP_PORT, TcpTracker } from './tcp/tracker.js';
import { SCHEMA_VERSION, VERSION } from './version.js';

export interface AnalyzeOptions {
  /** Name shown in the report (`capture.path`). */
  path?: string;
  /** Ports whose connections are AMQP (default [5672]); AMQP on other ports is found by its protocol header. */
  ports?: readonly number[] | undefined;
  /** Receives every frame and TCP event as it happens (for --frames), already on the capture clock. */
  onEvent?: ((connection: string, event: ReportEvent) => void) | undefined;
}

export class Analyzer implements CaptureSink {
  private readonly reader: CaptureReader;
  private readonly tracker: TcpTracker;
  private readonly segment = createTcpSegment();
  private readonly netStats = createNetStats();
  private readonly warnings: CaptureWarning[] = [];
  private readonly finished: ConnectionFacts[] = [];
  private order = 0;
  private readonly orderOf = new Map<ConnectionFacts, number>();
  /** Time of the first packet (valid once `packets` > 0: a corrupt pcapng if_tsoffset can make times negative). */
  private originSec = 0;
  private originNsec = 0;
  private lastSec = 0;
  private lastNsec = 0;
  private packets = 0;
  private report: Report | null = null;

  constructor(private readonly options: AnalyzeOptions = {}) {
    this.reader = new CaptureReader(this, options.path ?? 'capture');
    this.tracker = new TcpTracker({
      ports: new Set(options.ports ?? [DEFAULT_AMQP_PORT]),
      newHandler: (info) => {
        const order = this.order++;
        const onEvent = this.options.onEvent;
        return new ConnectionRecorder(
          info,
          (facts) => {
            this.orderOf.set(facts, order);
            this.finished.push(facts);
          },
          onEvent === undefined ? null : (entry) => onEvent(info.id, reportEvent(this.clock(), entry)),
        );
      },
    });
  }

  push(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  /** Adds a warning found outside the reader (e.g. a truncated gzip stream). */
  warn(warning: CaptureWarning): void {
    this.warnings.push(warning);
  }

  end(): Report {
    if (this.report !== null) return this.report;
    this.reader.end();
    this.tracker.end();
    this.report = this.buildReport();
    return this.report;
  }

  // ---- CaptureSink ----

  onPacket(p: CapturedPacket): void {
    if (this.packets === 0) {
      this.originSec = p.tsSec;
      this.originNsec = p.tsNsec;
    }
    this.lastSec = p.tsSec;
    this.lastNsec = p.tsNsec;
    this.packets++;
    const kind = decodePacket(p.linkType, p.data, p.origLen, this.segment);
    countKind(this.netStats, kind);
    if (kind === 'tcp') this.tracker.onSegment(this.segment, p.index, p.tsSec, p.tsNsec);
  }

  onWarning(w: CaptureWarning): void {
    this.warnings.push(w);
  }

  private clock(): CaptureClock {
    const digits = this.reader.tsDigits > 0 ? this.reader.tsDigits : 6;
    return new CaptureClock(this.originSec, this.originNsec, digits);
  }

  private buildReport(): Report {
    const clock = this.clock();
    const facts = [...this.finished].sort((a, b) => (this.orderOf.get(a) ?? 0) - (this.orderOf.get(b) ?? 0));
    facts.sort((a, b) => a.info.firstPacket - b.info.firstPacket);
    const connections: ReportConnection[] = [];
    const outcomes: ConnectionOutcome[] = [];
    for (const f of facts) {
      const d = diagnose(f);
      connections.push(buildConnection(clock, f, d));
      outcomes.push({ facts: f, verdict: d.judgement.verdict, endPacket: d.judgement.at.packet });
    }
    const cross = redeliveredAfterClose(outcomes).map((x) => ({ ...reportFinding(clock, x), from: x.from, to: x.to, count: x.count }));
    const s = this.netStats;
    return {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'amqpscope', version: VERSION },
      capture: {
        path: this.options.path ?? '',
        format: this.reader.format,
        linkTypes: this.reader.linkTypes.map((value) => ({ value, name: linkTypeName(value) })),
        packets: this.packets,
        bytes: this.reader.bytes,
        start: this.packets > 0 ? clock.when({ packet: 1, tsSec: this.originSec, tsNsec: this.originNsec }).at : null,
        durationSeconds: this.packets > 0 ? clock.t({ tsSec: this.lastSec, tsNsec: this.lastNsec }) : 0,
        skipped: {
          notIp: s.notIp,
          notTcp: s.notTcp,
          ipFragments: s.ipFragments,
          unsupportedLink: s.unsupportedLink,
          malformed: s.malformed,
          otherTcp: s.tcp - this.tracker.stats.segments,
        },
        warnings: this.warnings.map((w) => ({ ...w })),
      },
      connections,
      findings: cross,
    };
  }
}

/** Analyse a whole capture held in memory. */
export function analyzeBytes(bytes: Uint8Array, options: AnalyzeOptions = {}): Report {
  const a = new Analyzer(options);
  a.push(bytes);
  return a.end();
}

/** Analyse a capture file (gzip or not), or standard input for '-'. */
export async function analyzeFile(path: string, options: AnalyzeOptions & { stdin?: NodeJS.ReadableStream } = {}): Promise<Report> {
  const a = new Analyzer({ ...options, path: options.path ?? path });
  const source = new CaptureSource(path, options.stdin !== undefined ? { stdin: options.stdin } : {});
  for await (const chunk of source) a.push(chunk);
  for (const w of source.warnings) a.warn(w);
  return a.end();
}
