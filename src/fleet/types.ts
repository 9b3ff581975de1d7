/**
 * The fleet layer's vocabulary: what it needs of each judged connection (FleetMember), and the summary it makes of
 * the whole run (Fleet, the report's top-level `fleet`: ../shared/docs/report-contract.md, section "Fleet").
 *
 * The fleet is fed by judged connections, never by packets: the analyzer builds members from its diagnoses, and
 * `--merge` builds them from reports made elsewhere, so the same rules serve one capture, several, and a batch.
 */
import type { RefusalReason } from '../diagnosis/refusal.js';
import type { Cause, EndHow, Severity, Verdict } from '../diagnosis/types.js';

/** A moment on the absolute capture clock: whole seconds since the epoch, nanoseconds, and its packet (0: unknown). */
export interface Instant {
  sec: number;
  nsec: number;
  packet: number;
}

/**
 * Messages a connection left unacknowledged when it died, delivered again to another (the redelivered-after-close
 * finding, fleet/redelivery.ts): `at` is the first of them.
 */
export interface FleetRedelivery {
  from: string;
  to: string;
  count: number;
  at: Instant;
}

export interface FleetMember {
  id: string;
  /** The capture file it came from, in a run of several (null for one). */
  capture: string | null;
  /** The client's IP address. */
  host: string;
  /** connection_name with trailing counters, pids, ports and hashes stripped, else the client library, else null. */
  application: string | null;
  /** The connection name without its per-connection UUID (one process of the application), or null. */
  instance: string | null;
  /** The user it logged in as, or null when unknown. */
  user: string | null;
  /**
   * Its end was a RST forged by a middlebox (reset.ts: another TTL than its side's packets); null for a RST whose
   * TTL could not be compared (none of that side's earlier packets in the capture).
   */
  middlebox: boolean | null;
  /** Its handshake went through (member.ts handshakeThrough): ended otherwise than handshake-failed, or past Tune. */
  handshakeDone: boolean;
  opened: Instant;
  /** When it ended; null while it is still open at the end of the capture. */
  ended: Instant | null;
  verdict: Verdict;
  cause: Cause | null;
  severity: Severity;
  by: 'client' | 'server' | null;
  how: EndHow;
  replyCode: number | null;
  replyText: string | null;
  /** Heartbeat timeout T in seconds (negotiated, else inferred), null when unknown or 0. */
  heartbeat: number | null;
  explanation: string;
  /**
   * The codes of its warnings and errors about something that happened (not settings such as a low heartbeat
   * timeout): a connection with a healthy verdict can carry them (a zero window, retransmissions); null for none.
   */
  warnings: string[] | null;
  /** Whether those include an error ('errors') or are all warnings. */
  warningsInclude: 'errors' | 'warnings';
  /**
   * The TCP handshake completed and the client sent its first bytes, but the broker never sent a byte: it did
   * not accept the connection (the kernel did, into the listen backlog).
   */
  unanswered: boolean;
  /**
   * Unanswered, and its protocol header went before the capture started (the capture joined it: no SYN; the
   * broker's late Connection.Start shows it): when it was sent is not in the capture. From a report: a handshake
   * failure's `elapsedAtLeast`.
   */
  headerBeforeCapture?: true;
  /**
   * The capture holds the connection's beginning (its SYN or Connection.Start); false when the capture joined it
   * midway, so that its name and application are unknown.
   */
  beginningSeen: boolean;
  /** Its Connection.Blocked episodes (a broker resource alarm), in order; empty for none. */
  blocked: readonly BlockedSpan[];
  /**
   * Still open at the end with a silence the wire explains, when that silence began: a client silence with its
   * cause (stalled, unreachable, not reading), the client's last byte; a silent broker (`brokerSilent`: stalled,
   * or not shown yet which), the broker's last byte; a broker gone, its last packet. Closed by the broker for
   * missed heartbeats with a cause: its client's last byte. Null otherwise, and when that byte is before the
   * capture.
   */
  silentSince: Instant | null;
  /**
   * Its broker stopped answering it: the client's last bytes went unacknowledged through several retransmissions
   * (the judgement's `brokerUnreachable` evidence, netns-broker-unreachable.pcap). Optional: members of reports
   * made before the field existed lack it.
   */
  brokerUnreachable?: boolean;
  /**
   * Still open, its broker silent past T while the client kept writing (the judgement's `silentSide: 'server'`),
   * whether stalled, gone, or not shown yet. Optional, as `brokerUnreachable`.
   */
  brokerSilent?: boolean;
  /** The broker's IP address (the connection's server side). Optional, as `brokerUnreachable`. */
  broker?: string;
  /** Heartbeats negotiated off (Tune-Ok heartbeat 0): it notices a dead peer only by writing or by TCP keep-alive. */
  heartbeatsOff?: boolean;
}

/** A connection's Connection.Blocked episode: from the Blocked frame to the Unblocked one. */
export interface BlockedSpan {
  from: Instant;
  /** Connection.Unblocked; null when the capture holds none (the connection ended or the capture stopped first). */
  until: Instant | null;
  /** The broker's reason: "low on memory", "low on disk", "low on memory & disk"; null when its Blocked is not in the capture. */
  reason: string | null;
  /** Blocked before the capture joined the connection: `from` is the capture's first packet, a lower bound. */
  beforeCapture: boolean;
  /**
   * The last moment it is known blocked: its Unblocked, else its connection's end, or (still open when its capture
   * ended) its last packet.
   */
  stop: Instant;
}

/** TCP connections that never carried AMQP, counted as they end (nothing of them is kept). */
export interface NonAmqpCounts {
  /** Connection attempts answered by RST instead of SYN-ACK. */
  refusedReset: number;
  /** SYNs never answered within the capture. */
  refusedUnanswered: number;
  /** First and last refused attempt. */
  refusedFirst: Instant | null;
  refusedLast: Instant | null;
  /** Handshakes that completed but carried no byte either way (health checks, port scans). */
  noAmqp: number;
}

export function emptyNonAmqpCounts(): NonAmqpCounts {
  return { refusedReset: 0, refusedUnanswered: 0, refusedFirst: null, refusedLast: null, noAmqp: 0 };
}

/** Adds `b` into `a` (several captures, or merged reports). */
export function addNonAmqpCounts(a: NonAmqpCounts, b: NonAmqpCounts): void {
  a.refusedReset += b.refusedReset;
  a.refusedUnanswered += b.refusedUnanswered;
  a.noAmqp += b.noAmqp;
  if (b.refusedFirst !== null && (a.refusedFirst === null || compareInstants(b.refusedFirst, a.refusedFirst) < 0)) a.refusedFirst = b.refusedFirst;
  if (b.refusedLast !== null && (a.refusedLast === null || compareInstants(b.refusedLast, a.refusedLast) > 0)) a.refusedLast = b.refusedLast;
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.sec - b.sec || a.nsec - b.nsec || a.packet - b.packet;
}

/** `seconds` after `i` (to the nanosecond), at `packet`. */
export function plusSeconds(i: Instant, seconds: number, packet: number): Instant {
  const total = i.nsec + Math.round(seconds * 1e9);
  return { sec: i.sec + Math.floor(total / 1e9), nsec: total % 1e9, packet };
}

/** Seconds from `a` to `b`. */
export function secondsFrom(a: Instant, b: Instant): number {
  return b.sec - a.sec + (b.nsec - a.nsec) / 1e9;
}

// ---- the summary (the report's `fleet`) --------------------------------------------------------------------------

export type WaveScope = 'broker' | 'host' | 'network' | 'clients';

/** Three or more connections that ended close together with the same verdict and cause. */
export interface FleetWave {
  /** When the first member ended. */
  t: number;
  at: string;
  /** When the last member ended. */
  endT: number;
  count: number;
  verdict: Verdict;
  cause: Cause | null;
  replyCode: number | null;
  scope: WaveScope;
  /** Distinct client hosts among the members (bounded). */
  hosts: string[];
  /** Member connection ids (bounded; `count` is the full number). */
  connections: string[];
  /** How many of the members reconnected (a new connection from the same host and application) in the capture. */
  reconnected: number;
  /**
   * Its members are connections the broker never answered (also counted in `notAccepting`): the wave is when their
   * clients gave up. Renderers say them once, with the not-accepting finding.
   */
  notAccepted: boolean;
  explanation: string;
}

/**
 * A broker resource alarm as the clients saw it: connections blocked (Connection.Blocked) over one span of time.
 * RabbitMQ's alarms are cluster-wide; it blocks a connection when it next publishes, and unblocks them all when the
 * alarm clears.
 */
export interface FleetAlarm {
  /** The first Connection.Blocked. */
  t: number;
  at: string;
  /** The last Connection.Unblocked; null when none is in the capture (the alarm outlasted it, or every blocked connection ended first). */
  clearedT: number | null;
  /** The last moment a connection is known blocked: the last Unblocked, or a later end (last packet) of one never unblocked. */
  endT: number;
  /** The broker's reasons, each once ("low on memory", "low on disk"); empty when no Blocked frame is in the capture. */
  reasons: string[];
  /** Its earliest episode was already blocked when its capture began (the alarm began before `t`). */
  beforeCapture: boolean;
  /** Connections blocked. */
  count: number;
  /** Of those, the ones that ended while still blocked (a client's blocked-connection timeout, or the client gave up). */
  endedBlocked: number;
  /** Of those, the ones still blocked when the capture ended. */
  stillBlocked: number;
  /** Distinct client hosts (bounded). */
  hosts: string[];
  /** Distinct applications (bounded), null ones left out. */
  applications: string[];
  /** Blocked connection ids (bounded; `count` is the full number). */
  connections: string[];
  explanation: string;
}

/**
 * Connections the broker refused during the handshake (Connection.Close before Open-Ok) for one reason: a connection
 * limit, a vhost, a login (diagnosis/refusal.ts).
 */
export interface FleetHandshakeRefusal {
  /** The first refused connection's end (the broker's Connection.Close). */
  t: number;
  at: string;
  /** The last one's. */
  endT: number;
  count: number;
  replyCode: number;
  /** The first one's reply text. */
  replyText: string | null;
  reason: RefusalReason;
  /** The connection limit the broker names (the limit reasons), else null. */
  limit: number | null;
  /** Distinct refused clients: processes where connection names tell them apart, else host and application. */
  clients: number;
  /** Of those, the ones with a connection of their own through the handshake, opened after their last refusal. */
  admitted: number;
  /** When the first of those opened; null for none. */
  admittedT: number | null;
  /** The refused clients' median delay between attempts (their reconnect loops); null when none is in a loop. */
  retryDelaySeconds: number | null;
  /** The users the refused connections logged in as (Start-Ok), each once (bounded); empty when unknown. */
  users: string[];
  /** Connections of other clients that logged in as one of those users (past the login), and from how many hosts. */
  usersLoggedIn: number;
  usersLoggedInHosts: number;
  /** Distinct client hosts (bounded). */
  hosts: string[];
  /** Distinct applications (bounded), null ones left out. */
  applications: string[];
  /** Refused connection ids, in order (bounded; `count` is the full number). */
  connections: string[];
  explanation: string;
}

export interface FleetGroup {
  host: string;
  application: string | null;
  connections: number;
  open: number;
  byVerdict: Partial<Record<Verdict, number>>;
  medianLifetimeSeconds: number | null;
  /** Some of its connections were joined midway (their opening is before the capture): the median is a lower bound. */
  lifetimeAtLeast?: true;
}

export interface FleetReconnect {
  host: string;
  application: string | null;
  from: string;
  to: string;
  delaySeconds: number;
}

/** Several short-lived connections in a row from one host and application. */
export interface FleetReconnectLoop {
  host: string;
  application: string | null;
  connections: number;
  medianLifetimeSeconds: number;
  medianDelaySeconds: number | null;
  verdict: Verdict;
  /** The reply code most of its connections ended with (Connection.Close), or null. */
  replyCode: number | null;
  t: number;
  at: string;
  endT: number;
}

export interface Fleet {
  /** 1-5 sentences, the same the terminal prints first. */
  headline: string[];
  /** AMQP connections (those without AMQP are counted in noAmqp and refused). */
  connections: number;
  open: number;
  hosts: number;
  byVerdict: Partial<Record<Verdict, number>>;
  byCause: Partial<Record<Cause, number>>;
  /** Per client host and application, the groups with problems first (bounded: groupsOmitted says how many more). */
  groups: FleetGroup[];
  groupsOmitted: number;
  churn: { bucketSeconds: number; start: string | null; opened: number[]; ended: number[] };
  reconnects: { count: number; medianDelaySeconds: number | null; examples: FleetReconnect[]; loops: FleetReconnectLoop[] };
  waves: FleetWave[];
  /** Broker resource alarms (Connection.Blocked), in time order: the MAX_ALARMS largest (alarmsOmitted counts the others). */
  alarms: FleetAlarm[];
  alarmsOmitted: number;
  /** Handshake refusals of at least 3 connections each, in time order: the MAX_REFUSALS largest (handshakeRefusalsOmitted counts the others). */
  handshakeRefusals: FleetHandshakeRefusal[];
  handshakeRefusalsOmitted: number;
  notAccepting: { count: number; t?: number; at?: string; endT?: number; hosts?: string[]; connections: string[]; explanation?: string };
  refused: { count: number; reset: number; unanswered: number; t?: number; at?: string; endT?: number; explanation?: string };
  noAmqp: { count: number };
}
