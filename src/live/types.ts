/**
 * Live events (`--follow --json`, ../shared/docs/report-contract.md "Live events"): one object per line, emitted
 * as CAPTURE time passes. Every event carries the capture time (`t`, `at`) and the packet number at which it became
 * known: a silence is known only when a later packet's timestamp passes the threshold.
 */
import type { Cause } from '../diagnosis/types.js';
import type { Dir } from '../tcp/types.js';
import type { ReportConnection, When } from '../report/types.js';

/** A connection's id and its two ends. */
export interface LiveEndpoints {
  connection: string;
  client: { address: string; port: number };
  server: { address: string; port: number };
}

/** A connection carried its first byte (either way): it is AMQP, and live mode follows it. */
export interface LiveOpened extends When, LiveEndpoints {
  type: 'opened';
  /** No SYN was captured: the connection opened before the capture started. */
  midStream: boolean;
}

/** A side has sent nothing for longer than T (`crossed` 1), and again past 2T (`crossed` 2). */
export interface LiveSilence extends When {
  type: 'silence';
  connection: string;
  /** The client's connection_name (its Connection.Start-Ok), null when it gave none or the capture missed it. */
  name: string | null;
  side: 'client' | 'server';
  /** Seconds since the side's last byte (or since the connection's first captured packet: see `silenceAtLeast`). */
  seconds: number;
  /** The side sent nothing since the capture started: `seconds` is a lower bound. */
  silenceAtLeast: boolean;
  /** The heartbeat timeout T in force, and where it comes from. */
  heartbeat: number;
  heartbeatSource: 'negotiated' | 'inferred';
  /** 1: past T; 2: past 2T. */
  crossed: 1 | 2;
  cause: Cause | null;
  /** When RabbitMQ's heartbeat timer would close the connection (client silence only), on the capture clock. */
  expectedClose: { earliest: number; latest: number; earliestAt: string; latestAt: string } | null;
  /** The side's last byte, null when it sent none since the capture started. */
  lastByte: When | null;
  message: string;
}

/**
 * The client sent its first bytes (the AMQP protocol header, or a TLS ClientHello) and the broker has sent nothing
 * back for a few seconds: its kernel accepted the TCP connection, RabbitMQ has not taken it (out of file descriptors
 * or sockets, or stalled). Told while the clients still wait, before they give up (10-15 s) and their ends say it.
 * In NDJSON: a `status` event's `alert` (render/live.ts liveJson: the contract's event types stay four).
 */
export interface LiveUnanswered extends When, LiveEndpoints {
  type: 'unanswered';
  /** Seconds since the client's first bytes. */
  seconds: number;
  /** The client's first bytes. */
  sent: When;
  /** Connections waiting for the broker's first byte past the threshold now, this one included. */
  waiting: number;
  /**
   * Not the first such alert of this run of them (alerts less than 10 minutes of capture time apart): how many so
   * far and since when. The first is told in full, the repeats say how it goes on.
   */
  again?: { count: number; since: number; sinceAt: string };
  message: string;
}

/**
 * A connection attempt the broker's host answered with RST (its SYN, no SYN-ACK): nothing listens on the port
 * (RabbitMQ stopped or restarting, its app stopped). No connection follows, so no `ended`: told when it happens.
 * In NDJSON: a `status` event's `alert`, as `unanswered`.
 */
export interface LiveRefused extends When, LiveEndpoints {
  type: 'refused';
  /**
   * rst: the broker's host answered the SYN with RST (nothing listens); no-answer: 3.5 s and two retransmissions
   * later the SYN has no answer at all (host down or unreachable, a firewall dropping it, a full listen backlog).
   */
  how: 'rst' | 'no-answer';
  /**
   * Not the first refused attempt of this run of them (less than 10 minutes of capture time apart): how many so
   * far, since when, from how many hosts. The first is told in full, then at most one every 5 s of capture time
   * (clients retry every second or faster while the broker is down); `status` counts every one.
   */
  again?: { count: number; since: number; sinceAt: string; hosts: number };
  /**
   * The run is over: the broker accepted a connection, or no attempt was refused for 30 s of capture time;
   * `again.count` is its total (the connection is its last attempt).
   */
  over?: true;
  message: string;
}

/**
 * One side's TCP keep-alive probes went unanswered MIN_UNANSWERED times in a row (Linux sends the next probe only
 * when the last one got no ACK within the probe interval), or its retransmissions did over MIN_SILENCE_NO_T s of the
 * other side's silence: the other side's host or the path to it is gone. Without a heartbeat in force (off, or not
 * known: a capture started after the handshake) no silence event comes, and this is the only live sign until a
 * kernel or a client library gives up; told once per silence. In NDJSON: a `status` event's `alert`, as `unanswered`.
 */
export interface LiveNoAck extends When, LiveEndpoints {
  type: 'no-ack';
  /** The client's connection_name, as in `silence`. */
  name: string | null;
  /** The side whose packets go unanswered; the other one is silent. */
  sender: 'client' | 'server';
  /** What goes unanswered: keep-alive probes or retransmitted bytes. */
  what: 'keep-alive' | 'retransmission';
  /** How many so far. */
  count: number;
  /** The silent side's last packet of any kind (its last ACK), null when it sent none in the capture. */
  lastPacket: When | null;
  /** Seconds since that packet (or since the connection's first captured packet). */
  seconds: number;
  /**
   * Not the first such alert of this run (less than 10 minutes of capture time apart, the same side silent): how
   * many so far, since when, from how many hosts. The first is told in full, the next ones count on.
   */
  again?: { count: number; since: number; sinceAt: string; hosts: number };
  message: string;
}

/** A connection ended (closed, or replaced by a new one on the same ports): its object as in `--json`. */
export interface LiveEnded extends When {
  type: 'ended';
  connection: ReportConnection;
  /**
   * The broker refused it during the handshake for a reason it already gave another connection in this run (the
   * same reply code and reason: a connection limit, a login): how many so far, since when, from how many hosts. A
   * refusal storm is told once in full; the repeats say how it goes on.
   */
  refusedAgain?: { count: number; since: number; sinceAt: string; hosts: number };
}

/** Periodic counts, at the capture time of the last packet read. */
export interface LiveStatus extends When {
  type: 'status';
  open: number;
  ended: number;
  packets: number;
  bytes: number;
  /** Silence alerts so far. */
  alerts: number;
  /**
   * Open connections the broker has blocked (Connection.Blocked, no Unblocked yet): a resource alarm in force. No
   * silence alert says it: a blocked client's bytes stop (the broker stops reading, its window closes), but RabbitMQ
   * pauses its heartbeat check until the alarm clears, so that silence is not alerted.
   */
  blocked: number;
  /** Connections the broker refused during the handshake so far (a connection limit, a vhost, a login). */
  refused: number;
  /** Open connections whose first bytes the broker has left unanswered past the alert's threshold (`unanswered`). */
  unanswered: number;
  /** Connection attempts answered with RST so far (`refused` events; not the handshake refusals of `refused`). */
  attemptsRefused: number;
  /** Connection attempts whose SYN got no answer for 3.5 s so far (`refused` events, how `no-answer`). */
  attemptsUnanswered: number;
}

export type LiveEvent = LiveOpened | LiveSilence | LiveUnanswered | LiveRefused | LiveNoAck | LiveEnded | LiveStatus;

export const sideOf = (dir: Dir): 'client' | 'server' => (dir === 'c2s' ? 'client' : 'server');
