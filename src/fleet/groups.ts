/** Groups: connections per client host and application, the ones with problems first. */
import type { Verdict } from '../diagnosis/types.js';
import { median, micros, tally } from './stats.js';
import type { FoldedGroup } from './folded.js';
import { secondsFrom, type FleetGroup, type FleetMember, type Instant } from './types.js';

/** Groups listed at the most; the rest are counted. */
export const MAX_GROUPS = 50;

/** Verdicts that are not a problem in themselves. */
export const HEALTHY_VERDICTS: ReadonlySet<Verdict> = new Set(['closed-by-client', 'open']);

export function groupKey(m: Pick<FleetMember, 'host' | 'application'>): string {
  return `${m.host}\u0000${m.application ?? ''}`;
}

/** Members by host and application, each list in order of opening. */
export function membersByGroup(members: readonly FleetMember[]): Map<string, FleetMember[]> {
  const groups = new Map<string, FleetMember[]>();
  for (const m of members) {
    const key = groupKey(m);
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [m]);
    else list.push(m);
  }
  return groups;
}

/** How long a connection lived; one still open counts up to the end of the capture. */
export function lifetime(m: FleetMember, captureEnd: Instant): number {
  return Math.max(0, secondsFrom(m.opened, m.ended ?? captureEnd));
}

/**
 * `folded`: groups of members folded away (folded.ts), counted with the members still kept; a group's median
 * lifetime is over its kept members (null when all were folded).
 */
export function fleetGroups(byGroup: Map<string, FleetMember[]>, captureEnd: Instant, folded: ReadonlyMap<string, FoldedGroup> = new Map()): { groups: FleetGroup[]; omitted: number } {
  const all = [...byGroup.entries()].map(([key, list]) => {
    const byVerdict: Partial<Record<Verdict, number>> = {};
    let problems = 0;
    for (const m of list) {
      tally(byVerdict, m.verdict);
      if (!HEALTHY_VERDICTS.has(m.verdict) || m.severity === 'error') problems++;
    }
    const earlier = folded.get(key);
    if (earlier !== undefined) {
      for (const [verdict, n] of Object.entries(earlier.byVerdict) as [Verdict, number][]) byVerdict[verdict] = (byVerdict[verdict] ?? 0) + n;
      problems += earlier.problems;
    }
    const med = median(list.map((m) => lifetime(m, captureEnd)));
    const group: FleetGroup = {
      host: list[0]!.host,
      application: list[0]!.application,
      connections: list.length + (earlier?.connections ?? 0),
      open: list.filter((m) => m.ended === null).length + (earlier?.open ?? 0),
      byVerdict,
      medianLifetimeSeconds: med === null ? null : micros(med),
      ...(list.some((m) => !m.beginningSeen) || earlier?.lifetimeAtLeast === true ? { lifetimeAtLeast: true as const } : {}),
    };
    return { group, problems };
  });
  for (const [key, earlier] of folded) {
    if (byGroup.has(key)) continue;
    const { host, application, connections, open, problems, byVerdict, lifetimeAtLeast } = earlier;
    all.push({ group: { host, application, connections, open, byVerdict: { ...byVerdict }, medianLifetimeSeconds: null, ...(lifetimeAtLeast ? { lifetimeAtLeast: true as const } : {}) }, problems });
  }
  all.sort(
    (a, b) =>
      b.problems - a.problems ||
      b.group.connections - a.group.connections ||
      a.group.host.localeCompare(b.group.host) ||
      (a.group.application ?? '').localeCompare(b.group.application ?? ''),
  );
  return { groups: all.slice(0, MAX_GROUPS).map((x) => x.group), omitted: Math.max(0, all.length - MAX_GROUPS) };
}
