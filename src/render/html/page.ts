/**
 * The HTML report: one self-contained page (inline CSS, script and SVG; nothing fetched, so it opens from an e-mail
 * attachment on an air-gapped laptop). A pure function of the Report, like the terminal renderer.
 *
 * Layout: the capture's facts, the headline, the fleet chart, the fleet summary, the connections table, then one
 * section per problem connection (every connection with `all`): swimlane, event table, explanation, findings.
 *
 * Safety, twice over: every string is escaped (escape.ts), and the page's Content-Security-Policy allows no
 * network access and no script but its own (by hash), so even markup that slipped through could neither load nor
 * run anything: no inline handlers, no javascript: URLs, no images but data: ones.
 */
import { createHash } from 'node:crypto';
import type { Report, ReportConnection } from '../../report/types.js';
import { SEVERITY_RANK } from '../../diagnosis/types.js';
import { isProblem } from '../phrases.js';
import { settingOnly, settingSummaries } from '../fleet.js';
import { groupDigits } from '../text.js';
import { scriptJson, text } from './escape.js';
import { chartRows, renderFleetChart } from './fleet-chart.js';
import { SCRIPT } from './script.js';
import { renderCapture, renderConnectionSection, renderConnectionsTable, renderFindings, renderFleet, renderHeadline } from './sections.js';
import { CSS } from './style.js';
import { tickLegend } from './swimlane.js';

export interface HtmlOptions {
  /** Timelines for every connection, healthy ones included (`--all`). */
  all: boolean;
}

/**
 * Characters of connection sections a page may hold. With the chart's data (about 100 bytes a connection) and the
 * table (at most TABLE_MAX_ROWS rows of about 300 bytes), a report of 10,000 connections stays under 10 MB.
 */
export const SECTION_BUDGET = 7_000_000;

const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${SCRIPT_HASH}'; base-uri 'none'; form-action 'none'`;

/** The report as one HTML document. */
export function renderHtml(report: Report, opts: HtmlOptions = { all: false }): string {
  // Sections, most severe first, until the page's budget is spent: the rest are in the table and the chart.
  const wanted = report.connections
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => opts.all || isProblem(c))
    // Within a severity, what happened before what is only a setting (a clean close with a low heartbeat timeout).
    .sort((a, b) => SEVERITY_RANK[b.c.severity] - SEVERITY_RANK[a.c.severity] || Number(settingOnly(a.c)) - Number(settingOnly(b.c)) || a.i - b.i);
  const anchors = new Map<ReportConnection, string>();
  const sections: string[] = [];
  let used = 0;
  for (const { c } of wanted) {
    const key = `c${sections.length + 1}`;
    const html = renderConnectionSection(c, key);
    if (used + html.length > SECTION_BUDGET) break;
    used += html.length;
    sections.push(html);
    anchors.set(c, key);
  }
  const left = wanted.length - sections.length;
  const rows = chartRows(report, anchors);
  const chart = renderFleetChart(report, rows);
  const g = chart.geometry;
  const data = {
    chart: { t0: g.t0, t1: g.t1, top: g.top, rowPx: g.rowPx, gutter: g.gutter, plotWidth: g.plotWidth, plotHeight: g.plotHeight },
    // [label, id, start, end, verdict, cause, severity, anchor, capture]: strings as raw text, shown by textContent.
    rows: rows.map((r) => [r.c.name ?? r.c.library ?? '', r.c.id, round(r.start), round(r.end), r.c.end.verdict, r.c.end.cause ?? '', r.c.severity, r.anchor, r.c.capture ?? '']),
  };
  const body = [
    `<header><h1>amqpscope: ${text(report.capture.path)}</h1>${renderCapture(report)}</header>`,
    renderHeadline(report),
    report.connections.length > 0 ? `<h2>Connections over capture time</h2>${chart.html}` : '',
    renderFleet(report.fleet),
    renderSettings(report),
    report.connections.length > 0 ? renderConnectionsTable(report, anchors) : '<p>No AMQP connections found.</p>',
    sections.length > 0 ? `<h2>Timelines</h2>${tickLegend()}` : '',
    ...sections,
    left > 0
      ? `<p class="warning">${groupDigits(left)} more connection(s) with a warning or an error have no timeline here: the page keeps under 10 MB. ` +
        'Narrow the report with <code>--connection</code>, <code>--problems</code> or <code>--since</code>, or read the JSON report.</p>'
      : '',
    !opts.all && report.connections.length > wanted.length
      ? `<p class="dim">${groupDigits(report.connections.length - wanted.length)} healthy connection(s) have no timeline here; <code>--all</code> adds them.</p>`
      : '',
    report.findings.length > 0 ? `<h2>Across connections</h2>${renderFindings(report.findings)}` : '',
    `<footer class="dim">${text(`${report.tool.name} ${report.tool.version}`)}</footer>`,
  ].join('\n');
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>amqpscope: ${text(report.capture.path)}</title><style>${CSS}</style></head>\n<body>\n${body}\n` +
    `<script type="application/json" id="amqpscope-data">${scriptJson(data)}</script>\n<script>${SCRIPT}</script>\n</body></html>\n`
  );
}

function round(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}

/**
 * The settings warned about, each said once for the connections that have it, as in the terminal and Markdown
 * reports; only in a report of several connections with one whose warnings are all about settings.
 */
function renderSettings(report: Report): string {
  if (report.connections.length < 2 || !report.connections.some(settingOnly)) return '';
  return `<section class="settings"><h2>Warnings about settings</h2><ul>${settingSummaries(report.connections).map((s) => `<li>${text(s)}</li>`).join('')}</ul></section>`;
}
