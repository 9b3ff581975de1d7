/**
 * reset: any other end without Connection.Close. A RST whose IP TTL differs from that side's earlier packets was
 * forged by something in the path (load balancer, NAT, firewall: failure-modes.md F7).
 */
import { judgement } from '../judgement.js';
import type { Judgement, RuleContext } from '../types.js';

export function reset(ctx: RuleContext): Judgement | null {
  const end = ctx.firstTcpEnd;
  if (end === null) return null;
  const f = ctx.facts;
  const by = end.dir === 'c2s' ? 'client' : 'server';
  const foreign = end.kind === 'rst' && end.usualTtl >= 0 && end.ttl !== end.usualTtl;
  const who = by === 'server' ? 'broker' : 'client';
  const explanation = foreign
    ? `A RST arrived from the ${who}'s address with TTL ${end.ttl}, but the ${who}'s own packets carried TTL ${end.usualTtl}: a middlebox (load balancer, NAT, firewall) reset the connection in the ${who}'s name, typically when its idle timer expired the flow. Use a heartbeat well below the path's idle timeout (with heartbeats off, a connection idle for longer than that timeout is cut at its next packet).`
    : end.kind === 'rst'
      ? `The ${by} reset the connection without Connection.Close${f.tuneOk?.heartbeat === 0 ? ' (heartbeats were disabled)' : ''}, outside the 2T-3T window of a heartbeat timeout.`
      : `The ${by} closed the TCP connection without Connection.Close.`;
  return judgement('reset', end.moment, {
    severity: 'error',
    by,
    how: end.kind,
    explanation,
    evidence: { ttl: end.kind === 'rst' ? end.ttl : null, usualTtl: end.usualTtl, middlebox: foreign },
  });
}
