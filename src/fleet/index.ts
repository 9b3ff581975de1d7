/**
 * The fleet view: the whole run at a glance, from its judged connections (never from packets). Groups, churn,
 * reconnects and loops, waves, the broker's resource alarms and acceptance, and the headline that sums them up.
 */
import type { Cause, Verdict } from '../diagnosis/types.js';
import { notAccepting, notAcceptedMembers, refused } from './acceptance.js';
import { alarmsSentence, findAlarms, largestAlarms, MAX_ALARMS } from './alarms.js';
import { churn } from './churn.js';
import type { Clock } from './clock.js';
import { fleetGroups, membersByGroup } from './groups.js';
import { headline } from './headline.js';
import { findLoops, findReconnects, reconnectExamples } from './reconnects.js';
import { findRefusals, keptRefusals, MAX_REFUSALS } from './refusals.js';
import { median, micros, tally } from './stats.js';
import type { FoldedMembers } from './folded.js';
import type { Fleet, FleetMember, FleetRedelivery, Instant, NonAmqpCounts } from './types.js';
import { findWaves } from './waves.js';

export interface FleetInput {
  members: readonly FleetMember[];
  nonAmqp: NonAmqpCounts;
  /** The run's first and last packet. */
  origin: Instant;
  end: Instant;
  clock: Clock;
  /** Ended connections folded into counts (a long --follow run), or null. */
  folded?: FoldedMembers | null;
  /** Messages redelivered after their connection died (the report's redelivered-after-close findings). */
  redeliveries?: readonly FleetRedelivery[];
}

export function summarizeFleet(input: FleetInput): Fleet {
  const { members, clock } = input;
  const folded = input.folded ?? null;
  const byVerdict: Partial<Record<Verdict, number>> = { ...folded?.byVerdict };
  const byCause: Partial<Record<Cause, number>> = { ...folded?.byCause };
  for (const m of members) {
    tally(byVerdict, m.verdict);
    if (m.cause !== null) tally(byCause, m.cause);
  }
  const byGroup = membersByGroup(members);
  const { groups, omitted } = fleetGroups(byGroup, input.end, folded?.groups);
  const reconnects = findReconnects(byGroup);
  const ch = churn(members, input.origin, input.end, folded?.churn ?? null);
  const hosts = new Set(members.map((m) => m.host));
  for (const g of folded?.groups.values() ?? []) hosts.add(g.host);
  const medDelay = median(reconnects.map((r) => r.delaySeconds));
  const alarms = findAlarms(members, clock);
  const keptAlarms = largestAlarms(alarms, MAX_ALARMS);
  const loops = findLoops(byGroup, reconnects, clock);
  const refusals = findRefusals(members, loops, clock);
  const kept = keptRefusals(refusals, MAX_REFUSALS);
  const notAccepted = notAcceptedMembers(members, input.end);
  const fleet: Omit<Fleet, 'headline'> = {
    connections: members.length + (folded?.count ?? 0),
    open: members.filter((m) => m.ended === null).length + (folded?.open ?? 0),
    hosts: hosts.size,
    byVerdict,
    byCause,
    groups,
    groupsOmitted: omitted,
    churn: { bucketSeconds: ch.bucketSeconds, start: members.length > 0 || folded !== null || input.end.packet > 0 ? clock.at(input.origin) : null, opened: ch.opened, ended: ch.ended },
    reconnects: {
      count: reconnects.length,
      medianDelaySeconds: medDelay === null ? null : micros(medDelay),
      examples: reconnectExamples(reconnects),
      loops,
    },
    waves: findWaves(members, reconnects, clock),
    alarms: keptAlarms.map((a) => a.alarm),
    alarmsOmitted: alarms.length - keptAlarms.length,
    handshakeRefusals: kept.kept,
    handshakeRefusalsOmitted: refusals.length - kept.kept.length,
    notAccepting: notAccepting(members, notAccepted, clock),
    refused: refused(input.nonAmqp, clock),
    noAmqp: { count: input.nonAmqp.noAmqp },
  };
  const told = { alarms: alarmsSentence(keptAlarms, fleet.alarmsOmitted), refusals: kept.told, redeliveries: input.redeliveries ?? [], notAccepted };
  return { headline: headline(members, fleet, reconnects, told, clock, input.end, folded), ...fleet };
}

export type { Fleet, FleetMember, FleetRedelivery, Instant, NonAmqpCounts } from './types.js';
export { emptyNonAmqpCounts, addNonAmqpCounts } from './types.js';
export { FoldedMembers, MAX_FOLDED_GROUPS } from './folded.js';
export { grouped } from './stats.js';
export { applicationName } from './application.js';
export { runClock, type Clock } from './clock.js';
