/**
 * A connection's swimlane: the client's lane above the broker's, over capture time. Each timeline event is a tick
 * (heartbeats, method frames and content told apart; TCP ACK-only, keep-alive, retransmission, zero window, FIN and
 * RST too), silences are shaded in the silent side's lane, the window where RabbitMQ's heartbeat timer can close the
 * connection (2T to 3T after the client's last byte, rabbit_heartbeat.erl) is shaded across both lanes, and the
 * client's last frame and the close are labelled.
 *
 * Zoom: the plot is a nested <svg> whose viewBox is in seconds on x and pixels on y (preserveAspectRatio="none");
 * the page script zooms and pans by rewriting that viewBox, ticks keep their pixel width (non-scaling-stroke), and
 * labels and the axis, drawn outside the nested svg so their text is not stretched, are moved from their data-t.
 * Without script the whole connection is shown, axis included.
 */
import type { ReportConnection, ReportEvent } from '../../report/types.js';
import { endPhrase, openedAt } from '../phrases.js';
import { formatDuration } from '../text.js';
import { num, text } from './escape.js';
import { TICK_KINDS, TICK_LABEL, TICK_STYLE, axisLabel, axisTicks, niceStep, tickKind, type TickKind } from './theme.js';

export const LANE = { width: 1000, gutter: 64, right: 14, labelTop: 14, client: 38, broker: 98, laneHeight: 50, axis: 152, height: 174 } as const;
const PLOT_WIDTH = LANE.width - LANE.gutter - LANE.right;

/** The time span a swimlane shows: the connection's first event to its end, with a little margin. */
export function laneSpan(c: ReportConnection): [number, number] {
  const times = c.timeline.map((e) => e.t);
  let a = Math.min(openedAt(c), ...times);
  let b = Math.max(c.end.t, ...times);
  if (!(b > a)) b = a + 1;
  const pad = (b - a) * 0.02;
  a = Math.max(0, a - pad);
  b += pad;
  return [a, b];
}

/** The heartbeat timeout T in force: negotiated, else inferred; null when off or unknown. */
function heartbeatT(c: ReportConnection): number | null {
  const t = c.heartbeat.negotiated ?? c.heartbeat.inferred;
  return t !== null && t > 0 ? t : null;
}

function laneTop(dir: 'c2s' | 's2c'): number {
  return dir === 'c2s' ? LANE.client : LANE.broker;
}

function s(t: number): string {
  return num(t, 6);
}

/** Ticks per kind: one per distinct time, kind and lane (what the swimlane draws). */
export function tickCounts(timeline: readonly ReportEvent[]): Map<TickKind, number> {
  const seen = new Set<string>();
  const m = new Map<TickKind, number>();
  for (const e of timeline) {
    const k = tickKind(e);
    if (k === null || seen.has(`${k} ${e.dir} ${s(e.t)}`)) continue;
    seen.add(`${k} ${e.dir} ${s(e.t)}`);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** The swimlane's HTML. `key` makes its element ids unique in the page. */
export function renderSwimlane(c: ReportConnection, key: string): string {
  const [a, b] = laneSpan(c);
  const h = LANE.axis;
  const x = (t: number): number => LANE.gutter + ((t - a) / (b - a)) * PLOT_WIDTH;

  // Ticks: one path per lane and kind, "M{t} 0V1" per distinct time (events of one packet share a tick), scaled to
  // the lane by the path's transform; colour and width come from the stylesheet (class k-KIND).
  const paths = new Map<string, Set<string>>();
  for (const e of c.timeline) {
    const kind = tickKind(e);
    if (kind === null) continue;
    const k = `${kind} ${e.dir}`;
    let set = paths.get(k);
    if (set === undefined) paths.set(k, (set = new Set()));
    set.add(`M${s(e.t)} 0V1`);
  }
  const ticks = TICK_KINDS.flatMap((kind) =>
    (['c2s', 's2c'] as const)
      .filter((d) => paths.has(`${kind} ${d}`))
      .map((d) => {
        // Ticks grow from the gap between the lanes (the client's up, the broker's down): the wire is in the middle.
        const len = LANE.laneHeight * TICK_STYLE[kind].height;
        const y0 = d === 'c2s' ? LANE.client + LANE.laneHeight : LANE.broker;
        return `<path class="tick k-${kind} ${d}" transform="translate(0 ${y0})scale(1 ${num(d === 'c2s' ? -len : len)})" d="${[...paths.get(`${kind} ${d}`)!].join('')}"/>`;
      }),
  ).join('');
  const elided = c.timeline
    .filter((e) => e.kind === 'elided')
    .map((e) => `M${s(e.t)} ${LANE.client}V${LANE.broker + LANE.laneHeight}`)
    .join('');

  const shades: string[] = [];
  const labels: string[] = [];
  // A label reads away from the nearer edge (the page script does the same after zooming).
  const label = (t: number, y: number, cls: string, content: string): void => {
    const anchor = x(t) > LANE.gutter + PLOT_WIDTH / 2 ? 'end' : 'start';
    labels.push(`<text class="${cls}" data-t="${s(t)}" x="${num(x(t))}" y="${y}" text-anchor="${anchor}">${text(content)}</text>`);
  };

  // Silences, in the silent side's lane.
  for (const si of c.silences) {
    const to = si.to?.t ?? c.end.t;
    if (!(to > si.from.t)) continue;
    const top = laneTop(si.dir);
    shades.push(`<rect class="silence" x="${s(si.from.t)}" y="${top}" width="${s(to - si.from.t)}" height="${LANE.laneHeight}"/>`);
    label(si.from.t, top + 12, 'silence-label', ` ${si.dir === 'c2s' ? 'client' : 'broker'} silent ${formatDuration(si.seconds)}`);
  }

  // RabbitMQ's window: 2T-3T after the client's last byte.
  const T = heartbeatT(c);
  const lcb = c.lastClientByte?.t ?? null;
  if (T !== null && lcb !== null && lcb + 2 * T < b) {
    const from = lcb + 2 * T;
    const to = Math.min(lcb + 3 * T, b);
    shades.push(`<rect class="window" x="${s(from)}" y="${LANE.client}" width="${s(to - from)}" height="${LANE.broker + LANE.laneHeight - LANE.client}"/>`);
    // Labelled from the window's edge nearer the middle, so that the text runs over the window, not off the chart.
    const edge = x((from + to) / 2) > LANE.gutter + PLOT_WIDTH / 2 ? to : from;
    label(edge, LANE.labelTop + 16, 'window-label', "2T–3T after the client's last byte: RabbitMQ's heartbeat check closes it here");
  }

  // The client's last frame and the close.
  const marks: string[] = [];
  const lf = c.lastClientFrame;
  if (lf !== null) {
    marks.push(`<path class="mark mark-last" d="M${s(lf.t)} ${LANE.labelTop + 4}V${LANE.client + LANE.laneHeight}"/>`);
    label(lf.t, LANE.labelTop, 'mark-label', `client's last frame: ${lf.type} (${lf.t.toFixed(3)} s)`);
  }
  if (c.end.verdict !== 'open') {
    marks.push(`<path class="mark mark-close" d="M${s(c.end.t)} ${LANE.labelTop + 4}V${LANE.broker + LANE.laneHeight}"/>`);
    label(c.end.t, LANE.labelTop, 'mark-label close-label', `close: ${endPhrase(c).replace(/:.*$/, '')}`);
  }

  // The "end" button's view: from just before the client's last frame (else the last 30%) to the end.
  const focusFrom = lf !== null && lf.t > a ? Math.max(a, lf.t - 0.05 * (b - lf.t)) : a + 0.7 * (b - a);

  const step = niceStep(b - a, 8);
  const axis = axisTicks(a, b, 8)
    .map((t) => `<text x="${num(x(t))}" y="${LANE.axis + 16}">${text(axisLabel(t, step))}</text>`)
    .join('');

  const svg =
    `<svg class="swimlane" id="${key}" viewBox="0 0 ${LANE.width} ${LANE.height}" data-span="${s(a)} ${s(b)}" data-focus="${s(focusFrom)} ${s(b)}" data-plot="${LANE.gutter} ${PLOT_WIDTH} ${h}">` +
    `<text class="lane-name" x="${LANE.gutter - 8}" y="${LANE.client + 30}">client</text>` +
    `<text class="lane-name" x="${LANE.gutter - 8}" y="${LANE.broker + 30}">broker</text>` +
    `<rect class="lane" x="${LANE.gutter}" y="${LANE.client}" width="${PLOT_WIDTH}" height="${LANE.laneHeight}"/>` +
    `<rect class="lane" x="${LANE.gutter}" y="${LANE.broker}" width="${PLOT_WIDTH}" height="${LANE.laneHeight}"/>` +
    `<svg class="plot" x="${LANE.gutter}" y="0" width="${PLOT_WIDTH}" height="${h}" viewBox="${s(a)} 0 ${s(b - a)} ${h}" preserveAspectRatio="none">` +
    `<g class="shades">${shades.join('')}</g>` +
    (elided !== '' ? `<path class="elided" d="${elided}"/>` : '') +
    `<g class="ticks">${ticks}</g><g class="marks">${marks.join('')}</g>` +
    `<rect class="cursor" x="${s(a)}" y="${LANE.client}" width="0" height="${LANE.broker + LANE.laneHeight - LANE.client}"/></svg>` +
    `<line class="axis-line" x1="${LANE.gutter}" x2="${LANE.gutter + PLOT_WIDTH}" y1="${LANE.axis}" y2="${LANE.axis}"/>` +
    `<g class="axis">${axis}</g><g class="labels">${labels.join('')}</g></svg>`;

  // The zoom buttons are made by the page script (they need it); the legend is the page's, once (tickLegend).
  return `<div class="swimlane-wrap">${svg}</div>`;
}

/** The legend of every swimlane, shown once above the first. */
export function tickLegend(): string {
  const ticks = TICK_KINDS.map((k) => `<li><span class="tick-swatch k-${k}"></span>${text(TICK_LABEL[k])}</li>`).join('');
  return (
    `<ul class="legend tick-legend">${ticks}<li><span class="swatch silence-swatch"></span>silence</li>` +
    `<li><span class="swatch window-swatch"></span>2T–3T after the client's last byte</li></ul>`
  );
}
