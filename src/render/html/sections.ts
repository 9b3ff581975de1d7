/**
 * The report's text blocks in HTML: the capture's facts, the headline, the fleet summary (groups, waves, broker
 * events, reconnects), the connections table, each problem connection's section (heading, swimlane, event table,
 * explanation, findings) and the findings across connections. Every string goes through `text`.
 */
import { SEVERITY_RANK } from '../../diagnosis/types.js';
import { plural } from '../../fleet/stats.js';
import { toldWaves } from '../../fleet/waves.js';
import type { Report, ReportConnection, ReportFinding, ReportFleet } from '../../report/types.js';
import { shortLibrary } from '../fold.js';
import { alarmCountText, alarmSpanText, causeLabel, connectionFacts, countBySeverity, endPhrase, framesText, heartbeatText, isProblem, moreAlarmsText, moreRefusalsText, narrowedText, refusalCountText, refusalSpanText } from '../phrases.js';
import { formatDuration, formatT, groupDigits } from '../text.js';
import { text } from './escape.js';
import { renderEventTable } from './event-table.js';
import { renderSwimlane } from './swimlane.js';
import { HTML_MAX_ALARMS, VERDICT_COLOUR } from './theme.js';

/** Above this many connections the table lists the problem connections only, the most severe first, at most TABLE_MAX_ROWS. */
export const TABLE_ALL_LIMIT = 1000;
export const TABLE_MAX_ROWS = 2000;

function captureFacts(cap: Report['capture']): string {
  const facts: string[] = [];
  if (cap.format !== null) facts.push(cap.format);
  const links = [...new Set(cap.linkTypes.map((l) => l.name))];
  if (links.length > 0) facts.push(links.join(', '));
  facts.push(`${groupDigits(cap.packets)} packet${cap.packets === 1 ? '' : 's'}`);
  if (cap.start !== null) facts.push(`${cap.start.replace('T', ' ').replace(/Z$/, ' UTC')} + ${formatDuration(cap.durationSeconds)}`);
  const warnings = cap.warnings.map(
    (w) => `<li class="warning">warning: ${text(w.code)}: ${text(w.message)}${w.packet !== undefined ? ` (after packet ${w.packet})` : ''}</li>`,
  );
  return `<li><code>${text(cap.path)}</code>: ${facts.map(text).join(' · ')}</li>${warnings.join('')}`;
}

export function renderCapture(report: Report): string {
  const caps = report.captures ?? [report.capture];
  const n = report.connections.length;
  const narrowed = narrowedText(report);
  return `<ul class="capture">${caps.map(captureFacts).join('')}<li>${groupDigits(n)} AMQP connection${n === 1 ? '' : 's'}</li>${narrowed !== null ? `<li><em>${text(narrowed)}</em></li>` : ''}</ul>`;
}

/**
 * The answer first, then the headline's other sentences as a list, as in the Markdown report (one paragraph of five
 * sentences was hard to read).
 */
export function renderHeadline(report: Report): string {
  const [first, ...rest] = report.fleet.headline;
  if (first === undefined) return '';
  const more = rest.length > 0 ? `<ul class="headline-more">${rest.map((s) => `<li>${text(s)}</li>`).join('')}</ul>` : '';
  return `<div class="headline"><p>${text(first)}</p>${more}</div>`;
}

function byVerdictText(m: ReportFleet['byVerdict']): string {
  return Object.entries(m)
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
}

/** Groups, waves, broker-side events and reconnects, when the report has a fleet section. */
export function renderFleet(fleet: ReportFleet): string {
  const parts: string[] = [];
  for (const [i, w] of toldWaves(fleet.waves).entries()) {
    parts.push(
      `<div class="wave"><h3><span class="swatch" style="background:${VERDICT_COLOUR[w.verdict]}"></span>wave ${i + 1}: ${w.count} × ${text(w.verdict)}` +
        `${w.cause !== null ? ` (${text(w.cause)})` : ''}${w.replyCode !== null ? ` ${w.replyCode}` : ''}, scope ${text(w.scope)}, ` +
        `${formatT(w.t)}–${formatT(w.endT)} s</h3><p>${text(w.explanation)}</p><p class="dim">hosts: ${w.hosts.map(text).join(', ')}</p></div>`,
    );
  }
  for (const a of fleet.alarms.slice(0, HTML_MAX_ALARMS)) {
    parts.push(`<div class="wave"><h3>resource alarm: ${text(alarmCountText(a))}, ${text(alarmSpanText(a))}</h3><p>${text(a.explanation)}</p><p class="dim">hosts: ${a.hosts.map(text).join(', ')}</p></div>`);
  }
  const moreAlarms = moreAlarmsText(fleet, HTML_MAX_ALARMS);
  if (moreAlarms !== null) parts.push(`<p class="dim">${text(moreAlarms)}</p>`);
  for (const r of fleet.handshakeRefusals.slice(0, HTML_MAX_ALARMS)) {
    parts.push(`<div class="wave"><h3>handshake refusals: ${text(refusalCountText(r))}, ${text(refusalSpanText(r))}</h3><p>${text(r.explanation)}</p><p class="dim">hosts: ${r.hosts.map(text).join(', ')}</p></div>`);
  }
  const moreRefusals = moreRefusalsText(fleet, HTML_MAX_ALARMS);
  if (moreRefusals !== null) parts.push(`<p class="dim">${text(moreRefusals)}</p>`);
  const na = fleet.notAccepting;
  if (na.count > 0) parts.push(`<div class="wave"><h3>broker not accepting: ${na.count}</h3><p>${text(na.explanation ?? '')}</p></div>`);
  const rf = fleet.refused;
  if (rf.count > 0) {
    parts.push(`<div class="wave"><h3>connection attempts failed: ${rf.count} (${rf.reset} refused with RST, ${rf.unanswered} unanswered)</h3><p>${text(rf.explanation ?? '')}</p></div>`);
  }
  const facts = [`${groupDigits(fleet.connections)} connections, ${groupDigits(fleet.open)} open at the end`];
  if (fleet.reconnects.count > 0) {
    const median = fleet.reconnects.medianDelaySeconds;
    facts.push(`${groupDigits(fleet.reconnects.count)} reconnects${median !== null ? ` (median delay ${formatDuration(median)})` : ''}`);
  }
  if (fleet.reconnects.loops.length > 0) facts.push(`${fleet.reconnects.loops.length} reconnect loop(s)`);
  if (fleet.noAmqp.count > 0) facts.push(`${groupDigits(fleet.noAmqp.count)} TCP connections without AMQP (health checks, scans)`);
  const groups = fleet.groups.slice(0, 50).map(
    (g) =>
      `<tr><td>${text(g.host)}</td><td>${text(g.application ?? '-')}</td><td class="num">${g.connections}</td><td class="num">${g.open}</td>` +
      `<td>${text(byVerdictText(g.byVerdict))}</td><td class="num">${g.medianLifetimeSeconds === null ? '-' : text(`${g.lifetimeAtLeast === true ? '≥ ' : ''}${formatDuration(g.medianLifetimeSeconds)}`)}</td></tr>`,
  );
  const table =
    groups.length > 0
      ? `<table class="groups"><thead><tr><th>Host</th><th>Application</th><th>Connections</th><th>Open</th><th>Ended by verdict</th><th>Median lifetime</th></tr></thead><tbody>${groups.join('')}</tbody></table>` +
        (fleet.groups.length > 50 ? `<p class="dim">${plural(fleet.groups.length - 50, 'more group')} in the JSON report.</p>` : '')
      : '';
  return `<section class="fleet-summary"><p>${facts.map(text).join(' · ')}</p>${parts.join('')}${table}</section>`;
}

function verdictCell(c: ReportConnection): string {
  const extra = countBySeverity(c.findings);
  return (
    `<span class="sev-${c.severity}">${text(c.end.verdict)}</span>${causeLabel(c) !== null ? ` <span class="dim">${text(causeLabel(c)!)}</span>` : ''}` +
    `${extra !== '' ? ` <span class="dim">${text(extra)}</span>` : ''}`
  );
}

/** The connections table; with more than TABLE_ALL_LIMIT connections, the problem ones only. */
export function renderConnectionsTable(report: Report, anchors: ReadonlyMap<ReportConnection, string>): string {
  const all = report.connections.length <= TABLE_ALL_LIMIT;
  const listed = all
    ? report.connections
    : report.connections
        .filter(isProblem)
        .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity])
        .slice(0, TABLE_MAX_ROWS);
  const multi = report.captures !== undefined && report.captures.length > 1;
  const rows = listed.map((c) => {
    const anchor = anchors.get(c);
    const id = anchor !== undefined ? `<a href="#${anchor}">${text(c.id)}</a>` : text(c.id);
    return (
      `<tr class="sev-row-${c.severity}"><td>${id}</td>${multi ? `<td>${text(c.capture ?? '')}</td>` : ''}<td>${text(c.name ?? '')}` +
      `${c.library !== null ? ` <span class="dim">${text(shortLibrary(c.library))}</span>` : ''}</td><td>${text(heartbeatText(c))}</td>` +
      `<td class="num">${text(framesText(c))}</td><td>${verdictCell(c)}</td>` +
      `<td class="num">${c.end.verdict === 'open' ? 'open' : formatT(c.end.t)}</td></tr>`
    );
  });
  const note = all ? '' : `<p class="dim">${groupDigits(report.connections.length - listed.length)} more connections are not listed: they are in the chart and the JSON report.</p>`;
  return (
    `<table class="connections"><thead><tr><th>Connection</th>${multi ? '<th>Capture</th>' : ''}<th>Name / client</th><th>T</th>` +
    `<th>Frames c→b/b→c</th><th>Verdict</th><th>Ended</th></tr></thead><tbody>${rows.join('')}</tbody></table>${note}`
  );
}

export function renderFindings(findings: readonly ReportFinding[]): string {
  const sorted = [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.t - b.t);
  const items = sorted.map(
    (f) => `<li><span class="sev sev-${f.severity}">${f.severity}</span> <code>${text(f.code)}</code> at ${formatT(f.t)} s: ${text(f.message)}</li>`,
  );
  return items.length > 0 ? `<ul class="findings">${items.join('')}</ul>` : '';
}

/** One connection in detail. `key` is its anchor (the fleet chart's click target). */
export function renderConnectionSection(c: ReportConnection, key: string): string {
  const title = `${c.id}${c.name !== null ? `  ${c.name}` : ''}`;
  const heading =
    `<h2><span class="sev sev-${c.severity}">${c.severity}</span> ${text(title)}</h2>` +
    `<p class="verdict"><strong class="sev-${c.severity}">${text(c.end.verdict)}</strong>${causeLabel(c) !== null ? ` (${text(causeLabel(c)!)})` : ''}, ${text(endPhrase(c))}</p>` +
    `<p class="dim">${text([...connectionFacts(c), ...(c.capture !== undefined ? [`capture ${c.capture}`] : [])].join(' · '))}</p>`;
  return (
    `<section class="connection" id="${key}">${heading}${renderSwimlane(c, `${key}-lane`)}${renderEventTable(c, `${key}-lane`)}` +
    `<p class="explanation">${text(c.end.explanation)}</p>${renderFindings(c.findings)}</section>`
  );
}
