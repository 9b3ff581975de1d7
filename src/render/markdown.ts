/**
 * The report as GitHub-flavoured Markdown, to paste into a GitHub or GitLab issue: the headline, the capture's
 * facts, the connections table, and for each problem connection (every one with `all`) its verdict, the articles'
 * packet table (Time | Source | Destination | Protocol | Info | Note, folded as in the terminal: fold.ts), the
 * explanation and the findings.
 *
 * Wire strings are hostile here too: `md` shows control and invisible characters escaped (sanitize), then
 * backslash-escapes every character that could start markup (CommonMark lets any ASCII punctuation be escaped):
 * pipes (table cells), backticks (code), `<` and `>` (raw HTML, autolinks), `*`, `_`, `~` (emphasis,
 * strikethrough), `[`/`]` (links, images), `#`, `&` (entities), `$` (GitHub's maths), `@` (mentions, e-mail
 * autolinks), and the `:` of `scheme://` and the `.` of `www.` (GFM's extended autolinks).
 */
import type { Report, ReportConnection, ReportFinding } from '../report/types.js';
import { SEVERITY_RANK } from '../diagnosis/types.js';
import { fleetFacts, GROUP_HEADERS, groupsShown, orderProblems, sameAsText, settingSummaries, splitSettingOnly } from './fleet.js';
import { foldTimeline, isAlarming, shortLibrary, side } from './fold.js';
import { causeLabel, connectionFacts, countBySeverity, endPhrase, framesText, heartbeatText, isProblem, narrowedText, verdictWithCause } from './phrases.js';
import { sanitize } from './sanitize.js';
import { formatDuration, formatT, groupDigits } from './text.js';

export interface MarkdownOptions {
  all: boolean;
}

/** Above this many connections the table lists the problem connections only. */
export const MARKDOWN_TABLE_LIMIT = 200;
/** Connections with a packet table, at most: an issue body holds about 64 KB on GitHub (and 1 MB on GitLab). */
export const MARKDOWN_MAX_SECTIONS = 20;
/** Connections named in the line under a wave's (or refusal's) first. */
const MARKDOWN_MAX_NAMED = 10;

/** Raw text as inert Markdown inline text (also safe in a table cell). */
export function md(s: string): string {
  return sanitize(s)
    .replace(/[\\`*_{}[\]<>|~#&$@!]/g, '\\$&')
    .replace(/([a-z][a-z0-9+.-]*):(?=\/\/)/gi, '$1\\:')
    .replace(/\b(www)\./gi, '$1\\.');
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[]): string[] {
  return [row(header), row(align.map((a) => (a === 'r' ? '---:' : '---'))), ...rows.map(row)];
}

function findingLines(findings: readonly ReportFinding[]): string[] {
  return [...findings]
    .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.t - b.t)
    .map((f) => `- **${f.severity}** ${md(f.code)} at ${formatT(f.t)} s: ${md(f.message)}`);
}

/** "2026-12-05T09:20:35.440123Z" -> "09:20:35.440123 UTC" (the date is in the capture's facts line). */
function utcTimeOfDay(at: string): string {
  const m = /T([0-9:.]+)Z$/.exec(at);
  return m !== null ? `${m[1]} UTC` : at;
}

function connectionLines(c: ReportConnection): string[] {
  const out = [`### ${md(c.id)}${c.name !== null ? ` ${md(c.name)}` : ''}`, ''];
  const cause = causeLabel(c);
  out.push(`**${c.severity}: ${md(c.end.verdict)}**${cause !== null ? ` (${md(cause)})` : ''}, ${md(endPhrase(c))}  `);
  // The end's time of day too: a ticket's reader matches it against the broker's log, which has no capture clock
  // (review 36).
  const ended = c.end.verdict !== 'open' ? [`ended ${utcTimeOfDay(c.end.at)}`] : [];
  out.push(md([...connectionFacts(c), ...ended].join(' · ')), '');
  const rows = foldTimeline(c.timeline, { library: c.library });
  if (rows.length > 0) {
    out.push(
      ...table(
        ['Time', 'Source', 'Destination', 'Protocol', 'Info', 'Note'],
        rows.map((r) => {
          const info = md(r.info);
          return [r.t === null ? '' : formatT(r.t), side(r.dir, 'source'), side(r.dir, 'destination'), r.protocol, isAlarming(r) ? `**${info}**` : info, md(r.note)];
        }),
        ['r', 'l', 'l', 'l', 'l', 'l'],
      ),
    );
    const shown = c.timeline.filter((e) => e.kind !== 'elided').length;
    if (c.eventCount > shown) out.push('', `${groupDigits(shown)} of ${groupDigits(c.eventCount)} events in the report's timeline.`);
    out.push('');
  }
  out.push(md(c.end.explanation));
  if (c.findings.length > 0) out.push('', ...findingLines(c.findings));
  return out;
}

/** Connection ids in code spans, the first MARKDOWN_MAX_NAMED, then how many more. */
function namedList(conns: readonly ReportConnection[]): string {
  const named = conns.slice(0, MARKDOWN_MAX_NAMED).map((c) => `\`${c.id.replace(/`/g, "'")}\``);
  const more = conns.length - named.length;
  return `${named.join(', ')}${more > 0 ? ` and ${groupDigits(more)} more` : ''}.`;
}

/** The Markdown report, ending with a newline. */
export function renderMarkdown(report: Report, opts: MarkdownOptions = { all: false }): string {
  const cap = report.capture;
  const n = report.connections.length;
  const out: string[] = [`## amqpscope: ${md(cap.path)}`, ''];
  // The answer first, bold; the headline's other sentences as a list: one paragraph of five was hard to read in a
  // ticket (review 35). Then the fleet's findings as the terminal lists them, escaped.
  const [first, ...rest] = report.fleet.headline;
  if (first !== undefined) out.push(`**${md(first)}**`, '');
  for (const sentence of rest) out.push(`- ${md(sentence)}`);
  if (rest.length > 0) out.push('');
  const fleetFactLines = fleetFacts(report.fleet);
  for (const f of fleetFactLines) out.push(`- ${md(f)}`);
  if (fleetFactLines.length > 0) out.push('');
  const groups = groupsShown(report.fleet);
  if (groups !== null) {
    out.push(...table([...GROUP_HEADERS], groups.rows.map((r) => r.cells.map(md)), ['l', 'l', 'r', 'r', 'l', 'r']), '');
    if (groups.more > 0) out.push(`${groupDigits(groups.more)} more groups are in the JSON report.`, '');
  }
  const facts = [cap.format ?? '', `${groupDigits(cap.packets)} packets`, cap.start !== null ? `${cap.start} + ${formatDuration(cap.durationSeconds)}` : '', `${groupDigits(n)} AMQP connection${n === 1 ? "" : "s"}`];
  out.push(md(facts.filter((f) => f !== '').join(' · ')), '');
  const narrowed = narrowedText(report);
  if (narrowed !== null) out.push(`*${md(narrowed)}*`, '');
  for (const w of cap.warnings) out.push(`- warning ${md(w.code)}: ${md(w.message)}`);
  if (cap.warnings.length > 0) out.push('');
  if (n > 0) {
    const listed = n <= MARKDOWN_TABLE_LIMIT ? report.connections : report.connections.filter(isProblem);
    out.push(
      ...table(
        ['Connection', 'Name / client', 'T', 'Frames c→b/b→c', 'Verdict', 'Ended'],
        listed.map((c) => {
          const extra = countBySeverity(c.findings);
          const name = [c.name ?? '', c.library !== null ? shortLibrary(c.library) : ''].filter((x) => x !== '').join(', ');
          const verdict = `${verdictWithCause(c)}${extra !== '' ? ` ${extra}` : ''}`;
          return [md(c.id), md(name), md(heartbeatText(c)), framesText(c), md(verdict), c.end.verdict === 'open' ? 'open' : formatT(c.end.t)];
        }),
        ['l', 'l', 'l', 'r', 'l', 'r'],
      ),
    );
    if (listed.length < n) out.push('', `${groupDigits(n - listed.length)} connections without a warning or an error are not listed.`);
    out.push('');
  }
  // Most severe first, and not more than an issue can hold: the rest are named in a line. A wave's or a handshake
  // refusal's other connections are named under its first, as in the terminal report.
  const problems = report.connections.filter((c) => opts.all || isProblem(c));
  const { detailed, waveMembers } = opts.all
    ? { detailed: [...problems].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]), waveMembers: new Map<string, ReportConnection[]>() }
    : orderProblems(report, problems);
  // As in the terminal report, a connection whose only warnings are about its settings has no table when there are
  // several: the setting is said once, and they are named under it.
  const { told: sections, settingsOnly } = splitSettingOnly(detailed, !opts.all && n > 1);
  for (const c of sections.slice(0, MARKDOWN_MAX_SECTIONS)) {
    out.push(...connectionLines(c), '');
    const others = waveMembers.get(c.id);
    if (others !== undefined) out.push(`${md(sameAsText(report, c, others.length))}: ${namedList(others)}`, '');
  }
  if (sections.length > MARKDOWN_MAX_SECTIONS) {
    out.push(`${groupDigits(sections.length - MARKDOWN_MAX_SECTIONS)} more connections have no table here: narrow the report with --connection, --problems or --since, or attach --html.`, '');
  }
  if (settingsOnly.length > 0) {
    out.push(`### Warnings about settings only (${groupDigits(settingsOnly.length)})`, '');
    for (const summary of settingSummaries(report.connections)) out.push(`- ${md(summary)}`);
    out.push('', `Nothing else to tell on: ${namedList(settingsOnly)}`, '');
  }
  if (report.findings.length > 0) out.push('### Across connections', '', ...findingLines(report.findings), '');
  return `${out.join('\n').trimEnd()}\n`;
}
