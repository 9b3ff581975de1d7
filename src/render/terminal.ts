/**
 * The terminal report: what an operator reads in an incident. A pure function of the Report (no process access,
 * no clock); the CLI prints the string it returns.
 *
 *   1. one line about the capture (and its warnings, each on its own line);
 *   2. a summary table, one row per connection: id, name, client library, heartbeat T, frames each way, verdict
 *      (and cause), when it ended;
 *   3. for each connection with a warning or an error (every connection with `all`): a heading (verdict, cause, how
 *      it ended, T, the client's last frame), its timeline folded into a packet table (fold.ts), the explanation
 *      and the findings;
 *   4. healthy connections, one line each (unless `all`);
 *   5. findings that span connections.
 *
 * Safety: every piece of text goes through `sanitize` (here, or in table.ts for table cells) before it is laid out,
 * and colour codes are added only after layout and only when `color` is on. Layout: every line fits `width`
 * (80 to 160 columns; narrower widths are served on a best-effort basis).
 */
import { SEVERITY_RANK } from '../diagnosis/types.js';
import type { Report, ReportConnection, ReportFinding } from '../report/types.js';
import { foldTimeline, isAlarming, shortLibrary, side, type DisplayRow } from './fold.js';
import { causeLabel, connectionFacts, countBySeverity, endPhrase, framesText, heartbeatText, isProblem, narrowedText, verdictWithCause } from './phrases.js';
import { fleetLines, orderProblems, settingSummaries, splitSettingOnly, waveMemberLines } from './fleet.js';
import { paragraph, plain, type Segment } from './paragraph.js';
import { sanitize } from './sanitize.js';
import { paint, severityStyle, stripStyle, type Style } from './style.js';
import { renderTable, type Cell, type Column, type StyledText } from './table.js';
import { displayWidth, formatDuration, formatT, groupDigits, shorten, wrap } from './text.js';

export interface TerminalOptions {
  /** Columns available (80 to 160 expected). */
  width: number;
  /** Emit ANSI colour codes. */
  color: boolean;
  /** Full sections for healthy connections too. */
  all: boolean;
}

/** Up to this many connections, the summary table lists each and healthy ones get a line each. */
const SUMMARY_MAX = 30;
/** In a larger run the summary table lists the first problem connections only. */
const SUMMARY_ROWS_BIG = 10;
/** Problem connections a large run details with their timeline, and lists one line each after those. */
const SECTIONS_BIG = 20;
const REST_LINES_BIG = 30;

/** Narrowest layout: below 80 columns tables give way to one paragraph per row. */
const MIN_WIDTH = 40;
/** From this width on, the timeline uses the article's full column names. */
const WIDE = 140;

// ---- small formatters ------------------------------------------------------------------------------------------

function captureStart(iso: string | null): string {
  if (iso === null) return '';
  return iso.replace('T', ' ').replace(/Z$/, ' UTC');
}

// ---- 1. the capture ---------------------------------------------------------------------------------------------

/** One block per capture (several in one run, or merged reports), each with its own connection count. */
function captureLines(report: Report, width: number, color: boolean): string[] {
  const caps = report.captures ?? [report.capture];
  if (caps.length === 1) return oneCaptureLines(caps[0]!, report.connections.length, width, color);
  const lines = paragraph([plain(`${caps.length} captures, one report`, 'bold'), plain(` · ${groupDigits(report.connections.length)} AMQP connections in all`)], width, color, '  ');
  for (const cap of caps) lines.push(...oneCaptureLines(cap, report.connections.filter((c) => c.capture === cap.path).length, width, color));
  return lines;
}

function oneCaptureLines(cap: Report['capture'], n: number, width: number, color: boolean): string[] {
  const facts: string[] = [];
  if (cap.format !== null) facts.push(cap.format);
  const links = [...new Set(cap.linkTypes.map((l) => l.name))];
  if (links.length > 0) facts.push(links.join(', '));
  facts.push(`${groupDigits(cap.packets)} packet${cap.packets === 1 ? '' : 's'}`);
  if (cap.start !== null) facts.push(`${captureStart(cap.start)} + ${formatDuration(cap.durationSeconds)}`);
  facts.push(`${groupDigits(n)} AMQP connection${n === 1 ? '' : 's'}`);
  // Each fact stays on one line ("2026-11-22 02:10:11.620292 UTC + 12.0 s" is not broken at its spaces).
  const segments: Segment[] = [plain(cap.path, 'bold'), plain(':')];
  facts.forEach((f, i) => {
    segments.push({ text: f, nowrap: true });
    if (i < facts.length - 1) segments.push(plain(' ·'));
  });
  const lines = paragraph(segments, width, color, '  ');
  for (const w of cap.warnings) {
    const where = [w.packet !== undefined ? `after packet ${w.packet}` : '', w.offset !== undefined ? `at byte ${w.offset}` : '']
      .filter((x) => x !== '')
      .join(', ');
    lines.push(...paragraph([plain('warning:', 'yellow'), plain(` ${w.code}: ${w.message}${where !== '' ? ` (${where})` : ''}`)], width, color, '  '));
  }
  const sk = cap.skipped;
  const notAnalysed = [
    sk.malformed > 0 ? `${groupDigits(sk.malformed)} malformed` : '',
    sk.unsupportedLink > 0 ? `${groupDigits(sk.unsupportedLink)} on an unsupported link type` : '',
    sk.ipFragments > 0 ? `${groupDigits(sk.ipFragments)} IP fragments` : '',
  ].filter((x) => x !== '');
  if (notAnalysed.length > 0) lines.push(...paragraph([plain(`not analysed: ${notAnalysed.join(', ')} packets`, 'dim')], width, color, '  '));
  return lines;
}

// ---- 2. the summary table -----------------------------------------------------------------------------------

/** Breaks a connection id before "->" first, then as any long word. */
function wrapId(text: string, width: number): string[] {
  if (displayWidth(text) <= width) return [text];
  const arrow = text.indexOf('->');
  if (arrow <= 0) return wrap(text, width);
  return [...wrap(text.slice(0, arrow), width), ...wrap(text.slice(arrow), width)];
}

function idMinWidth(id: string): number {
  const arrow = id.indexOf('->');
  const parts = arrow > 0 ? [id.slice(0, arrow), id.slice(arrow)] : [id];
  return Math.max(...parts.map((p) => displayWidth(sanitize(p))));
}

function summaryLines(report: Report, conns: readonly ReportConnection[], width: number, color: boolean): string[] {
  const verdictWidth = Math.max(7, ...conns.map((c) => c.end.verdict.length));
  const rows: Cell[][] = conns.map((c) => {
    const verdict: string[] = [c.end.verdict];
    const cause = causeLabel(c);
    if (cause !== null) verdict.push(cause);
    const extra = countBySeverity(c.findings);
    if (extra !== '') verdict.push(extra);
    const nameCell: (string | StyledText)[] = [c.name ?? (c.library === null ? '-' : '')].filter((x) => x !== '');
    if (c.library !== null) nameCell.push({ text: shortLibrary(c.library), style: 'dim' });
    return [
      c.id,
      { text: nameCell },
      heartbeatText(c),
      framesText(c),
      { text: verdict, style: severityStyle(c.severity) },
      c.end.verdict === 'open' ? 'open' : formatT(c.end.t),
    ];
  });
  // Short columns keep their natural width; the id and the name give way (the verdict never does).
  const natural = (i: number): number => Math.max(...rows.map((r) => displayWidth(sanitize(String(r[i])))));
  const columns: Column[] = [
    { header: 'Connection', min: Math.min(24, Math.max(10, ...conns.map((c) => idMinWidth(c.id)))), wrap: wrapId },
    { header: 'Name / client', min: 10, max: 48 },
    { header: 'T', min: natural(2) },
    { header: 'Frames c→b/b→c', min: Math.max(6, natural(3)) },
    { header: 'Verdict', min: verdictWidth },
    { header: 'Ended', min: Math.max(5, natural(5)), align: 'right' },
  ];
  const table = renderTable(columns, rows, { width, color });
  if (fits(table, width)) return table;
  // Narrower than the table's minimum (below 80 columns): one paragraph per connection instead.
  return conns.flatMap((c) =>
    paragraph(
      [
        plain(c.id, 'bold'),
        plain(c.name !== null ? ` ${c.name}` : ''),
        plain(` · T ${heartbeatText(c)} · ${framesText(c)} frames ·`),
        plain(` ${verdictWithCause(c)}`, severityStyle(c.severity)),
        plain(c.end.verdict === 'open' ? '' : ` at ${formatT(c.end.t)}`),
        plain(countBySeverity(c.findings) !== '' ? ` ${countBySeverity(c.findings)}` : ''),
      ],
      width,
      color,
      '  ',
    ),
  );
}

/** Whether every line of a rendered block fits the width. */
function fits(lines: readonly string[], width: number): boolean {
  return lines.every((l) => displayWidth(stripStyle(l)) <= width);
}

// ---- 3. one connection in detail ---------------------------------------------------------------------------

function headingLines(c: ReportConnection, width: number, color: boolean): string[] {
  const title = `${c.id}${c.name !== null ? `  ${c.name}` : ''}`;
  const safe = sanitize(title);
  const lines: string[] = [];
  if (displayWidth(safe) + 4 <= width) {
    const rule = '─'.repeat(Math.max(0, width - displayWidth(safe) - 4));
    lines.push(`${paint('──', undefined, color)} ${paint(safe, 'bold', color)} ${rule}`.trimEnd());
  } else {
    lines.push(...paragraph([plain(title, 'bold')], width, color, '  '));
  }
  const sev = c.severity;
  const style = severityStyle(sev);
  const verdictSegs: Segment[] = [
    plain(`${sev}:`, style),
    plain(` ${c.end.verdict}`, sev === 'info' ? 'bold' : style === 'red' ? 'boldRed' : style === 'yellow' ? 'boldYellow' : 'bold'),
  ];
  const cause = causeLabel(c);
  if (cause !== null) verdictSegs.push(plain(` (${cause})`));
  verdictSegs.push(plain(`, ${endPhrase(c)}`));
  lines.push(...paragraph(verdictSegs, width, color, '  '));

  const facts = connectionFacts(c);
  lines.push(...paragraph([plain(facts.join(' · '), 'dim')], width, color, '  '));
  return lines;
}

function timelineLines(c: ReportConnection, width: number, color: boolean): string[] {
  const rows = foldTimeline(c.timeline, { library: c.library });
  if (rows.length === 0) return [paint('(no events in the timeline)', 'dim', color)];
  const wide = width >= WIDE;
  const timeWidth = Math.max(4, ...rows.map((r) => (r.t === null ? 0 : formatT(r.t).length)));
  const columns: Column[] = [
    { header: 'Time', min: timeWidth, align: 'right' },
    { header: 'Source', min: 6 },
    { header: wide ? 'Destination' : 'Dest', min: 6 },
    { header: wide ? 'Protocol' : 'Proto', min: 4 },
    { header: 'Info', min: 16, keep: 40 },
    { header: 'Note', min: 16, keep: 64 },
  ];
  const anyNote = rows.some((r) => r.note !== '');
  if (!anyNote) columns.pop();
  const cells = rows.map((r) => rowCells(r, anyNote));
  let lines = renderTable(columns, cells, { width, color });
  if (!fits(lines, width)) {
    // Narrower than the table's minimum: one paragraph per row, "time  source→destination  protocol  info ◂ note".
    lines = rows.flatMap((r) => {
      const [time, src, dst, proto, info] = rowCells(r, false) as [string, string, string, string, Cell];
      const segs: Segment[] = [{ text: time.padStart(timeWidth), nowrap: true }];
      if (src !== '') segs.push(plain(` ${src}→${dst} ${proto}`));
      segs.push(typeof info === 'string' ? plain(` ${info}`) : plain(` ${typeof info.text === 'string' ? info.text : ''}`, info.style));
      if (r.note !== '') segs.push(plain(` ◂ ${r.note}`, 'yellow'));
      return paragraph(segs, width, color, ' '.repeat(Math.min(timeWidth + 2, 8)));
    });
  }
  if (c.eventCount > c.timeline.filter((e) => e.kind !== 'elided').length) {
    const shown = c.timeline.filter((e) => e.kind !== 'elided').length;
    lines.push(...paragraph([plain(`(${groupDigits(shown)} of ${groupDigits(c.eventCount)} events in the report's timeline; --frames streams them all)`, 'dim')], width, color));
  }
  return lines;
}

function rowCells(r: DisplayRow, withNote: boolean): Cell[] {
  const src = side(r.dir, 'source');
  const dst = side(r.dir, 'destination');
  const folded = r.kind === 'run' || r.kind === 'handshake' || r.kind === 'elided';
  const alarming = isAlarming(r);
  const info: Cell = { text: r.info, ...(folded ? { style: 'dim' as const } : alarming ? { style: 'bold' as const } : {}) };
  const cells: Cell[] = [r.t === null ? '' : formatT(r.t), src, dst, r.protocol, info];
  if (withNote) cells.push(r.note !== '' ? { text: r.note, style: 'yellow' } : '');
  return cells;
}

function findingLines(findings: readonly ReportFinding[], width: number, color: boolean, indent: string): string[] {
  const sorted = [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.t - b.t);
  return sorted.flatMap((f) =>
    paragraph(
      [{ text: f.severity.padEnd(7), style: severityStyle(f.severity), nowrap: true }, plain(` ${f.code}`, 'bold'), plain(` at ${formatT(f.t)} s: ${f.message}`)],
      width,
      color,
      `${indent}    `,
      indent,
    ),
  );
}

function sectionLines(c: ReportConnection, width: number, color: boolean): string[] {
  const lines = [...headingLines(c, width, color), ''];
  lines.push(...timelineLines(c, width, color), '');
  lines.push(...paragraph([plain(c.end.explanation)], width, color));
  if (c.findings.length > 0) lines.push(...findingLines(c.findings, width, color, '  '));
  return lines;
}

// ---- 4. one line per connection -------------------------------------------------------------------------------

/**
 * "✓ id  name  verdict: explanation…" for a healthy connection; a problem connection told in one line (past a large
 * run's detailed sections) gets its severity's mark and colour instead: "✗" for an error, "!" for a warning.
 */
function connectionLine(c: ReportConnection, width: number, color: boolean): string[] {
  const id = sanitize(c.id);
  const name = c.name !== null ? sanitize(c.name) : '';
  const verdict = c.end.verdict;
  const style = severityStyle(c.severity);
  const mark = c.severity === 'error' ? '✗' : c.severity === 'warning' ? '!' : '✓';
  // Only the explanation is shortened; the id, name and verdict never are.
  const used = 2 + displayWidth(id) + (name !== '' ? 2 + displayWidth(name) : 0) + 2 + verdict.length;
  if (used > width) {
    return paragraph([plain(mark, style), plain(` ${c.id}`), plain(c.name !== null ? ` ${c.name}` : ''), plain(` ${verdict}`, style)], width, color, '  ');
  }
  const room = width - used - 2;
  const explanation = room >= 16 ? `: ${shorten(sanitize(c.end.explanation), room)}` : '';
  return [`${paint(mark, style, color)} ${id}${name !== '' ? `  ${name}` : ''}  ${paint(verdict, style, color)}${explanation}`];
}

// ---- the whole report ----------------------------------------------------------------------------------------

/** The terminal report for `report`, lines joined with "\n" (no trailing newline). */
export function renderTerminal(report: Report, opts: TerminalOptions): string {
  const width = Math.max(MIN_WIDTH, Math.floor(opts.width));
  const color = opts.color;
  const out: string[] = [...captureLines(report, width, color)];
  const narrowed = narrowedText(report);
  if (narrowed !== null) out.push(...paragraph([plain(narrowed, 'dim')], width, color, '  '));

  out.push('', ...fleetLines(report, width, color));

  if (report.connections.length === 0) {
    out.push('', ...paragraph([plain('No AMQP connections found. AMQP is recognised on ports 5672 and 5671 (AMQPS), by its protocol header and by a TLS ClientHello; use --port for other ports.')], width, color));
  } else {
    const problems = report.connections.filter((c) => opts.all || isProblem(c));
    const healthy = report.connections.filter((c) => !opts.all && !isProblem(c));
    const { detailed, waveMembers } = opts.all ? { detailed: problems, waveMembers: new Map<string, ReportConnection[]>() } : orderProblems(report, problems);
    const big = !opts.all && report.connections.length > SUMMARY_MAX;
    out.push('', ...summaryLines(report, big ? detailed.slice(0, SUMMARY_ROWS_BIG) : report.connections, width, color));
    if (big) {
      const left = report.connections.length - Math.min(detailed.length, SUMMARY_ROWS_BIG);
      out.push(...paragraph([plain(`… ${groupDigits(left)} more connections not in this table (${groupDigits(healthy.length)} healthy); --all lists every connection`, 'dim')], width, color));
    }
    // A large run details its first SECTIONS_BIG problems (most severe first); the rest are one line each. A run of
    // several connections gives no timeline to a connection whose only warnings are about its settings (a low
    // heartbeat timeout): the setting is said once, and such connections are one line each under it (a large run
    // only counts them; their timeline is not in its report). A single connection keeps its section.
    const { told: sections, settingsOnly } = splitSettingOnly(detailed, !opts.all && report.connections.length > 1);
    for (const c of sections.slice(0, big ? SECTIONS_BIG : undefined)) {
      out.push('', ...sectionLines(c, width, color));
      const others = waveMembers.get(c.id);
      if (others !== undefined) out.push('', ...waveMemberLines(report, c, others, width, color));
    }
    if (big && sections.length > SECTIONS_BIG) {
      const rest = sections.slice(SECTIONS_BIG);
      out.push('', ...paragraph([plain(`${groupDigits(rest.length)} more problem connections (--connection ID or --problems --all shows their timelines):`, 'bold')], width, color));
      for (const c of rest.slice(0, REST_LINES_BIG)) out.push(...connectionLine(c, width, color));
      if (rest.length > REST_LINES_BIG) out.push(paint(`… and ${groupDigits(rest.length - REST_LINES_BIG)} more (in the JSON report)`, 'dim', color));
    }
    if (settingsOnly.length > 0) {
      out.push('', ...paragraph([plain(`Warnings about settings only (${groupDigits(settingsOnly.length)}):`, 'bold'), plain(big ? ' not listed; --all lists them.' : '')], width, color));
      for (const summary of settingSummaries(report.connections)) out.push(...paragraph([plain(`• ${summary}`)], width, color, '    ', '  '));
      if (!big) for (const c of settingsOnly) out.push(...connectionLine(c, width, color));
    }
    if (healthy.length > 0 && healthy.length <= SUMMARY_MAX) {
      out.push('', paint(`Healthy (${healthy.length}):`, 'bold', color));
      for (const c of healthy) out.push(...connectionLine(c, width, color));
    } else if (healthy.length > 0) {
      out.push('', paint(`Healthy (${groupDigits(healthy.length)}): not listed; --all lists them.`, 'bold', color));
    }
  }
  if (report.findings.length > 0) {
    out.push('', paint('Across connections:', 'bold', color));
    out.push(...findingLines(report.findings, width, color, '  '));
  }
  return out.join('\n');
}
