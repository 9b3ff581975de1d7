/**
 * Several reports as one (several captures in one run, or `--merge` of reports made elsewhere): the connections of
 * all, each marked with its capture, every time re-based on the run's first packet, and one fleet section over the
 * whole run. Each report's `at` times are absolute, so every `t` is recomputed from its `at`, exactly.
 */
import { addNonAmqpCounts, emptyNonAmqpCounts, runClock, summarizeFleet, type Clock, type Instant, type NonAmqpCounts } from '../fleet/index.js';
import { compareInstants, plusSeconds } from '../fleet/types.js';
import { instantOf, memberFromReport, redeliveriesOf } from './members.js';
import type { Report, ReportConnection } from './types.js';

/** The name a capture goes by in a run of several: its path as given. */
function captureName(r: Report): string {
  return r.capture.path;
}

/** Digits of the fraction of an ISO time ("...:05.123456Z" -> 6). */
function digitsOf(at: string | null): number {
  return at === null ? 6 : (/\.(\d+)Z$/.exec(at)?.[1]?.length ?? 0);
}

/**
 * A connection's id in the merged report: its own, else marked with its capture, else numbered too (the same
 * 4-tuple can recur within one capture, and the same capture can be merged twice). Adds it to `seen`.
 */
function uniqueId(id: string, capture: string, seen: Map<string, string>): string {
  // Two connections of one capture with the same id are two on the same ports (a port reused, fleet-port-reuse):
  // they keep the id their capture gave them, as in its own report.
  const owner = seen.get(id);
  if (owner === capture) return id;
  let unique = owner === undefined ? id : `${id}@${capture}`;
  for (let n = 2; seen.has(unique) && seen.get(unique) !== capture; n++) unique = `${id}@${capture}#${n}`;
  seen.set(unique, capture);
  return unique;
}

/** Every object with `t` and `at` below `value` gets its `t` from its `at` on the run's clock. */
function rebase(value: unknown, clock: Clock): void {
  if (Array.isArray(value)) {
    for (const v of value) rebase(v, clock);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  if (typeof o['t'] === 'number' && typeof o['at'] === 'string') o['t'] = clock.t(instantOf({ t: 0, at: o['at'], packet: 0 }));
  for (const [k, v] of Object.entries(o)) {
    // Field tables from the wire (client properties) are data, never times.
    if (k !== 'clientProperties' && k !== 'serverProperties' && typeof v === 'object') rebase(v, clock);
  }
}

/** A report's refused and no-AMQP counts, back on the absolute clock. */
function nonAmqpOf(r: Report): NonAmqpCounts {
  const counts = emptyNonAmqpCounts();
  const rf = r.fleet.refused;
  counts.refusedReset = rf.reset;
  counts.refusedUnanswered = rf.unanswered;
  counts.noAmqp = r.fleet.noAmqp.count;
  if (rf.count > 0 && rf.at !== undefined) {
    counts.refusedFirst = instantOf({ t: 0, at: rf.at, packet: 0 });
    counts.refusedLast = plusSeconds(counts.refusedFirst, (rf.endT ?? rf.t ?? 0) - (rf.t ?? 0), 0);
  }
  return counts;
}

function endOf(r: Report): Instant | null {
  if (r.capture.start === null) return null;
  return plusSeconds(instantOf({ t: 0, at: r.capture.start, packet: r.capture.packets }), r.capture.durationSeconds, r.capture.packets);
}

/** Its fleet has every section this version writes (older reports lack handshakeRefusals, alarms). */
function current(r: Report): boolean {
  const f = r.fleet as Partial<Report['fleet']> | undefined;
  return Array.isArray(f?.handshakeRefusals) && Array.isArray(f?.alarms);
}

/**
 * One report of several. Connection ids stay unique: an id that two captures share (the same client port on the
 * same addresses, or one capture given twice) is written `<id>@<capture>` in the second.
 */
export function mergeReports(reports: readonly Report[]): Report {
  // One report is the merge of itself, unless an older amqpscope wrote it: its fleet lacks newer sections (the
  // renderers read them) and is rebuilt from its connections like several reports' fleet.
  if (reports.length === 1 && current(reports[0]!)) return reports[0]!;
  const starts = reports.filter((r) => r.capture.start !== null).map((r) => ({ r, at: instantOf({ t: 0, at: r.capture.start!, packet: 1 }) }));
  starts.sort((a, b) => compareInstants(a.at, b.at));
  const digits = Math.max(...reports.map((r) => digitsOf(r.capture.start)));
  const origin: Instant = starts[0]?.at ?? { sec: 0, nsec: 0, packet: 0 };
  const clock = runClock(origin, digits);
  const ends = reports.map(endOf).filter((e): e is Instant => e !== null);
  const end = ends.reduce<Instant>((a, b) => (compareInstants(a, b) >= 0 ? a : b), origin);

  const seen = new Map<string, string>();
  const connections: ReportConnection[] = [];
  const findings: Report['findings'] = [];
  const nonAmqp = emptyNonAmqpCounts();
  for (const r of reports) {
    const name = captureName(r);
    const renamed = new Map<string, string>();
    for (const c of r.connections) {
      const id = uniqueId(c.id, name, seen);
      renamed.set(c.id, id);
      const copy: ReportConnection = { ...structuredClone(c), id, capture: c.capture ?? name };
      // Reports made before the field existed.
      if (copy.user === undefined) copy.user = null;
      rebase(copy, clock);
      connections.push(copy);
    }
    for (const f of r.findings) {
      const copy = { ...structuredClone(f), from: renamed.get(f.from) ?? f.from, to: renamed.get(f.to) ?? f.to };
      rebase(copy, clock);
      findings.push(copy);
    }
    addNonAmqpCounts(nonAmqp, nonAmqpOf(r));
  }
  // In order of first packet across the run.
  connections.sort((a, b) => a.opened.t - b.opened.t);
  const members = connections.map((c) => memberFromReport(c, c.capture ?? null));
  const fleet = summarizeFleet({ members, nonAmqp, origin, end, clock, redeliveries: redeliveriesOf(findings) });
  const first = starts[0]?.r ?? reports[0]!;
  return {
    schemaVersion: first.schemaVersion,
    tool: first.tool,
    capture: structuredClone(first.capture),
    captures: reports.flatMap((r) => r.captures ?? [r.capture]),
    fleet,
    connections,
    findings,
  };
}
