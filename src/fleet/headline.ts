/**
 * The headline: one to five sentences at the top of every report that answer what an operator asks first: how
 * many connections, which died of what, all at once or one by one, from which hosts, whether they came back,
 * whether a resource alarm blocked the publishers, and whether the broker was accepting at all.
 */
import { replyCodeName } from '../amqp/names.js';
import type { Verdict } from '../diagnosis/types.js';
import type { FoldedMembers } from './folded.js';
import { alreadyGoingOn, attemptsVerb, headersSent } from './acceptance.js';
import { HEALTHY_VERDICTS } from './groups.js';
import type { Reconnect } from './reconnects.js';
import { grouped, listed, plural, spoken } from './stats.js';
import { timeSpan, type Clock } from './clock.js';
import { compareInstants, secondsFrom, type Fleet, type FleetMember, type FleetRedelivery, type FleetWave, type Instant } from './types.js';
import { MAX_LISTED, toldWaves } from './waves.js';
import { clientGaveUpBlocked } from './alarms.js';
import { explainedLoop, type ToldRefusal } from './refusals.js';
import { median } from './stats.js';

const MAX_SENTENCES = 5;

/**
 * Why retrying cannot end a loop, for the reply codes that say so (AMQP 0-9-1: 403 "the client tried to work with
 * an entity to which it has no access"; RabbitMQ sends it for a refused login and for a vhost the user may not
 * open; 530 NOT_ALLOWED for a vhost that does not exist).
 */
function loopAdvice(replyCode: number | null): string {
  if (replyCode === 403) return ': the broker refuses its login or vhost access, and retrying will not change that (fix the user, password or permissions)';
  // 530 is a connection limit as often as a vhost refused: the refusals say which, from the reply text.
  if (replyCode === 530) return ': the broker does not allow it (see its reply text)';
  return '';
}

/** An unhealthy end, an error, or a silence still running that the wire explains (past T, even if not yet 2T). */
export function isProblem(m: FleetMember): boolean {
  return !HEALTHY_VERDICTS.has(m.verdict) || m.severity === 'error' || (m.verdict === 'open' && m.cause !== null);
}

export function verdictLabel(m: Pick<FleetMember, 'verdict' | 'cause'>): string {
  return m.cause !== null ? `${m.verdict} (${m.cause})` : m.verdict;
}

/** A problem's label in a breakdown: its verdict and cause, and for one still open, a broker that stopped answering it. */
function problemLabel(m: FleetMember): string {
  if (m.cause !== null) return verdictLabel(m);
  if (m.brokerUnreachable === true) return `${m.verdict} with the broker not answering`;
  if (m.verdict === 'open' && m.unanswered) return 'open waiting for Connection.Start';
  return m.verdict === 'open' && m.brokerSilent === true ? 'open with the broker silent' : verdictLabel(m);
}

/** "3 missed-heartbeats (client-stalled), 1 reset": most common first; `earlier`: labels of folded members. */
function breakdown(list: readonly FleetMember[], earlier: ReadonlyMap<string, number> | undefined): string {
  const counts = new Map<string, number>(earlier);
  for (const m of list) counts.set(problemLabel(m), (counts.get(problemLabel(m)) ?? 0) + 1);
  return mostFirst(counts, (label, n) => `${n} ${label}`);
}

function mostFirst(counts: ReadonlyMap<string, number>, say: (key: string, n: number) => string): string {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key, n]) => say(key, n))
    .join(', ');
}

/** "zero-window on 2, retransmissions on 1" (the codes alone for one connection): most common first. */
function warningBreakdown(list: readonly FleetMember[], earlier: FoldedMembers | null): string {
  const counts = new Map<string, number>(earlier?.warningCodes);
  for (const m of list) for (const code of m.warnings ?? []) counts.set(code, (counts.get(code) ?? 0) + 1);
  const one = list.length + (earlier?.warned ?? 0) === 1;
  return mostFirst(counts, (code, k) => (one ? code : `${code} on ${k}`));
}

/** `folded`: ended connections folded into counts (a long --follow run), counted here like the others. */
/** `refused`: connection attempts that failed (they are no AMQP connection: "all healthy" is of those that connected). */
function overview(members: readonly FleetMember[], hosts: number, t: (m: FleetMember) => number, folded: FoldedMembers | null, refused: number): string | null {
  const n = members.length + (folded?.count ?? 0);
  if (n === 0) return null;
  const only = members[0];
  if (n === 1 && only !== undefined) {
    const name = only.application !== null ? ` (${only.application})` : '';
    // Still open, yet judged (a side silent past T): the cause, since RabbitMQ's timer may be about to close it.
    const open =
      only.cause !== null
        ? `still open at the end of the capture, but ${only.cause} (${only.severity})`
        : only.brokerUnreachable === true
          ? `still open at the end of the capture, but its broker stopped answering it (${only.severity})`
          : only.unanswered && only.severity === 'error'
            ? 'still open at the end of the capture, waiting for the broker to take it (error)'
            : 'still open at the end of the capture';
    const end = only.ended === null ? open : `${verdictLabel(only)} at ${t(only).toFixed(3)} s`;
    return `1 AMQP connection from ${only.host}${name}: ${end}.`;
  }
  const problems = members.filter(isProblem);
  let problemCount = problems.length;
  for (const k of folded?.problemLabels.values() ?? []) problemCount += k;
  const open = members.filter((m) => m.ended === null).length + (folded?.open ?? 0);
  const host = only?.host ?? folded?.groups.values().next().value?.host ?? '';
  const from = hosts === 1 ? `from ${host}` : `from ${plural(hosts, 'host')}`;
  const openText = open > 0 ? `${open === n ? 'all' : grouped(open)} still open at the end` : 'none still open at the end';
  if (problemCount === 0) {
    // Healthy verdicts, yet something happened on some (a zero window, retransmissions): not "all healthy".
    const warned = members.filter((m) => m.warnings !== null);
    const warnedCount = warned.length + (folded?.warned ?? 0);
    if (warnedCount === 0) return `${plural(n, 'AMQP connection')} ${from}, all healthy${refused > 0 ? ' once connected' : ''}; ${openText}.`;
    const errors = warned.some((m) => m.warningsInclude === 'errors') || folded?.warnedWithErrors === true;
    const warnings = warned.some((m) => m.warningsInclude === 'warnings') || folded?.warnedWithWarnings === true;
    const what = errors && warnings ? 'warnings or errors' : errors ? 'errors' : 'warnings';
    return `${plural(n, 'AMQP connection')} ${from}, none failed; ${grouped(warnedCount)} with ${what} (${warningBreakdown(warned, folded)}); ${openText}.`;
  }
  return `${plural(n, 'AMQP connection')} ${from}: ${grouped(problemCount)} with problems (${breakdown(problems, folded?.problemLabels)}); ${openText}.`;
}

/** Clusters of independent clients' failures of one kind past this many in a run are a rate, not events. */
const RECURRING_WAVES = 5;
/** A wave at least this large, and this many times the kind's median wave, is told on its own. */
const OUTSTANDING_WAVE = 10;
const OUTSTANDING_FACTOR = 3;
const MIN_CLUSTER = 3;

/**
 * Waves of independent clients (scope `clients`) that recur, many of one verdict and cause over the run: a fleet
 * whose clients fail one by one at a steady rate makes clusters of three within T by chance (a 2 h synthetic
 * follow: 317 of them), and telling two of them as "the same stall at once" would invent an event. They are one
 * sentence about the rate instead; the other waves are told one by one.
 */
function recurringWaves(waves: readonly FleetWave[]): { single: FleetWave[]; recurring: string[] } {
  const byKind = new Map<string, FleetWave[]>();
  for (const w of waves) {
    if (w.scope !== 'clients') continue;
    const key = `${w.verdict}|${w.cause ?? ''}`;
    const list = byKind.get(key);
    if (list === undefined) byKind.set(key, [w]);
    else list.push(w);
  }
  const rate = new Set<FleetWave>();
  const recurring: string[] = [];
  for (const all of [...byKind.values()].sort((a, b) => b.length - a.length)) {
    // A wave far larger than the run's chance clusters is an event of its own, told as one (review 30: 60 clients
    // stalling within 2 s among clusters of three).
    const typical = median(all.map((w) => w.count)) ?? MIN_CLUSTER;
    const list = all.filter((w) => w.count < Math.max(OUTSTANDING_WAVE, OUTSTANDING_FACTOR * typical));
    if (list.length < RECURRING_WAVES) continue;
    for (const w of list) rate.add(w);
    const first = list.reduce((a, b) => (b.t < a.t ? b : a));
    const last = list.reduce((a, b) => (b.endT > a.endT ? b : a));
    const sizes = list.map((w) => w.count);
    const hostSet = new Set(list.flatMap((w) => w.hosts));
    // A wave lists at most MAX_LISTED hosts: past that the union is a lower bound.
    const hosts = list.some((w) => w.hosts.length >= MAX_LISTED) ? `at least ${plural(hostSet.size, 'host')}` : plural(hostSet.size, 'host');
    const total = sizes.reduce((a, b) => a + b, 0);
    recurring.push(
      `${plural(list.length, 'cluster')} of ${Math.min(...sizes) === Math.max(...sizes) ? Math.min(...sizes) : `${Math.min(...sizes)} to ${Math.max(...sizes)}`} ${verdictLabel(first)} closes on independent clients recur between ` +
        `${first.t.toFixed(3)} and ${last.endT.toFixed(3)} s (${plural(total, 'connection')} from ${hosts}): a steady rate of independent failures, ` +
        `not one event; each connection's verdict says what its client did.`,
    );
  }
  return { single: waves.filter((w) => !rate.has(w)), recurring };
}

export function reconnectClause(wave: Pick<FleetWave, 'count' | 'reconnected' | 'connections'>, reconnects: readonly Reconnect[]): string {
  if (wave.reconnected === 0) return 'None reconnected within the capture.';
  const ids = new Set(wave.connections);
  const delays = reconnects.filter((r) => ids.has(r.from.id)).map((r) => r.delaySeconds);
  const med = median(delays);
  const after = med !== null ? `, after ${spoken(med)} (median)` : '';
  return wave.reconnected === wave.count ? `All reconnected${after}.` : `${wave.reconnected} of ${wave.count} reconnected${after}.`;
}

/** What the headline tells besides the members and the fleet's sections. */
export interface Told {
  /** The sentence for `fleet.alarms`, or null for none. */
  alarms: string | null;
  /** The handshake refusals to tell (at most two). */
  refusals: readonly ToldRefusal[];
  /** Messages redelivered after their connection died. */
  redeliveries: readonly FleetRedelivery[];
  /** The connections the broker did not take (acceptance.ts notAcceptedMembers), as `fleet.notAccepting` counts them. */
  notAccepted: readonly FleetMember[];
}

/** `end`: the run's last packet (where a connection still open stands). */
export function headline(
  members: readonly FleetMember[],
  fleet: Omit<Fleet, 'headline'>,
  reconnects: readonly Reconnect[],
  told: Told,
  clock: Clock,
  end: Instant,
  folded: FoldedMembers | null = null,
): string[] {
  const { alarms, refusals } = told;
  const t = (m: FleetMember) => clock.t(m.ended ?? end);
  const sentences: string[] = [];
  const first = overview(members, fleet.hosts, t, folded, fleet.refused.count);
  if (first !== null) sentences.push(first);
  // Waves: the largest and most severe first.
  const waves = [...fleet.waves].sort((a, b) => b.count - a.count || a.t - b.t);
  // A wave of connections the broker never answered is the not-accepting sentence below, said once.
  const { single, recurring } = recurringWaves(toldWaves(waves));
  for (const w of single.slice(0, 2)) sentences.push(`${w.explanation} ${reconnectClause(w, reconnects)}`);
  for (const r of recurring.slice(0, 2)) sentences.push(r);
  // The problems no wave, loop, refusal or acceptance sentence tells. Those still open and silent together are the
  // incident going on as the capture ends (a capture stopped mid-way, a broker gone): told next, before the
  // attempts they may have caused (a client reconnecting to a broker that is gone).
  const others = members.length > 1 ? untold(members, fleet, refusals) : [];
  const together = silentTogether(others);
  if (together !== null) sentences.push(silentTogetherSentence(together, clock, clock.t(end)));
  const rest = together === null ? others : others.filter((m) => !together.includes(m));
  const na = fleet.notAccepting;
  // Problems that are the whole story (no wave, alarm, refusal, loop or acceptance sentence): told before the
  // attempts that got no answer, which they may explain (a client reconnecting to a broker that is gone).
  const bigStories = fleet.waves.length > 0 || na.count > 0 || fleet.reconnects.loops.length > 0 || fleet.alarms.length > 0 || refusals.length > 0 || together !== null;
  if (rest.length > 0 && !bigStories) {
    const ended = rest.filter((m) => m.ended !== null);
    const open = rest.filter((m) => m.ended === null);
    if (rest.length <= 3) {
      for (const m of rest) sentences.push(`${m.id}${m.application !== null ? ` (${m.application})` : ''}: ${oneConnection(m, t, clock)}.`);
    } else if (open.length === 0) {
      sentences.push(`They ended one by one, not in a wave, from ${listed([...new Set(ended.map((m) => m.host))])}.`);
    } else {
      const hosts = listed([...new Set(rest.map((m) => m.host))]);
      const openText = `${plural(open.length, 'connection')} still open at the end of the capture (${breakdown(open, undefined)})`;
      sentences.push(ended.length === 0 ? `Also ${openText}, from ${hosts}.` : `${grouped(ended.length)} ended one by one, not in a wave, and ${openText}, from ${hosts}.`);
    }
  }
  // Work done twice is what the operator must hear of next: the messages are gone from the queue, the state they
  // changed may be changed again.
  const twice = redeliveriesSentence(told.redeliveries, members, clock);
  if (twice !== null) sentences.push(twice);
  const blind = cannotNotice(members);
  if (blind !== null) sentences.push(blind);
  // The resource alarms, in one sentence however many: they also explain the publishers whose clients gave up.
  if (alarms !== null) sentences.push(alarms);
  if (na.count > 0 && na.t !== undefined) {
    const span = headersSent(told.notAccepted, clock);
    sentences.push(
      `The broker stopped accepting connections: ${plural(na.count, 'connection')} from ${plural(na.hosts?.length ?? 0, 'host')} completed the TCP handshake and sent the AMQP header ${span} but never got Connection.Start (out of file descriptors or sockets?).`,
    );
  }
  const rf = fleet.refused;
  if (rf.count > 0 && rf.t !== undefined) {
    const span = timeSpan(rf.t, rf.endT ?? rf.t);
    const how = rf.unanswered === 0 ? 'RST: nothing listening on the broker port' : rf.reset === 0 ? `${rf.unanswered === 1 ? 'SYN' : 'SYNs'} never answered` : `${rf.reset} RST, ${plural(rf.unanswered, 'SYN')} never answered`;
    sentences.push(`${plural(rf.count, 'connection attempt')} ${attemptsVerb(rf)} ${span} (${how})${alreadyGoingOn(rf.t)}.`);
  }
  // Refused at the handshake for one reason: said once, with whether the refused clients got in later; their
  // reconnect loops are that refusal again.
  for (const r of refusals) sentences.push(r.summary);
  const explained = (l: (typeof fleet.reconnects.loops)[number]) => refusals.some((r) => explainedLoop(l, r.refusal.replyCode, r.hosts, r.applications));
  for (const loop of fleet.reconnects.loops.filter((l) => !explained(l)).slice(0, 2)) {
    const app = loop.application !== null ? ` (${loop.application})` : '';
    const code = loop.replyCode !== null ? ` with ${loop.replyCode} ${replyCodeName(loop.replyCode)}` : '';
    sentences.push(
      `${loop.host}${app} is in a reconnect loop: ${loop.connections} connections in ${spoken(loop.endT - loop.t)}, each ${loop.verdict}${code} after ${spoken(loop.medianLifetimeSeconds)} (median)${loopAdvice(loop.replyCode)}.`,
    );
  }
  if (rest.length > 0 && bigStories) {
    const hosts = [...new Set(rest.map((m) => m.host))];
    sentences.push(`Also ${plural(rest.length, 'other problem connection')} (${breakdown(rest, undefined)}) from ${listed(hosts)}.`);
  }
  return sentences.slice(0, MAX_SENTENCES);
}

/** The problem connections no wave, reconnect loop, refusal, acceptance or resource-alarm sentence tells. */
function untold(members: readonly FleetMember[], fleet: Omit<Fleet, 'headline'>, refusals: readonly ToldRefusal[]): FleetMember[] {
  const inWaves = new Set(fleet.waves.flatMap((w) => w.connections));
  const inLoops = new Set(fleet.reconnects.loops.map((l) => `${l.host}\u0000${l.application ?? ''}`));
  const refused = new Set(refusals.flatMap((r) => [...r.ids]));
  return members.filter(
    (m) => isProblem(m) && !inWaves.has(m.id) && !inLoops.has(`${m.host}\u0000${m.application ?? ''}`) && !m.unanswered && !clientGaveUpBlocked(m) && !refused.has(m.id),
  );
}

/** "missed-heartbeats (client-stalled) at 16.220 s", or, still open, "still open at the end of the capture, client-stalled since 6.104 s". */
function oneConnection(m: FleetMember, t: (m: FleetMember) => number, clock: Clock): string {
  if (m.ended !== null) return `${problemLabel(m)} at ${t(m).toFixed(3)} s`;
  if (m.cause === null) {
    if (m.brokerUnreachable === true) return 'still open at the end of the capture, its broker not answering';
    // Silent past T, the client's last bytes retransmitted once or twice: stalled or gone, not shown yet.
    if (m.brokerSilent === true) return `still open at the end of the capture, its broker silent${m.silentSince !== null ? ` since ${clock.t(m.silentSince).toFixed(3)} s` : ''}`;
    return `still open at the end of the capture (${m.severity})`;
  }
  // The silence's start, with its cause beside it: a client that stopped reading may have gone on ACKing for a while
  // before its window closed (review 36: "client-not-reading since 2.664 s" dated its zero window 2.2 s early).
  return `still open at the end of the capture, silent ${m.silentSince !== null ? `since ${clock.t(m.silentSince).toFixed(3)} s` : 'since before the capture started'} (${m.cause})`;
}

/** "their broker 10.96.0.1", "their brokers (10.0.0.1 and 10.0.0.2)", or "their broker" from old reports. */
function brokerName(list: readonly FleetMember[]): string {
  const brokers = [...new Set(list.flatMap((m) => (m.broker !== undefined ? [m.broker] : [])))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (brokers.length === 0) return 'their broker';
  return brokers.length === 1 ? `their broker ${brokers[0]}` : `their brokers (${listed(brokers)})`;
}

/**
 * Connections still open from a host whose broker is shown gone on another connection (brokerUnreachable), to the
 * same broker, with heartbeats off and nothing judged on them: nothing makes them notice until they write
 * (netns-broker-unreachable-keepalive: an idle cinder-volume consumer beside the nova-compute connection whose
 * keep-alive probes went unanswered). The sentence, or null.
 */
function cannotNotice(members: readonly FleetMember[]): string | null {
  // Where each host lost each broker: the earliest gone member's broker silence (still open) or end (its kernel gave up).
  const lost = new Map<string, Instant>();
  for (const m of members) {
    if (m.brokerUnreachable !== true || m.broker === undefined) continue;
    const at = m.silentSince ?? m.ended;
    if (at === null) continue;
    const key = `${m.host}\u0000${m.broker}`;
    const seen = lost.get(key);
    if (seen === undefined || compareInstants(at, seen) < 0) lost.set(key, at);
  }
  if (lost.size === 0) return null;
  // Opened before that: a connection opened later went through a path that worked again.
  const blind = members.filter((m) => {
    if (m.ended !== null || m.heartbeatsOff !== true || m.brokerUnreachable === true || m.brokerSilent === true) return false;
    const at = lost.get(`${m.host}\u0000${m.broker}`);
    return at !== undefined && compareInstants(m.opened, at) < 0;
  });
  if (blind.length === 0) return null;
  const apps = [...new Set(blind.flatMap((m) => (m.application !== null ? [m.application] : [])))];
  const who = `${plural(blind.length, 'other connection')}${apps.length > 0 ? ` (${listed(apps)})` : ''}`;
  const hosts = [...new Set(blind.map((m) => m.host))];
  return (
    `${who} from ${listed(hosts)} to the same broker ${blind.length === 1 ? 'has' : 'have'} heartbeats off and ${blind.length === 1 ? 'looks' : 'look'} healthy only because ${blind.length === 1 ? 'it has' : 'they have'} not written since: ` +
    `nothing tells ${blind.length === 1 ? 'it' : 'them'} the broker is gone (a write would, or TCP keep-alive if on), so a consumer waits for deliveries that cannot come while the path is down. Enable heartbeats.`
  );
}

/**
 * The redelivered-after-close findings in one sentence: how many messages, left unacknowledged by which connection
 * that died, delivered again to which (pika-sigstop-consumer.pcap: 5 to the standby consumer). Null for none.
 */
function redeliveriesSentence(list: readonly FleetRedelivery[], members: readonly FleetMember[], clock: Clock): string | null {
  if (list.length === 0) return null;
  const byId = new Map(members.map((m) => [m.id, m]));
  const named = (id: string) => {
    const app = byId.get(id)?.application ?? null;
    return app !== null ? `${id} (${app})` : id;
  };
  const messages = list.reduce((n, r) => n + r.count, 0);
  const first = list.reduce((a, r) => (compareInstants(r.at, a) < 0 ? r.at : a), list[0]!.at);
  const from = [...new Set(list.map((r) => r.from))];
  const to = [...new Set(list.map((r) => r.to))];
  const were = messages === 1 ? 'was' : 'were';
  const died = (id: string) => {
    const m = byId.get(id);
    return m !== undefined ? ` (${m.verdict}${m.cause !== null ? `, ${m.cause}` : ''})` : '';
  };
  const lost =
    from.length === 1
      ? `${plural(messages, 'message')} that ${named(from[0]!)} left unacknowledged when it died${died(from[0]!)}`
      : `${plural(messages, 'message')} left unacknowledged by ${plural(from.length, 'connection')} that died`;
  const who = `${lost} ${were} delivered again, marked redelivered, to ${to.length === 1 ? named(to[0]!) : plural(to.length, 'other connection')}`;
  const them = messages === 1 ? 'it' : 'them';
  return `${who} from ${clock.t(first).toFixed(3)} s: the consumer that died may have processed ${them} already, so ${messages === 1 ? 'it' : 'they'} may be processed twice. Make the consumers idempotent (deduplicate by message-id).`;
}

/** At least this many silent connections make a "went silent together" sentence, as for waves. */
const MIN_TOGETHER = 3;
/** T when unknown (RabbitMQ's default), for how far apart silences may start (as waves.ts). */
const DEFAULT_T = 60;

/**
 * What silenced a connection still open at the end: its client's silence cause, or 'broker' for a broker gone. Its
 * silence may have begun before the capture (silentSince null: the silent side sent nothing in it). One the broker
 * closed for missed heartbeats since: its cause, from its client's last byte (known).
 */
function silenceKind(m: FleetMember): string | null {
  if (m.ended !== null) return m.verdict === 'missed-heartbeats' && m.silentSince !== null ? m.cause : null;
  return m.cause ?? (m.brokerUnreachable === true ? BROKER_GONE : null);
}

const BROKER_GONE = 'broker';

/**
 * The largest set of connections still open at the end whose silences have the same cause and began within
 * T/2 + 1 s of each other (each end writes at least a heartbeat every T/2, so its last byte falls up to T/2 before
 * the event that silenced it); null for fewer than MIN_TOGETHER. A broker that stopped answering several
 * connections (a client host's capture of a broker or path gone: fleet-broker-unreachable.pcap) is one kind. Those
 * silent since before the capture started (a capture begun after the incident: review 36) are a set of their own,
 * told as such: when their silences began is not in the capture. Those the broker has closed for missed heartbeats
 * meanwhile belong with them (a capture stopped between its closes: fleet-host-freeze to packet 389, review 36),
 * but a set must hold one still open: closes alone are a wave's to tell.
 */
function silentTogether(members: readonly FleetMember[]): FleetMember[] | null {
  const byCause = new Map<string, FleetMember[]>();
  for (const m of members) {
    const kind = silenceKind(m);
    if (kind === null) continue;
    const key = m.silentSince === null ? `${kind}\u0000before` : kind;
    const list = byCause.get(key);
    if (list === undefined) byCause.set(key, [m]);
    else list.push(m);
  }
  let best: FleetMember[] | null = null;
  for (const list of byCause.values()) {
    const better = (set: FleetMember[]) => set.length >= MIN_TOGETHER && set.some((m) => m.ended === null) && (best === null || set.length > best.length);
    if (list[0]!.silentSince === null) {
      if (better(list)) best = list;
      continue;
    }
    list.sort((a, b) => compareInstants(a.silentSince!, b.silentSince!));
    let from = 0;
    for (let i = 0; i < list.length; i++) {
      const window = (list[i]!.heartbeat ?? DEFAULT_T) / 2 + 1;
      while (secondsFrom(list[from]!.silentSince!, list[i]!.silentSince!) > window) from++;
      const set = list.slice(from, i + 1);
      if (better(set)) best = set;
    }
  }
  return best;
}

/** `endT`: the run's end, past which RabbitMQ's close window is said as a deadline only. */
function silentTogetherSentence(list: readonly FleetMember[], clock: Clock, endT: number): string {
  const hosts = [...new Set(list.map((m) => m.host))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const apps = [...new Set(list.flatMap((m) => (m.application !== null ? [m.application] : [])))];
  const who = `${plural(list.length, 'connection')}${apps.length > 0 ? ` (${listed(apps)})` : ''} from ${hosts.length === 1 ? hosts[0] : `${plural(hosts.length, 'host')} (${listed(hosts)})`}`;
  const before = list[0]!.silentSince === null;
  const silent = before ? 'before the capture started' : timeSpan(clock.t(list[0]!.silentSince!), clock.t(list[list.length - 1]!.silentSince!));
  if (silenceKind(list[0]!) === BROKER_GONE) {
    // The clients' own heartbeat timeouts end these, each library in its own way and often with nothing on the wire
    // (a FIN queued behind unacknowledged bytes), so no time is promised.
    // The members' silences start at the broker's last packet of any kind (brokerLastPacket): with heartbeats off its
    // last byte of data can be minutes older than the keep-alive ACK that showed it there.
    const last = before ? 'nothing from it in the capture' : `its last packets ${silent}`;
    return (
      `${who} stopped hearing from ${brokerName(list)} (${last}) and ${list.length === 1 ? 'is' : 'are'} still open at the end of the capture: ${before ? '' : 'since then, '}` +
      `not even ACKs of their kernels' retransmissions or keep-alive probes, so the broker host or the network path to it is gone, not the clients. Check the broker host and the network between it and ${hosts.length === 1 ? hosts[0] : 'those hosts'}.`
    );
  }
  const cause = list[0]!.cause!;
  if (cause === 'server-stalled') {
    return (
      `${who} stopped hearing from their broker ${silent} and ${list.length === 1 ? 'is' : 'are'} still open at the end of the capture (server-stalled): ` +
      "its kernel keeps ACKing their bytes but RabbitMQ sends nothing, heartbeats included, so the broker process stalled (a paused VM, a long GC, a disk or memory alarm), not the network. Look at the broker's logs and host."
    );
  }
  const why =
    cause === 'client-unreachable'
      ? hosts.length === 1
        ? `the broker's data goes unacknowledged, so ${hosts[0]} or its network path vanished`
        : "the broker's data goes unacknowledged, so a network failure between those hosts and the broker (switch, firewall, security group, partition), not the applications"
      : cause === 'client-not-reading'
        ? 'their receive windows are zero, so the client processes stopped reading their sockets'
        : hosts.length === 1
          ? `their kernel keeps ACKing, so the processes on ${hosts[0]} are stalled (frozen, swapping, a blocked event loop, a long GC pause), not the network`
          : 'their kernels keep ACKing, so the same stall hit independent clients at once (a shared dependency, a deployment, a common load spike)';
  // RabbitMQ's heartbeat timer closes each 2T-3T after its client's last byte, when T is known for all.
  const open = list.filter((m) => m.ended === null);
  const closed = list.filter((m) => m.ended !== null);
  const them = closed.length === 0 ? 'them' : open.length === 1 ? 'the one still open' : 'those still open';
  const closeWindow = (): string => {
    const earliest = Math.min(...open.map((m) => clock.t(m.silentSince!) + 2 * m.heartbeat!));
    const latest = Math.max(...open.map((m) => clock.t(m.silentSince!) + 3 * m.heartbeat!)).toFixed(3);
    // A window already open at the capture's end: only its deadline is still ahead.
    return earliest <= endT ? `by ${latest} s at the latest` : `between ${earliest.toFixed(3)} and ${latest} s`;
  };
  const closes = !before && open.every((m) => m.heartbeat !== null) ? ` RabbitMQ will close ${them} for missed heartbeats ${closeWindow()} if nothing changes.` : '';
  if (closed.length === 0) return `${who} went silent ${silent} and ${list.length === 1 ? 'is' : 'are'} still open at the end of the capture (${cause}): ${why}.${closes}`;
  // A capture stopped between the broker's closes: those it closed already and those still open are one event.
  const ends = closed.map((m) => clock.t(m.ended!));
  return (
    `${who} went silent ${silent} (${cause}): the broker closed ${closed.length} of them for missed heartbeats ${timeSpan(Math.min(...ends), Math.max(...ends))} ` +
    `and ${open.length} ${open.length === 1 ? 'is' : 'are'} still open at the end of the capture: ${why}.${closes}`
  );
}

export type { Verdict };
