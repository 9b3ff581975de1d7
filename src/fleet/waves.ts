/**
 * Waves: three or more connections that were open together and ended close together with the same verdict, cause
 * (and reply code). The window is the way each verdict fires: a broker-initiated close reaches every connection
 * within milliseconds, while heartbeat closures fire on each connection's own timer, anywhere in 2T-3T after its
 * last byte, so members frozen at the same instant end up to about T apart.
 *
 * The scope says where to look:
 * - `broker`: the broker ended them for its own reason (Connection.Close 320 to many at once, a broker-wide stall
 *   that clients gave up on, a burst of broker resets that no heartbeat timer explains);
 * - `host`: stalls, vanishings or aborts from one client host (its processes, its event loop, its network path);
 * - `network`: clients on several hosts became unreachable at once (retransmissions into silence);
 * - `clients`: the same fault in independent clients on several hosts at once.
 */
import type { Verdict } from '../diagnosis/types.js';
import { timeSpan, type Clock } from './clock.js';
import type { Reconnect } from './reconnects.js';
import { listed, plural, spoken } from './stats.js';
import { compareInstants, secondsFrom, type FleetMember, type FleetWave, type WaveScope } from './types.js';

const MIN_MEMBERS = 3;
/** Default heartbeat timeout (RabbitMQ's) when a member's T is unknown. */
const DEFAULT_T = 60;
/** Gaps between consecutive ends that still belong to one wave, by verdict. */
const BROKER_BURST_SECONDS = 1;
const TCP_TIMEOUT_SPREAD_SECONDS = 10;
/** Closes across several hosts within this are one broker action, not independent heartbeat timers. */
const SIMULTANEOUS_SECONDS = 0.05;
export const MAX_LISTED = 50;

/** Verdicts that never form a wave: the client's own clean close, and connections still open. */
const NOT_A_WAVE: ReadonlySet<Verdict> = new Set(['closed-by-client', 'open']);

function window(m: FleetMember): number {
  switch (m.verdict) {
    case 'missed-heartbeats':
    case 'server-unresponsive':
      return Math.max(1, m.heartbeat ?? DEFAULT_T);
    case 'tcp-timeout':
      return TCP_TIMEOUT_SPREAD_SECONDS;
    case 'reset':
      // Silent clients dropped by the broker, T unknown (reset.ts): each on its own heartbeat timer, as above.
      return m.cause !== null ? DEFAULT_T : BROKER_BURST_SECONDS;
    default:
      return BROKER_BURST_SECONDS;
  }
}

/**
 * Ends on each connection's own heartbeat timer: members frozen at one instant end within about T of each other,
 * so a wave of them spans at most its window from its first end. Chained end to end instead, a fleet whose
 * clients fail one by one, one every few seconds, became one "wave" of hundreds spread over minutes (a 12 h
 * synthetic follow: 77 closes over 302 s with T = 4 s, told as "the same stall at once").
 */
function timerDriven(m: FleetMember): boolean {
  return m.verdict === 'missed-heartbeats' || m.verdict === 'server-unresponsive' || (m.verdict === 'reset' && m.cause !== null);
}

function waveKey(m: FleetMember): string {
  const code = m.verdict === 'closed-by-server' || m.verdict === 'handshake-failed' ? (m.replyCode ?? '') : '';
  return `${m.verdict}|${m.cause ?? ''}|${code}|${m.unanswered ? 'u' : ''}`;
}

/**
 * The waves a report tells. A wave of connections the broker never accepted is said once, by the "not accepting"
 * finding (when they were opened and what to do), not also as a wave of handshake failures at the time their clients
 * gave up. By the wave's flag: the wave's and the not-accepting finding's lists of connections both stop at 50,
 * each in its own order.
 */
export function toldWaves<W extends Pick<FleetWave, 'notAccepted'>>(waves: readonly W[]): W[] {
  return waves.filter((w) => !w.notAccepted);
}

export function findWaves(members: readonly FleetMember[], reconnects: readonly Reconnect[], clock: Clock): FleetWave[] {
  const byKey = new Map<string, FleetMember[]>();
  for (const m of members) {
    if (m.ended === null || NOT_A_WAVE.has(m.verdict)) continue;
    const list = byKey.get(waveKey(m));
    if (list === undefined) byKey.set(waveKey(m), [m]);
    else list.push(m);
  }
  const reconnectedFrom = new Set(reconnects.map((r) => r.from));
  const waves: FleetWave[] = [];
  for (const list of byKey.values()) {
    list.sort((a, b) => compareInstants(a.ended!, b.ended!));
    let cluster: FleetMember[] = [];
    const flush = () => {
      // Members that opened after the first of them ended are one client's retries in a row (a reconnect loop),
      // not connections that went down together.
      const firstEnd = cluster[0]?.ended;
      const together = firstEnd === undefined || firstEnd === null ? [] : cluster.filter((m) => compareInstants(m.opened, firstEnd) < 0);
      if (together.length >= MIN_MEMBERS) waves.push(waveOf(together, reconnectedFrom, clock));
      cluster = [];
    };
    for (const m of list) {
      const prev = cluster[cluster.length - 1];
      const from = timerDriven(m) ? cluster[0] : prev;
      if (from !== undefined && secondsFrom(from.ended!, m.ended!) > window(m)) flush();
      cluster.push(m);
    }
    flush();
  }
  return waves.sort((a, b) => a.t - b.t);
}

function distinct<T>(list: readonly T[]): T[] {
  return [...new Set(list)];
}

export function scopeOf(members: readonly FleetMember[]): WaveScope {
  const first = members[0]!;
  const hosts = distinct(members.map((m) => m.host));
  const spread = secondsFrom(first.ended!, members[members.length - 1]!.ended!);
  const brokerEnded = members.every((m) => m.by === 'server');
  switch (first.verdict) {
    case 'closed-by-server':
    case 'server-unresponsive':
      return 'broker';
    case 'handshake-failed':
      if (first.unanswered || (brokerEnded && hosts.length > 1)) return 'broker';
      return hosts.length === 1 ? 'host' : 'clients';
    case 'reset':
      // RSTs forged in either end's name by something in the path (their TTL tells) are the path's, whoever's name.
      // One whose TTL could not be compared (its side's packets are before the capture) does not outvote them.
      if (forgedResets(members)) return 'network';
      // The broker dropped clients whose silence has a cause, T unknown (reset.ts): read as missed heartbeats are.
      if (first.cause !== null) return silentClientsScope(first, hosts, spread);
      if (brokerEnded) return 'broker';
      return hosts.length === 1 ? 'host' : 'network';
    case 'tcp-timeout':
      // The clients' kernels gave up on the broker: the path to it or its host, whichever client host saw it.
      if (first.by === 'client') return 'network';
      return silentClientsScope(first, hosts, spread);
    default:
      return silentClientsScope(first, hosts, spread);
  }
}

/** RSTs forged by a middlebox: some shown so by their TTL, and none shown otherwise. */
function forgedResets(members: readonly FleetMember[]): boolean {
  return members.some((m) => m.middlebox === true) && members.every((m) => m.middlebox !== false);
}

/** Connections whose ends follow their clients' silence (missed heartbeats, a TCP timeout, a reset with a cause). */
function silentClientsScope(first: FleetMember, hosts: readonly string[], spread: number): WaveScope {
  if (hosts.length === 1) return 'host';
  if (first.cause === 'client-unreachable' || first.verdict === 'tcp-timeout') return 'network';
  if ((first.verdict === 'missed-heartbeats' || first.verdict === 'reset') && spread <= SIMULTANEOUS_SECONDS) return 'broker';
  return 'clients';
}

function resetExplanation(who: string, spread: string, scope: WaveScope, members: readonly FleetMember[]): string {
  // Outside the heartbeat window only where T is known (reset.ts judged each against it).
  const window = members.every((m) => m.heartbeat !== null) ? ', outside any heartbeat window' : '';
  return `${who} were reset within ${spread}${scope === 'broker' ? ' by the broker side' : ''}${window}: ${scope === 'broker' ? 'a broker-side event' : scope === 'network' ? 'a middlebox (load balancer, NAT, firewall) resetting idle or tracked connections' : 'the client host or something on its path'}.`;
}

/** "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'" -> "shutdown". */
function closeReason(text: string | null): string | null {
  if (text === null) return null;
  const quoted = /reason '([^']{1,40})'/.exec(text);
  if (quoted !== null) return quoted[1]!;
  const after = /^[A-Z_]+ - (.{1,60})$/.exec(text);
  return after !== null ? after[1]! : null;
}

function waveOf(members: FleetMember[], reconnectedFrom: ReadonlySet<FleetMember>, clock: Clock): FleetWave {
  const first = members[0]!;
  const last = members[members.length - 1]!;
  const hosts = distinct(members.map((m) => m.host)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const scope = scopeOf(members);
  const reconnected = members.filter((m) => reconnectedFrom.has(m)).length;
  return {
    t: clock.t(first.ended!),
    at: clock.at(first.ended!),
    endT: clock.t(last.ended!),
    count: members.length,
    verdict: first.verdict,
    cause: first.cause,
    replyCode: first.replyCode,
    scope,
    hosts: hosts.slice(0, MAX_LISTED),
    connections: members.slice(0, MAX_LISTED).map((m) => m.id),
    reconnected,
    // The wave key keeps connections the broker never answered apart from the others: all members or none.
    notAccepted: first.unanswered,
    explanation: waveExplanation(members, hosts, scope, clock),
  };
}

function fromHosts(hosts: readonly string[]): string {
  return hosts.length === 1 ? `from ${hosts[0]}` : `from ${plural(hosts.length, 'host')} (${listed(hosts)})`;
}

function applications(members: readonly FleetMember[]): string {
  const apps = distinct(members.map((m) => m.application).filter((a): a is string => a !== null));
  return apps.length === 0 ? '' : ` (${listed(apps)})`;
}

export function waveExplanation(members: readonly FleetMember[], hosts: readonly string[], scope: WaveScope, clock: Clock): string {
  const first = members[0]!;
  const n = members.length;
  const spread = spoken(secondsFrom(first.ended!, members[members.length - 1]!.ended!));
  // "from 127.0.0.11 (nova-compute)", but "(nova-compute and cinder-volume) from 2 hosts (a and b)": one bracket
  // after another would read as one list.
  const who = hosts.length === 1 ? `${n} connections ${fromHosts(hosts)}${applications(members)}` : `${n} connections${applications(members)} ${fromHosts(hosts)}`;
  const t = first.heartbeat;
  const between = timeSpan(clock.t(first.ended!), clock.t(members[members.length - 1]!.ended!));
  switch (first.verdict) {
    case 'closed-by-server': {
      const reason = closeReason(first.replyText);
      const code = `${first.replyCode ?? '?'}${first.replyText !== null ? ` ${first.replyText.split(' ')[0]}` : ''}${reason !== null && first.replyCode === 320 ? ` (${reason})` : ''}`;
      return `${who} were closed by the broker within ${spread} with ${code}: a broker-side event (shutdown, restart, a node drain or an operator closing connections), not client faults.`;
    }
    case 'server-unresponsive':
      return `${who} gave up on the broker within ${spread} after it stopped sending, heartbeats included: the broker was stalled (a paused VM, long GC, disk or memory alarm) or its host unreachable. Look at the broker's logs and host around ${clock.t(first.ended!).toFixed(1)} s.`;
    case 'missed-heartbeats':
    case 'reset': {
      if (first.verdict === 'reset' && (first.cause === null || forgedResets(members))) return resetExplanation(who, spread, scope, members);
      // A reset with a cause: the broker dropped silent clients, T unknown (reset.ts).
      const closed =
        first.verdict === 'reset' ? 'the broker reset each (whether for missed heartbeats the capture cannot show: its start is too late; the silences fit them)' : `the broker closed each for missed heartbeats${t !== null ? ` (T=${t} s)` : ''}`;
      if (scope === 'host') {
        const cause =
          first.cause === 'client-unreachable'
            ? 'the broker retransmitted into silence: the host or its network path vanished (crash, power loss, a cable, a firewall on that host)'
            : first.cause === 'client-not-reading'
              ? 'their receive windows were zero: the processes on that host stopped reading their sockets'
              : 'their kernel kept ACKing, so the processes on that host were stalled (frozen, swapping, a blocked event loop, a long GC pause), not the network';
        return `${who} stopped sending at about the same time and ${closed} ${between}: ${cause}. Look at ${hosts[0]}: its load, memory and the client processes around the last bytes they sent.`;
      }
      if (scope === 'network') {
        return `${who} became unreachable at about the same time and ${closed} ${between}: a network failure between those hosts and the broker (switch, firewall, security group, partition), not the applications.`;
      }
      if (scope === 'broker') {
        return `${who} were dropped by the broker within ${spread}, all at once rather than each on its own heartbeat timer: a broker-side event, not client faults.`;
      }
      const what = first.verdict === 'reset' ? `went silent and ${closed}` : `were closed for missed heartbeats${t !== null ? ` (T=${t} s)` : ''}`;
      return `${who} ${what} ${between}: the same stall in independent clients at once (a shared dependency, a deployment, a common load spike), not one host.`;
    }
    case 'tcp-timeout':
      // The clients' kernels gave up on a broker that answered none of their keep-alive probes (tcp-timeout.ts).
      if (first.by === 'client') return `${who} lost their broker at TCP level: their keep-alive probes went unanswered and each client's kernel reset its connection ${between}: the broker host or the network path to it is gone, not the clients.`;
      return `${who} stopped acknowledging the broker's data and its kernel gave up on each ${between}: ${scope === 'network' ? 'a network failure between those hosts and the broker' : `${hosts[0]} or its network path vanished`}.`;
    case 'client-aborted':
      return `${who} were closed by the clients without Connection.Close within ${spread}: ${scope === 'host' ? `the processes on ${hosts[0]} exited or were killed (deployment, OOM killer, crash)` : 'several clients exited at once (a deployment or restart)'}.`;
    case 'handshake-failed':
      // The wave is when their clients gave up; the fleet's notAccepting says when they were opened.
      if (first.unanswered) return `${who} gave up ${between}, never answered by the broker: it was not accepting connections (see the connections it did not accept).`;
      return `${who} failed their AMQP handshake within ${spread}${first.replyCode !== null ? ` with ${first.replyCode}` : ''}: ${first.explanation}`;
    default:
      return `${who} ended with ${first.verdict} within ${spread}.`;
  }
}
