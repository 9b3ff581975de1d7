/**
 * server-unresponsive: the client gave up after the broker went quiet (failure-modes.md F3): no broker payload for
 * about 2T while an idle broker heartbeats every T/2; the client closes with FIN (or RST), without
 * Connection.Close. Client thresholds vary (Go 1.5T, Java/.NET >2T, pika T+5..2(T+5)), hence 1.5T.
 */
import { formatSeconds } from '../client-library.js';
import { heartbeatTolerance, roundMicros, secondsBetween } from '../heartbeat.js';
import { addNote, judgement } from '../judgement.js';
import { brokerUnreachable } from '../open-silence.js';
import type { Judgement, RuleContext } from '../types.js';

/**
 * T unknown (a capture joined after the handshake): a broker silent this long while the client sent at least
 * MIN_CLIENT_HEARTBEATS heartbeats, its kernel ACKing them, is a stalled broker all the same: the client's heartbeats
 * show heartbeats are on, and a broker with heartbeats on writes as often as its client (every T/2), so a healthy
 * one is not silent through several of them. (Data alone proves nothing: a publisher on a connection without
 * heartbeats hears nothing from a healthy broker.)
 */
const MIN_SILENCE_UNKNOWN_T = 5;
const MIN_CLIENT_HEARTBEATS = 4;

export function serverUnresponsive(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  const t = ctx.heartbeat;
  const end = ctx.firstTcpEnd;
  const last = ctx.atEnd.lastPayload.s2c;
  if ((t === null || t <= 0) && f.tuneOk?.heartbeat !== 0) return stalledBrokerUnknownT(ctx);
  if (t === null || t <= 0 || end === null || end.dir !== 'c2s' || last === null) return null;
  if (f.clientClose !== null || f.serverClose !== null) return null;
  const silence = secondsBetween(last, end.moment);
  if (silence < 1.5 * t - heartbeatTolerance(t)) return null;
  const ev = ctx.atEnd.trailing.s2c; // since the broker's last payload
  const clientKeptWriting = ev.peerPayloadSegments > 0;
  // The client's last bytes retransmitted unanswered: not a stalled broker process but its host or the path gone
  // (the closed form of netns-broker-unreachable.pcap; review 32).
  const unreachable = brokerUnreachable(ev);
  const brokerKernelAlive = ev.acksAdvanced > 0 && !unreachable;
  const j = judgement('server-unresponsive', end.moment, {
    cause: clientKeptWriting && !unreachable ? 'server-stalled' : null,
    severity: 'error',
    by: 'client',
    how: end.kind,
    explanation:
      `The broker sent nothing for ${formatSeconds(silence)} (${(silence / t).toFixed(1)} x T, T=${t} s) ` +
      (unreachable
        ? `and did not acknowledge the client's last bytes, retransmitted ${ev.peerRetransmissionsUnanswered} times: the broker host or the network path to it is gone`
        : clientKeptWriting
          ? 'while the client kept sending heartbeats'
          : '') +
      (brokerKernelAlive ? ', and its kernel still ACKed them: the broker process stalled (GC, disk, VM pause, SIGSTOP)' : '') +
      `; the client timed out and closed the socket without Connection.Close. ` +
      (unreachable ? 'Check the broker host and the network between it and the client.' : "Check the broker's health and the path from it to the client."),
    evidence: {
      silenceSeconds: roundMicros(silence),
      clientSegmentsDuringSilence: ev.peerPayloadSegments,
      brokerAcksDuringSilence: ev.acksAdvanced,
      ...(unreachable ? { brokerUnreachable: true, unansweredRetransmissions: ev.peerRetransmissionsUnanswered } : {}),
    },
  });
  addNote(j, last.packet, "broker's last byte");
  addNote(j, end.moment.packet, `client gives up ${formatSeconds(silence)} after the broker's last byte`);
  return j;
}

/** The client gave up on a broker that wrote nothing while it kept writing and the broker's kernel ACKed, T unknown. */
function stalledBrokerUnknownT(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  const end = ctx.firstTcpEnd;
  if (end === null || end.dir !== 'c2s' || f.clientClose !== null || f.serverClose !== null) return null;
  const lastByte = ctx.atEnd.lastPayload.s2c;
  // The broker's last byte, or the capture's start when none of its bytes is in the capture (a bound).
  const since = lastByte ?? (f.info.synSeen ? null : f.captureStart);
  if (since === null) return null;
  const silence = secondsBetween(since, end.moment);
  const ev = ctx.atEnd.trailing.s2c;
  if (silence < MIN_SILENCE_UNKNOWN_T || ev.peerHeartbeats < MIN_CLIENT_HEARTBEATS || ev.acksAdvanced === 0) return null;
  const atLeast = lastByte === null ? 'at least ' : '';
  const j = judgement('server-unresponsive', end.moment, {
    cause: 'server-stalled',
    severity: 'error',
    by: 'client',
    how: end.kind,
    explanation:
      `The broker sent nothing for ${atLeast}${formatSeconds(silence)} while the client kept sending heartbeats (${ev.peerHeartbeats}) and the broker's kernel ACKed them: the broker process stalled (GC, disk, VM pause, SIGSTOP). ` +
      `T is unknown (the handshake is not in the capture), but a broker with heartbeats on writes as often as its client: the client timed out and closed the socket without Connection.Close. Check the broker's health.`,
    evidence: { silenceSeconds: roundMicros(silence), ...(lastByte === null ? { silenceAtLeast: true } : {}), clientSegmentsDuringSilence: ev.peerPayloadSegments, clientHeartbeatsDuringSilence: ev.peerHeartbeats, brokerAcksDuringSilence: ev.acksAdvanced },
  });
  if (lastByte !== null) addNote(j, lastByte.packet, "broker's last byte");
  addNote(j, end.moment.packet, `client gives up ${atLeast}${formatSeconds(silence)} after ${lastByte !== null ? "the broker's last byte" : "the capture's start"}`);
  return j;
}
