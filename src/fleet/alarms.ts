/**
 * Broker resource alarms, from the connections they blocked. RabbitMQ's memory and disk alarms are cluster-wide: while
 * one is set, a connection that publishes gets Connection.Blocked (the reason: "low on memory", "low on disk") and the
 * broker stops reading it; when the alarm clears, every blocked connection gets Connection.Unblocked at once
 * (failure-modes.md §1.5, F8). Connections that only consume are never blocked.
 *
 * So the blocked episodes of one alarm overlap: a publisher blocked late (it published late) is still blocked when
 * the alarm clears, like the others. An alarm is a run of overlapping episodes; a later, separate run is another
 * alarm. An episode without Unblocked in the capture lasts until its connection ended, else to the capture's end.
 */
import type { Clock } from './clock.js';
import { listed, plural, spoken } from './stats.js';
import { compareInstants, type BlockedSpan, type FleetAlarm, type FleetMember, type Instant } from './types.js';

const MAX_LISTED = 50;

interface Episode {
  member: FleetMember;
  span: BlockedSpan;
  /** Until its Unblocked, its connection's end, or the capture's end. */
  stop: Instant;
}

/** An alarm, and the headline's sentence for it (which counts every host: the alarm's own lists stop at 50). */
export interface ToldAlarm {
  alarm: FleetAlarm;
  summary: string;
}

/** `end`: the run's last packet. */
export function findAlarms(members: readonly FleetMember[], clock: Clock, end: Instant): ToldAlarm[] {
  const episodes: Episode[] = [];
  for (const member of members) {
    for (const span of member.blocked) episodes.push({ member, span, stop: span.until ?? member.ended ?? end });
  }
  episodes.sort((a, b) => compareInstants(a.span.from, b.span.from));
  const runs: Episode[][] = [];
  let stop: Instant | null = null;
  for (const e of episodes) {
    if (stop === null || compareInstants(e.span.from, stop) > 0) {
      runs.push([e]);
      stop = e.stop;
    } else {
      runs[runs.length - 1]!.push(e);
      if (compareInstants(e.stop, stop) > 0) stop = e.stop;
    }
  }
  return runs.map((run) => alarmOf(run, clock));
}

function alarmOf(run: readonly Episode[], clock: Clock): ToldAlarm {
  const first = run[0]!.span.from;
  const ids = [...new Set(run.map((e) => e.member.id))];
  const hosts = [...new Set(run.map((e) => e.member.host))];
  const applications = [...new Set(run.flatMap((e) => (e.member.application !== null ? [e.member.application] : [])))];
  const reasons = [...new Set(run.flatMap((e) => (e.span.reason !== null ? [e.span.reason] : [])))];
  let cleared: Instant | null = null;
  for (const e of run) if (e.span.until !== null && (cleared === null || compareInstants(e.span.until, cleared) > 0)) cleared = e.span.until;
  // Each connection's last episode in the alarm says how it stands at the alarm's end.
  const last = new Map<string, Episode>();
  for (const e of run) last.set(e.member.id, e);
  const unresolved = [...last.values()].filter((e) => e.span.until === null);
  const endedBlocked = unresolved.filter((e) => e.member.ended !== null).length;
  const stillBlocked = unresolved.length - endedBlocked;
  const alarm = {
    t: clock.t(first),
    at: clock.at(first),
    clearedT: cleared === null ? null : clock.t(cleared),
    reasons,
    beforeCapture: run.some((e) => e.span.beforeCapture),
    count: ids.length,
    endedBlocked,
    stillBlocked,
    hosts: hosts.slice(0, MAX_LISTED),
    applications: applications.slice(0, MAX_LISTED),
    connections: ids.slice(0, MAX_LISTED),
  };
  return { alarm: { ...alarm, explanation: alarmExplanation(alarm, hosts, applications) }, summary: alarmSummary(alarm, hosts) };
}

type AlarmFacts = Omit<FleetAlarm, 'explanation'>;

/** How long, from the first Blocked: "until the alarm cleared at 13.743 s (10.4 s)", or that it never cleared in the capture. */
function alarmSpan(a: AlarmFacts): string {
  // A capture that joined blocked connections holds their Unblocked only: the alarm began before it, by how much is unknown.
  const start = a.beforeCapture ? 'since before the capture started' : `${a.count === 1 ? 'at' : 'starting at'} ${a.t.toFixed(3)} s`;
  return a.clearedT !== null
    ? `${start}, until the alarm cleared at ${a.clearedT.toFixed(3)} s (${a.beforeCapture ? 'at least ' : ''}${spoken(a.clearedT - a.t)})`
    : `${start}, and no Connection.Unblocked followed in the capture`;
}

/** " (low on memory)", or nothing when no Blocked frame (with its reason) is in the capture. */
function reasonsText(a: AlarmFacts): string {
  return a.reasons.length > 0 ? ` (${a.reasons.join('; ')})` : '';
}

/** How the blocked connections stood at the alarm's end, or '' when every one was unblocked. */
function alarmOutcome(a: AlarmFacts): string {
  const parts: string[] = [];
  const all = (n: number, one: string, every: string, some: string) => (n === a.count ? (a.count === 1 ? one : every) : some);
  if (a.endedBlocked > 0) parts.push(`${all(a.endedBlocked, 'it', 'all', `${a.endedBlocked} of them`)} ended while blocked`);
  if (a.stillBlocked > 0) parts.push(`${all(a.stillBlocked, 'it was', 'all were', `${a.stillBlocked} ${a.stillBlocked === 1 ? 'was' : 'were'}`)} still blocked when the capture ended`);
  return parts.join('; ');
}

/** The headline's sentence: how many, from how many hosts, why, how long, how they stood. `hosts` unbounded. */
function alarmSummary(a: AlarmFacts, hosts: readonly string[]): string {
  const from = hosts.length === 1 ? `from ${hosts[0]}` : `from ${plural(hosts.length, 'host')}`;
  const outcome = alarmOutcome(a);
  return (
    `A broker resource alarm${reasonsText(a)} blocked ${plural(a.count, 'publishing connection')} ${from} ${alarmSpan(a)}: ` +
    `a broker-side event, not ${a.count === 1 ? 'a client fault' : 'client faults'}${outcome !== '' ? `; ${outcome}` : ''}.`
  );
}

/** Who was blocked, why, for how long, how they stood, and what to do. `hosts` and `applications` unbounded. */
function alarmExplanation(a: AlarmFacts, hosts: readonly string[], applications: readonly string[]): string {
  const apps = applications.length > 0 ? ` (${listed(applications)})` : '';
  const from = hosts.length === 1 ? `from ${hosts[0]}` : `from ${plural(hosts.length, 'host')} (${listed(hosts)})`;
  const outcome = alarmOutcome(a);
  const ended = a.endedBlocked > 0 ? ' A connection that ended while blocked was closed by its client (a blocked-connection timeout, or a client that gave up) or died.' : '';
  return (
    `The broker sent Connection.Blocked${reasonsText(a)} to ${plural(a.count, 'connection')}${apps} ${from} ${alarmSpan(a)}: ` +
    `a resource alarm, set for the whole cluster, under which RabbitMQ stops reading every connection that publishes; ` +
    `connections that only consume are not blocked.${outcome !== '' ? ` ${outcome.charAt(0).toUpperCase()}${outcome.slice(1)}.` : ''}${ended} ${alarmAdvice(a.reasons)}`
  );
}

/** What to do, by the alarm's reasons (RabbitMQ's alarms doc; failure-modes.md F8). */
function alarmAdvice(reasons: readonly string[]): string {
  const memory = reasons.some((r) => r.includes('memory'));
  const disk = reasons.some((r) => r.includes('disk'));
  const what = [
    memory ? 'memory on the broker (often messages piling up in queues: add consumers to drain them, or raise vm_memory_high_watermark if the host has room)' : '',
    disk ? 'disk space on the broker node (or lower disk_free_limit)' : '',
  ].filter((x) => x !== '');
  const free = what.length > 0 ? `free ${what.join(' and ')}; rabbitmqctl status lists the alarms in force.` : 'rabbitmqctl status lists the alarms in force.';
  return `Fix: ${free} Publish and consume on separate connections, so that consumers keep draining while publishers are blocked, and give publishers a blocked-connection timeout and publisher confirms.`;
}
