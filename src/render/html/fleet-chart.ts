/**
 * The fleet chart: every connection a horizontal bar over capture time, coloured by verdict, its end marked with
 * the cause, and the fleet's waves and broker-side events (not accepting, refused) drawn across the bars.
 *
 * It must stay small and fast with 10,000 connections, so bars are not elements: one <path> per verdict colour, in
 * a nested <svg> whose viewBox is 10,000 units wide and one unit per row tall (preserveAspectRatio="none"), so a bar
 * is "M{x} {row}.5h{w}" and the browser scales. Above 43 rows the chart keeps 600 px and rows share pixels; bars
 * keep at least 1.5 px of thickness and problem colours are drawn last, so problems stay visible over healthy ones.
 * End markers (a few bytes each, <use> of a shape) are drawn for problem connections only, in pixel space so they
 * keep their shape. Hover and click are handled by the page script from the row data (page.ts), never from the DOM.
 */
import { toldWaves } from '../../fleet/waves.js';
import { attemptsLabel } from '../../fleet/acceptance.js';
import type { Report, ReportConnection, ReportFleet } from '../../report/types.js';
import { alarmCountText, isProblem, openedAt, refusalCountText } from '../phrases.js';
import { formatDuration, groupDigits, shorten } from '../text.js';
import { num, text } from './escape.js';
import { CAUSE_KEYS, CAUSE_MARKER, HTML_MAX_ALARMS, VERDICT_COLOUR, VERDICT_ORDER, axisLabel, axisTicks, niceStep } from './theme.js';

export const CHART_WIDTH = 1000;
/** Bar units across the plot (the nested viewBox width). */
const UNITS = 10_000;
const ROW_PX = 14;
const MAX_PLOT_PX = 600;
/** Rows up to which each bar gets a text label in the left gutter. */
const LABELLED_ROWS = 60;
/**
 * Characters of a bar's label: what the 214 px left of the gutter hold at 11 px (34 let digit- and hex-heavy names
 * such as oslo.messaging's "nova-compute:29698:b32e2342-..." run 12 px past the chart's left edge in Chromium).
 */
const ROW_LABEL_CHARS = 30;

/** One bar, in chart order; `anchor` is the id of its timeline section, or '' when the report has none for it. */
export interface ChartRow {
  c: ReportConnection;
  start: number;
  end: number;
  anchor: string;
}

export interface ChartGeometry {
  gutter: number;
  top: number;
  plotWidth: number;
  plotHeight: number;
  rowPx: number;
  t0: number;
  t1: number;
}

/**
 * The rows in chart order: by start, then by id. A connection still open at the end runs to its capture's end, not to
 * its last packet: an idle consumer open throughout read as one that stopped early.
 */
export function chartRows(report: Report, anchors: ReadonlyMap<ReportConnection, string>): ChartRow[] {
  const rows = report.connections.map((c) => {
    const start = openedAt(c);
    const end = c.end.verdict === 'open' ? Math.max(c.end.t, captureEnd(report, c)) : c.end.t;
    return { c, start, end: Math.max(start, end), anchor: anchors.get(c) ?? '' };
  });
  return rows.sort((a, b) => a.start - b.start || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0));
}

/** Where the connection's capture ends on the report's clock (several captures: each its own end). */
function captureEnd(report: Report, c: ReportConnection): number {
  const own = c.capture !== undefined && c.capture !== null ? report.captures?.find((k) => k.path === c.capture) : undefined;
  if (own === undefined || own.start === null || report.capture.start === null) return report.capture.durationSeconds;
  return (Date.parse(own.start) - Date.parse(report.capture.start)) / 1000 + own.durationSeconds;
}

interface Band {
  kind: 'wave' | 'alarm' | 'handshake-refusals' | 'not-accepting' | 'refused';
  from: number;
  to: number;
  label: string;
  title: string;
  colour: string;
}

function bands(fleet: ReportFleet): Band[] {
  const out: Band[] = toldWaves(fleet.waves).map((w, i) => ({
    kind: 'wave' as const,
    from: w.t,
    to: w.endT,
    label: `wave ${i + 1}: ${w.count} × ${w.verdict}${w.replyCode !== null ? ` ${w.replyCode}` : ''} (${w.scope})`,
    title: w.explanation,
    colour: VERDICT_COLOUR[w.verdict],
  }));
  // A resource alarm spans the chart from its first Blocked to the last moment a connection was known blocked.
  for (const a of fleet.alarms.slice(0, HTML_MAX_ALARMS)) {
    out.push({ kind: 'alarm', from: a.t, to: a.endT, label: `alarm: ${alarmCountText(a)}`, title: a.explanation, colour: '#b8860b' });
  }
  // Refused during the handshake for one reason: from the first refusal to the last.
  for (const r of fleet.handshakeRefusals.slice(0, HTML_MAX_ALARMS)) {
    out.push({ kind: 'handshake-refusals', from: r.t, to: r.endT, label: `handshake refusals: ${refusalCountText(r)}`, title: r.explanation, colour: VERDICT_COLOUR['handshake-failed'] });
  }
  const na = fleet.notAccepting;
  if (na.count > 0 && na.t !== undefined) {
    out.push({ kind: 'not-accepting', from: na.t, to: na.endT ?? na.t, label: `broker not accepting: ${na.count}`, title: na.explanation ?? '', colour: '#555555' });
  }
  const rf = fleet.refused;
  if (rf.count > 0 && rf.t !== undefined) {
    out.push({ kind: 'refused', from: rf.t, to: rf.endT ?? rf.t, label: `${attemptsLabel(rf)}: ${rf.count}`, title: rf.explanation ?? '', colour: '#222222' });
  }
  return out;
}

/** Greedy label rows: a label goes on the first row where it does not overlap the previous one (estimated width). */
function labelRows(items: readonly { x: number; width: number }[]): number[] {
  const ends: number[] = [];
  return items.map((it) => {
    let r = ends.findIndex((e) => e + 8 <= it.x);
    if (r < 0) r = ends.length;
    ends[r] = it.x + it.width;
    return r;
  });
}

export function chartGeometry(rows: number, t0: number, t1: number, bandRows: number): ChartGeometry {
  const gutter = rows <= LABELLED_ROWS ? 220 : 24;
  const rowPx = rows * ROW_PX <= MAX_PLOT_PX ? ROW_PX : MAX_PLOT_PX / rows;
  return { gutter, top: 8 + 15 * bandRows, plotWidth: CHART_WIDTH - gutter - 16, plotHeight: Math.max(ROW_PX, rows * rowPx), rowPx, t0, t1 };
}

/** The chart's SVG and legend, and the geometry the page script needs. */
export function renderFleetChart(report: Report, rows: readonly ChartRow[]): { html: string; geometry: ChartGeometry } {
  const t0 = 0;
  const t1 = Math.max(report.capture.durationSeconds, ...rows.map((r) => r.end), 1e-3);
  const span = t1 - t0;
  const allBands = bands(report.fleet);
  // Label rows for the bands, from their x in pixels (gutter and width are known before the row count).
  const probe = chartGeometry(rows.length, t0, t1, 0);
  const px = (t: number, g: ChartGeometry): number => g.gutter + ((t - t0) / span) * g.plotWidth;
  const bandRow = labelRows(allBands.map((b) => ({ x: px(b.from, probe), width: b.label.length * 6.2 })));
  const g = chartGeometry(rows.length, t0, t1, allBands.length > 0 ? Math.max(...bandRow) + 1 : 0);
  const height = g.top + g.plotHeight + 30;
  const n = Math.max(1, rows.length);

  // Bars: one path per verdict; problem verdicts last.
  const byVerdict = new Map<string, string[]>();
  rows.forEach((r, i) => {
    const x = Math.round(((r.start - t0) / span) * UNITS);
    const w = Math.max(8, Math.round(((r.end - r.start) / span) * UNITS));
    let list = byVerdict.get(r.c.end.verdict);
    if (list === undefined) byVerdict.set(r.c.end.verdict, (list = []));
    list.push(`M${x} ${i}.5h${w}`);
  });
  const stroke = Math.max(0.7, 1.5 / g.rowPx);
  const bars = VERDICT_ORDER.filter((v) => byVerdict.has(v))
    .map((v) => `<path class="bars" data-verdict="${v}" stroke="${VERDICT_COLOUR[v]}" d="${byVerdict.get(v)!.join('')}"/>`)
    .join('');

  // End markers of problem connections, in pixels.
  const markers: string[] = [];
  rows.forEach((r, i) => {
    if (!isProblem(r.c) || (r.c.end.verdict === 'open' && r.c.end.cause === null)) return;
    const key = r.c.end.cause ?? 'none';
    // At the connection's own end (an open one's last packet), not where its bar stops.
    const x = px(Math.max(r.start, r.c.end.t), g);
    const y = g.top + (i + 0.5) * g.rowPx;
    markers.push(`<use href="#mk-${key}" x="${num(x)}" y="${num(y)}" fill="${VERDICT_COLOUR[r.c.end.verdict]}"/>`);
  });

  const grid: string[] = [];
  const step = niceStep(span, 10);
  for (const t of axisTicks(t0, t1, 10)) {
    const x = num(px(t, g));
    grid.push(`<line x1="${x}" x2="${x}" y1="${num(g.top)}" y2="${num(g.top + g.plotHeight + 4)}"/>`);
    grid.push(`<text x="${x}" y="${num(g.top + g.plotHeight + 17)}">${text(axisLabel(t, step))}</text>`);
  }

  const bandSvg = allBands.map((b, i) => {
    const x = px(b.from, g);
    const w = Math.max(3, px(b.to, g) - x);
    const y = 8 + 15 * bandRow[i]!;
    return (
      `<g class="band band-${b.kind}"><title>${text(b.title !== '' ? `${b.label}: ${b.title}` : b.label)}</title>` +
      `<rect x="${num(x)}" y="${num(y + 4)}" width="${num(w)}" height="${num(g.top + g.plotHeight - y - 4)}" fill="${b.colour}"/>` +
      `<text x="${num(x)}" y="${num(y + 2)}">${text(b.label)}</text></g>`
    );
  });

  const labels =
    rows.length <= LABELLED_ROWS
      ? rows
          .map((r, i) => `<text class="rowlabel" x="${g.gutter - 6}" y="${num(g.top + (i + 0.5) * g.rowPx + 4)}">${text(shorten(rowLabel(r.c), ROW_LABEL_CHARS))}</text>`)
          .join('')
      : '';

  const defs = CAUSE_KEYS.map((k) => `<path id="mk-${k}" d="${CAUSE_MARKER[k].path}"/>`).join('');
  const svg =
    `<svg class="fleet" viewBox="0 0 ${CHART_WIDTH} ${num(height)}" role="img" aria-label="fleet chart: ${rows.length} connections over ${text(formatDuration(span))}">` +
    `<defs>${defs}</defs>` +
    `<g class="grid">${grid.join('')}</g>` +
    `<g class="bands">${bandSvg.join('')}</g>` +
    labels +
    `<svg class="bars-plot" x="${g.gutter}" y="${num(g.top)}" width="${num(g.plotWidth)}" height="${num(g.plotHeight)}" viewBox="0 0 ${UNITS} ${n}" preserveAspectRatio="none">` +
    `<g stroke-width="${num(stroke, 3)}" fill="none">${bars}</g></svg>` +
    `<g class="markers" stroke="#222" stroke-width="0.8">${markers.join('')}</g>` +
    `<rect class="hover-row" x="${g.gutter}" y="0" width="${num(g.plotWidth)}" height="0"/>` +
    `</svg>`;
  return { html: `<div class="chart-wrap">${svg}<div class="tooltip" hidden></div></div>${legend(rows, allBands)}`, geometry: g };
}

function legend(rows: readonly ChartRow[], allBands: readonly Band[]): string {
  const counts = new Map<string, number>();
  const causes = new Set<string>();
  for (const r of rows) {
    counts.set(r.c.end.verdict, (counts.get(r.c.end.verdict) ?? 0) + 1);
    if (isProblem(r.c)) causes.add(r.c.end.cause ?? 'none');
  }
  const verdicts = VERDICT_ORDER.filter((v) => counts.has(v))
    .map((v) => `<li><span class="swatch" style="background:${VERDICT_COLOUR[v]}"></span>${text(v)} <span class="count">${groupDigits(counts.get(v)!)}</span></li>`)
    .join('');
  const markers = CAUSE_KEYS.filter((k) => causes.has(k))
    .map((k) => `<li><svg class="marker" viewBox="-6 -6 12 12"><path d="${CAUSE_MARKER[k].path}"/></svg>${text(CAUSE_MARKER[k].label)}</li>`)
    .join('');
  const bandItems = allBands.map((b) => `<li><span class="swatch band-swatch" style="background:${b.colour}"></span>${text(b.label)}</li>`).join('');
  return `<ul class="legend">${verdicts}${markers}${bandItems}</ul>`;
}

/**
 * A bar's label: the connection's name, else its client end and the broker's port, which a cut id hid (review 37:
 * "127.0.0.1:50528->127.0.0.1:56…" left 5671 or 5672 open); the bar's tooltip has the whole id.
 */
function rowLabel(c: ReportConnection): string {
  if (c.name !== null) return c.name;
  const ports = `:${c.client.port} → :${c.server.port}`;
  const label = `${c.client.address.includes(':') ? `[${c.client.address}]` : c.client.address}${ports}`;
  // A long (IPv6) address gives way from its start: the ports stay.
  return label.length <= ROW_LABEL_CHARS ? label : `…${label.slice(label.length - ROW_LABEL_CHARS + 1)}`;
}
