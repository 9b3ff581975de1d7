/**
 * What the pictures mean, in one place: the colour of each verdict, the marker of each cause, the tick class of each
 * timeline event, and nice time-axis steps. The CSS (style.ts), the charts and the legends all read these tables.
 */
import { CAUSES, VERDICTS, type Cause, type Verdict } from '../../diagnosis/types.js';
import type { ReportEvent } from '../../report/types.js';

/** Healthy endings in muted colours, problems in strong ones (colour-blind safe where it matters: red vs blue). */
export const VERDICT_COLOUR: Readonly<Record<Verdict, string>> = {
  'closed-by-client': '#9cc69b',
  open: '#a9c4e4',
  'closed-by-server': '#e8862a',
  'missed-heartbeats': '#d62728',
  'tcp-timeout': '#8e44ad',
  'client-aborted': '#e377c2',
  'server-unresponsive': '#8c564b',
  'handshake-failed': '#6b6b6b',
  reset: '#b8a000',
};

/** Draw order: healthy first, so that problem bars are drawn over them when rows share a pixel. */
export const VERDICT_ORDER: readonly Verdict[] = [
  'closed-by-client',
  'open',
  'handshake-failed',
  'reset',
  'client-aborted',
  'closed-by-server',
  'server-unresponsive',
  'tcp-timeout',
  'missed-heartbeats',
];

if (VERDICT_ORDER.length !== VERDICTS.length) throw new Error('theme: VERDICT_ORDER must list every verdict');

/** The end marker's shape, centred on (0,0), about 9 px across: what the silent side's kernel did. */
export const CAUSE_MARKER: Readonly<Record<Cause | 'none', { path: string; label: string }>> = {
  'client-stalled': { path: 'M-4-4h8v8h-8z', label: 'square: client stalled (its kernel ACKed)' },
  'client-unreachable': { path: 'M-5-4h10l-5 8z', label: 'triangle: client unreachable (nothing ACKed)' },
  'client-not-reading': { path: 'M0-5l5 5-5 5-5-5z', label: 'diamond: client not reading (zero window)' },
  'server-stalled': { path: 'M-4.5 0a4.5 4.5 0 1 0 9 0a4.5 4.5 0 1 0-9 0z', label: 'circle: broker stalled' },
  none: { path: 'M-1.5-5h3v10h-3z', label: 'bar: ended, no silence cause' },
};

export const CAUSE_KEYS: readonly (Cause | 'none')[] = [...CAUSES, 'none'];

/** The swimlane's tick kinds, drawn in this order (later over earlier) and named in its legend. */
export const TICK_KINDS = ['ack', 'keepalive', 'content', 'heartbeat', 'method', 'syn', 'retrans', 'zerowin', 'fin', 'rst'] as const;
export type TickKind = (typeof TICK_KINDS)[number];

export const TICK_LABEL: Readonly<Record<TickKind, string>> = {
  ack: 'TCP ACK only',
  keepalive: 'keep-alive',
  content: 'content (publish, deliver, header, body)',
  heartbeat: 'heartbeat',
  method: 'method frame',
  syn: 'SYN',
  retrans: 'retransmission',
  zerowin: 'zero window',
  fin: 'FIN',
  rst: 'RST',
};

/** Tick height as a share of the lane, and colour. */
export const TICK_STYLE: Readonly<Record<TickKind, { height: number; colour: string; width: number }>> = {
  ack: { height: 0.3, colour: '#9a9a9a', width: 1 },
  keepalive: { height: 0.45, colour: '#e8862a', width: 2 },
  content: { height: 0.55, colour: '#2ca02c', width: 1.5 },
  heartbeat: { height: 0.7, colour: '#c2185b', width: 2 },
  method: { height: 0.85, colour: '#1f5fbf', width: 2 },
  syn: { height: 0.85, colour: '#555555', width: 1.5 },
  retrans: { height: 0.85, colour: '#d62728', width: 1.5 },
  zerowin: { height: 1, colour: '#ff7f0e', width: 3 },
  fin: { height: 1, colour: '#111111', width: 3 },
  rst: { height: 1, colour: '#d62728', width: 3 },
};

const CONTENT = new Set(['Content-Header', 'Content-Body', 'Basic.Publish', 'Basic.Deliver', 'Basic.Get-Ok', 'Basic.Return']);

/** The tick kind of a timeline event; null for `elided` (drawn as a gap marker, not a tick). */
export function tickKind(e: ReportEvent): TickKind | null {
  if (e.kind === 'elided') return null;
  if (e.kind === 'amqp') return e.type === 'Heartbeat' ? 'heartbeat' : CONTENT.has(e.type) ? 'content' : 'method';
  switch (e.type) {
    case 'RST':
      return 'rst';
    case 'FIN':
      return 'fin';
    case 'SYN':
    case 'SYN-ACK':
      return 'syn';
    case 'Retransmission':
      return 'retrans';
    case 'Keep-Alive':
    case 'Keep-Alive ACK':
      return 'keepalive';
    case 'ZeroWindow':
    case 'ZeroWindowProbe':
    case 'ZeroWindowProbeAck':
    case 'Window Full':
      return 'zerowin';
    default:
      // ACK, Window Update, Previous segment not captured and the like: TCP segments without payload.
      return 'ack';
  }
}

/** A "nice" step (1, 2 or 5 times a power of ten) giving about `target` ticks over `span` seconds. */
export function niceStep(span: number, target: number): number {
  if (!(span > 0)) return 1;
  const raw = span / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/** Tick times within [from, to] for a nice step. */
export function axisTicks(from: number, to: number, target: number): number[] {
  const step = niceStep(to - from, target);
  const out: number[] = [];
  for (let k = Math.ceil(from / step); k * step <= to + step * 1e-9; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** An axis label: as many decimals as the step needs. */
export function axisLabel(t: number, step: number): string {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return `${t.toFixed(decimals)} s`;
}

/** Resource alarms drawn and told in the page (each a band on the chart and a section with its fix); the others are counted. */
export const HTML_MAX_ALARMS = 5;
