/**
 * amqpscope's pure core: capture bytes in, report out. No process, no clock, no terminal: the CLI is a thin shell
 * over this (and tests, the benchmark and the fuzzer call it directly).
 *
 *   capture/ (pcap, pcapng)  ->  net/ (link, IP, TCP headers)  ->  tcp/ (connections, analysis, reassembly)
 *     ->  amqp/ (frames, session)  ->  timeline/ (facts, events)  ->  diagnosis/ (verdicts, findings)
 *     ->  fleet/ (groups, waves, reconnects, the headline)  ->  report/  ->  live/ (--follow's events, onLive)
 *
 * Feed chunks with `push` in any sizes (the result does not depend on them), then `end()`.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { CaptureReader } from './capture/reader.js';
import { CaptureSource } from './capture/source.js';
import type { CapturedPacket, CaptureSink, CaptureWarning } from './capture/types.js';
import { diagnose, type Diagnosis } from './diagnosis/index.js';
import { worstSeverity, type Severity } from './diagnosis/types.js';
import { emptyNonAmqpCounts, FoldedMembers, grouped, MAX_FOLDED_GROUPS, runClock, summarizeFleet, type Fleet, type FleetMember, type Instant, type NonAmqpCounts } from './fleet/index.js';
import { countNonAmqp, eventful, memberOf, nonAmqpKind } from './fleet/member.js';
import { outcomeMatters, outcomeOf, redeliveredAfterClose, type ConnectionOutcome } from './fleet/redelivery.js';
import { LiveMonitor, type Followed } from './live/monitor.js';
import type { LiveEvent, LiveStatus } from './live/types.js';
import { countKind, createNetStats, createTcpSegment, decodePacketAt, linkTypeName } from './net/decode.js';
import { CaptureClock, buildConnection, reportEvent, reportFinding } from './report/build.js';
import type { Report, ReportConnection, ReportEvent } from './report/types.js';
import type { ConnectionFacts } from './timeline/types.js';
import { ConnectionRecorder } from './timeline/recorder.js';
import { DeferredStream } from './tcp/deferred-stream.js';
import { DEFAULT_PORTS, TcpTracker } from './tcp/tracker.js';
import type { StreamHandler } from './tcp/types.js';
import type { KeyLog } from './tls/keylog.js';
import { mayBeAmqpsClientHello } from './tls/sniff.js';
import { TlsStream } from './tls/stream.js';
import { SCHEMA_VERSION, VERSION } from './version.js';

export interface AnalyzeOptions {
  /** Name shown in the report (`capture.path`). */
  path?: string;
  /**
   * Ports whose connections are AMQP (default [5672, 5671]); AMQP on other ports is found by its protocol header,
   * AMQPS by its TLS ClientHello.
   */
  ports?: readonly number[] | undefined;
  /**
   * Receives every frame and TCP event as it happens (for --frames), already on the capture clock, with the
   * connection's id and first packet (the report's `opened.packet`): a new connection on the ports of an earlier one
   * (captures/fleet-port-reuse.pcap) has the same id.
   */
  onEvent?: ((connection: string, event: ReportEvent, firstPacket: number) => void) | undefined;
  /**
   * Decode every frame to an object, the reference path, instead of reading the common frames in place (FrameView).
   * Slower; the report is the same, which tests and the fuzzer check.
   */
  frameObjects?: boolean;
  /** Secrets to decrypt TLS connections with (NSS key log, parsed by tls/keylog.ts); without, TLS is read keyless. */
  keyLog?: KeyLog | null | undefined;
  /**
   * Keep the full timeline of every connection. By default a run of more than FULL_TIMELINES_MAX AMQP connections
   * keeps timelines only for connections with a warning or an error (the healthy ones are counted, not listed).
   */
  allTimelines?: boolean;
  /**
   * Live mode (--follow): receives live events (src/live/types.ts) as capture time passes: a connection opened, a
   * side's silence crossed T or 2T, a connection ended.
   */
  onLive?: ((event: LiveEvent) => void) | undefined;
  /** Which live events to pass to onLive (the operator's filters: live/filter.ts); default all. */
  liveFilter?: ((event: LiveEvent) => boolean) | null | undefined;
  /**
   * Keep ended connections for the report by this budget instead of all of them (--follow, which may run for days):
   * the latest `healthy` ones that ended healthy and the latest `problems` ones with a problem; the others are only
   * counted (fleet section). A run within the budget reports as without it. Connections still open at the end are
   * always reported. Past the latest `members` ended connections, the fleet section keeps the older ones as counts
   * (fleet/folded.ts): totals, groups and churn, not the rules that compare connections.
   */
  retain?: { healthy: number; problems: number; members?: number } | undefined;
}

/** Up to this many AMQP connections in a run, every connection keeps its timeline in the report. */
export const FULL_TIMELINES_MAX = 100;

export class Analyzer implements CaptureSink {
  private readonly reader: CaptureReader;
  private readonly tracker: TcpTracker;
  private readonly segment = createTcpSegment();
  private readonly netStats = createNetStats();
  private readonly warnings: CaptureWarning[] = [];
  /**
   * Each connection is judged and serialised the moment it ends, and its facts (frames, timeline) are dropped:
   * memory follows the open connections, not the capture. What stays is its JSON (deflated, about a tenth of
   * the text) and the little the cross-connection rules need.
   */
  private readonly finished: FinishedConnection[] = [];
  /** What the fleet view needs of every AMQP connection, and the counts of those that carried no AMQP. */
  private readonly members: FleetMember[] = [];
  /** Under `retain`: the ended connections whose members were folded into counts, oldest first. */
  private folded: FoldedMembers | null = null;
  private readonly nonAmqp: NonAmqpCounts = emptyNonAmqpCounts();
  /** What the redelivery rule needs, only of connections that left or received redelivered messages. */
  private readonly outcomes: ConnectionOutcome[] = [];
  /** Time of the first packet (valid once `packets` > 0: a corrupt pcapng if_tsoffset can make times negative). */
  private originSec = 0;
  private originNsec = 0;
  private lastSec = 0;
  private lastNsec = 0;
  private packets = 0;
  private report: Report | null = null;
  private readonly live: LiveMonitor | null;
  /** Ended connections not kept by `retain`, of each kind, and the worst severity among them (for --fail-on). */
  private readonly notListed: { healthy: number; problems: number; worst: Severity | null } = { healthy: 0, problems: 0, worst: null };
  private readonly kept = { healthy: 0, problems: 0 };

  constructor(private readonly options: AnalyzeOptions = {}) {
    this.reader = new CaptureReader(this, options.path ?? 'capture');
    this.tracker = new TcpTracker({
      ports: new Set(options.ports ?? DEFAULT_PORTS),
      acceptFirstBytes: mayBeAmqpsClientHello,
      newHandler: (info, slot) => {
        const onEvent = this.options.onEvent;
        const make = (): StreamHandler => {
          let followed: Followed | null = null;
          const recorder = new ConnectionRecorder(
            info,
            (facts) => this.finishConnection(facts, followed),
            onEvent === undefined ? null : (entry) => onEvent(info.id, reportEvent(this.clock(), entry, !info.synSeen), info.firstPacket),
            this.options.frameObjects === true,
            { packet: 1, tsSec: this.originSec, tsNsec: this.originNsec },
          );
          // TCP -> TLS (records, decryption when keys are known; plain AMQP passes through) -> the recorder.
          // Live mode wraps the stream: the wrapper stays the tracker's handler.
          const stream = new TlsStream(recorder, { keyLog: this.options.keyLog ?? null, slot: this.live === null ? slot : null }, info);
          if (this.live === null) return stream;
          followed = this.live.follow(recorder);
          return this.live.watched(stream, followed);
        };
        // A stream of events (--frames) is in capture order across connections, and live mode follows each
        // connection from its first packet: their handlers are made at once.
        return onEvent === undefined && this.live === null ? new DeferredStream(make, slot) : make();
      },
    });
    const onLive = options.onLive;
    this.live = onLive === undefined ? null : new LiveMonitor(onLive, () => this.clock(), options.liveFilter ?? null);
  }

  /** Live mode's periodic counts, at the capture time of the last packet read (null without onLive, or before a packet). */
  liveStatus(): LiveStatus | null {
    // Before the first packet there is no capture time to stamp it with (it came out with "at": "").
    if (this.packets === 0) return null;
    return this.live?.status(this.packets, this.reader.bytes) ?? null;
  }

  push(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  /** Why the capture cannot be read further (corrupt from some record on), or null: more input is of no use. */
  readingStopped(): string | null {
    return this.reader.stoppedBy;
  }

  /** Adds a warning found outside the reader (e.g. a truncated gzip stream). */
  warn(warning: CaptureWarning): void {
    this.warnings.push(warning);
  }

  /** Ends the input and returns the report. */
  end(): Report {
    if (this.report !== null) return this.report;
    const shell = this.reportShell();
    const full = this.fullTimelines();
    this.report = {
      schemaVersion: shell.schemaVersion,
      tool: shell.tool,
      capture: shell.capture,
      fleet: shell.fleet,
      connections: shell.connections.map((c) => JSON.parse(connectionText(c, full)) as ReportConnection),
      findings: shell.findings,
    };
    return this.report;
  }

  /**
   * Ends the input and writes the report as JSON text, exactly `JSON.stringify(end(), null, 2)` (in a run of more
   * than FULL_TIMELINES_MAX connections, each connection on one line), in pieces,
   * without materialising every connection again or holding the whole text (a large capture's report is tens of
   * megabytes).
   */
  writeJson(write: (text: string) => void): void {
    const shell = this.reportShell();
    const { connections } = shell;
    const full = this.fullTimelines();
    const text = JSON.stringify(
      { schemaVersion: shell.schemaVersion, tool: shell.tool, capture: shell.capture, fleet: shell.fleet, connections: PLACEHOLDER, findings: shell.findings },
      null,
      2,
    );
    const at = text.indexOf(JSON.stringify(PLACEHOLDER));
    write(text.slice(0, at));
    if (connections.length === 0) {
      write('[]');
    } else {
      // Each connection's text, indented one level deeper (JSON strings hold no raw newlines). A large run writes
      // each connection on one line instead: a third smaller (a 10,000-connection report stays under 25 MB), and
      // one connection per line for grep and head.
      const oneLine = !full;
      connections.forEach((c, i) => {
        const conn = connectionText(c, full);
        // Two writes, not one joined string: the writer copies each piece once anyway, and a joined pair is a
        // rope that would be flattened first (a copy of every connection's text, 24 MB on 10,000 connections).
        write(i === 0 ? '[\n    ' : ',\n    ');
        write(oneLine ? conn : nestedPretty(conn));
      });
      write('\n  ]');
    }
    write(text.slice(at + JSON.stringify(PLACEHOLDER).length));
  }

  /** The report as JSON text: `writeJson` gathered into one string. */
  endJson(): string {
    const parts: string[] = [];
    this.writeJson((t) => parts.push(t));
    return parts.join('');
  }

  /** The most severe verdict or finding in the report (null when there is no connection); ends the input. */
  worstSeverity(): Severity | null {
    const { findings } = this.reportShell(); // first: it ends the input, which finishes the open connections
    return worstSeverity([...this.finished.map((c) => c.severity), this.notListed.worst, ...findings.map((f) => f.severity)]);
  }

  /** Every connection's timeline goes in the report: asked for, or a run small enough to read them all. */
  private fullTimelines(): boolean {
    return this.options.allTimelines === true || this.finished.length <= FULL_TIMELINES_MAX;
  }

  private finishConnection(facts: ConnectionFacts, followed: Followed | null): void {
    const kind = nonAmqpKind(facts, { packet: this.packets, tsSec: this.lastSec, tsNsec: this.lastNsec });
    if (this.inputEnded && facts.endedBy === 'capture-end') facts.inputEnd = { packet: this.packets, tsSec: this.lastSec, tsNsec: this.lastNsec };
    if (kind !== null) {
      if (kind !== 'undecided') countNonAmqp(this.nonAmqp, kind, facts);
      if (followed !== null) this.live?.handedOver(followed, null, false);
      return;
    }
    const d = diagnose(facts);
    const severity = worstSeverity([d.judgement.severity, ...d.findings.map((x) => x.severity)]) ?? d.judgement.severity;
    const eventful = hasEvents(d);
    // Past FULL_TIMELINES_MAX connections an uneventful connection's timeline will not be reported: do not build it.
    const withTimeline = this.options.allTimelines === true || eventful || this.finished.length < FULL_TIMELINES_MAX;
    this.members.push(memberOf(facts, d, null));
    const outcome = outcomeOf(facts, d.judgement.verdict, d.judgement.at.packet);
    if (outcomeMatters(outcome)) this.outcomes.push(outcome);
    this.foldOldMembers();
    if (followed === null && this.inputEnded && this.options.retain === undefined) {
      // Still open when the input ended: its state is alive until the report is written, which comes next. Its
      // text is made when written and not kept, so that a run of thousands of open connections does not hold (and
      // move into the old generation) every connection's text besides their state, which stays to the end.
      this.finished.push({ firstPacket: facts.info.firstPacket, json: '', timeline: null, timelineText: null, severity, eventful, pending: { clock: this.clock(), facts, d, withTimeline } });
      return;
    }
    const conn = buildConnection(this.clock(), facts, d, withTimeline);
    if (followed !== null) this.live?.handedOver(followed, conn, !this.inputEnded);
    if (!this.retained(eventful, facts, severity)) return;
    // Deflated while the input goes on: a long capture has thousands of finished connections to hold.
    this.finished.push({ firstPacket: facts.info.firstPacket, ...serialised(conn, eventful, !this.inputEnded), severity, eventful, pending: null });
  }

  /**
   * Under `retain`, while the input goes on (every member so far was handed over: ended, or replaced by a new
   * connection on its ports): the oldest members past the budget are folded into counts, so that a --follow of
   * days keeps memory with the open connections.
   */
  private foldOldMembers(): void {
    const budget = this.options.retain?.members;
    if (budget === undefined || this.inputEnded) return;
    const origin = { sec: this.originSec, nsec: this.originNsec, packet: 1 };
    while (this.members.length > budget) {
      const oldest = this.members.shift()!;
      (this.folded ??= new FoldedMembers()).fold(oldest, origin);
      // Outcomes are kept in the same order, for some of the members: the rule that compares them (redelivered
      // after close) looks at the same latest connections as the other rules that compare connections.
      if (this.outcomes[0]?.id === oldest.id) this.outcomes.shift();
    }
  }

  /**
   * Whether an ended connection is kept for the report under `retain`, pushing out the oldest kept one of its kind
   * (healthy, or with a problem) past its budget. Still open at the end of the input: always.
   */
  private retained(eventful: boolean, facts: ConnectionFacts, severity: Severity): boolean {
    const retain = this.options.retain;
    if (retain === undefined || (this.inputEnded && facts.endedBy === 'capture-end')) return true;
    const budget = eventful ? retain.problems : retain.healthy;
    const kind = eventful ? 'problems' : 'healthy';
    if (budget <= 0) {
      this.notListed[kind]++;
      this.notListed.worst = worstSeverity([this.notListed.worst, severity]);
      return false;
    }
    if (this.kept[kind] >= budget) {
      const [dropped] = this.finished.splice(this.finished.findIndex((c) => c.eventful === eventful), 1);
      this.notListed[kind]++;
      this.notListed.worst = worstSeverity([this.notListed.worst, dropped!.severity]);
    } else {
      this.kept[kind]++;
    }
    return true;
  }

  private inputEnded = false;
  private finish(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    this.reader.end();
    this.tracker.end();
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
    const kind = decodePacketAt(p.linkType, p.bytes, p.offset, p.caplen, p.origLen, this.segment);
    countKind(this.netStats, kind);
    this.live?.beforePacket({ packet: p.index, tsSec: p.tsSec, tsNsec: p.tsNsec }, kind === 'tcp' ? this.segment : null);
    if (kind === 'tcp') this.tracker.onSegment(this.segment, p.index, p.tsSec, p.tsNsec);
    this.live?.afterPacket();
  }

  onWarning(w: CaptureWarning): void {
    this.warnings.push(w);
  }

  private cachedClock: CaptureClock | null = null;

  /** The capture clock; rebuilt only if its origin or precision changed (it is asked for every --frames event). */
  private clock(): CaptureClock {
    const digits = this.reader.tsDigits > 0 ? this.reader.tsDigits : 6;
    const c = this.cachedClock;
    if (c !== null && c.originSec === this.originSec && c.originNsec === this.originNsec && c.digits === digits) return c;
    return (this.cachedClock = new CaptureClock(this.originSec, this.originNsec, digits));
  }

  private shell: (Omit<Report, 'connections'> & { connections: FinishedConnection[] }) | null = null;

  /**
   * Everything but the connections' own objects (those stay serialised in `finished`); built once, after the
   * input ended, for end/writeJson and worstSeverity alike.
   */
  private reportShell(): Omit<Report, 'connections'> & { connections: FinishedConnection[] } {
    if (this.shell !== null) return this.shell;
    this.finish();
    const clock = this.clock();
    // Connections are reported in order of their first packet (they finish in another order).
    const connections = [...this.finished].sort((a, b) => a.firstPacket - b.firstPacket);
    const outcomes = [...this.outcomes].sort((a, b) => a.endPacket - b.endPacket);
    const redelivered = redeliveredAfterClose(outcomes);
    const cross = redelivered.map((x) => ({ ...reportFinding(clock, x), from: x.from, to: x.to, count: x.count }));
    const redeliveries = redelivered.map((x) => ({ from: x.from, to: x.to, count: x.count, at: { sec: x.at.tsSec, nsec: x.at.tsNsec, packet: x.at.packet } }));
    const s = this.netStats;
    return (this.shell = {
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
        warnings: [...this.warnings.map((w) => ({ ...w })), ...this.notListedWarning()],
      },
      fleet: summarizeFleet({ ...this.fleetInput(), redeliveries }),
      connections,
      findings: cross,
    });
  }

  /** Under `retain`: how many ended connections the fleet section counts but the report does not list. */
  private notListedWarning(): CaptureWarning[] {
    return [...this.notListedConnections(), ...this.foldedMembersWarning()];
  }

  private foldedMembersWarning(): CaptureWarning[] {
    const f = this.folded;
    if (f === null || f.until === null) return [];
    const until = runClock({ sec: this.originSec, nsec: this.originNsec }, 3).t(f.until).toFixed(3);
    return [
      {
        code: 'connections-folded',
        message:
          `${grouped(f.count)} connection(s) that ended by ${until} s, the earliest to end, are counted in the fleet's totals, groups and churn only: ` +
          `its reconnects, waves, alarms, refusals and redeliveries look at the latest ${grouped(this.options.retain?.members ?? 0)} connections that ended, ` +
          `and a group's median lifetime at those of its connections (a bound on memory)` +
          (f.ungrouped > 0 ? `; ${grouped(f.ungrouped)} of them are in no group (past ${grouped(MAX_FOLDED_GROUPS)} distinct hosts and applications, the groups idle longest are dropped), nor in the count of hosts.` : '.'),
      },
    ];
  }

  private notListedConnections(): CaptureWarning[] {
    const { healthy, problems } = this.notListed;
    if (healthy + problems === 0) return [];
    const retain = this.options.retain;
    const parts = [
      healthy > 0 ? `${healthy} earlier healthy (past the budget of ${retain?.healthy ?? 0})` : '',
      problems > 0 ? `${problems} earlier with a problem (past the budget of ${retain?.problems ?? 0})` : '',
    ];
    return [
      {
        code: 'connections-not-listed',
        message: `${healthy + problems} ended connection(s) are counted in the fleet section but not listed: ${parts.filter((p) => p !== '').join(' and ')}.`,
      },
    ];
  }

  /** What the fleet view is made of (several captures in one run combine these); ends the input. */
  fleetInput(): { members: FleetMember[]; folded: FoldedMembers | null; nonAmqp: NonAmqpCounts; origin: Instant; end: Instant; clock: ReturnType<typeof runClock>; digits: number } {
    this.finish();
    const digits = this.reader.tsDigits > 0 ? this.reader.tsDigits : 6;
    const origin = { sec: this.originSec, nsec: this.originNsec, packet: this.packets > 0 ? 1 : 0 };
    const members = [...this.members].sort((a, b) => a.opened.packet - b.opened.packet);
    return { members, folded: this.folded, nonAmqp: this.nonAmqp, origin, end: { sec: this.lastSec, nsec: this.lastNsec, packet: this.packets }, clock: runClock(origin, digits), digits };
  }
}

interface FinishedConnection {
  firstPacket: number;
  /** Its report object as one-line JSON text with an empty timeline. */
  json: StoredText;
  /** Its timeline as one-line JSON text: for a healthy connection (reported only in small runs), or a problem one. */
  timeline: StoredText | null;
  timelineText: StoredText | null;
  /** The most severe of its verdict and findings. */
  severity: Severity;
  /** Its timeline is always reported (see hasEvents). */
  eventful: boolean;
  /**
   * A connection still open when the input ended: what its text is built from when the report is written (`json`
   * and the timelines are then empty); null once serialised.
   */
  pending: { clock: CaptureClock; facts: ConnectionFacts; d: Diagnosis; withTimeline: boolean } | null;
}

/** Text as it is, or deflated (about a tenth of its size: a long capture has thousands of finished connections to hold). */
type StoredText = string | Uint8Array;

function stored(text: string, compress: boolean): StoredText {
  // A copy of exactly its size: zlib's result is a view of a 16 KiB buffer, 3-4 times larger.
  return compress ? Uint8Array.prototype.slice.call(deflateRawSync(text, { level: 1 })) : text;
}

function plain(text: StoredText): string {
  return typeof text === 'string' ? text : inflateRawSync(text).toString('utf8');
}

const EMPTY_TIMELINE_END = '"timeline":[]}';

/** A connection's report object as stored: its one-line JSON without the timeline, and the timeline's apart. */
function serialised(conn: ReportConnection, eventful: boolean, compress: boolean): Pick<FinishedConnection, 'json' | 'timeline' | 'timelineText'> {
  const { timeline } = conn;
  conn.timeline = [];
  return {
    json: stored(JSON.stringify(conn), compress),
    timeline: !eventful && timeline.length > 0 ? stored(JSON.stringify(timeline), compress) : null,
    timelineText: eventful && timeline.length > 0 ? stored(JSON.stringify(timeline), compress) : null,
  };
}

/**
 * A finished connection's one-line JSON text, exactly `JSON.stringify(connection)` of the reported object: its
 * timeline spliced back in, or left empty and marked `timelineOmitted`.
 */
function connectionText(finished: FinishedConnection, fullTimelines: boolean): string {
  const p = finished.pending;
  if (p !== null) {
    // Built from its facts each time (the same text: the facts' timeline and notes are made once), and not kept;
    // stringified once, as it will be written: no text without the timeline to splice it into, which made three
    // copies of each text (10,000 open connections: 70 MB more for the young generation to collect).
    const conn = buildConnection(p.clock, p.facts, p.d, p.withTimeline);
    if (!finished.eventful && !fullTimelines) {
      conn.timeline = [];
      conn.timelineOmitted = true;
    }
    return JSON.stringify(conn);
  }
  const c = finished;
  const text = plain(c.json);
  const timeline = c.timelineText ?? (fullTimelines ? c.timeline : null);
  if (timeline !== null) return `${text.slice(0, -EMPTY_TIMELINE_END.length)}"timeline":${plain(timeline)}}`;
  if (!c.eventful && !fullTimelines) return `${text.slice(0, -EMPTY_TIMELINE_END.length)}"timeline":[],"timelineOmitted":true}`;
  return text;
}

/** A connection whose timeline a large run still reports: a problem verdict, an error, or a warning about an event. */
function hasEvents(d: Diagnosis): boolean {
  return eventful(d.judgement, d.findings);
}

/**
 * A connection's one-line JSON text as JSON.stringify(report, null, 2) prints it in the report's array, two levels
 * deep: parsed and printed inside [[ ]], whose brackets are then cut off. Printing it alone and indenting every line
 * again with a regular expression made the largest strings of a small run's report (a tenth of what the load
 * capture's report allocated).
 */
function nestedPretty(text: string): string {
  const printed = JSON.stringify([[JSON.parse(text)]], null, 2);
  return printed.slice(NESTED_OPEN.length, printed.length - NESTED_CLOSE.length);
}

const NESTED_OPEN = '[\n  [\n    ';
const NESTED_CLOSE = '\n  ]\n]';

/** A string no capture can put in the report shell (it holds no wire strings). */
const PLACEHOLDER = '\u0000connections\u0000';

/** Analyse a whole capture held in memory. */
export function analyzeBytes(bytes: Uint8Array, options: AnalyzeOptions = {}): Report {
  const a = new Analyzer(options);
  a.push(bytes);
  return a.end();
}

/** Analyse a capture file (gzip or not), or standard input for '-'. */
export async function analyzeFile(path: string, options: AnalyzeOptions & { stdin?: NodeJS.ReadableStream } = {}): Promise<Report> {
  const a = new Analyzer({ ...options, path: options.path ?? path });
  const source = new CaptureSource(path, options.stdin !== undefined ? { stdin: options.stdin, reuseBuffer: true } : { reuseBuffer: true });
  for await (const chunk of source) a.push(chunk);
  for (const w of source.warnings) a.warn(w);
  return a.end();
}
