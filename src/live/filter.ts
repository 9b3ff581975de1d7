/**
 * The report's filters (--connection, --problems, --since, --until) applied to live events as they come, so that
 * `--follow --problems` on a broker with thousands of healthy clients prints the alerts and the problem endings,
 * not a line per connection opened and closed. Status events always pass: they are the run's heartbeat.
 */
import { connectionMatches, parseTimeArgument, type ReportFilter } from '../report/filter.js';
import { eventful } from '../fleet/member.js';
import type { LiveEvent } from './types.js';

/**
 * Null when nothing is filtered (every event is printed). `onNameless`: called with the connection's id for an alert or a problem ending that
 * --connection left out only because the connection's name is not in the capture (it joined the connection after
 * its Start-Ok), so that the operator hears that such connections exist (review 36: `--follow --connection
 * nova-compute` on a capture joined mid-incident printed three healthy closes and nothing of the frozen ones).
 */
export function liveEventFilter(filter: ReportFilter, onNameless: ((connection: string) => void) | null = null): ((event: LiveEvent) => boolean) | null {
  const needles = filter.connection ?? [];
  const problems = filter.problems === true;
  const { since, until } = filter;
  if (needles.length === 0 && !problems && since === undefined && until === undefined) return null;
  const named = (c: Parameters<typeof connectionMatches>[0]) => needles.length === 0 || needles.some((n) => connectionMatches(c, n));
  // A time argument: seconds since the capture start, or an ISO time, resolved once against the first event's start
  // (the capture clock's origin does not move).
  let bounds: { lo: number | null; hi: number | null } | null = null;
  const bound = (value: string | undefined, option: string, at: { t: number; at: string }): number | null =>
    value === undefined ? null : parseTimeArgument(value, startOf(at), option);
  return (event) => {
    if (event.type === 'status') return true;
    bounds ??= { lo: bound(since, '--since', event), hi: bound(until, '--until', event) };
    const { lo, hi } = bounds;
    if ((lo !== null && event.t < lo) || (hi !== null && event.t > hi)) return false;
    switch (event.type) {
      case 'opened':
        // Opening is no problem; its name is not known yet (Start-Ok comes later): ids and ports only.
        return !problems && named({ id: event.connection, client: event.client, server: event.server, name: null });
      case 'refused':
      case 'unanswered':
        // A broker not taking connections: a problem; its name is not known (no Start-Ok without a Start).
        return named({ id: event.connection, client: event.client, server: event.server, name: null });
      case 'silence':
        // Every silence alert is a warning.
        return nameless(named({ ...endpoints(event.connection), name: event.name }), event.name, event.connection);
      case 'no-ack':
        return nameless(named({ id: event.connection, client: event.client, server: event.server, name: event.name }), event.name, event.connection);
      case 'ended': {
        // As the report's --problems: a clean end whose only warning is a setting is no problem to print.
        const problem = eventful(event.connection.end, event.connection.findings);
        if (problems && !problem) return false;
        return problem ? nameless(named(event.connection), event.connection.name, event.connection.id) : named(event.connection);
      }
    }
  };
  function nameless(shown: boolean, name: string | null, connection: string): boolean {
    if (!shown && name === null && needles.length > 0) onNameless?.(connection);
    return shown;
  }
}

/** The capture's start as an ISO time, from an event's capture time and its seconds since that start. */
function startOf(e: { t: number; at: string }): string {
  return new Date(Date.parse(e.at) - e.t * 1000).toISOString();
}

/**
 * "10.0.0.1:40000->10.0.0.9:5672" (or bracketed IPv6; "@N" after it for a connection that reused a connection's ports):
 * the id and its ports, as a connection's.
 */
function endpoints(id: string): { id: string; client: { port: number }; server: { port: number } } {
  const m = /:(\d+)->.*:(\d+)(?:@\d+)?$/.exec(id);
  return { id, client: { port: m !== null ? Number(m[1]) : -1 }, server: { port: m !== null ? Number(m[2]) : -1 } };
}
