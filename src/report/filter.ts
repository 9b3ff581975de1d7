/**
 * Narrowing a report to what the operator asked for (--connection, --problems, --since, --until). Pure: a report
 * in, a smaller report out, in the same shape, so the terminal and JSON outputs narrow the same way.
 */
import { AnalyzerError } from '../errors.js';
import { eventful } from '../fleet/member.js';
import type { Report, ReportConnection } from './types.js';

export interface ReportFilter {
  connection?: readonly string[];
  problems?: boolean;
  /** Seconds since the capture start, or an ISO time. */
  since?: string | undefined;
  until?: string | undefined;
}

/** A time argument as seconds since the capture start. */
export function parseTimeArgument(value: string, captureStart: string | null, option: string): number {
  const trimmed = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const abs = Date.parse(trimmed);
  if (Number.isNaN(abs)) throw new AnalyzerError('usage', `${option}: '${value}' is neither seconds since the capture start nor an ISO time`);
  if (captureStart === null) return 0;
  // Sub-millisecond precision of the ISO argument is not needed to pick rows; Date keeps milliseconds.
  return (abs - Date.parse(captureStart)) / 1000;
}

/** --connection: the id, either port, or (any case) the connection_name contains the needle. */
export function connectionMatches(c: Pick<ReportConnection, 'id' | 'name'> & { client: { port: number }; server: { port: number } }, needle: string): boolean {
  if (c.id.includes(needle)) return true;
  if (String(c.client.port) === needle || String(c.server.port) === needle) return true;
  return c.name !== null && c.name.toLowerCase().includes(needle.toLowerCase());
}

export function filterReport(report: Report, filter: ReportFilter): Report {
  const given = [
    ...(filter.connection ?? []).map((n) => `--connection ${n}`),
    ...(filter.problems === true ? ['--problems'] : []),
    ...(filter.since !== undefined ? [`--since ${filter.since}`] : []),
    ...(filter.until !== undefined ? [`--until ${filter.until}`] : []),
  ];
  if (given.length === 0) return report;
  let connections = report.connections;
  const needles = filter.connection ?? [];
  // A name cannot match a connection whose Start-Ok went before the capture: said, not silently dropped (review 36:
  // --connection nova-compute on a capture joined mid-incident listed only the healthy ones).
  let unnamed = 0;
  if (needles.length > 0) {
    connections = connections.filter((c) => {
      const matched = needles.some((n) => connectionMatches(c, n));
      if (!matched && c.name === null) unnamed++;
      return matched;
    });
  }
  // A connection whose only warning is a setting (heartbeat-timeout-low, heartbeats-disabled) closed well: with
  // T=4 across a fleet, every clean close would be listed (review 36). Counted, and said.
  let settingsOnly = 0;
  if (filter.problems) {
    const kept = connections.filter((c) => eventful(c.end, c.findings));
    settingsOnly = connections.filter((c) => c.severity !== 'info').length - kept.length;
    connections = kept;
  }
  const since = filter.since !== undefined ? parseTimeArgument(filter.since, report.capture.start, '--since') : null;
  const until = filter.until !== undefined ? parseTimeArgument(filter.until, report.capture.start, '--until') : null;
  if (since !== null && until !== null && since > until) throw new AnalyzerError('usage', `--since ${filter.since} is after --until ${filter.until}: no time is in both`);
  if (since !== null || until !== null) {
    const lo = since ?? -Infinity;
    const hi = until ?? Infinity;
    connections = connections
      .filter((c) => {
        const first = c.timeline[0]?.t ?? c.end.t;
        return first <= hi && c.end.t >= lo;
      })
      .map((c) => ({ ...c, timeline: c.timeline.filter((e) => e.t >= lo && e.t <= hi) }));
  }
  const ids = new Set(connections.map((c) => c.id));
  return {
    ...report,
    // The fleet section still covers every connection: said, so that "16 connections" above a list of 7 adds up.
    // Under --follow's budget the report lists fewer connections than the fleet section counts: the count is the fleet's.
    narrowed: {
      connections: report.narrowed?.connections ?? Math.max(report.connections.length, report.fleet.connections),
      filters: [...(report.narrowed?.filters ?? []), ...given],
      ...(unnamed + (report.narrowed?.unnamed ?? 0) > 0 ? { unnamed: unnamed + (report.narrowed?.unnamed ?? 0) } : {}),
      ...(settingsOnly + (report.narrowed?.settingsOnly ?? 0) > 0 ? { settingsOnly: settingsOnly + (report.narrowed?.settingsOnly ?? 0) } : {}),
    },
    connections,
    findings: report.findings.filter((f) => ids.has(f.from) || ids.has(f.to)),
  };
}
