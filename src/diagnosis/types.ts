/**
 * The diagnosis vocabulary: verdicts, causes and finding codes are the stable contract of
 * ../shared/docs/report-contract.md (scripts and bug templates read them). Add codes; never rename one.
 */
import type { Dir } from '../tcp/types.js';
import type { ConnectionFacts, Moment, SideState } from '../timeline/types.js';

export const VERDICTS = [
  'closed-by-client',
  'closed-by-server',
  'missed-heartbeats',
  'tcp-timeout',
  'client-aborted',
  'server-unresponsive',
  'handshake-failed',
  'reset',
  'open',
] as const;
export type Verdict = (typeof VERDICTS)[number];

export const CAUSES = ['client-stalled', 'client-unreachable', 'client-not-reading', 'server-stalled'] as const;
export type Cause = (typeof CAUSES)[number];

export type Severity = 'info' | 'warning' | 'error';
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** The most severe of a list (nulls ignored), or null for an empty one. */
export function worstSeverity(list: Iterable<Severity | null>): Severity | null {
  let worst: Severity | null = null;
  for (const s of list) if (s !== null && (worst === null || SEVERITY_RANK[s] > SEVERITY_RANK[worst])) worst = s;
  return worst;
}

export const FINDING_CODES = [
  'heartbeats-disabled',
  'heartbeat-timeout-low',
  'heartbeat-near-miss',
  'heartbeat-inferred',
  'connection-blocked',
  'channel-error',
  'connection-error',
  'message-returned',
  'consumer-cancelled',
  'zero-window',
  'retransmissions',
  'keepalive-probes',
  'unacked-at-close',
  'redelivered',
  'capture-started-midstream',
  'capture-gap',
  'frame-error',
  'unsupported-protocol',
  'redelivered-after-close',
  'tls-not-decrypted',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

/** A finding before it is placed on the capture clock (the report adds `t` and `at`). */
export interface Finding {
  code: FindingCode;
  severity: Severity;
  at: Moment;
  message: string;
  /** Evidence fields, JSON-safe, merged into the report's finding object. */
  evidence: Record<string, unknown>;
  /** Evidence moments, merged after `evidence` as ISO times on the capture clock (exact to the capture's precision). */
  moments?: Record<string, Moment>;
}

export type EndHow = 'amqp-close' | 'fin' | 'rst' | 'timeout' | null;

/** How a connection ended (or stands at the end of the capture), with the evidence for it. */
export interface Judgement {
  verdict: Verdict;
  cause: Cause | null;
  severity: Severity;
  at: Moment;
  by: 'client' | 'server' | null;
  how: EndHow;
  replyCode: number | null;
  replyText: string | null;
  explanation: string;
  /** Timeline annotations: packet number -> notes ("client's last frame", ...). */
  notes: Map<number, string[]>;
  /**
   * The notes about one frame of their packet, and that frame's type (packet number -> note -> e.g.
   * "Connection.Unblocked"): a packet can carry a TCP event row (a zero window) before its frames.
   */
  noteRows: Map<number, Map<string, string>>;
  evidence: Record<string, unknown>;
  /** Evidence moments, merged after `evidence` as the report's {t, at, packet} (exact to the capture's precision). */
  moments?: Record<string, Moment>;
}

/** What every rule gets: the facts, the heartbeat in force, and small helpers. */
export interface RuleContext {
  facts: ConnectionFacts;
  /** T in seconds: Tune-Ok's value, else the inferred one, else null. 0 means disabled. */
  heartbeat: number | null;
  heartbeatSource: 'negotiated' | 'inferred' | null;
  /** Seconds between two moments. */
  seconds(from: Moment, to: Moment): number;
  /**
   * Each side's last payload, last frame and silence evidence as they stood at the first FIN or RST (or at the
   * end of the capture when there was none). Judge the end on this, not on what the teardown added.
   */
  atEnd: SideState;
  /** The connection's first terminating TCP segment (FIN or RST) and who sent it, if any. */
  firstTcpEnd: { dir: Dir; kind: 'fin' | 'rst'; moment: Moment; ttl: number; usualTtl: number } | null;
}

/** A verdict rule: returns a judgement when it recognises the connection's end, otherwise null. */
export type VerdictRule = (ctx: RuleContext) => Judgement | null;
/** A finding rule: returns zero or more findings. Runs after the verdict is known. */
export type FindingRule = (ctx: RuleContext, judgement: Judgement) => Finding[];
