/**
 * A judged connection as the fleet sees it, and the TCP connections that never carried AMQP, which the fleet only
 * counts (a capture of 32,000 bare SYNs is one line, not 32,000 report entries).
 */
import { identifyClient } from '../diagnosis/client-library.js';
import type { Diagnosis } from '../diagnosis/index.js';
import type { Cause, Verdict } from '../diagnosis/types.js';
import { secondsBetween } from '../diagnosis/heartbeat.js';
import type { ConnectionFacts, Moment } from '../timeline/types.js';
import { applicationName, instanceName } from './application.js';
import { HEALTHY_VERDICTS } from './groups.js';
import type { BlockedSpan, FleetMember, Instant, NonAmqpCounts } from './types.js';
import { compareInstants } from './types.js';

export type NonAmqpKind = 'refused-reset' | 'refused-unanswered' | 'no-amqp';

function instant(m: { packet: number; tsSec: number; tsNsec: number }): Instant {
  return { sec: m.tsSec, nsec: m.tsNsec, packet: m.packet };
}

/**
 * A SYN is answered (SYN-ACK or RST) one round trip after it: within microseconds on the broker's host, a
 * millisecond on a LAN. One seen less than this before the capture's end may have its answer cut off.
 */
export const SYN_ANSWER_WAIT_SECONDS = 0.01;

/**
 * What a connection that carried no byte either way was: an attempt refused with RST, a SYN never answered, or a
 * completed handshake with nothing on it (a health check or a port scan). Null for a connection that carried bytes.
 * 'undecided': a SYN still unanswered when the capture ended less than SYN_ANSWER_WAIT_SECONDS after it
 * (`captureEnd`, the run's last packet): its answer may be the next packet (fleet-broker-restart cut between a SYN
 * and its RST, 4 us apart, read as a SYN never answered, with a host-down explanation).
 */
export function nonAmqpKind(facts: ConnectionFacts, captureEnd: Moment): NonAmqpKind | 'undecided' | null {
  if (facts.firstPayload.c2s !== null || facts.firstPayload.s2c !== null) return null;
  // Joined midway (no SYN in the capture): a connection whose bytes are before the capture, not a health check; an
  // idle one whose keep-alive probes go unanswered until the broker resets it is all there is to see of a half-open
  // connection (netns-blackhole-keepalive from packet 18).
  // A lone RST of the broker, though, is the refusal of an attempt whose SYN came just before the capture.
  if (!facts.info.synSeen) return facts.serverRst !== null && facts.serverRst.packet === facts.info.firstPacket ? 'refused-reset' : null;
  if (!facts.synAckSeen) {
    if (facts.serverRst !== null) return 'refused-reset';
    const first = { packet: facts.info.firstPacket, tsSec: facts.info.firstTsSec, tsNsec: facts.info.firstTsNsec };
    return facts.endedBy === 'capture-end' && secondsBetween(first, captureEnd) < SYN_ANSWER_WAIT_SECONDS ? 'undecided' : 'refused-unanswered';
  }
  return 'no-amqp';
}

export function countNonAmqp(counts: NonAmqpCounts, kind: NonAmqpKind, facts: ConnectionFacts): void {
  if (kind === 'no-amqp') {
    counts.noAmqp++;
    return;
  }
  if (kind === 'refused-reset') counts.refusedReset++;
  else counts.refusedUnanswered++;
  const at = instant({ packet: facts.info.firstPacket, tsSec: facts.info.firstTsSec, tsNsec: facts.info.firstTsNsec });
  if (counts.refusedFirst === null || compareInstants(at, counts.refusedFirst) < 0) counts.refusedFirst = at;
  if (counts.refusedLast === null || compareInstants(at, counts.refusedLast) > 0) counts.refusedLast = at;
}

/**
 * The TCP handshake completed and the client wrote, but the broker sent nothing before the client gave up (its FIN
 * or RST) or the capture ended. A broker that has run out of sockets can still write Connection.Start much later,
 * when a descriptor frees up, into a socket the client has long closed (fleet-fd-limit.pcap: the late Start is
 * answered by RST): that connection was not accepted either.
 */
export function notAccepted(facts: ConnectionFacts): boolean {
  const fromClient = facts.firstPayload.c2s;
  if (!facts.info.synSeen) return lateStartAfterCaptureBegan(facts);
  if (fromClient === null || !facts.synAckSeen) return false;
  const fromBroker = facts.firstPayload.s2c;
  if (fromBroker === null) return true;
  const gaveUp = [facts.clientFin, facts.clientRst].filter((e) => e !== null).map((e) => e.packet);
  return gaveUp.length > 0 && Math.min(...gaveUp) < fromBroker.packet;
}

/**
 * A connection the capture joined after its protocol header (fleet-fd-limit from packet 300, review 36): the broker's
 * first byte in it is its Connection.Start, after the client gave up (FIN or RST). A Start answers the header, so
 * the header was sent, and the broker took the connection only once its client had left: not accepted in time.
 */
function lateStartAfterCaptureBegan(facts: ConnectionFacts): boolean {
  const fromBroker = facts.firstPayload.s2c;
  if (fromBroker === null || facts.start === null || facts.start.packet !== fromBroker.packet) return false;
  const gaveUp = [facts.clientFin, facts.clientRst].filter((e) => e !== null).map((e) => e.packet);
  return gaveUp.length > 0 && Math.min(...gaveUp) < fromBroker.packet;
}

/**
 * Findings about settings, not about something that happened: a connection whose only warnings are these needs
 * no timeline in a large run (10,000 clients with a low heartbeat timeout are one line in the fleet section).
 */
export const SETTING_FINDINGS: ReadonlySet<string> = new Set(['heartbeat-timeout-low', 'heartbeats-disabled']);

/** The codes of the warnings and errors about events among `findings`, each once; null for none. */
export function eventWarnings(findings: readonly { code: string; severity: string }[]): string[] | null {
  const codes = findings.filter((f) => (f.severity === 'warning' || f.severity === 'error') && !SETTING_FINDINGS.has(f.code)).map((f) => f.code);
  return codes.length > 0 ? [...new Set(codes)] : null;
}

/** Among `findings`, an error about an event (a channel closed with an error code, ...). */
export function eventErrors(findings: readonly { code: string; severity: string }[]): boolean {
  return findings.some((f) => f.severity === 'error' && !SETTING_FINDINGS.has(f.code));
}

/**
 * Something happened to the connection to tell: a problem verdict, an error, or a warning about an event. Without,
 * its only warnings are about settings, and a large run reports its timeline in no detail (the analyzer, the
 * terminal report).
 */
export function eventful(end: { verdict: Verdict; severity: string }, findings: readonly { code: string; severity: string }[]): boolean {
  return end.severity !== 'info' || !HEALTHY_VERDICTS.has(end.verdict) || eventWarnings(findings) !== null;
}

/** The broker's frames of the handshake before Connection.Open-Ok. */
const BEFORE_OPEN_OK: ReadonlySet<string> = new Set(['Connection.Start', 'Connection.Secure', 'Connection.Tune']);

/**
 * The connection got through its handshake: the capture joined it running, or it ended otherwise than
 * handshake-failed (a failed handshake is judged so once the connection ends), or, still open, the broker has sent
 * something past its Connection.Tune (Open-Ok, or any later frame). Read alike from the facts and from a report
 * (`--merge` gives the same fleet): a still-open attempt whose Connection.Open got no answer yet is not through.
 */
export function handshakeThrough(beginning: boolean, verdict: Verdict, lastServerFrameType: string | null): boolean {
  // A refusal can be told without the beginning (handshake-failed.ts): not through, joined or not.
  if (verdict === 'handshake-failed') return false;
  if (!beginning) return true;
  return verdict !== 'open' || (lastServerFrameType !== null && !BEFORE_OPEN_OK.has(lastServerFrameType));
}

/**
 * The capture holds the connection's beginning: its SYN, or its Connection.Start (the report's `handshakeSeen`).
 * Without it the connection was joined midway and its name is unknown.
 */
export function beginningSeen(facts: ConnectionFacts): boolean {
  return facts.start !== null || facts.info.synSeen;
}

export function memberOf(facts: ConnectionFacts, d: Diagnosis, capture: string | null): FleetMember {
  const j = d.judgement;
  const name = facts.clientProperties !== null && typeof facts.clientProperties['connection_name'] === 'string' ? facts.clientProperties['connection_name'] : null;
  const library = identifyClient(facts.clientProperties).label;
  return {
    id: facts.info.id,
    capture,
    host: facts.info.clientAddress,
    application: applicationName(name, library),
    instance: instanceName(name),
    user: facts.user,
    middlebox: middleboxOf(j.verdict, j.how, j.evidence['middlebox'], j.evidence['usualTtl']),
    handshakeDone: handshakeThrough(beginningSeen(facts), j.verdict, facts.lastFrame.s2c?.type ?? null),
    opened: instant({ packet: facts.info.firstPacket, tsSec: facts.info.firstTsSec, tsNsec: facts.info.firstTsNsec }),
    ended: j.verdict === 'open' ? null : instant(j.at),
    verdict: j.verdict,
    cause: j.cause,
    severity: j.severity,
    by: j.by,
    how: j.how,
    replyCode: j.replyCode,
    replyText: j.replyText,
    heartbeat: d.heartbeat !== null && d.heartbeat > 0 ? d.heartbeat : null,
    explanation: j.explanation,
    warnings: eventWarnings(d.findings),
    warningsInclude: eventErrors(d.findings) ? 'errors' : 'warnings',
    unanswered: notAccepted(facts),
    ...(!facts.info.synSeen && notAccepted(facts) ? { headerBeforeCapture: true as const } : {}),
    beginningSeen: beginningSeen(facts),
    blocked: facts.blocked.length === 0 ? NOT_BLOCKED : facts.blocked.map((b) => blockedSpan(instant(b.blocked), b.unblocked !== null ? instant(b.unblocked) : null, b.blocked.reason, b.beforeCapture, instant(j.at))),
    silentSince: silenceStart(j.verdict, j.cause, j.evidence['silentSide'] === 'server', facts.lastPayload.c2s, j.moments?.['brokerLastPacket'] ?? facts.lastPayload.s2c, instant),
    brokerUnreachable: j.evidence['brokerUnreachable'] === true,
    brokerSilent: j.evidence['silentSide'] === 'server',
    broker: facts.info.serverAddress,
    heartbeatsOff: d.heartbeat === 0,
  };
}

/**
 * A still-open connection's silence that the wire explains, from where it began (FleetMember.silentSince), or that of
 * one the broker closed for missed heartbeats (its client's last byte): the
 * client's last byte for a client silence with a cause, the broker's last byte for a silent broker (stalled, or not
 * shown yet which: the judgement's `silentSide: 'server'`), its last packet of any kind for a broker gone (the
 * judgement's `brokerLastPacket`: an ACK or a keep-alive ACK shows it there after its last byte, which with heartbeats
 * off can be minutes older). Read alike from the facts and from a report (`lastClientByte`, `lastServerByte` or
 * `end.brokerLastPacket`), passed as `lastServerByte`.
 */
export function silenceStart<B>(
  verdict: Verdict,
  cause: Cause | null,
  brokerSilent: boolean,
  lastClientByte: B | null,
  lastServerByte: B | null,
  toInstant: (b: B) => Instant,
): Instant | null {
  // A connection the broker closed for missed heartbeats went silent at its client's last byte (the close came 2T-3T
  // later): it may have gone silent with others still open at the end (a capture stopped mid-incident).
  if (verdict === 'missed-heartbeats') return cause !== null && lastClientByte !== null ? toInstant(lastClientByte) : null;
  if (verdict !== 'open') return null;
  const since = brokerSilent || cause === 'server-stalled' ? lastServerByte : cause !== null ? lastClientByte : null;
  return since === null ? null : toInstant(since);
}

/**
 * Whether a reset's RST was forged by a middlebox (its end's `middlebox`), or null when its TTL could not be
 * compared (`usualTtl` unknown: the side's earlier packets are not in the capture). Read alike from a report.
 */
export function middleboxOf(verdict: Verdict, how: string | null, middlebox: unknown, usualTtl: unknown): boolean | null {
  if (middlebox === true) return true;
  return verdict === 'reset' && how === 'rst' && (usualTtl === null || usualTtl === -1) ? null : false;
}

/** One empty list for every member never blocked (10,000 members, one array). */
export const NOT_BLOCKED: readonly BlockedSpan[] = Object.freeze([]);

/**
 * A Connection.Blocked episode as the fleet sees it. `end`: the connection's judged end, or (still open) its last
 * packet, where the episode stops without an Unblocked.
 */
export function blockedSpan(from: Instant, until: Instant | null, reason: string | null, beforeCapture: boolean, end: Instant): BlockedSpan {
  // A client can close (its FIN, the judged end) before the Blocked that answers its last publish arrives.
  const stop = until ?? end;
  return { from, until, reason, beforeCapture, stop: compareInstants(stop, from) < 0 ? from : stop };
}
