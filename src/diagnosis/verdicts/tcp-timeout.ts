/**
 * tcp-timeout: the kernel, not AMQP, declared the client dead (failure-modes.md F5, `{inet_error,etimedout}`): the
 * broker's data or keep-alive probes went unanswered until its kernel gave up. Linux sends no RST when
 * retransmissions run out, but does reset one interval after the last unanswered keep-alive probe.
 */
import { formatSeconds } from '../client-library.js';
import { roundMicros, secondsBetween } from '../heartbeat.js';
import { addNote, judgement } from '../judgement.js';
import { annotateClientSilence, clientSilenceStart } from '../silence-notes.js';
import type { Judgement, RuleContext } from '../types.js';

/** Unanswered retransmissions before we call the peer unreachable at TCP level. */
const MIN_RETRANSMISSIONS = 3;
const MIN_PROBES = 2;

export function tcpTimeout(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  if (f.clientClose !== null || f.serverClose !== null) return null;
  const brokerGone = clientKernelGaveUp(ctx);
  if (brokerGone !== null) return brokerGone;
  const ev = ctx.atEnd.trailing.c2s; // since the client's last payload
  const unansweredData = ev.peerRetransmissionsUnanswered >= MIN_RETRANSMISSIONS;
  const unansweredProbes = ev.peerKeepAlivesUnanswered >= MIN_PROBES;
  if (!unansweredData && !unansweredProbes) return null;
  const end = ctx.firstTcpEnd;
  // Only the broker's own reset shows its kernel gave up (Linux resets one interval after the last unanswered
  // keep-alive probe). Retransmissions that run out end silently: a capture that stops while they go on shows a
  // half-open connection, judged 'open' with cause client-unreachable (see open.ts), not a timeout; and a broker
  // RST or FIN while its data goes unanswered is RabbitMQ closing the socket (its heartbeat timer, most often:
  // missed-heartbeats when T is known, else a reset with that cause, reset.ts), not its kernel.
  if (end === null) return null;
  if (end.dir === 's2c' && !unansweredProbes) return null;
  // A client that comes back after the broker gave up finds no socket: its FIN or RST is answered by an
  // immediate RST. The broker's kernel had timed the connection out before.
  const rst = f.serverRst;
  const cameBackTooLate = end.dir === 'c2s' && rst !== null && rst.packet > end.moment.packet && ctx.seconds(end.moment, rst) < 1;
  if (end.dir === 'c2s' && !cameBackTooLate) return null;
  const at = end.moment;
  const start = clientSilenceStart(ctx);
  const last = start.lastByte;
  // No client byte in a capture that started late: silent at least since the capture's start (a bound).
  const silence = start.since !== null ? secondsBetween(start.since, at) : null;
  const hb = ctx.heartbeat;
  const what = unansweredProbes
    ? `${ev.peerKeepAlivesUnanswered} TCP keep-alive probes from the broker went unanswered`
    : `the broker retransmitted ${ev.peerRetransmissionsUnanswered} times and nothing was ACKed`;
  const j = judgement('tcp-timeout', at, {
    cause: 'client-unreachable',
    severity: 'error',
    by: cameBackTooLate ? 'client' : 'server',
    how: end.kind,
    explanation:
      `The client's host stopped answering at TCP level: ${what}` +
      (silence !== null ? ` over ${start.atLeast ? 'at least ' : ''}${formatSeconds(silence)}` : '') +
      `, so the broker's kernel gave up ({inet_error,etimedout} in the RabbitMQ log)` +
      (cameBackTooLate ? `; when the client came back (${end.kind.toUpperCase()} at packet ${end.moment.packet}) the broker had already dropped the connection and answered with RST. ` : '. ') +
      (hb === 0
        ? 'Heartbeats were disabled (heartbeat=0), so nothing at the AMQP level noticed sooner: enable heartbeats (5-20 s) or tune TCP keep-alives on both hosts.'
        : 'Check the client host and the network path (firewall, NAT, load balancer).'),
    evidence: {
      unansweredRetransmissions: ev.peerRetransmissionsUnanswered,
      unansweredKeepAlives: ev.peerKeepAlivesUnanswered,
      clientLastSignOfLife: ev.lastSignOfLife?.packet ?? null,
      ...(silence !== null ? { silenceSeconds: roundMicros(silence) } : {}),
      ...(silence !== null && start.atLeast ? { silenceAtLeast: true } : {}),
    },
  });
  if (last !== null) {
    addNote(j, last.packet, "client's last byte");
    annotateClientSilence(j, f, last.packet);
  }
  if (ctx.atEnd.lastFrame.c2s !== null) addNote(j, ctx.atEnd.lastFrame.c2s.packet, "client's last frame");
  return j;
}

/**
 * The same from the client's side (captures/netns-broker-unreachable-keepalive.pcap, taken on the client host): the
 * client's keep-alive probes went unanswered, nothing at all came from the broker, and the client's kernel reset
 * the connection (Linux: one probe interval after the last unanswered probe; the application reads ETIMEDOUT).
 * The broker host or the path to it is gone; the RST, sent once, is lost with the path, so RabbitMQ logs nothing of
 * it (and, with heartbeats off and no keep-alive on its listener, keeps the connection).
 */
function clientKernelGaveUp(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  const end = ctx.firstTcpEnd;
  if (end === null || end.dir !== 'c2s' || end.kind !== 'rst') return null;
  const ev = ctx.atEnd.trailing.s2c; // since the broker's last payload
  if (ev.peerKeepAlivesUnanswered < MIN_PROBES) return null;
  const last = ev.lastSignOfLife;
  const lastText = last !== null ? ` (its last packet ${last.packet}, at ${secondsBetween(f.captureStart, last).toFixed(3)} s)` : '';
  const hb = ctx.heartbeat;
  const j = judgement('tcp-timeout', end.moment, {
    cause: null,
    severity: 'error',
    by: 'client',
    how: 'rst',
    explanation:
      `The broker stopped answering at TCP level${lastText}: ${ev.peerKeepAlivesUnanswered} TCP keep-alive probes from the client went unanswered, so the client's kernel gave up and reset the connection ` +
      `(the client library reads ETIMEDOUT, "Connection timed out"): the broker host or the network path to it is gone, not the client. The RST is sent once and was lost with the path; ` +
      'the broker learns of it only when it next writes to the connection (answered with RST) or by its own keep-alive: ' +
      (hb === 0
        ? 'with heartbeats disabled (heartbeat=0) RabbitMQ notices nothing unless TCP keep-alive is on for its listener, and keeps the connection and its consumers meanwhile. Check the broker host and the path to it; enable heartbeats (5-20 s).'
        : 'RabbitMQ drops it for missed heartbeats, if it still runs. Check the broker host and the path to it.'),
    evidence: { brokerUnreachable: true, unansweredKeepAlives: ev.peerKeepAlivesUnanswered },
  });
  if (last !== null) addNote(j, last.packet, "broker's last packet");
  return j;
}
