/**
 * Judges each connection: the first verdict rule that recognises its end wins (order matters: an AMQP close
 * explains a later RST; a heartbeat-window close beats a generic reset), then every finding rule runs.
 */
import type { ConnectionFacts, Moment } from '../timeline/types.js';
import { amqpFindings, unackedAtClose } from './findings/amqp.js';
import { heartbeatNearMiss, heartbeatSetting } from './findings/heartbeat.js';
import { tcpFindings } from './findings/tcp.js';
import { tlsFindings } from './findings/tls.js';
import { secondsBetween } from './heartbeat.js';
import type { Finding, FindingRule, Judgement, RuleContext, VerdictRule } from './types.js';
import { clientAborted } from './verdicts/client-aborted.js';
import { closedByClient } from './verdicts/closed-by-client.js';
import { closedByServer } from './verdicts/closed-by-server.js';
import { handshakeFailed } from './verdicts/handshake-failed.js';
import { missedHeartbeats } from './verdicts/missed-heartbeats.js';
import { stillOpen } from './verdicts/open.js';
import { reset } from './verdicts/reset.js';
import { serverUnresponsive } from './verdicts/server-unresponsive.js';
import { tcpTimeout } from './verdicts/tcp-timeout.js';
import { tlsHandshakeFailed } from './verdicts/tls-handshake-failed.js';
import { annotateWindows } from './window-notes.js';
import { annotateBlocks } from './blocked-notes.js';

export const VERDICT_RULES: readonly VerdictRule[] = [
  tlsHandshakeFailed,
  handshakeFailed,
  closedByServer,
  closedByClient,
  missedHeartbeats,
  tcpTimeout,
  serverUnresponsive,
  clientAborted,
  reset,
];

export const FINDING_RULES: readonly FindingRule[] = [heartbeatSetting, heartbeatNearMiss, amqpFindings, tcpFindings, tlsFindings, unackedAtClose];

export interface Diagnosis {
  judgement: Judgement;
  findings: Finding[];
  heartbeat: number | null;
  heartbeatSource: 'negotiated' | 'inferred' | null;
  /**
   * The notes on the timeline's rows (packet -> notes): the judgement's, with those about receive windows added
   * the first time they are asked for. They read every row, and a large run shows no row of most healthy
   * connections: their timelines are then never built.
   */
  timelineNotes: () => Map<number, string[]>;
}

export function ruleContext(facts: ConnectionFacts): RuleContext {
  const heartbeat = facts.tuneOk?.heartbeat ?? facts.inferredHeartbeat ?? null;
  const heartbeatSource = facts.tuneOk !== null ? 'negotiated' : facts.inferredHeartbeat !== null ? 'inferred' : null;
  const ends = [
    facts.clientFin && { dir: 'c2s' as const, kind: 'fin' as const, end: facts.clientFin },
    facts.clientRst && { dir: 'c2s' as const, kind: 'rst' as const, end: facts.clientRst },
    facts.serverFin && { dir: 's2c' as const, kind: 'fin' as const, end: facts.serverFin },
    facts.serverRst && { dir: 's2c' as const, kind: 'rst' as const, end: facts.serverRst },
  ].filter((e) => e !== null);
  ends.sort((a, b) => a.end.packet - b.end.packet);
  const first = ends[0];
  return {
    facts,
    atEnd: facts.atFirstEnd ?? { lastPayload: facts.lastPayload, lastFrame: facts.lastFrame, trailing: facts.trailing },
    heartbeat,
    heartbeatSource,
    seconds: (from: Moment, to: Moment) => secondsBetween(from, to),
    firstTcpEnd: first === undefined ? null : { dir: first.dir, kind: first.kind, moment: first.end, ttl: first.end.ttl, usualTtl: first.end.usualTtl },
  };
}

export function diagnose(facts: ConnectionFacts): Diagnosis {
  const ctx = ruleContext(facts);
  let judgement: Judgement | null = null;
  for (const rule of VERDICT_RULES) {
    judgement = rule(ctx);
    if (judgement !== null) break;
  }
  judgement ??= stillOpen(ctx);
  const findings: Finding[] = [];
  for (const rule of FINDING_RULES) findings.push(...rule(ctx, judgement));
  findings.sort((a, b) => a.at.packet - b.at.packet);
  const j = judgement;
  let windowsNoted = false;
  const timelineNotes = (): Map<number, string[]> => {
    if (!windowsNoted) {
      annotateWindows(j, facts);
      annotateBlocks(j, facts);
    }
    windowsNoted = true;
    return j.notes;
  };
  return { judgement, findings, heartbeat: ctx.heartbeat, heartbeatSource: ctx.heartbeatSource, timelineNotes };
}
