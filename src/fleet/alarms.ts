/**
 * Broker resource alarms, from the connections they blocked. RabbitMQ's memory and disk alarms are cluster-wide: while
 * one is set, a connection that publishes gets Connection.Blocked (the reason: "low on memory", "low on disk") and the
 * broker stops reading it; when the alarm clears, every blocked connection gets Connection.Unblocked at once
 * (failure-modes.md §1.5, F8). Connections that only consume are never blocked.
 *
 * So the blocked episodes of one alarm overlap: a publisher blocked late (it published late) is still blocked when
 * the alarm clears, like the others. An alarm is a run of overlapping episodes; a later, separate run is another
 * alarm. An episode without Unblocked in the capture is known to last until its connection ended, or (still open) until
 * its last packet: never past its own capture, in a run of several.
 */
import type { Clock } from './clock.js';
import { grouped, listed, plural, spoken } from './stats.js';
import { compareInstants, type BlockedSpan, type FleetAlarm, type FleetMember, type Instant } from './types.js';

const MAX_LISTED = 50;
/** Alarms kept in the report (the largest); a flapping alarm makes one per flap. The others are counted. */
export const MAX_ALARMS = 20;

/** It ended while a Connection.Blocked was in force (its last episode has no Unblocked). */
function endedWhileBlocked(m: FleetMember): boolean {
  const last = m.blocked[m.blocked.length - 1];
  return m.ended !== null && last !== undefined && last.until === null;
}

/** Its client closed it while blocked (a blocked-connection timeout, or a client that gave up): the alarm's doing. */
export function clientGaveUpBlocked(m: FleetMember): boolean {
  return endedWhileBlocked(m) && m.by === 'client';
}

interface Episode {
  member: FleetMember;
  span: BlockedSpan;
}

/** An alarm, and the headline's words for it (which count every host: the alarm's own lists stop at 50). */
export interface ToldAlarm {
  alarm: FleetAlarm;
  summary: string;
}

export function findAlarms(members: readonly FleetMember[], clock: Clock): ToldAlarm[] {
  const episodes: Episode[] = [];
  for (const member of members) for (const span of member.blocked) episodes.push({ member, span });
  episodes.sort((a, b) => compareInstants(a.span.from, b.span.from));
  const runs: Episode[][] = [];
  let stop: Instant | null = null;
  for (const e of episodes) {
    if (stop === null || compareInstants(e.span.from, stop) > 0) {
      runs.push([e]);
      stop = e.span.stop;
    } else {
      runs[runs.length - 1]!.push(e);
      if (compareInstants(e.span.stop, stop) > 0) stop = e.span.stop;
    }
  }
  return runs.map((run) => alarmOf(run, clock));
}

function latest(instants: readonly Instant[]): Instant | null {
  let out: Instant | null = null;
  for (const i of instants) if (out === null || compareInstants(i, out) > 0) out = i;
  return out;
}

function alarmOf(run: readonly Episode[], clock: Clock): ToldAlarm {
  const first = run[0]!.span.from;
  const ids = [...new Set(run.map((e) => e.member.id))];
  const hosts = [...new Set(run.map((e) => e.member.host))];
  const applications = [...new Set(run.flatMap((e) => (e.member.application !== null ? [e.member.application] : [])))];
  const unnamed = new Set(run.flatMap((e) => (e.member.application === null ? [e.member.id] : []))).size;
  const reasons = [...new Set(run.flatMap((e) => (e.span.reason !== null ? [e.span.reason] : [])))];
  const cleared = latest(run.flatMap((e) => (e.span.until !== null ? [e.span.until] : [])));
  // Each connection's last episode in the alarm says how it stands at the alarm's end.
  const last = new Map<string, Episode>();
  for (const e of run) last.set(e.member.id, e);
  const unresolved = [...last.values()].filter((e) => e.span.until === null);
  const ended = unresolved.filter((e) => e.member.ended !== null);
  const facts: AlarmFacts = {
    t: clock.t(first),
    at: clock.at(first),
    clearedT: cleared === null ? null : clock.t(cleared),
    endT: clock.t(latest(run.map((e) => e.span.stop))!),
    reasons,
    // In a run of several captures, one capture may hold the alarm's start and another only its end.
    beforeCapture: run[0]!.span.beforeCapture,
    count: ids.length,
    endedBlocked: ended.length,
    stillBlocked: unresolved.length - ended.length,
    hosts: hosts.slice(0, MAX_LISTED),
    applications: applications.slice(0, MAX_LISTED),
    connections: ids.slice(0, MAX_LISTED),
  };
  const gaveUp = ended.filter((e) => e.member.by === 'client').length;
  return { alarm: { ...facts, explanation: alarmExplanation(facts, hosts, applications, unnamed, gaveUp) }, summary: alarmSummary(facts, hosts) };
}

type AlarmFacts = Omit<FleetAlarm, 'explanation'>;

/**
 * When: from the first Blocked (or from before the capture) to the last Unblocked, said to be the alarm clearing only
 * when no blocked connection outlived it; without any Unblocked, until the last moment one was known blocked.
 */
function alarmSpan(a: AlarmFacts): string {
  // A capture that joined blocked connections holds their Unblocked only: the alarm began before it, by how much is unknown.
  const start = a.beforeCapture ? 'since before the capture started' : `${a.count === 1 ? 'at' : 'starting at'} ${a.t.toFixed(3)} s`;
  const atLeast = a.beforeCapture ? 'at least ' : '';
  if (a.clearedT === null) return `${start}; no Connection.Unblocked is in the capture (the last blocked connection was seen at ${a.endT.toFixed(3)} s)`;
  const outlived = a.endT > a.clearedT;
  const until = outlived ? `until the last Connection.Unblocked at ${a.clearedT.toFixed(3)} s` : `until the alarm cleared at ${a.clearedT.toFixed(3)} s`;
  return `${start}, ${until} (${atLeast}${spoken(a.clearedT - a.t)})`;
}

/** " (low on memory)", or nothing when no Blocked frame (with its reason) is in the capture. */
function reasonsText(a: AlarmFacts): string {
  return a.reasons.length > 0 ? ` (${a.reasons.join('; ')})` : '';
}

/** "it", "both", "all", "2 of them": `n` of the alarm's connections. */
function howMany(a: AlarmFacts, n: number): string {
  if (n !== a.count) return `${n} of them`;
  return a.count === 1 ? 'it' : a.count === 2 ? 'both' : 'all';
}

/** How the blocked connections stood at the alarm's end, or '' when every one was unblocked. */
function alarmOutcome(a: AlarmFacts): string {
  const parts: string[] = [];
  if (a.endedBlocked > 0) parts.push(`${howMany(a, a.endedBlocked)} ended while blocked`);
  if (a.stillBlocked > 0) parts.push(`${howMany(a, a.stillBlocked)} ${a.stillBlocked === 1 ? 'was' : 'were'} still blocked at the end`);
  return parts.join('; ');
}

/** The headline's words: how many, from how many hosts, why, how long, how they stood. `hosts` unbounded. */
function alarmSummary(a: AlarmFacts, hosts: readonly string[]): string {
  const from = hosts.length === 1 ? `from ${hosts[0]}` : `from ${plural(hosts.length, 'host')}`;
  const outcome = alarmOutcome(a);
  // The alarm is the broker's, but what filled its memory or disk may be the clients' (a queue nobody consumes).
  return (
    `a broker resource alarm${reasonsText(a)} blocked ${plural(a.count, 'publishing connection')} ${from} ${alarmSpan(a)}: ` +
    `the broker throttled ${a.count === 1 ? 'it' : 'them'}, not a fault of ${a.count === 1 ? 'that connection' : 'these connections'}${outcome !== '' ? `; ${outcome}` : ''}`
  );
}

/**
 * Who was blocked, why, for how long, how they stood, and what to do. `hosts` and `applications` unbounded;
 * `unnamed`: connections without an application; `gaveUp`: those of `endedBlocked` that their client closed.
 */
function alarmExplanation(a: AlarmFacts, hosts: readonly string[], applications: readonly string[], unnamed: number, gaveUp: number): string {
  // Connections joined midway have no name: counted beside the applications.
  const named = [applications.length > 0 ? listed(applications) : '', unnamed > 0 && applications.length > 0 ? `${unnamed} unnamed` : ''].filter((x) => x !== '');
  const apps = named.length > 0 ? ` (${named.join('; ')})` : '';
  const from = hosts.length === 1 ? `from ${hosts[0]}` : `from ${plural(hosts.length, 'host')} (${listed(hosts)})`;
  const outcome = alarmOutcome(a);
  const ended: string[] = [];
  if (gaveUp > 0) {
    const every = a.endedBlocked === a.count;
    const who =
      gaveUp < a.endedBlocked
        ? `${gaveUp} ${gaveUp === 1 ? 'was closed by its client' : 'were closed by their clients'}`
        : gaveUp === 1
          ? `${every ? 'It' : 'The one that ended'} was closed by its client`
          : `${every ? 'They' : 'Those that ended'} were closed by their clients`;
    ended.push(`${who} (a blocked-connection timeout, or a client that gave up)`);
  }
  if (a.endedBlocked > gaveUp) ended.push(`${a.endedBlocked - gaveUp} ended otherwise while blocked (their own verdicts say how)`);
  return (
    `The broker sent Connection.Blocked${reasonsText(a)} to ${plural(a.count, 'connection')}${apps} ${from} ${alarmSpan(a)}: ` +
    `a resource alarm, set for the whole cluster, under which RabbitMQ stops reading every connection that publishes; ` +
    `connections that only consume are not blocked.${outcome !== '' ? ` ${outcome.charAt(0).toUpperCase()}${outcome.slice(1)}.` : ''}` +
    `${ended.length > 0 ? ` ${ended.join('; ')}.` : ''} ${alarmAdvice(a.reasons)}`
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
  const free =
    what.length > 0
      ? `free ${what.join(' and ')}; rabbitmqctl status lists the alarms in force.`
      : 'find the alarm in force (rabbitmqctl status, the broker log) and free what it is short of.';
  return `Fix: ${free} Publish and consume on separate connections, so that consumers keep draining while publishers are blocked, and give publishers a blocked-connection timeout and publisher confirms.`;
}

/** The `max` alarms that blocked the most connections (the earlier of equals), in time order. */
export function largestAlarms(alarms: readonly ToldAlarm[], max: number): ToldAlarm[] {
  if (alarms.length <= max) return [...alarms];
  const kept = new Set(
    alarms
      .map((a, i) => ({ a, i }))
      .sort((x, y) => y.a.alarm.count - x.a.alarm.count || x.i - y.i)
      .slice(0, max)
      .map((x) => x.i),
  );
  return alarms.filter((_, i) => kept.has(i));
}

/** The headline's sentence for the run's alarms: the one that blocked the most connections (the earliest of those) told in full, the others counted. */
export function alarmsSentence(told: readonly ToldAlarm[], omitted: number): string | null {
  let first: ToldAlarm | undefined;
  for (const a of told) if (first === undefined || a.alarm.count > first.alarm.count) first = a;
  if (first === undefined) return null;
  const others = told.length - 1 + omitted;
  const tail = others === 0 ? '' : ` The run had ${others === 1 ? 'one other alarm' : `${grouped(others)} other alarms`}.`;
  return `${first.summary.charAt(0).toUpperCase()}${first.summary.slice(1)}.${tail}`;
}
