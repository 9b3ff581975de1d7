/**
 * Every command-line option as data (the shape npm-check-updates uses): the CLI registers them in a loop and the
 * README's option list is written from the same table, so help, docs and behaviour cannot drift apart.
 */
import { AnalyzerError } from './errors.js';

export interface CliOptions {
  json: boolean;
  frames: boolean;
  /** Write the HTML report to this file (with any other output). */
  html: string | undefined;
  /** Markdown on stdout instead of the terminal report. */
  markdown: boolean;
  port: number[];
  connection: string[];
  problems: boolean;
  since: string | undefined;
  until: string | undefined;
  all: boolean;
  color: boolean | undefined;
  width: number | undefined;
  failOn: 'warning' | 'error' | undefined;
  debug: boolean;
  /** Key log files (NSS format) for TLS; the CLI reads SSLKEYLOGFILE when none is given. */
  tlsKeylog: string[];
  /** The arguments are JSON reports (amqpscope --json) to merge into one fleet report, not captures. */
  merge: boolean;
  /** Read the capture as it grows (a pipe, or a file being written) and print live events as capture time passes. */
  follow: boolean;
  /** Start tcpdump on this interface and follow its capture (implies follow). */
  live: string | undefined;
  /** Set by the CLI: exactly one capture was named (its JSON report can be streamed). */
  single?: boolean;
}

export interface CliOptionSpec {
  flags: string;
  description: string;
  parse?: (value: string, previous: unknown) => unknown;
  defaultValue?: unknown;
}

function parsePort(value: string, previous: unknown): number[] {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new AnalyzerError('usage', `--port: '${value}' is not a TCP port (1-65535)`);
  return [...((previous as number[] | undefined) ?? []), n];
}

function collect(value: string, previous: unknown): string[] {
  return [...((previous as string[] | undefined) ?? []), value];
}

function parseWidth(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 40 || n > 1000) throw new AnalyzerError('usage', `--width: '${value}' is not a width between 40 and 1000 columns`);
  return n;
}

function parseFailOn(value: string): 'warning' | 'error' {
  if (value !== 'warning' && value !== 'error') throw new AnalyzerError('usage', `--fail-on: '${value}' must be 'warning' or 'error'`);
  return value;
}

export const CLI_OPTIONS: readonly CliOptionSpec[] = [
  { flags: '--json', description: 'print the JSON report (docs/report.schema.json) and nothing else on stdout' },
  { flags: '--follow', description: "read the capture as it grows ('-' from tcpdump -U -w -, or a file being written, like tail -f); print silence alerts and each connection's verdict as capture time passes (NDJSON with --json), and the full report at the end of the input or on SIGINT/SIGTERM" },
  { flags: '--live <iface>', description: "run tcpdump -U -s 0 -w - on this interface (AMQP ports only) and --follow its capture" },
  { flags: '--frames', description: 'stream every frame and TCP event of every connection as NDJSON, as they happen' },
  { flags: '--html <file>', description: 'also write a self-contained HTML report (fleet chart, swimlanes, event tables) to this file' },
  { flags: '--markdown', description: 'print the report as GitHub-flavoured Markdown (for issues and tickets) instead of the terminal report' },
  { flags: '--port <n>', description: 'a TCP port carrying AMQP (repeatable; default 5672 and 5671 (AMQPS); AMQP on other ports is found by its protocol header, AMQPS by its TLS ClientHello)', parse: parsePort },
  { flags: '--tls-keylog <file>', description: 'decrypt TLS with the session keys in this NSS key log (SSLKEYLOGFILE format; repeatable; default: $SSLKEYLOGFILE if set; with --follow, read again as clients add to it)', parse: collect },
  { flags: '--connection <x>', description: 'only connections whose id, port or name contains x (repeatable)', parse: collect },
  { flags: '--problems', description: 'only connections with a warning or an error about an event (not a setting alone, such as a low heartbeat timeout)' },
  { flags: '--since <time>', description: 'only events from this time on: seconds since the capture start, or an ISO time' },
  { flags: '--until <time>', description: 'only events up to this time: seconds since the capture start, or an ISO time' },
  { flags: '--all', description: 'full timelines for every connection, healthy ones included' },
  { flags: '--merge', description: 'the arguments are JSON reports (amqpscope --json, made anywhere): merge them into one fleet report' },
  { flags: '--color', description: 'colour the terminal report (default: only on a terminal, and never with NO_COLOR)' },
  { flags: '--no-color', description: 'no colour' },
  { flags: '--width <n>', description: 'terminal report width in columns (default: the terminal\'s, up to 160; 100 when not a terminal)', parse: parseWidth },
  { flags: '--fail-on <severity>', description: "exit with status 1 when a finding of this severity ('warning' or 'error') or worse exists", parse: parseFailOn },
  { flags: '--debug', description: 'on an internal error, print the stack trace' },
];
