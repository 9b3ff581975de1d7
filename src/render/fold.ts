/**
 * Folding a connection's timeline into the rows an operator reads, in the manner of the packet tables of the
 * CloudAMQP article: one row per packet, the handshake in one or two rows, and repetitive stretches in one row.
 *
 * 1. Frames of one packet in one direction become one row (Wireshark's Info column does the same):
 *    "Basic.Consume-Ok ctag=x / Basic.Deliver x= rk=hello tag=1 / Content-Header body=10 / Content-Body 10 bytes".
 *    A packet carrying a repeated pattern says so: "Basic.Consume-Ok ctag=x / 12 x Basic.Deliver+content tag=1..12".
 * 2. A complete handshake at the start (TCP SYN/SYN-ACK/ACK, Protocol-Header .. Connection.Open-Ok, and the ACKs
 *    among them) folds into "TCP handshake" and "AMQP handshake: Start (RabbitMQ 3.10.8) / Start-Ok (Pika 1.2.0) /
 *    Tune-Ok heartbeat=4 / Open vhost=/". An incomplete handshake is the story itself and is not folded.
 * 3. A pattern of 1 to 4 rows (compared by direction, kind and type) repeated at least 3 times in a row folds into
 *    "5 x Heartbeat b→c / TCP ACK c→b every 2.0 s, until 10.015" (b→c: broker to client; a method with its content
 *    is named "Basic.Deliver+content"). A run starts on an AMQP row rather than on the TCP ACK before it.
 *
 * 4. A stretch of at least 6 rows of heartbeats and ACKs whose directions interleave irregularly (no single pattern
 *    repeats) folds into one exchange row: "8 x Heartbeat c→b every 1.0 s / 7 x Heartbeat b→c every 2.0 s /
 *    15 x TCP ACK, until 14.011".
 *
 * 5. A burst of the same traffic from one side (at least MIN_BURST methods of one kind, with their content, and only
 *    TCP ACKs and window updates between them, elided rows of the same run included) folds into one row with its
 *    count, bytes, time span and rates: "170 x Basic.Publish+content c→b, 11.1 MB, 0.023-0.100, 2,200/s, 145 MB/s".
 *    TCP Window Full rows inside it are the flow control of the burst and are counted in the row.
 *
 * Rows that matter are never folded away: a row with a note; RST, FIN, SYN, retransmissions, zero windows and lost
 * segments; any Close/Close-Ok, Connection.Blocked/Unblocked, Basic.Return, a broker's Basic.Cancel, a protocol
 * header; and `elided` rows ("N events not shown"), which also stop a run. Pure: events in, rows out. The strings
 * in the rows are raw wire text: the table sanitizes them.
 */
import type { ReportEvent, ReportRun } from '../report/types.js';
import type { Dir } from '../tcp/types.js';
import { FLOW_TCP } from '../timeline/runs.js';
import { groupDigits } from './text.js';

export type RowKind = 'event' | 'handshake' | 'run' | 'elided';

export interface DisplayRow {
  kind: RowKind;
  /** Seconds since the capture start; null for an elided row. */
  t: number | null;
  dir: Dir | null;
  protocol: 'AMQP' | 'TCP' | 'TLS' | '';
  info: string;
  note: string;
  /** A row that must stay visible (see the module comment). */
  important: boolean;
  /** The timeline events the row stands for. */
  events: ReportEvent[];
}

export interface FoldContext {
  /** The client library label (`library` of the report), for the handshake row. */
  library?: string | null;
}

/** Minimum repetitions of a pattern before it folds. */
export const MIN_REPEATS = 3;
/**
 * Longest pattern (in rows) that is recognised as repeating: 4, so that a consumer's cycle (Deliver, the client's
 * ACK, Basic.Ack, the broker's ACK) folds too.
 */
export const MAX_PATTERN = 4;

const IMPORTANT_TCP = new Set([
  'SYN',
  'SYN-ACK',
  'RST',
  'FIN',
  'Retransmission',
  'ZeroWindow',
  'ZeroWindowProbe',
  'ZeroWindowProbeAck',
  'Previous segment not captured',
  'Window Full',
]);

/** Whether an event must stay visible on its own row. */
export function isImportant(e: ReportEvent): boolean {
  if (e.kind === 'elided') return true;
  if (e.note !== undefined && e.note !== '') return true;
  if (e.kind === 'tcp') return IMPORTANT_TCP.has(e.type) || /\b(RST|FIN)\b|Retransmission|ZeroWindow/.test(e.summary);
  return (
    e.type.includes('Close') ||
    e.type === 'Connection.Blocked' ||
    e.type === 'Connection.Unblocked' ||
    e.type === 'Basic.Return' ||
    (e.type === 'Basic.Cancel' && e.dir === 's2c') ||
    e.type.startsWith('Protocol-Header')
  );
}

// ---- 1. one row per packet ------------------------------------------------------------------------------------------

interface Group {
  events: ReportEvent[];
  key: string;
  important: boolean;
}

function eventKey(e: ReportEvent): string {
  return `${e.dir}|${e.kind}|${e.type}`;
}

function isContent(e: ReportEvent): boolean {
  return e.kind === 'amqp' && (e.type === 'Content-Header' || e.type === 'Content-Body');
}

/** Pure ACKs and the like: rows that may sit between a method and its content frames. */
function isQuietTcp(e: ReportEvent): boolean {
  return e.kind === 'tcp' && !isImportant(e);
}

function add(g: Group, e: ReportEvent): void {
  g.events.push(e);
  g.key += `,${eventKey(e)}`;
  g.important ||= isImportant(e);
}

function groupByPacket(timeline: readonly ReportEvent[]): Group[] {
  const groups: Group[] = [];
  let current: Group | null = null;
  /** The last AMQP group per direction, while its content frames may still follow in later packets. */
  const openMessage: Record<Dir, Group | null> = { c2s: null, s2c: null };
  for (const e of timeline) {
    const first: ReportEvent | undefined = current?.events[0];
    if (current !== null && first !== undefined && e.kind === 'amqp' && first.kind === 'amqp' && e.packet === first.packet && e.dir === first.dir) {
      add(current, e);
      openMessage[e.dir] = current;
      continue;
    }
    // A client library that writes a message's frames in separate packets (pika): the content joins its method.
    const open = openMessage[e.dir];
    if (isContent(e) && open !== null) {
      const last = open.events[open.events.length - 1]!;
      if (last.channel === e.channel && (last.type !== 'Content-Body' || e.type === 'Content-Body') && !(last.type === 'Content-Header' && e.type === 'Content-Header')) {
        add(open, e);
        continue;
      }
    }
    current = { events: [e], key: eventKey(e), important: isImportant(e) };
    groups.push(current);
    if (e.kind === 'amqp') openMessage[e.dir] = current;
    else if (!isQuietTcp(e)) openMessage.c2s = openMessage.s2c = null;
    if (e.kind === 'amqp' && e.dir === 'c2s') openMessage.s2c = null;
    if (e.kind === 'amqp' && e.dir === 's2c') openMessage.c2s = null;
  }
  return groups;
}

/**
 * A method with its content (Content-Header and Content-Body frames on the same channel) is one unit: "a message".
 */
interface Unit {
  type: string;
  events: ReportEvent[];
}

function units(events: readonly ReportEvent[]): Unit[] {
  const out: Unit[] = [];
  for (const e of events) {
    const prev = out[out.length - 1];
    const content = e.kind === 'amqp' && (e.type === 'Content-Header' || e.type === 'Content-Body');
    if (content && prev !== undefined && prev.events[0]!.kind === 'amqp' && prev.events[0]!.channel === e.channel && !prev.events[0]!.type.startsWith('Content-')) {
      prev.events.push(e);
      prev.type = `${prev.events[0]!.type}+content`;
      continue;
    }
    out.push({ type: e.kind === 'tcp' ? `TCP ${e.type}` : e.type, events: [e] });
  }
  return out;
}

function unitSummary(u: Unit): string {
  const [first, ...rest] = u.events;
  const parts = [first!.summary];
  const header = rest.find((e) => e.type === 'Content-Header');
  if (header !== undefined) parts.push(header.summary);
  const bodies = rest.filter((e) => e.type === 'Content-Body');
  if (bodies.length === 1) parts.push(bodies[0]!.summary);
  if (bodies.length > 1) {
    const sizes = bodies.map((b) => Number(/(\d+) bytes/.exec(b.summary)?.[1] ?? NaN));
    const total = sizes.every(Number.isFinite) ? ` ${sizes.reduce((a, b) => a + b, 0)} bytes` : '';
    parts.push(`${bodies.length} x Content-Body${total}`);
  }
  return parts.join(' / ');
}

/** How a row is named in a folded run: "Heartbeat", "TCP ACK", "Basic.Deliver+content", "(5 x Basic.Deliver+content)". */
function label(events: readonly ReportEvent[]): string {
  const parts: string[] = [];
  const list = units(events);
  for (let i = 0; i < list.length; ) {
    let n = 1;
    while (i + n < list.length && list[i + n]!.type === list[i]!.type) n++;
    parts.push(n > 1 ? `${n} x ${list[i]!.type}` : list[i]!.type);
    i += n;
  }
  return parts.length === 1 && !parts[0]!.includes(' x ') ? parts[0]! : `(${parts.join(' + ')})`;
}

/** `tag=1..12` when the events' summaries carry delivery tags (the first and the last one seen). */
function tagRange(events: readonly ReportEvent[]): string {
  const tags: number[] = [];
  for (const e of events) {
    const m = /\btag=(\d+)/.exec(e.summary);
    if (m !== null) tags.push(Number(m[1]));
  }
  if (tags.length < 2) return '';
  const first = tags[0]!;
  const last = tags[tags.length - 1]!;
  return first === last ? ` tag=${first}` : ` tag=${first}..${last}`;
}

/** Finds the pattern (1..MAX_PATTERN items) that repeats most from `i`, if it repeats at least `minRepeats` times. */
function longestRepeat<T>(items: readonly T[], i: number, key: (x: T) => string, ok: (x: T) => boolean, minRepeats: number): { p: number; reps: number } | null {
  let best: { p: number; reps: number } | null = null;
  for (let p = 1; p <= MAX_PATTERN && i + p <= items.length; p++) {
    let patternOk = true;
    for (let k = 0; k < p; k++) if (!ok(items[i + k]!)) patternOk = false;
    if (!patternOk) break; // a longer pattern would contain the same unfoldable item
    let reps = 1;
    for (;;) {
      const start = i + reps * p;
      if (start + p > items.length) break;
      let same = true;
      for (let k = 0; k < p && same; k++) {
        const x = items[start + k]!;
        same = ok(x) && key(x) === key(items[i + k]!);
      }
      if (!same) break;
      reps++;
    }
    if (reps >= minRepeats && (best === null || reps * p > best.reps * best.p)) best = { p, reps };
  }
  return best;
}

/** The Info text of one packet's frames, with repeated patterns compressed. */
function packetInfo(events: readonly ReportEvent[]): string {
  const list = units(events);
  const parts: string[] = [];
  for (let i = 0; i < list.length; ) {
    const r = longestRepeat(list, i, (u) => u.type, () => true, 2);
    if (r === null) {
      parts.push(unitSummary(list[i]!));
      i++;
      continue;
    }
    const pattern = list.slice(i, i + r.p).map((u) => u.type);
    const covered = list.slice(i, i + r.p * r.reps).flatMap((u) => u.events);
    parts.push(`${r.reps} x ${r.p > 1 ? `(${pattern.join(' / ')})` : pattern[0]}${tagRange(covered)}`);
    i += r.p * r.reps;
  }
  return parts.join(' / ');
}

function notesOf(events: readonly ReportEvent[]): string {
  return events
    .map((e) => e.note)
    .filter((n): n is string => n !== undefined && n !== '')
    .join('; ');
}

/** The Proto column: TCP, TLS (records and handshake of a connection read without keys) or AMQP. */
function protocolOf(kind: string): 'TCP' | 'TLS' | 'AMQP' {
  return kind === 'tcp' ? 'TCP' : kind === 'tls' ? 'TLS' : 'AMQP';
}

function groupRow(g: Group): DisplayRow {
  const e = g.events[0]!;
  if (e.kind === 'elided') {
    const count = e.count ?? Number(/^\d+/.exec(e.summary)?.[0] ?? 0);
    return { kind: 'elided', t: null, dir: null, protocol: '', info: `… ${groupDigits(count)} events not shown`, note: '', important: true, events: g.events };
  }
  return {
    kind: 'event',
    t: e.t,
    dir: e.dir,
    protocol: protocolOf(e.kind),
    info: packetInfo(g.events),
    note: notesOf(g.events),
    important: g.important,
    events: g.events,
  };
}

// ---- 2. the handshake ------------------------------------------------------------------------------------------------

const HANDSHAKE_METHODS = new Set([
  'Connection.Start',
  'Connection.Start-Ok',
  'Connection.Secure',
  'Connection.Secure-Ok',
  'Connection.Tune',
  'Connection.Tune-Ok',
  'Connection.Open',
  'Connection.Open-Ok',
]);
const HANDSHAKE_TCP = new Set(['SYN', 'SYN-ACK', 'ACK', 'Window Update']);

function isHandshakeEvent(e: ReportEvent): boolean {
  if (e.note !== undefined && e.note !== '') return false;
  if (e.kind === 'tcp') return HANDSHAKE_TCP.has(e.type);
  if (e.kind === 'amqp') return HANDSHAKE_METHODS.has(e.type) || e.type.startsWith('Protocol-Header');
  return false;
}

/** Number of leading groups that make up a complete handshake (0: none to fold). */
function handshakeLength(groups: readonly Group[]): number {
  let end = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (!g.events.every(isHandshakeEvent)) break;
    if (g.events.some((e) => e.type === 'Connection.Open-Ok')) {
      end = i + 1;
      break;
    }
  }
  if (end === 0) return 0;
  // The client's ACK of Open-Ok belongs to the handshake too.
  while (end < groups.length) {
    const e = groups[end]!.events[0]!;
    if (groups[end]!.events.length !== 1 || e.kind !== 'tcp' || e.type !== 'ACK' || !isHandshakeEvent(e)) break;
    end++;
  }
  return end;
}

/** "Product 1.2.3" without "Python Client Library" and the like, for narrow cells. */
export function shortLibrary(label: string): string {
  const s = label
    .replace(/\b(python|ruby|java|\.net|node\.?js|go|php|erlang)?\s*client\s+library\b/gi, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
  return s === '' ? label : s;
}

function argAfter(summary: string, type: string): string {
  return summary.startsWith(type) ? summary.slice(type.length).trim() : '';
}

function heartbeatArg(summary: string): number | null {
  const m = /\bheartbeat=(\d+)/.exec(summary);
  return m !== null ? Number(m[1]) : null;
}

function handshakeRows(events: readonly ReportEvent[], ctx: FoldContext): DisplayRow[] {
  const rows: DisplayRow[] = [];
  const tcp = events.filter((e) => e.kind === 'tcp');
  const amqp = events.filter((e) => e.kind === 'amqp');
  const syn = tcp.filter((e) => e.type === 'SYN' || e.type === 'SYN-ACK');
  if (syn.length > 0) {
    const names = syn.map((e) => e.type);
    if (tcp.some((e) => e.type === 'ACK')) names.push('ACK');
    rows.push({
      kind: 'handshake', t: syn[0]!.t, dir: syn[0]!.dir, protocol: 'TCP',
      info: `TCP handshake: ${names.join(' / ')}`, note: '', important: false,
      events: events.filter((e) => e.kind === 'tcp' && e.t <= (amqp[0]?.t ?? Infinity)),
    });
  }
  const tune = amqp.find((e) => e.type === 'Connection.Tune');
  const tuneOk = amqp.find((e) => e.type === 'Connection.Tune-Ok');
  const proposed = tune !== undefined ? heartbeatArg(tune.summary) : null;
  const negotiated = tuneOk !== undefined ? heartbeatArg(tuneOk.summary) : null;
  const parts: string[] = [];
  for (const e of amqp) {
    const name = e.type.replace(/^Connection\./, '');
    switch (e.type) {
      case 'Connection.Start': {
        const product = argAfter(e.summary, e.type);
        parts.push(product !== '' ? `Start (${product})` : 'Start');
        break;
      }
      case 'Connection.Start-Ok': {
        const lib = ctx.library != null && ctx.library !== '' ? shortLibrary(ctx.library) : '';
        parts.push(lib !== '' ? `Start-Ok (${lib})` : 'Start-Ok');
        break;
      }
      case 'Connection.Tune':
        if (negotiated === null && proposed !== null) parts.push(`Tune heartbeat=${proposed}`);
        break;
      case 'Connection.Tune-Ok':
        parts.push(negotiated !== null ? `Tune-Ok heartbeat=${negotiated}${negotiated === 0 ? ' (off)' : ''}` : 'Tune-Ok');
        break;
      case 'Connection.Open': {
        const vhost = /\bvhost=(\S*)/.exec(e.summary);
        parts.push(vhost !== null ? `Open vhost=${vhost[1]}` : 'Open');
        break;
      }
      case 'Connection.Open-Ok':
        break; // the fold is only made of complete handshakes
      default:
        if (!e.type.startsWith('Protocol-Header')) parts.push(name);
    }
  }
  const first = amqp[0];
  if (first !== undefined) {
    rows.push({
      kind: 'handshake', t: first.t, dir: first.dir, protocol: 'AMQP',
      info: `AMQP handshake: ${parts.join(' / ')}`, note: '', important: false,
      events: events.filter((e) => !rows[0]?.events.includes(e)),
    });
  }
  return rows;
}

// ---- 3. repetitive stretches ------------------------------------------------------------------------------------

function seconds(v: number): string {
  return v >= 0.1 ? v.toFixed(1) : v.toFixed(3);
}

/** "every 2.0 s, until 10.015": the cadence when it is regular, and the end of the run. */
function cadence(starts: readonly number[], lastT: number): string {
  const until = `until ${lastT.toFixed(3)}`;
  const span = starts[starts.length - 1]! - starts[0]!;
  const periods: number[] = [];
  for (let k = 1; k < starts.length; k++) periods.push(starts[k]! - starts[k - 1]!);
  const mean = span / periods.length;
  if (mean < 0.05) return lastT - starts[0]! < 0.001 ? 'within 1 ms' : `within ${seconds(lastT - starts[0]!)} s`;
  const spread = Math.max(...periods.map((p) => Math.abs(p - mean)));
  if (spread <= Math.max(0.1 * mean, 0.02)) return `every ${seconds(mean)} s, ${until}`;
  if (spread <= 0.5 * mean) return `every ~${seconds(mean)} s, ${until}`;
  return until;
}

function runRow(groups: readonly Group[], p: number, reps: number): DisplayRow {
  const first = groups[0]!.events[0]!;
  const pattern = groups.slice(0, p);
  const mixed = pattern.some((g) => g.events[0]!.dir !== first.dir);
  const parts = pattern.map((g) => {
    const name = label(g.events);
    return mixed ? `${name} ${g.events[0]!.dir === 'c2s' ? 'c→b' : 'b→c'}` : name;
  });
  const starts: number[] = [];
  for (let k = 0; k < reps; k++) starts.push(groups[k * p]!.events[0]!.t);
  const covered = groups.slice(0, reps * p).flatMap((g) => g.events);
  const lastGroup = groups[reps * p - 1]!.events;
  const lastT = lastGroup[lastGroup.length - 1]!.t;
  return {
    kind: 'run',
    t: first.t,
    dir: first.dir,
    protocol: protocolOf(first.kind),
    info: `${reps} x ${parts.join(' / ')}${tagRange(covered)} ${cadence(starts, lastT)}`,
    note: '',
    important: false,
    events: covered,
  };
}

/** The display rows of a timeline: packets merged, the handshake and repetitive stretches folded. */
/** Folds repeated patterns in `groups` (step 3). */
function foldRuns(groups: readonly Group[]): DisplayRow[] {
  const rows: DisplayRow[] = [];
  const find = (at: number) => longestRepeat(groups, at, (g) => g.key, (g) => !g.important, MIN_REPEATS);
  let i = 0;
  while (i < groups.length) {
    let r = find(i);
    // A run reads better when it starts with an AMQP row than with the TCP ACK before it: shift it by one.
    if (r !== null && groups[i]!.events[0]!.kind === 'tcp' && groups.slice(i, i + r.p).some((g) => g.events[0]!.kind === 'amqp')) {
      const next = find(i + 1);
      if (next !== null && next.p === r.p && next.reps >= r.reps - 1) r = null;
    }
    if (r === null) {
      rows.push(groupRow(groups[i]!));
      i++;
      continue;
    }
    rows.push(runRow(groups.slice(i), r.p, r.reps));
    i += r.p * r.reps;
  }
  return rows;
}

// ---- 4. quiet stretches ------------------------------------------------------------------------------------------

const QUIET_TCP = new Set(['ACK', 'Keep-Alive', 'Keep-Alive ACK', 'Window Update', 'Dup ACK']);

/** A row of a connection that is only keeping itself alive: a heartbeat, a pure ACK, a keep-alive. */
function isQuiet(g: Group): boolean {
  if (g.important || g.events.length !== 1) return false;
  const e = g.events[0]!;
  return (e.kind === 'amqp' && e.type === 'Heartbeat') || (e.kind === 'tcp' && QUIET_TCP.has(e.type));
}

/** Rows of heartbeats and ACKs from which a stretch that does not fold into one pattern folds as an exchange. */
export const MIN_QUIET_ROWS = 6;

/**
 * "Heartbeat c→b x 8 every 1.0 s / Heartbeat b→c x 7 every 2.0 s / 15 x TCP ACK, until 14.011": a stretch of
 * heartbeats and ACKs whose two directions interleave irregularly (so that no single pattern repeats).
 */
function quietRow(groups: readonly Group[]): DisplayRow {
  const events = groups.map((g) => g.events[0]!);
  const first = events[0]!;
  const last = events[events.length - 1]!;
  const lead = events.find((e) => e.kind === 'amqp') ?? first;
  const parts: string[] = [];
  let ackPart = '';
  const seen = new Set<string>();
  for (const e of events) {
    const acks = e.kind === 'tcp' && (e.type === 'ACK' || e.type === 'Dup ACK' || e.type === 'Window Update');
    const key = acks ? 'TCP ACK' : `${label([e])}|${e.dir}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (acks) {
      const n = events.filter((x) => x.kind === 'tcp' && (x.type === 'ACK' || x.type === 'Dup ACK' || x.type === 'Window Update')).length;
      ackPart = `${n} x TCP ACK`;
      continue;
    }
    const same = events.filter((x) => x.kind === e.kind && x.type === e.type && x.dir === e.dir);
    const dir = e.dir === 'c2s' ? 'c→b' : 'b→c';
    const every = same.length >= 3 ? cadence(same.map((x) => x.t), same[same.length - 1]!.t).replace(/,? ?until [0-9.]+$/, '') : '';
    parts.push(`${same.length} x ${label([e])} ${dir}${every !== '' ? ` ${every}` : ''}`);
  }
  if (ackPart !== '') parts.push(ackPart);
  return {
    kind: 'run',
    t: first.t,
    dir: lead.dir,
    protocol: protocolOf(lead.kind),
    info: `${parts.join(' / ')}, until ${last.t.toFixed(3)}`,
    note: '',
    important: false,
    events,
  };
}

/** The display rows of a timeline: packets merged, the handshake and repetitive stretches folded. */
export function foldTimeline(timeline: readonly ReportEvent[], ctx: FoldContext = {}): DisplayRow[] {
  const groups = groupByPacket(timeline);
  const rows: DisplayRow[] = [];
  const hs = handshakeLength(groups);
  if (hs > 0) rows.push(...handshakeRows(groups.slice(0, hs).flatMap((g) => g.events), ctx));
  let from = hs;
  for (let i = hs; i < groups.length; ) {
    const end = burstEnd(groups, i);
    if (end === i) {
      i++;
      continue;
    }
    rows.push(...foldQuietAndRuns(groups.slice(from, i)), burstRow(groups.slice(i, end)));
    from = i = end;
  }
  rows.push(...foldQuietAndRuns(groups.slice(from)));
  return rows;
}

/** Steps 3 and 4 over groups between bursts. */
function foldQuietAndRuns(groups: readonly Group[]): DisplayRow[] {
  const rows: DisplayRow[] = [];
  // Between the rows that matter: stretches of heartbeats and ACKs, and everything else.
  let i = 0;
  while (i < groups.length) {
    let j = i;
    while (j < groups.length && isQuiet(groups[j]!)) j++;
    if (j > i) {
      const stretch = groups.slice(i, j);
      const folded = foldRuns(stretch);
      // A regular exchange folds into one pattern row; an irregular one into one exchange row.
      rows.push(...(stretch.length >= MIN_QUIET_ROWS && folded.length > 2 ? [quietRow(stretch)] : folded));
      i = j;
      continue;
    }
    while (j < groups.length && !isQuiet(groups[j]!)) j++;
    // Patterns may span quiet and other rows (Deliver / ACK / Basic.Ack / ACK): fold up to the next quiet stretch
    // long enough to be folded on its own.
    let k = j;
    for (;;) {
      let q = k;
      while (q < groups.length && isQuiet(groups[q]!)) q++;
      if (q - k >= MIN_QUIET_ROWS || q === k) break;
      k = q;
      while (k < groups.length && !isQuiet(groups[k]!)) k++;
    }
    rows.push(...foldRuns(groups.slice(i, k)));
    i = k;
  }
  return rows;
}

// ---- 5. bursts of the same traffic ---------------------------------------------------------------------------------

/** Fewer methods in a row fold as patterns (step 3), not as a burst. */
export const MIN_BURST = 8;
const MIN_RATE_SPAN = 0.01;
const CONTENT = new Set(['Content-Header', 'Content-Body']);

/** The method a group of one side's frames carries (content frames may come first: the rest of a message). */
function burstMethod(g: Group): { dir: Dir; method: string } | null {
  const e = g.events[0]!;
  if (e.kind === 'elided') {
    const run = e.runs?.length === 1 ? e.runs[0]! : null;
    return run !== null ? { dir: run.dir, method: run.type.replace(/\+content$/, '') } : null;
  }
  const m = g.events.find((x) => x.kind === 'amqp' && !CONTENT.has(x.type));
  return m !== undefined && m.type !== 'Heartbeat' && !m.type.startsWith('Protocol-Header') ? { dir: m.dir, method: m.type } : null;
}

/** Whether a group belongs to a burst of `method` from `dir`. */
function inBurst(g: Group, dir: Dir, method: string): boolean {
  const first = g.events[0]!;
  if (first.kind === 'elided') {
    const m = burstMethod(g);
    return m !== null && m.dir === dir && m.method === method;
  }
  return g.events.every((e) =>
    e.note === undefined && (e.kind === 'tcp' ? FLOW_TCP.has(e.type) : e.kind === 'amqp' && e.dir === dir && (e.type === method || CONTENT.has(e.type))),
  );
}

/** The end (exclusive) of the burst starting at group `i`, or `i` when none starts there. */
function burstEnd(groups: readonly Group[], i: number): number {
  const start = burstMethod(groups[i]!);
  if (start === null) return i;
  let end = i;
  let lastAmqp = i;
  for (let j = i; j < groups.length && inBurst(groups[j]!, start.dir, start.method); j++) {
    end = j + 1;
    if (groups[j]!.events[0]!.kind !== 'tcp') lastAmqp = j;
  }
  // The burst ends with its last frame: the ACKs after it belong to what follows.
  end = Math.min(end, lastAmqp + 1);
  // Within one packet, step 1 already says "11 x Basic.Ack tag=2..12".
  const packets = groups.slice(i, end).filter((g) => g.events[0]!.kind !== 'tcp').length;
  return packets > 1 && burstTotals(groups.slice(i, end)).count >= MIN_BURST ? end : i;
}

/** A burst's methods and body bytes: the runs of its elided rows, and its visible frames outside those runs. */
function burstTotals(groups: readonly Group[]): { count: number; bytes: number; runs: ReportRun[] } {
  const runs = groups.flatMap((g) => g.events[0]!.runs ?? []);
  const inRun = (e: ReportEvent) => runs.some((r) => e.packet >= r.from.packet && e.packet <= r.to.packet);
  let count = runs.reduce((a, r) => a + r.count, 0);
  let bytes = runs.reduce((a, r) => a + r.bytes, 0);
  for (const g of groups) {
    for (const e of g.events) {
      if (e.kind !== 'amqp' || inRun(e)) continue;
      if (e.type === 'Content-Body') bytes += Number(/(\d+) bytes/.exec(e.summary)?.[1] ?? 0);
      else if (!CONTENT.has(e.type)) count++;
    }
  }
  return { count, bytes, runs };
}

/** "11.1 MB", "640 kB", "512 bytes" (decimal units, as network rates are given). */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} bytes`;
}

function burstRow(groups: readonly Group[]): DisplayRow {
  const events = groups.flatMap((g) => g.events);
  const { count, bytes, runs } = burstTotals(groups);
  const visible = events.filter((e) => e.kind !== 'elided');
  const firstT = Math.min(...visible.map((e) => e.t), ...runs.map((r) => r.from.t));
  const lastT = Math.max(...visible.filter((e) => e.kind === 'amqp').map((e) => e.t), ...runs.map((r) => r.to.t));
  const { dir, method } = burstMethod(groups[0]!)!;
  const content = bytes > 0 || events.some((e) => CONTENT.has(e.type)) || runs.some((r) => r.type.endsWith('+content'));
  const span = lastT - firstT;
  // Rates over less than 10 ms say more about the capture clock than about the traffic.
  const rates = span >= MIN_RATE_SPAN ? `, ${groupDigits(Math.round(count / span))}/s${bytes > 0 ? `, ${formatBytes(bytes / span)}/s` : ''}` : '';
  const windowFull = visible.filter((e) => e.kind === 'tcp' && e.type === 'Window Full').length;
  return {
    kind: 'run',
    t: firstT,
    dir,
    protocol: 'AMQP',
    info:
      `${groupDigits(count)} x ${method}${content ? '+content' : ''}${tagRange(visible)} ${dir === 'c2s' ? 'c→b' : 'b→c'}${bytes > 0 ? `, ${formatBytes(bytes)}` : ''}, ` +
      `${firstT.toFixed(3) === lastT.toFixed(3) ? `at ${firstT.toFixed(3)}` : `${firstT.toFixed(3)}-${lastT.toFixed(3)}`}${rates}${windowFull > 0 ? ` (${windowFull} x TCP Window Full)` : ''}`,
    note: '',
    important: false,
    events,
  };
}

/** Rows every renderer emphasises: a FIN or RST, Connection.Close, Blocked, Unblocked. */
export function isAlarming(r: DisplayRow): boolean {
  return r.events.some((e) => (e.kind === 'tcp' && /^(RST|FIN)$/.test(e.type)) || /^Connection\.(Close|Blocked|Unblocked)/.test(e.type));
}

/** "client" or "broker": a row's source or destination. */
export function side(dir: DisplayRow['dir'], role: 'source' | 'destination'): string {
  if (dir === null) return '';
  return (dir === 'c2s') === (role === 'source') ? 'client' : 'broker';
}
