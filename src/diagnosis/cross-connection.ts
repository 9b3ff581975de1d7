/**
 * redelivered-after-close: messages a connection left unacknowledged when it died, delivered again with the
 * redelivered flag on another connection afterwards (failure-modes.md §3.9: the duplicate processing the
 * CloudAMQP article warns about). Matched by message identity (message-id, else exchange + routing key + body hash).
 */
import type { ConnectionFacts, Moment } from '../timeline/types.js';
import type { Finding, Verdict } from './types.js';

const DIED: ReadonlySet<Verdict> = new Set(['missed-heartbeats', 'tcp-timeout', 'client-aborted', 'server-unresponsive', 'reset', 'closed-by-server']);

/** What cross-connection rules need of a finished connection: kept after its facts are dropped. */
export interface ConnectionOutcome {
  id: string;
  verdict: Verdict;
  endPacket: number;
  unackedIdentities: readonly string[];
  redelivered: readonly { identity: string; moment: Moment }[];
}

export function outcomeOf(facts: ConnectionFacts, verdict: Verdict, endPacket: number): ConnectionOutcome {
  return { id: facts.info.id, verdict, endPacket, unackedIdentities: facts.unacked.identities, redelivered: facts.redeliveredIdentities };
}

export function redeliveredAfterClose(outcomes: readonly ConnectionOutcome[]): (Finding & { from: string; to: string; count: number })[] {
  const out: (Finding & { from: string; to: string; count: number })[] = [];
  for (const dead of outcomes) {
    if (!DIED.has(dead.verdict) || dead.unackedIdentities.length === 0) continue;
    const lost = new Set(dead.unackedIdentities);
    for (const other of outcomes) {
      if (other === dead) continue;
      const again = other.redelivered.filter((r) => r.moment.packet > dead.endPacket && lost.has(r.identity));
      if (again.length === 0) continue;
      const first = again[0]!.moment;
      const count = new Set(again.map((r) => r.identity)).size;
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
