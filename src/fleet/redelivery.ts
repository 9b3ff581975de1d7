/**
 * redelivered-after-close: messages a connection left unacknowledged when it died, delivered again with the
 * redelivered flag on another connection afterwards (failure-modes.md §3.9: the duplicate processing the
 * CloudAMQP article warns about). Matched by message identity (message-id, else exchange + routing key + body hash).
 */
import type { Finding, Verdict } from '../diagnosis/types.js';
import type { ConnectionFacts, Moment } from '../timeline/types.js';

const DIED: ReadonlySet<Verdict> = new Set(['missed-heartbeats', 'tcp-timeout', 'client-aborted', 'server-unresponsive', 'reset', 'closed-by-server']);

/**
 * What the rule needs of a finished connection, kept until the capture ends: compact, since a long capture has
 * hundreds of finished connections (no object per message).
 */
export interface ConnectionOutcome {
  id: string;
  verdict: Verdict;
  endPacket: number;
  /** Identities left unacknowledged, kept only when the connection died (the only case the rule reads them). */
  unackedIdentities: readonly string[];
  /** Messages delivered to it with `redelivered` set: identity i arrived at (packets[i], tsSec[i], tsNsec[i]). */
  redelivered: { identities: string[]; packets: number[]; tsSec: number[]; tsNsec: number[] };
}

export function outcomeOf(facts: ConnectionFacts, verdict: Verdict, endPacket: number): ConnectionOutcome {
  const r = facts.redeliveredIdentities;
  return {
    id: facts.info.id,
    verdict,
    endPacket,
    unackedIdentities: DIED.has(verdict) ? facts.unacked.identities : [],
    redelivered: {
      identities: r.map((x) => x.identity),
      packets: r.map((x) => x.moment.packet),
      tsSec: r.map((x) => x.moment.tsSec),
      tsNsec: r.map((x) => x.moment.tsNsec),
    },
  };
}

/** Connections with nothing for the rule (no unacked identities, no redeliveries) need not be kept. */
export function outcomeMatters(o: ConnectionOutcome): boolean {
  return o.unackedIdentities.length > 0 || o.redelivered.identities.length > 0;
}

export function redeliveredAfterClose(outcomes: readonly ConnectionOutcome[]): (Finding & { from: string; to: string; count: number })[] {
  const out: (Finding & { from: string; to: string; count: number })[] = [];
  for (const dead of outcomes) {
    if (!DIED.has(dead.verdict) || dead.unackedIdentities.length === 0) continue;
    const lost = new Set(dead.unackedIdentities);
    for (const other of outcomes) {
      if (other === dead) continue;
      const r = other.redelivered;
      const again: number[] = [];
      for (let i = 0; i < r.identities.length; i++) if ((r.packets[i] as number) > dead.endPacket && lost.has(r.identities[i] as string)) again.push(i);
      const i0 = again[0];
      if (i0 === undefined) continue;
      const first: Moment = { packet: r.packets[i0] as number, tsSec: r.tsSec[i0] as number, tsNsec: r.tsNsec[i0] as number };
      const count = new Set(again.map((i) => r.identities[i])).size;
      out.push({
        code: 'redelivered-after-close',
        severity: 'warning',
        at: first,
        message: `${count} message(s) left unacknowledged by ${dead.id} when it died were delivered again (redelivered) to ${other.id}: they may be processed twice.`,
        evidence: {},
        from: dead.id,
        to: other.id,
        count,
      });
    }
  }
  return out;
}
