/**
 * Is the broker accepting connections? Two signs on the wire:
 * - not accepting: TCP handshakes that complete (the kernel accepts into the listen backlog) and carry the client's
 *   protocol header, but the broker never sends a byte, not even Connection.Start: RabbitMQ is out of file
 *   descriptors or sockets, or stalled (failure-modes.md; the OpenStack guide's root cause 5);
 * - refused: connection attempts answered by RST (nothing listens: the broker is stopped or restarting) or SYNs
 *   never answered (the host is down or unreachable, a firewall drops them, or a SYN flood).
 */
import { timeSpan, type Clock } from './clock.js';
import { grouped, listed, plural } from './stats.js';
import { compareInstants, secondsFrom, type Fleet, type FleetMember, type Instant, type NonAmqpCounts } from './types.js';

const MAX_LISTED = 50;
/**
 * A connection still waiting for Connection.Start when the capture ended counts only if the capture went on this
 * long after it opened: RabbitMQ answers the protocol header within milliseconds, but a capture cut (or stopped)
 * just after a client connected holds no answer yet, and that is no sign of a broker out of sockets. One that the
 * client gave up on (FIN or RST) waited its own timeout, and counts whatever the capture's end.
 */
const MIN_WAIT_AT_CAPTURE_END_SECONDS = 1;

/** The connections the broker did not take, in order of opening. `end`: the run's last packet. */
export function notAcceptedMembers(members: readonly FleetMember[], end: Instant): FleetMember[] {
  const waited = (m: FleetMember) => m.ended !== null || secondsFrom(m.opened, end) >= MIN_WAIT_AT_CAPTURE_END_SECONDS;
  return members.filter((m) => m.unanswered && waited(m)).sort((a, b) => compareInstants(a.opened, b.opened));
}

/**
 * When `list` sent their protocol headers: "between 2.768 and 5.870 s", or, for connections the capture joined
 * after that (their header before it; fleet-fd-limit from packet 300, review 36), "before the capture started".
 */
export function headersSent(list: readonly FleetMember[], clock: Clock): string {
  const seen = list.filter((m) => m.headerBeforeCapture !== true);
  const before = list.length - seen.length;
  if (seen.length === 0) return 'before the capture started';
  const span = timeSpan(clock.t(seen[0]!.opened), clock.t(seen[seen.length - 1]!.opened));
  return before === 0 ? span : `${span} (${before} of them before the capture started)`;
}

/** `list`: notAcceptedMembers' (the headline tells the same ones). */
export function notAccepting(members: readonly FleetMember[], list: readonly FleetMember[], clock: Clock): Fleet['notAccepting'] {
  if (list.length === 0) return { count: 0, connections: [] };
  const hosts = [...new Set(list.map((m) => m.host))];
  const first = list[0]!;
  const last = list[list.length - 1]!;
  const answered = members.filter((m) => !m.unanswered && m.verdict !== 'handshake-failed').length;
  const span = headersSent(list, clock);
  const others = answered > 0 ? `, while ${plural(answered, 'connection')} opened before or beside them worked` : '';
  // A broker out of sockets may still write Connection.Start much later, into sockets their clients have closed
  // (fleet-fd-limit.pcap): it did not come in time, which is not "never".
  const open = list.filter((m) => m.ended === null).length;
  const until = open === 0 ? 'their clients gave up' : open === list.length ? 'the capture ended' : 'their clients gave up or the capture ended';
  return {
    count: list.length,
    t: clock.t(first.opened),
    at: clock.at(first.opened),
    endT: clock.t(last.opened),
    hosts: hosts.slice(0, MAX_LISTED),
    connections: list.slice(0, MAX_LISTED).map((m) => m.id),
    explanation:
      `The broker stopped accepting connections: ${plural(list.length, 'connection')} from ${plural(hosts.length, 'host')} (${listed(hosts)}) ` +
      `completed the TCP handshake and sent the AMQP protocol header ${span}, but the broker sent no Connection.Start before ${until}${others}. ` +
      `The kernel accepted them into the listen backlog and RabbitMQ did not take them: it is out of file descriptors or ` +
      `sockets (rabbitmqctl status: File Descriptors, Sockets), or stalled. Raise its open-files limit (LimitNOFILE / ulimit -n) ` +
      `and look for clients that leak connections.`,
  };
}

export function refused(counts: NonAmqpCounts, clock: Clock): Fleet['refused'] {
  const count = counts.refusedReset + counts.refusedUnanswered;
  const out: Fleet['refused'] = { count, reset: counts.refusedReset, unanswered: counts.refusedUnanswered };
  if (count === 0 || counts.refusedFirst === null || counts.refusedLast === null) return out;
  out.t = clock.t(counts.refusedFirst);
  out.at = clock.at(counts.refusedFirst);
  out.endT = clock.t(counts.refusedLast);
  const span = timeSpan(out.t, out.endT);
  const parts: string[] = [];
  if (counts.refusedReset > 0) {
    parts.push(`${plural(counts.refusedReset, 'attempt')} answered with RST: nothing was listening on the broker's port (RabbitMQ stopped, restarting, or its app stopped with rabbitmqctl stop_app)`);
  }
  if (counts.refusedUnanswered > 0) {
    // Counted per attempt: each resends its SYN (1 s apart on this capture's kernel) before it gives up (review 35:
    // "1 SYN never answered" over five SYN packets).
    const whose = counts.refusedUnanswered === 1 ? "1 attempt's SYN" : `${grouped(counts.refusedUnanswered)} attempts' SYNs`;
    parts.push(`${whose} never answered, resends included: the broker host was down or unreachable, a firewall dropped them, or its listen backlog was full`);
  }
  out.explanation = `${plural(count, 'connection attempt')} ${attemptsVerb(out)} ${span}: ${parts.join('; ')}${alreadyGoingOn(out.t)}.`;
  return out;
}

/**
 * Attempts refused within this much of the capture's start were going on when it started: clients retry every second
 * or so, so the outage may have begun before (fleet-broker-restart from packet 560, review 36: "between 0.000 and
 * 7.063 s" read as an outage that began when the capture did).
 */
const ALREADY_GOING_ON_SECONDS = 1;

/** What ends a sentence about failed attempts that came from `t` on: that they may have begun before the capture. */
export function alreadyGoingOn(t: number): string {
  return t < ALREADY_GOING_ON_SECONDS ? '; already going on when the capture started (they may have begun before it)' : '';
}

/** The renderers' label of the failed attempts: 'refused' when any was answered with RST, else 'unanswered'. */
export function attemptsLabel(r: Pick<Fleet['refused'], 'reset'>): string {
  return r.reset > 0 ? 'refused' : 'unanswered';
}

/** What happened to the attempts: refused (RST), no answer at all (SYNs dropped), or both ("failed"). */
export function attemptsVerb(r: Pick<Fleet['refused'], 'count' | 'reset' | 'unanswered'>): string {
  if (r.unanswered === 0) return r.count === 1 ? 'was refused' : 'were refused';
  if (r.reset === 0) return 'got no answer';
  return 'failed';
}
