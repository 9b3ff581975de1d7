/**
 * tcp-timeout: the kernel, not AMQP, declared the client dead (failure-modes.md F5, `{inet_error,etimedout}`): the
 * broker's data or keep-alive probes went unanswered until its kernel gave up. Linux sends no RST when
 * retransmissions run out, but does reset one interval after the last unanswered keep-alive probe.
 */
import { formatSeconds } from '../client-library.js';
import { secondsBetween } from '../heartbeat.js';
import { addNote, judgement } from '../judgement.js';
import type { Judgement, RuleContext } from '../types.js';

/** Unanswered retransmissions before we call the peer unreachable at TCP level. */
const MIN_RETRANSMISSIONS = 3;
const MIN_PROBES = 2;

export function tcpTimeout(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  if (f.clientClose !== null || f.serverClose !== null) return null;
  const ev = f.trailing.c2s; // since the client's last payload
  const unansweredData = ev.peerRetransmissions >= MIN_RETRANSMISSIONS && ev.acksAdvanced === 0;
  const unansweredProbes = ev.peerKeepAlives >= MIN_PROBES && ev.keepAliveAcks === 0 && ev.acksAdvanced === 0;
  if (!unansweredData && !unansweredProbes) return null;
  const end = ctx.firstTcpEnd;
  // Ended by the broker's reset, or the capture shows the broker giving up (no further broker packet).
  if (end !== null && end.dir === 'c2s') return null;
  const at = end?.moment ?? f.lastPacket;
  const last = f.lastPayload.c2s;
  const silence = last !== null ? secondsBetween(last, at) : null;
  const hb = ctx.heartbeat;
  const what = unansweredProbes
    ? `${ev.peerKeepAlives} TCP keep-alive probes from the broker went unanswered`
    : `the broker retransmitted ${ev.peerRetransmissions} times and nothing was ACKed`;
  const j = judgement('tcp-timeout', at, {
    cause: 'client-unreachable',
    severity: 'error',
    by: 'server',
    how: end !== null ? end.kind : 'timeout',
    explanation:
      `The client's host stopped answering at TCP level: ${what}` +
      (silence !== null ? ` over ${formatSeconds(silence)}` : '') +
      `, so the broker's kernel gave up ({inet_error,etimedout} in the RabbitMQ log). ` +
      (hb === 0
        ? 'Heartbeats were disabled (heartbeat=0), so nothing at the AMQP level noticed sooner: enable heartbeats (5-20 s) or tune TCP keep-alives on both hosts.'
        : 'Check the client host and the network path (firewall, NAT, load balancer).'),
    evidence: {
      serverRetransmissions: ev.peerRetransmissions,
      unansweredKeepAlives: ev.peerKeepAlives,
      clientAcks: ev.acksAdvanced,
      silenceSeconds: silence,
    },
  });
  if (last !== null) addNote(j, last.packet, "client's last byte");
  if (f.lastFrame.c2s !== null) addNote(j, f.lastFrame.c2s.packet, "client's last frame");
  return j;
}
