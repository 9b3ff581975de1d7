/**
 * The fleet part of the terminal report, printed first: the headline, then (for a run of several connections)
 * the groups by host and application, the waves, and the broker's acceptance. Bounded for any run: a capture of
 * 10,000 connections prints the same few dozen lines before its first timeline.
 */
import { handshakeRefusalKey, refusalKey, refusalOf } from '../diagnosis/refusal.js';
import { SEVERITY_RANK } from '../diagnosis/types.js';
import { plural } from '../fleet/stats.js';
import { toldWaves } from '../fleet/waves.js';
import { LOW_TIMEOUT_RISK, NO_HEARTBEATS_RISK } from '../diagnosis/findings/heartbeat.js';
import { eventful } from '../fleet/member.js';
import { attemptsLabel } from '../fleet/acceptance.js';
import type { Report, ReportConnection, ReportFleetGroup } from '../report/types.js';
import { paragraph, plain } from './paragraph.js';
import { paint, severityStyle } from './style.js';
import { renderTable, type Cell, type Column } from './table.js';
import { alarmSpanText, isProblem, moreAlarmsText, moreRefusalsText, refusalSpanText, verdictWithCause } from './phrases.js';
import { formatT, groupDigits } from './text.js';

/** Groups shown in the terminal (the JSON lists more). */
const MAX_GROUP_ROWS = 10;
const MAX_WAVE_LINES = 5;
const GROUPS_FROM = 5;
/** Below this width the groups are listed one per line instead of in a table. */
const GROUP_TABLE_MIN_WIDTH = 72;

function verdictCounts(byVerdict: Partial<Record<string, number>>): string {
  return Object.entries(byVerdict)
    .filter((e): e is [string, number] => e[1] !== undefined && e[1] > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
}

/** The group's median lifetime, "≥" when some of its connections were joined midway. */
function lifeText(g: ReportFleetGroup): string {
  const s = seconds(g.medianLifetimeSeconds);
  return g.lifetimeAtLeast === true && g.medianLifetimeSeconds !== null ? `≥ ${s}` : s;
}

function seconds(s: number | null): string {
  if (s === null) return '-';
  return s < 10 ? `${s.toFixed(1)} s` : s < 600 ? `${Math.round(s)} s` : `${(s / 60).toFixed(0)} min`;
}

export const GROUP_HEADERS = ['Host', 'Application', 'Conns', 'Open', 'Ended / verdicts', 'Median life'] as const;

/**
 * The groups table's rows (plain text, GROUP_HEADERS' columns; `problems`: a verdict other than a clean close), and
 * how many groups it leaves out; null where the connections table says as much (a handful of connections, or one
 * group). The terminal's table and Markdown's (review 36: a ticket showed no groups).
 */
export function groupsShown(fleet: Report['fleet']): { rows: { cells: string[]; problems: boolean }[]; more: number } | null {
  if (fleet.groups.length <= 1 || fleet.connections <= GROUPS_FROM) return null;
  const rows = fleet.groups.slice(0, MAX_GROUP_ROWS).map((g) => ({
    cells: [g.host, g.application ?? '-', String(g.connections), String(g.open), verdictCounts(g.byVerdict), lifeText(g)],
    problems: Object.entries(g.byVerdict).some(([v, n]) => v !== 'closed-by-client' && v !== 'open' && (n ?? 0) > 0),
  }));
  return { rows, more: fleet.groups.length - MAX_GROUP_ROWS + fleet.groupsOmitted };
}

export function fleetLines(report: Report, width: number, color: boolean): string[] {
  const fleet = report.fleet;
  const lines: string[] = [];
  fleet.headline.forEach((sentence, i) => lines.push(...paragraph([plain(sentence, i === 0 ? 'bold' : undefined)], width, color)));
  // One connection: the headline says it all, the detail follows.
  // (A resource alarm's fix is said only below, so an alarm on one connection counts too.)
  const several = fleet.connections > 1 || fleet.refused.count > 0 || fleet.noAmqp.count > 0 || fleet.notAccepting.count > 0 || fleet.alarms.length > 0;
  if (!several) return lines;

  const groups = groupsShown(fleet);
  if (groups !== null) {
    const rows: Cell[][] = groups.rows.map(({ cells, problems }) => cells.map((text, i) => (i === 4 && problems ? { text, style: 'yellow' as const } : text)));
    const columns: Column[] = [
      { header: GROUP_HEADERS[0], min: 9 },
      { header: GROUP_HEADERS[1], min: 10, max: 40 },
      { header: GROUP_HEADERS[2], min: 5, align: 'right' },
      { header: GROUP_HEADERS[3], min: 4, align: 'right' },
      { header: GROUP_HEADERS[4], min: 16 },
      { header: GROUP_HEADERS[5], min: 6, align: 'right' },
    ];
    if (width >= GROUP_TABLE_MIN_WIDTH) lines.push('', ...renderTable(columns, rows, { width, color }));
    else {
      // Too narrow for six columns: one wrapped line per group.
      lines.push('');
      for (const [host, app, conns, open, verdicts, life] of groups.rows.map((r) => r.cells)) {
        const text = `${host} ${app}: ${conns} connection(s), ${open} open; ${verdicts}; median life ${life}`;
        lines.push(...paragraph([plain('• '), plain(text)], width, color, '  '));
      }
    }
    if (groups.more > 0) lines.push(paint(`… ${plural(groups.more, 'more group')} (in the JSON report)`, 'dim', color));
  }

  const facts = fleetFacts(fleet);
  if (facts.length > 0) {
    lines.push('');
    for (const f of facts) lines.push(...paragraph([plain('• '), plain(f)], width, color, '  '));
  }
  return lines;
}

/**
 * The fleet's findings one line each, under the headline (the terminal's bullets, Markdown's list): waves, resource
 * alarms, handshake refusals, reconnects, a broker not accepting, attempts refused or unanswered, connections without
 * AMQP. Plain text: each renderer escapes it.
 */
export function fleetFacts(fleet: Report['fleet']): string[] {
  const facts: string[] = [];
  const waves = toldWaves(fleet.waves);
  for (const w of waves.slice(0, MAX_WAVE_LINES)) {
    facts.push(
      `wave at ${formatT(w.t)}-${formatT(w.endT)} s: ${w.count} ${w.verdict}${w.cause !== null ? ` (${w.cause})` : ''}${w.replyCode !== null ? ` ${w.replyCode}` : ''}, scope ${w.scope}, from ${w.hosts.join(', ')}; ${w.reconnected} reconnected`,
    );
  }
  if (waves.length > MAX_WAVE_LINES) facts.push(`… ${waves.length - MAX_WAVE_LINES} more waves`);
  for (const a of fleet.alarms.slice(0, MAX_WAVE_LINES)) facts.push(`alarm at ${alarmSpanText(a)}: ${a.explanation}`);
  const moreAlarms = moreAlarmsText(fleet, MAX_WAVE_LINES);
  if (moreAlarms !== null) facts.push(moreAlarms);
  for (const r of fleet.handshakeRefusals.slice(0, MAX_WAVE_LINES)) facts.push(`refused at ${refusalSpanText(r)}: ${r.explanation}`);
  const moreRefusals = moreRefusalsText(fleet, MAX_WAVE_LINES);
  if (moreRefusals !== null) facts.push(moreRefusals);
  const rc = fleet.reconnects;
  if (rc.count > 0) facts.push(`reconnects: ${rc.count}, median delay ${rc.medianDelaySeconds !== null ? `${rc.medianDelaySeconds.toFixed(3)} s` : '-'}; reconnect loops: ${rc.loops.length}`);
  if (fleet.notAccepting.count > 0 && fleet.notAccepting.explanation !== undefined) facts.push(`not accepting: ${fleet.notAccepting.explanation}`);
  if (fleet.refused.count > 0 && fleet.refused.explanation !== undefined) facts.push(`${attemptsLabel(fleet.refused)}: ${fleet.refused.explanation}`);
  if (fleet.noAmqp.count > 0) facts.push(`${fleet.noAmqp.count} TCP connection(s) carried no AMQP byte (health checks, port scans): counted, not listed`);
  return facts;
}

/**
 * Problem connections in the order an operator reads them: the most severe first, then in order of their end;
 * a wave's members after its first, so that one timeline stands for the wave.
 */
export function orderProblems(report: Report, problems: readonly ReportConnection[]): { detailed: ReportConnection[]; waveMembers: Map<string, ReportConnection[]> } {
  const waveOf = new Map<string, number>();
  report.fleet.waves.forEach((w, i) => w.connections.forEach((id) => waveOf.set(id, i)));
  // A handshake refusal is told like a wave: one connection in full, the others refused for the same reason one
  // line each. Its members are found by reason (its own list stops at 50), after the waves'.
  const refusals = new Map<string, number>();
  report.fleet.handshakeRefusals.forEach((r, i) => refusals.set(refusalKey(r.replyCode, r.replyText, refusalOf(r.replyCode, r.replyText), r.users[0] ?? null), report.fleet.waves.length + i));
  const groupOf = (c: ReportConnection): number | undefined => {
    const w = waveOf.get(c.id);
    if (w !== undefined || refusals.size === 0) return w;
    const key = handshakeRefusalKey(c.end, c.user);
    return key === null ? undefined : refusals.get(key);
  };
  // Within a severity, what happened before what is only a setting: a clean close whose one warning is its low
  // heartbeat timeout came before two aborted connections in a memory alarm (fleet-memory-alarm).
  const sorted = [...problems].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || Number(settingOnly(a)) - Number(settingOnly(b)));
  const detailed: ReportConnection[] = [];
  const waveMembers = new Map<string, ReportConnection[]>();
  const firstOfWave = new Map<number, ReportConnection>();
  for (const c of sorted) {
    const w = groupOf(c);
    const first = w === undefined ? undefined : firstOfWave.get(w);
    if (w === undefined || first === undefined) {
      if (w !== undefined) firstOfWave.set(w, c);
      detailed.push(c);
      continue;
    }
    const list = waveMembers.get(first.id);
    if (list === undefined) waveMembers.set(first.id, [c]);
    else list.push(c);
  }
  return { detailed, waveMembers };
}

/** A connection whose only warnings are about its settings (a low heartbeat timeout): nothing happened to it. */
export function settingOnly(c: ReportConnection): boolean {
  return isProblem(c) && !eventful(c.end, c.findings);
}

/**
 * The problem connections a report details, split for a report of several connections (not `all`): those with
 * something that happened get a timeline; those whose only warnings are about settings are one line each under the
 * setting, said once. A report of one connection, or with `all`, details every one. (A large run's omitted
 * timelines, `timelineOmitted`, are of such connections: the analyzer omits them by the same test, eventful.)
 */
export function splitSettingOnly(detailed: readonly ReportConnection[], several: boolean): { told: ReportConnection[]; settingsOnly: ReportConnection[] } {
  if (!several) return { told: [...detailed], settingsOnly: [] };
  return { told: detailed.filter((c) => !settingOnly(c)), settingsOnly: detailed.filter(settingOnly) };
}

/**
 * Each setting warned about, said once for every connection that has it (a report of several connections lists
 * those with nothing else to tell one line each under it, instead of a timeline each). Plain text.
 */
export function settingSummaries(connections: readonly ReportConnection[]): string[] {
  const timeouts: number[] = [];
  let low = 0;
  let disabled = 0;
  for (const c of connections) {
    for (const f of c.findings) {
      if (f.code === 'heartbeat-timeout-low') {
        low += 1;
        const t = typeof f['negotiated'] === 'number' ? f['negotiated'] : typeof f['inferred'] === 'number' ? f['inferred'] : null;
        if (t !== null) timeouts.push(t);
      } else if (f.code === 'heartbeats-disabled') disabled += 1;
    }
  }
  const out: string[] = [];
  const of = (n: number): string => (n === connections.length ? (n === 1 ? 'The connection has' : n === 2 ? 'Both connections have' : `All ${plural(n, 'connection')} have`) : `${groupDigits(n)} of ${plural(connections.length, 'connection')} ${n === 1 ? 'has' : 'have'}`);
  if (low > 0) {
    const values = [...new Set(timeouts)].sort((a, b) => a - b);
    const t = values.length === 0 ? '' : values.length === 1 ? ` (T = ${values[0]} s)` : ` (T = ${values[0]}-${values[values.length - 1]} s)`;
    out.push(
      `heartbeat-timeout-low: ${of(low)} a heartbeat timeout under 5 s${t}. ${LOW_TIMEOUT_RISK} (a peer closed as dead ` +
        "during a short network or flow-control hiccup) and finds 5 to 20 s optimal for most environments: raise the clients' heartbeat setting.",
    );
  }
  if (disabled > 0) {
    out.push(
      `heartbeats-disabled: ${of(disabled)} heartbeats disabled (Tune-Ok heartbeat=0): ${NO_HEARTBEATS_RISK}. Enable heartbeats (5 to 20 s).`,
    );
  }
  return out;
}

/**
 * One line per other member of a wave, under the timeline that stands for it. The members of a wave the broker
 * never accepted are named as such: that wave is not listed (the "not accepting" line says it).
 */
/** "The same in 52 more connection(s) refused for the same reason": what the connections told under `first` share. */
export function sameAsText(report: Report, first: ReportConnection, others: number): string {
  const notAccepted = report.fleet.waves.some((w) => w.notAccepted && w.connections.includes(first.id));
  const inWave = report.fleet.waves.some((w) => w.connections.includes(first.id));
  const what = notAccepted ? 'that the broker never accepted' : inWave ? 'of this wave' : 'refused for the same reason';
  return `The same in ${others} more connection(s) ${what}`;
}

export function waveMemberLines(report: Report, first: ReportConnection, members: readonly ReportConnection[], width: number, color: boolean): string[] {
  const lines = paragraph([plain(`${sameAsText(report, first, members.length)}:`, 'bold')], width, color);
  for (const c of members) {
    lines.push(
      ...paragraph(
        [plain('• '), plain(c.id), plain(c.name !== null ? ` ${c.name}` : ''), plain(` ${verdictWithCause(c)}`, severityStyle(c.severity)), plain(` at ${formatT(c.end.t)} s`)],
        width,
        color,
        '    ',
        '  ',
      ),
    );
  }
  return lines;
}
