/**
 * reset: any other end without Connection.Close. A RST whose IP TTL differs from that side's earlier packets was
 * forged by something in the path (load balancer, NAT, firewall: failure-modes.md F7).
 *
 * A broker that drops a silent client without Connection.Close, when T is unknown (a capture that starts after the
 * handshake, with too few broker heartbeats to infer T), cannot be checked against RabbitMQ's 2T-3T heartbeat
 * window: it is a reset, but with the cause the silence shows (the client's kernel ACKing, the broker's data
 * unacknowledged, a zero window) and the range of T a heartbeat timeout would need.
 */
import { formatSeconds } from '../client-library.js';
import { roundMicros, secondsBetween } from '../heartbeat.js';
import { addNote, judgement } from '../judgement.js';
import { clientSilenceCause } from '../open-silence.js';
import { annotateClientEnd, clientSilenceStart } from '../silence-notes.js';
import type { Cause, Judgement, RuleContext } from '../types.js';

export function reset(ctx: RuleContext): Judgement | null {
  const end = ctx.firstTcpEnd;
  if (end === null) return null;
  const f = ctx.facts;
  const by = end.dir === 'c2s' ? 'client' : 'server';
  const foreign = end.kind === 'rst' && end.usualTtl >= 0 && end.ttl !== end.usualTtl;
  const who = by === 'server' ? 'broker' : 'client';
  // usualTtl -1: none of that side's earlier packets is in the capture (null in the report, not a sentinel).
  const evidence = { ttl: end.kind === 'rst' ? end.ttl : null, usualTtl: end.usualTtl >= 0 ? end.usualTtl : null, middlebox: foreign };
  if (foreign) {
    return judgement('reset', end.moment, {
      severity: 'error',
      by,
      how: end.kind,
      explanation: `A RST arrived from the ${who}'s address with TTL ${end.ttl}, but the ${who}'s own packets carried TTL ${end.usualTtl}: a middlebox (load balancer, NAT, firewall) reset the connection in the ${who}'s name, typically when its idle timer expired the flow. Use a heartbeat well below the path's idle timeout (with heartbeats off, a connection idle for longer than that timeout is cut at its next packet).`,
      evidence,
    });
  }
  if (by === 'server' && f.clientClose === null && f.serverClose === null && f.tuneOk?.heartbeat !== 0) {
    const silent = silentClientDropped(ctx, end.kind, evidence);
    if (silent !== null) return silent;
  }
  const explanation =
    end.kind === 'rst'
      ? `The ${by} reset the connection without Connection.Close${f.tuneOk?.heartbeat === 0 ? ' (heartbeats were disabled)' : ctx.heartbeat === null ? ' (T unknown: whether it was a heartbeat timeout cannot be checked)' : ', outside the 2T-3T window of a heartbeat timeout'}.`
      : `The ${by} closed the TCP connection without Connection.Close.`;
  return judgement('reset', end.moment, { severity: 'error', by, how: end.kind, explanation, evidence });
}

const CAUSE_TEXT: Record<Cause, string> = {
  'client-stalled': "the client's kernel kept ACKing the broker's data while its application sent nothing: the client stalled",
  'client-unreachable': "the broker's segments were retransmitted and never ACKed: the client host or the path vanished",
  'client-not-reading': 'the client advertised a zero window: its application stopped reading the socket',
  'server-stalled': 'the broker had stopped sending',
};

/** A silence shorter than this is no silence that a heartbeat timeout could end (a client answered just before). */
const MIN_SILENCE_SECONDS = 1;

/**
 * The broker dropped the connection after a silence of the client whose cause the wire shows, when RabbitMQ's
 * heartbeat timeout can be neither confirmed nor ruled out: T unknown, or T known but the silence only a lower bound
 * shorter than 2T (the client's last byte is before the capture; missed-heartbeats.ts takes the bounds that fit).
 * Null otherwise, when the client was not silent before the end, or the silence shows no cause.
 */
function silentClientDropped(ctx: RuleContext, how: 'fin' | 'rst', evidence: Record<string, unknown>): Judgement | null {
  const end = ctx.firstTcpEnd!;
  const start = clientSilenceStart(ctx);
  if (start.since === null) return null;
  const t = ctx.heartbeat !== null && ctx.heartbeat > 0 ? ctx.heartbeat : null;
  const silence = secondsBetween(start.since, end.moment);
  if (t !== null && !(start.atLeast && silence < 2 * t)) return null;
  if (silence < MIN_SILENCE_SECONDS) return null;
  const cause = clientSilenceCause(ctx.atEnd.trailing.c2s);
  if (cause === null) return null;
  const atLeast = start.atLeast ? 'at least ' : '';
  const from = start.atLeast ? "the capture's start (the client's last byte is before it)" : "the client's last byte";
  // RabbitMQ drops a client after 2T-3T without its bytes: a silence S fits T in [S/3, S/2] (a bound: T >= S/3).
  const range = start.atLeast ? `a T of at least ${formatSeconds(silence / 3)}` : `a T between ${formatSeconds(silence / 3)} and ${formatSeconds(silence / 2)}`;
  const check =
    t === null
      ? `T is unknown (the handshake is not in the capture), so this cannot be checked against RabbitMQ's heartbeat timeout, which closes a silent client this way 2T-3T after its last byte: it fits ${range}`
      : `With T=${t} s${ctx.heartbeatSource === 'inferred' ? ' (inferred from its heartbeats)' : ''}, RabbitMQ's heartbeat timeout closes a silent client this way 2T-3T after its last byte: it fits if that byte came ${(2 * t - silence).toFixed(1)}-${formatSeconds(3 * t - silence)} before the capture started`;
  const j = judgement('reset', end.moment, {
    cause,
    severity: 'error',
    by: 'server',
    how,
    explanation:
      `The broker ${how === 'rst' ? 'reset' : 'closed'} the connection without Connection.Close ${atLeast}${formatSeconds(silence)} after ${from}; ${CAUSE_TEXT[cause]}. ` +
      `${check} (the broker log then says "missed heartbeats from client").`,
    evidence: { ...evidence, silenceSeconds: roundMicros(silence), ...(start.atLeast ? { silenceAtLeast: true } : {}) },
  });
  annotateClientEnd(j, ctx, start);
  addNote(j, end.moment.packet, `broker ${how === 'rst' ? 'resets' : 'closes'} ${atLeast}${formatSeconds(silence)} after ${start.atLeast ? "the capture's start" : "the client's last byte"}`);
  return j;
}
