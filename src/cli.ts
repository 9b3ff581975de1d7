#!/usr/bin/env node
/**
 * The command line: a thin shell over analyze(). This is the only module that touches `process` (argv, stdout,
 * stderr, exit status, the terminal's width and colour support). Exit status: 0 the analysis ran; 1 --fail-on
 * matched; 2 bad usage or unreadable input (one line on stderr); 3 a bug in amqpscope (one line, stack with --debug).
 */
import { spawn } from 'node:child_process';
import { readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError, Option } from 'commander';
import { Analyzer } from './analyze.js';
import { followFile, untilAborted } from './capture/follow.js';
import { CaptureSource } from './capture/source.js';
import { CLI_OPTIONS, type CliOptions } from './cli-options.js';
import { SEVERITY_RANK, worstSeverity, type Severity } from './diagnosis/types.js';
import { AnalyzerError } from './errors.js';
import type { WorkerAnswer, WorkerJob } from './cli-worker.js';
import { filterReport } from './report/filter.js';
import { mergeReports } from './report/merge.js';
import type { KeyLog } from './tls/keylog.js';
import { loadKeyLogs } from './cli-keylog.js';
import type { Report, ReportEvent } from './report/types.js';
import { liveEventFilter } from './live/filter.js';
import { liveJson, liveLine, statusText } from './render/live.js';
import type { TerminalOptions } from './render/terminal.js';
import { DEFAULT_PORTS } from './tcp/tracker.js';
import { VERSION } from './version.js';

// amqpscope holds little live data (the open connections' state, under 40 MB on a 2 GB capture; about 13 KB per
// connection on a capture of 10,000 open ones) but allocates quickly, and V8's defaults size the heap for the
// opposite: the young generation grows to 2 x 16 MiB and old space fills with dead objects to several times the live
// heap before a full collection. The 2 GB synthetic capture peaked at 320 MiB RSS; with the young generation kept at
// its initial size and old space allowed to grow by 50% between full collections, 152 MiB, at the same speed; by
// 30%, the 10,000-connection capture peaked at about 245 MiB instead of 280 (now 215: `npm run bench`; README:
// performance), a few percent slower there and no slower on the load captures. Set here, before the heap grows, because flags
// cannot be passed portably on the `#!` line.
setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--heap-growing-percent=30');

const BUG_URL = 'https://github.com/amqpscope/amqpscope/issues';
const MAX_AUTO_WIDTH = 160;
const DEFAULT_PIPE_WIDTH = 100;

function buildProgram(): Command {
  const program = new Command('amqpscope')
    .description('Explain what happened to every AMQP 0-9-1 connection in a pcap or pcapng capture.')
    .version(VERSION)
    .argument('[capture...]', "pcap or pcapng files (gzip accepted); '-' reads standard input")
    .exitOverride()
    .configureOutput({ writeErr: () => {} }); // commander's own messages are re-printed as one line below
  for (const spec of CLI_OPTIONS) {
    const option = new Option(spec.flags, spec.description);
    if (spec.parse !== undefined) option.argParser(spec.parse as (value: string, previous: unknown) => unknown);
    program.addOption(option);
  }
  return program;
}

/** Output goes through one batching writer; on Linux process.stdout writes are synchronous, so memory stays flat. */
class Output {
  private parts: string[] = [];
  private size = 0;
  line(text: string): void {
    this.write(text);
    this.write('\n');
  }
  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size > 1 << 16) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    process.stdout.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

/** The most severe verdict or finding of a report (each connection's `severity` already covers its findings). */
function reportSeverity(report: Report): Severity | null {
  return worstSeverity([...report.connections.map((c) => c.severity), ...report.findings.map((f) => f.severity)]);
}

/**
 * A progress line on stderr for large captures, only when stderr is a terminal (never in pipes, never on
 * stdout): bytes read, rate and time left.
 */
class Progress {
  private static readonly MIN_SIZE = 64 * 1024 * 1024;
  private static readonly INTERVAL_MS = 250;
  private readonly started = Date.now();
  private last = 0;
  private shown = false;
  constructor(
    private readonly path: string,
    private readonly size: number | null,
  ) {}

  static for(path: string): Progress | null {
    if (process.stderr.isTTY !== true || path === '-') return null;
    try {
      const size = statSync(path).size;
      return size >= Progress.MIN_SIZE ? new Progress(path, size) : null;
    } catch {
      return null; // the source reports unreadable files itself
    }
  }

  update(bytes: number): void {
    const now = Date.now();
    if (now - this.last < Progress.INTERVAL_MS) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? bytes / seconds : 0;
    const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
    // A gzipped capture decompresses to more than its file size: then there is no meaningful total.
    const total = this.size !== null && bytes <= this.size ? this.size : null;
    const left = total !== null && rate > 0 ? ` · ${Math.ceil((total - bytes) / rate)} s left` : '';
    const of = total !== null ? ` of ${mb(total)} (${Math.floor((100 * bytes) / total)}%)` : '';
    process.stderr.write(`\r\x1b[2K${this.path}: ${mb(bytes)}${of} · ${(rate / 1e6).toFixed(0)} MB/s${left}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
  }
}

interface Analysed {
  /** The (filtered) report, when the output needs objects: the terminal, or filters. */
  report: Report | null;
  /** The JSON text, for --json. */
  json: string | null;
  worst: Severity | null;
  /** Stdout already says all there is to say (no connection matched the filters). */
  said?: boolean;
}

async function analyzeOne(path: string, opts: CliOptions, out: Output, keyLog: KeyLog | null = null): Promise<Analysed> {
  const onEvent = opts.frames
    ? (connection: string, event: ReportEvent) => out.line(JSON.stringify({ connection, ...event }))
    : undefined;
  const analyzer = new Analyzer({ path, ports: opts.port.length > 0 ? opts.port : undefined, onEvent, keyLog, allTimelines: opts.all });
  // Standard input is handed down only for '-' (reading process.stdin opens it).
  const source = new CaptureSource(path, path === '-' ? { reuseBuffer: true, stdin: process.stdin } : { reuseBuffer: true });
  const progress = Progress.for(path);
  let bytes = 0;
  try {
    for await (const chunk of source) {
      analyzer.push(chunk);
      bytes += chunk.length;
      progress?.update(bytes);
    }
  } finally {
    progress?.done();
  }
  for (const w of source.warnings) analyzer.warn(w);
  return reportOf(analyzer, path, opts, out);
}

/** Connections or events are filtered out of the report: it must be built as objects. */
function filtered(opts: CliOptions): boolean {
  return opts.connection.length > 0 || opts.problems || opts.since !== undefined || opts.until !== undefined;
}

/** The analysis's report once its input has ended: streamed as JSON, or as objects for the renderers and filters. */
function reportOf(analyzer: Analyzer, path: string, opts: CliOptions, out: Output): Analysed {
  // Ending the input ends every connection still open: their state (most of the live heap, on a capture of
  // thousands of open connections) all turns to garbage while the report is built. Collect it sooner than while
  // reading (10,000 open connections: 290 -> 265 MiB at the peak when it was set to 10%). 20% since that state
  // shrank: on the 10,000-connection capture, 0.13 s less in --json and terminal runs alike (medians of five
  // alternating runs) for a peak of 225-230 MiB instead of 223-225; 30% saved nothing more and peaked at 237.
  setFlagsFromString('--heap-growing-percent=20');
  if (opts.json && !filtered(opts) && opts.html === undefined) {
    // A large capture's report is tens of megabytes: stream it out without building every connection's object
    // again (one capture), or keep its text (several, written as an array at the end).
    if (opts.single) {
      analyzer.writeJson((t) => out.write(t));
      out.write('\n');
      return { report: null, json: null, worst: analyzer.worstSeverity() };
    }
    return { report: null, json: analyzer.endJson(), worst: analyzer.worstSeverity() };
  }
  const full = analyzer.end();
  const report = filterReport(full, opts);
  if (!opts.json && report.connections.length === 0 && full.connections.length > 0) {
    out.line(`${path}: none of its ${full.connections.length} AMQP connection(s) match the --connection, --problems, --since or --until given.`);
    return { report, json: null, worst: reportSeverity(report), said: true };
  }
  return { report, json: opts.json ? JSON.stringify(report, null, 2) : null, worst: reportSeverity(report) };
}

/** The ended connections a --follow run keeps for its final report, the latest of each kind (README: "Live"). */
const FOLLOW_RETAIN = { healthy: 100, problems: 200, members: 10_000 };
/** How often the status line is redrawn (stderr on a terminal), and a status event written (--follow --json). */
const STATUS_LINE_MS = 1000;
const STATUS_EVENT_MS = 10_000;

/** --follow's one-line status on stderr, only when it is a terminal; cleared before stdout prints a line. */
class StatusLine {
  private shown = false;
  show(text: string): void {
    process.stderr.write(`\r\x1b[2K${oneLine(text)}`);
    this.shown = true;
  }
  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}

/**
 * --live: tcpdump writing packets as they come (-U), whole (-s 0), of the AMQP ports only, to our pipe. `failed`
 * settles with tcpdump's reason when it could not capture (not installed, not permitted, no such interface), else
 * with null once it has exited.
 */
function startTcpdump(iface: string, ports: readonly number[]): { stdout: NodeJS.ReadableStream; stop: () => void; failed: Promise<string | null> } {
  const filter = (ports.length > 0 ? ports : DEFAULT_PORTS).map((p) => `tcp port ${p}`).join(' or ');
  const child = spawn('tcpdump', ['-U', '-s', '0', '-w', '-', '-i', iface, filter], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString('utf8');
  });
  const failed = new Promise<string | null>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'ENOENT' ? '--live: tcpdump is not installed (or not on PATH); install it, or pipe a capture into amqpscope --follow -' : `--live: cannot start tcpdump (${err.code ?? err.message})`),
    );
    child.once('close', (code) => {
      const said = stderr
        .split('\n')
        .find((l) => l.startsWith('tcpdump: ') && !/^tcpdump: (listening on|verbose output suppressed)/.test(l))
        ?.slice('tcpdump: '.length);
      resolve(code !== null && code !== 0 ? `--live: tcpdump could not capture on '${iface}': ${said ?? `exit status ${code}`}` : null);
    });
  });
  return { stdout: child.stdout, stop: () => child.kill('SIGTERM'), failed };
}

/**
 * --follow: live events as the capture grows, then the report. Events are printed as packets make them known;
 * the wall clock only paces the status line. SIGINT and SIGTERM end the input: the report covers what was read.
 */
async function followOne(path: string, opts: CliOptions, out: Output, keyLog: KeyLog | null): Promise<Analysed> {
  const controller = new AbortController();
  const { signal } = controller;
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const status = process.stderr.isTTY === true ? new StatusLine() : null;
  const tcpdump = opts.live !== undefined ? startTcpdump(opts.live, opts.port) : null;
  let namelessTold = false;
  const analyzer = new Analyzer({
    path,
    ports: opts.port.length > 0 ? opts.port : undefined,
    keyLog,
    allTimelines: opts.all,
    retain: FOLLOW_RETAIN,
    liveFilter: liveEventFilter(opts, (connection) => {
      if (namelessTold) return;
      namelessTold = true;
      status?.clear();
      process.stderr.write(
        `amqpscope: note: --connection left out an alert on ${connection}, whose name is not in the capture (it joined the connection after its Start-Ok): ` +
          'narrow by host or port to see such connections (said once)\n',
      );
    }),
    onLive: (event) => {
      status?.clear();
      out.line(opts.json ? JSON.stringify(liveJson(event, analyzer.liveStatus())) : liveLine(event));
    },
  });
  const stdin = tcpdump?.stdout ?? (path === '-' ? process.stdin : null);
  const gone = (why: string): void => {
    status?.clear();
    process.stderr.write(`amqpscope: warning: ${oneLine(why)}\n`);
  };
  const input = stdin !== null ? untilAborted(new CaptureSource('-', { stdin }), signal) : followFile(path, { signal, onGone: gone });
  const statusNow = (): void => {
    const s = analyzer.liveStatus();
    if (s !== null) status?.show(`amqpscope --follow ${path}: ${statusText(s)}`);
  };
  const statusEvent = (): void => {
    const s = analyzer.liveStatus();
    if (s !== null) out.line(JSON.stringify(s));
    out.flush();
  };
  const timers = [status !== null ? setInterval(statusNow, STATUS_LINE_MS) : null, opts.json ? setInterval(statusEvent, STATUS_EVENT_MS) : null];
  try {
    for await (const chunk of input) {
      analyzer.push(chunk);
      out.flush();
      // A corrupt record: nothing after it can be read (pcap has no marker to find the next one). Waiting on
      // tcpdump for more would say nothing until SIGINT: end now, the report covers what was read.
      const stopped = analyzer.readingStopped();
      if (stopped !== null) {
        gone(`${stopped}; the report covers what was read`);
        controller.abort();
        break;
      }
    }
  } finally {
    for (const t of timers) if (t !== null) clearInterval(t);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    status?.clear();
    tcpdump?.stop();
    // A read still pending on standard input would keep the process alive after the report.
    if (stdin === process.stdin && signal.aborted) process.stdin.destroy();
  }
  const failure = tcpdump !== null ? await tcpdump.failed : null;
  // No packet read (liveStatus is null until the first): tcpdump's reason is the whole story.
  if (failure !== null && analyzer.liveStatus() === null) throw new AnalyzerError('unreadable-input', failure);
  if (!opts.json) return reportOf(analyzer, path, opts, out);
  // NDJSON to the end: the last status, then the full report (the object of --json) on one line, streamed when
  // unfiltered (JSON strings hold no raw newline: dropping each newline and its indentation keeps the same JSON).
  statusEvent();
  if (!filtered(opts) && opts.html === undefined) {
    analyzer.writeJson((text) => out.write(text.replace(/\n */g, '')));
    out.write('\n');
    return { report: null, json: null, worst: analyzer.worstSeverity() };
  }
  const report = filterReport(analyzer.end(), opts);
  out.line(JSON.stringify(report));
  return { report, json: null, worst: reportSeverity(report) };
}

/** One capture in a worker thread: its whole report. */
function analyzeInWorker(job: WorkerJob): Promise<Report> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./cli-worker.js', import.meta.url), { workerData: job });
    worker.once('message', (answer: WorkerAnswer) => {
      if (answer.ok) resolve(JSON.parse(answer.json) as Report);
      else if (answer.code !== null) reject(new AnalyzerError(answer.code, answer.message));
      else reject(Object.assign(new Error(answer.message), answer.stack !== undefined ? { stack: answer.stack } : {}));
    });
    worker.once('error', reject);
  });
}

/**
 * Several captures at once, one worker thread per file, as many at a time as the machine has cores: each worker's
 * memory is that of one capture's analysis. Reports come back in the order the files were named.
 */
async function analyzeSeveral(paths: readonly string[], opts: CliOptions, keyLogPaths: string[]): Promise<Report[]> {
  const reports: Report[] = new Array<Report>(paths.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      reports[i] = await analyzeInWorker({ path: paths[i]!, ports: opts.port.length > 0 ? opts.port : undefined, keyLogPaths, allTimelines: opts.all });
    }
  };
  await Promise.all(Array.from({ length: Math.min(paths.length, availableParallelism()) }, lane));
  return reports;
}

/** A JSON report made elsewhere (`--merge`): read, and checked to be one of ours before it is trusted. */
function readReport(path: string): Report {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new AnalyzerError('unreadable-input', `--merge: cannot read '${path}' (${code})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AnalyzerError('not-a-capture', `--merge: '${path}' is not JSON (give it reports written by amqpscope --json)`);
  }
  const r = value as Partial<Report> | null;
  const ours =
    r !== null && typeof r === 'object' && r.tool?.name === 'amqpscope' && typeof r.schemaVersion === 'number' && Array.isArray(r.connections) && typeof r.fleet === 'object' && typeof r.capture === 'object';
  if (!ours) throw new AnalyzerError('not-a-capture', `--merge: '${path}' is not an amqpscope JSON report (made by amqpscope --json)`);
  return value as Report;
}

/** The first file named twice (the same file under two paths too: a glob and a symlink), or null. */
function namedTwice(paths: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const p of paths) {
    let key = p;
    try {
      key = realpathSync(p);
    } catch {
      // A path that does not resolve is reported as unreadable when it is opened.
    }
    if (seen.has(key)) return p;
    seen.add(key);
  }
  return null;
}

/** The terminal renderer (and cli-table3) is loaded only when a terminal report is written: --json starts faster. */
async function renderTerminal(report: Report, options: TerminalOptions): Promise<string> {
  const { renderTerminal: render } = await import('./render/terminal.js');
  return render(report, options);
}

/** The HTML and Markdown renderers are loaded only when asked for. */
async function renderHtml(report: Report, all: boolean): Promise<string> {
  const { renderHtml: render } = await import('./render/html/page.js');
  return render(report, { all });
}

async function renderMarkdown(report: Report, all: boolean): Promise<string> {
  const { renderMarkdown: render } = await import('./render/markdown.js');
  return render(report, { all });
}

function writeReportFile(path: string, content: string): void {
  try {
    writeFileSync(path, content);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new AnalyzerError('unreadable-input', `--html: cannot write '${path}' (${code})`);
  }
}

function useColor(opts: CliOptions): boolean {
  if (opts.color !== undefined && process.argv.some((a) => a === '--color' || a === '--no-color')) return opts.color;
  if (process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '') return false;
  return process.stdout.isTTY === true;
}

function terminalWidth(opts: CliOptions): number {
  if (opts.width !== undefined) return opts.width;
  const cols = process.stdout.isTTY ? process.stdout.columns : undefined;
  return cols !== undefined && cols > 0 ? Math.min(cols, MAX_AUTO_WIDTH) : DEFAULT_PIPE_WIDTH;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    program.parse(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      throw new AnalyzerError('usage', err.message.replace(/^error: /, ''));
    }
    throw err;
  }
  const raw = program.opts();
  const opts: CliOptions = {
    json: raw['json'] === true,
    frames: raw['frames'] === true,
    html: raw['html'] as string | undefined,
    markdown: raw['markdown'] === true,
    port: (raw['port'] as number[] | undefined) ?? [],
    connection: (raw['connection'] as string[] | undefined) ?? [],
    problems: raw['problems'] === true,
    since: raw['since'] as string | undefined,
    until: raw['until'] as string | undefined,
    all: raw['all'] === true,
    color: raw['color'] as boolean | undefined,
    width: raw['width'] as number | undefined,
    failOn: raw['failOn'] as 'warning' | 'error' | undefined,
    debug: raw['debug'] === true,
    tlsKeylog: (raw['tlsKeylog'] as string[] | undefined) ?? [],
    merge: raw['merge'] === true,
    follow: raw['follow'] === true || raw['live'] !== undefined,
    live: raw['live'] as string | undefined,
  };
  opts.single = program.args.length === 1 && !opts.merge;
  if (opts.json && opts.frames) throw new AnalyzerError('usage', '--json and --frames are two different outputs: choose one');
  if (opts.markdown && (opts.json || opts.frames)) throw new AnalyzerError('usage', '--markdown, --json and --frames are different outputs: choose one');
  const paths = opts.live !== undefined && program.args.length === 0 ? [`live:${opts.live}`] : program.args;
  if (paths.length === 0) throw new AnalyzerError('usage', "missing required argument 'capture' (a capture file, or '-' for standard input)");
  if (opts.follow) {
    if (opts.live !== undefined && program.args.length > 0) throw new AnalyzerError('usage', '--live reads from tcpdump: name no capture file with it');
    if (opts.merge) throw new AnalyzerError('usage', '--follow reads a capture as it grows and --merge reads finished reports: choose one');
    if (paths.length > 1) throw new AnalyzerError('usage', '--follow reads one capture as it grows: name one file, or - for standard input');
    if (opts.frames) throw new AnalyzerError('usage', '--follow and --frames are two different streams: choose one');
  }
  if (opts.merge && opts.frames) throw new AnalyzerError('usage', '--merge reads reports, which hold no frame stream: --frames needs the captures');
  if (paths.length > 1 && paths.includes('-')) throw new AnalyzerError('usage', "'-' (standard input) is one capture: name the others in another run, or --merge their reports");
  const twice = namedTwice(paths);
  if (twice !== null) throw new AnalyzerError('usage', `'${twice}' is named twice: its connections would be counted twice (name each ${opts.merge ? 'report' : 'capture'} once)`);
  const out = new Output();
  const keys = loadKeyLogs(opts.tlsKeylog, process.env['SSLKEYLOGFILE'], opts.follow, (text) => process.stderr.write(`amqpscope: warning: ${oneLine(text)}\n`));
  const keyLog = keys?.log ?? null;
  if (opts.merge || (paths.length > 1 && !opts.frames)) {
    // One fleet report of several captures (analysed in parallel) or of reports made elsewhere.
    const full = mergeReports(opts.merge ? paths.map(readReport) : await analyzeSeveral(paths, opts, keys?.paths ?? []));
    const report = filterReport(full, opts);
    if (opts.html !== undefined) writeReportFile(opts.html, await renderHtml(report, opts.all));
    if (opts.json) out.line(JSON.stringify(report, null, 2));
    else if (opts.markdown) out.write(await renderMarkdown(report, opts.all));
    else out.line(await renderTerminal(report, { width: terminalWidth(opts), color: useColor(opts), all: opts.all }));
    out.flush();
    const worst = reportSeverity(report);
    return opts.failOn !== undefined && worst !== null && SEVERITY_RANK[worst] >= SEVERITY_RANK[opts.failOn] ? 1 : 0;
  }
  const results: Analysed[] = [];
  for (const path of paths) {
    const result = opts.follow ? await followOne(path, opts, out, keyLog) : await analyzeOne(path, opts, out, keyLog);
    results.push(result);
    if (opts.html !== undefined && result.report !== null) writeReportFile(opts.html, await renderHtml(result.report, opts.all));
    if (opts.frames || opts.json || result.report === null || result.said === true) continue;
    if (results.length > 1) out.line('');
    if (opts.markdown) out.write(await renderMarkdown(result.report, opts.all));
    else out.line(await renderTerminal(result.report, { width: terminalWidth(opts), color: useColor(opts), all: opts.all }));
  }
  // One capture: its report, already streamed unless filtered.
  const text = results[0]?.json;
  if (opts.json && text !== null && text !== undefined) out.line(text);
  out.flush();
  if (opts.failOn !== undefined) {
    const worst = worstSeverity(results.map((r) => r.worst));
    if (worst !== null && SEVERITY_RANK[worst] >= SEVERITY_RANK[opts.failOn]) return 1;
  }
  return 0;
}

function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

// Node writes to a pipe asynchronously: a reader slower than the report (jq, less, a parent process collecting it)
// had the report queue up in memory (the 10,000-connection capture's 24 MB of JSON: peak RSS 233-255 MiB under
// `npm run bench:fleet`, 220 when written to a file). Blocking writes keep memory flat; a slow reader slows the
// analysis down instead. (A file or a terminal is written synchronously already.)
(process.stdout as unknown as { _handle?: { setBlocking?: (blocking: boolean) => unknown } })._handle?.setBlocking?.(true);

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // `amqpscope x.pcap | head`: the reader went away; that is not an error of ours.
  if (err.code === 'EPIPE') process.exit(0);
});

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof AnalyzerError) {
      process.stderr.write(`amqpscope: ${oneLine(err.message)}\n`);
      process.exitCode = 2;
      return;
    }
    const debug = process.argv.includes('--debug');
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `amqpscope: internal error (a bug in amqpscope): ${oneLine(message)}. Please report it at ${BUG_URL} with the command line` +
        `${debug ? '' : ' and the output of the same command with --debug'}.\n`,
    );
    if (debug && err instanceof Error && err.stack !== undefined) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 3;
  },
);
