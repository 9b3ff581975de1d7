/**
 * open: the connection was still open when the capture ended. It is judged like a closed one from the same
 * evidence (open-silence.ts): a client silent for more than T gets its cause and the window in which RabbitMQ's
 * heartbeat timer will close it; a broker silent for more than T while the client kept writing is server-stalled.
 * When the broker was by then retransmitting to a client that no longer answered, the connection is half-open, and
 * without heartbeats only the broker's kernel will notice, when its retransmissions run out (tcp_retries2, about 15
 * minutes on Linux).
 */
import { blockedNow } from '../../timeline/blocked.js';
import type { ConnectionFacts, Moment, SilenceEvidence } from '../../timeline/types.js';
import { formatSeconds, identifyClient, stalledClientFix } from '../client-library.js';
import { roundMicros, secondsBetween } from '../heartbeat.js';
import { addNote, judgement } from '../judgement.js';
import { brokerUnreachable, expectedCloseSentence, FIRST_ANSWER_SECONDS, judgeOpenSilence, MIN_SILENCE_NO_T, MIN_UNANSWERED, timeOfDay, timesText, type OpenSilence } from '../open-silence.js';
import { annotateClientEnd, clientSilenceStart } from '../silence-notes.js';
import { isCloseNotify } from '../tls-records.js';
import type { Judgement, RuleContext } from '../types.js';


export function stillOpen(ctx: RuleContext): Judgement {
  const f = ctx.facts;
  const t = ctx.heartbeat;
  const start = clientSilenceStart(ctx);
  const { atLeast } = start;
  // While the broker does not read from the client (blocked by a resource alarm, or its window at zero), RabbitMQ's
  // heartbeat check is paused and starts again when it reads again (failure-modes.md §1.1): the silence that counts
  // runs from then, when that is after the client's last byte.
  const resumed = readingResumed(f, start.since);
  const since = resumed ?? start.since;
  const ev = ctx.atEnd.trailing.c2s;
  const client = since === null ? null : judgeOpenSilence({
    side: 'client', heartbeat: t, since: secondsBetween(f.captureStart, since), atLeast: atLeast && resumed === null, now: secondsBetween(f.captureStart, silencesEnd(f)), evidence: ev,
  });
  const quiet = client !== null ? `${atLeast && resumed === null ? 'at least ' : ''}${formatSeconds(client.seconds)}${resumed !== null ? ' since the broker read from it again' : ''}` : null;
  // Made only where said: a healthy open connection (10,000 of them at the end of a large capture) never says it.
  // The broker's close_notify after the client's last byte: RabbitMQ sends it as it closes the socket (the RST follows
  // within microseconds), so the close is under way, not to be expected (review 37: a capture stopped between them).
  const closing = since === null ? null : brokerCloseNotify(f, since);
  const closingText = closing === null ? '' : ` The broker sent a TLS close_notify (packet ${closing.packet} at ${secondsBetween(f.captureStart, closing).toFixed(3)} s), after the client's last byte: it was closing the connection when the capture ended.`;
  const closeWindow = (): string => (closing !== null ? closingText : client?.expectedClose != null ? ` ${expectedCloseSentence(f.captureStart, client.expectedClose)}` : '');

  if (ev.peerRetransmissionsUnanswered >= MIN_UNANSWERED || ev.peerKeepAlivesUnanswered >= MIN_UNANSWERED) {
    const j = judgement('open', f.lastPacket, {
      cause: 'client-unreachable',
      severity: 'error',
      by: null,
      how: null,
      explanation:
        `Half-open when the capture ended: the client sent nothing for ${quiet ?? 'the rest of the capture'} and ` +
        `${ev.peerRetransmissionsUnanswered >= MIN_UNANSWERED ? `${ev.peerRetransmissionsUnanswered} broker retransmissions` : `${ev.peerKeepAlivesUnanswered} keep-alive probes`} went unanswered: the client host or the path is gone. ` +
        (t === 0
          ? 'With heartbeats disabled the broker notices only when its kernel gives up ({inet_error,etimedout}, about 15 minutes with tcp_retries2=15): enable heartbeats or tune TCP keep-alives.'
          : closeWindow().trim() || 'Expect the broker to drop it for missed heartbeats, or its kernel to give up ({inet_error,etimedout}).'),
      evidence: {
        unansweredRetransmissions: ev.peerRetransmissionsUnanswered,
        unansweredKeepAlives: ev.peerKeepAlivesUnanswered,
        // The silence the text quotes, also when T is unknown or not yet passed.
        ...(client !== null ? { silenceSeconds: roundMicros(client.seconds), ...(client.atLeast ? { silenceAtLeast: true } : {}) } : {}),
        ...(client !== null && client.level > 0 ? silenceEvidence(client, t as number, ev) : {}),
      },
    });
    annotateClientEnd(j, ctx, start);
    return j;
  }

  // Blocked by a resource alarm: the broker reads nothing from the connection (its window closes, so the client's
  // bytes stop), and RabbitMQ pauses its heartbeat check until the alarm clears (failure-modes.md §1.5). A client
  // silence then is no stall, and no close follows from it.
  const blocked = blockedNow(f);
  if (blocked !== null) {
    const since = blocked.beforeCapture ? 'since before the capture started' : `since ${secondsBetween(f.captureStart, blocked.blocked).toFixed(3)} s (Connection.Blocked${blocked.blocked.reason !== null ? `: ${blocked.blocked.reason}` : ''})`;
    const silent = client !== null && t !== null && t > 0 && client.seconds > t ? ` The client's silence (${quiet}) is the block, not a stall: no heartbeat close follows from it.` : '';
    return judgement('open', f.lastPacket, {
      severity: 'warning',
      by: null,
      how: null,
      explanation:
        `Still open when the capture ended, blocked by the broker ${since}: a resource alarm, under which RabbitMQ reads nothing from a connection that publishes and pauses its heartbeat check until the alarm clears.${silent} ` +
        'Its publishes wait in the client meanwhile. Fix: clear the alarm (free memory or disk on the broker: rabbitmqctl status lists the alarms in force).',
    });
  }

  // The broker's receive window at zero at the end, without a Connection.Blocked in the capture (it began before
  // the capture, or flow control): the broker stopped reading, the client's bytes cannot go out.
  const broker = f.stats.s2c;
  if (broker.zeroWindowAtEnd && broker.lastZeroWindowFrom !== null && since !== null) {
    const from = secondsBetween(f.captureStart, broker.lastZeroWindowFrom);
    const silent = client !== null && t !== null && t > 0 && client.seconds > t ? ` The client's silence (${quiet}) is that, not a stall: RabbitMQ pauses its heartbeat check while it does not read, so no close follows from it.` : '';
    return judgement('open', f.lastPacket, {
      severity: 'warning',
      by: null,
      how: null,
      explanation:
        `Still open when the capture ended, with the broker's receive window at zero since ${from.toFixed(3)} s: it stopped reading from this client (blocked by a resource alarm, or flow control), so the client's bytes wait in its send buffer.${silent} ` +
        'Fix: clear the alarm if there is one (rabbitmqctl status lists the alarms in force), else find why the broker stopped reading (a slow queue, disk or memory pressure).',
    });
  }

  // The client's last bytes were retransmitted with no ACK and nothing came from the broker since: the client did not
  // fall silent, its bytes stopped arriving (captures/netns-broker-unreachable.pcap, taken on the client's side).
  const unreachable = brokerUnreachableJudgement(ctx) ?? keepAlivesUnansweredJudgement(ctx);
  if (unreachable !== null) return unreachable;

  if (client !== null && client.level > 0 && t !== null) {
    const lib = identifyClient(f.clientProperties);
    const who = lib.label !== null ? `the client (${lib.label})` : 'the client';
    const unanswered = ev.peerHeartbeats > 0 ? ` (${ev.peerHeartbeats} not answered)` : '';
    const tText = `T=${t} s${ctx.heartbeatSource === 'inferred' ? ', inferred from the broker\'s heartbeats' : ''}`;
    const why =
      client.cause === 'client-stalled'
        ? ` while its kernel kept ACKing the broker's heartbeats${unanswered}: the application ${client.level < 2 ? 'may have ' : ''}stalled.`
        : client.cause === 'client-not-reading'
          ? ' while it advertised a zero window: its application stopped reading the socket.'
          : client.cause === 'client-unreachable'
            ? " while the broker's segments went unACKed: the client host or the path is gone."
            : '.';
    const overdue = client.expectedClose === null && closing === null ? ' RabbitMQ would have closed it 3T after its last byte: check which heartbeat timeout the broker really uses.' : '';
    // Past T but not 2T, RabbitMQ has not missed two checks yet, and some clients write only every 1.5T (py-amqp:
    // fleet-broker-unreachable's kombu, 5-6 s apart with T=4): said so, no fix until it reaches 2T, and a warning, not
    // an error (review 36: --fail-on error failed a capture whose own text said a healthy client gets this far). A
    // zero window is no rhythm of writes: not reading is an error from T on. Three clients stalled together are still
    // told there first (fleet-clients-stalled up to packet 349): the fleet counts a judged silence as a problem.
    const early = client.level < 2;
    const severity = early && client.cause !== 'client-not-reading' ? 'warning' : 'error';
    const fix = !early && (client.cause === 'client-stalled' || client.cause === 'client-not-reading') ? ` Fix: ${stalledClientFix(lib, t)}.` : '';
    const notYet = early ? ' Not yet 2T: RabbitMQ closes it only after 2T-3T without a byte, and a client that writes every 1.5T gets this far in normal operation.' : '';
    const j = judgement('open', f.lastPacket, {
      cause: client.cause,
      severity,
      by: null,
      how: null,
      explanation:
        `Still open when the capture ended, but ${who} had sent nothing for ${quiet} (${atLeast ? '>= ' : ''}${(client.seconds / t).toFixed(1)} x T, ${tText})${why}` +
        `${notYet}${closeWindow()}${overdue}${fix}`,
      evidence: silenceEvidence(client, t, ev),
    });
    annotateClientEnd(j, ctx, start);
    return j;
  }

  const server = serverSilence(ctx);
  if (server !== null && t !== null) {
    // Retransmitted once or twice, unanswered: too early to call the broker gone (MIN_UNANSWERED), and nothing shows
    // its kernel alive either.
    const pending = ctx.atEnd.trailing.s2c.peerRetransmissionsUnanswered;
    const why =
      pending > 0
        ? `, and its last bytes are not acknowledged yet (retransmitted ${timesText(pending)}): the broker stalled, or its host or the path to it is gone; clients give up after about 2T. Check the broker host and the path to it.`
        : ': the broker stalled (GC, disk, VM pause) or the path from it is broken; clients give up after about 2T. Check the broker\'s health.';
    const j = judgement('open', f.lastPacket, {
      cause: server.cause,
      severity: 'error',
      by: null,
      how: null,
      explanation: `Still open when the capture ended, but the broker had sent nothing for ${formatSeconds(server.seconds)} (${(server.seconds / t).toFixed(1)} x T, T=${t} s) while the client kept writing${why}`,
      evidence: { silenceSeconds: roundMicros(server.seconds), silentSide: 'server', ...(pending > 0 ? { unansweredRetransmissions: pending } : {}) },
    });
    const lastServer = ctx.atEnd.lastPayload.s2c;
    if (lastServer !== null) addNote(j, lastServer.packet, "broker's last byte");
    return j;
  }

  const notTaken = waitingForStart(ctx);
  if (notTaken !== null) return notTaken;

  // A capture stopped in the middle of the AMQP handshake: say so, rather than a plain "still open".
  if (f.start !== null && f.openOk === null) {
    const { c2s, s2c } = ctx.atEnd.lastFrame;
    const last = c2s === null ? s2c : s2c === null ? c2s : c2s.packet > s2c.packet ? c2s : s2c;
    const lastText = last !== null ? `; its last frame was the ${last === c2s ? "client's" : "broker's"} ${last.type} (packet ${last.packet})` : '';
    return judgement('open', f.lastPacket, {
      severity: 'info',
      by: null,
      how: null,
      explanation: `Still open when the capture ended, in the middle of its AMQP handshake (no Connection.Open-Ok yet)${lastText}: whether it completed is not in the capture.`,
    });
  }

  if (f.portReused) {
    // Not "still open when the capture ended": the capture went on, and the client's side of it is gone.
    const broker = f.portReaccepted
      ? 'The broker accepted the new connection (SYN-ACK), which it does only on ports it no longer holds: this one had ended on its side too, out of the capture.'
      : 'The broker may keep its side open until its heartbeat timeout (or TCP keep-alive) reaps it.';
    return judgement('open', f.lastPacket, {
      severity: 'warning',
      by: null,
      how: null,
      explanation:
        `No close seen (its last packet at ${secondsBetween(f.captureStart, f.lastPacket).toFixed(3)} s), and a new connection from the same client address and port ` +
        `(a SYN with another sequence number) took its place: the client lost this connection without a FIN or RST reaching the capture ` +
        `(a host or process restart, or a NAT reusing the port). ${broker}`,
    });
  }

  return judgement('open', f.lastPacket, {
    severity: 'info',
    by: null,
    how: null,
    explanation:
      'Still open when the capture ended.' +
      (client !== null && t !== null && t > 0 && client.seconds > t ? ` The client had sent nothing for the last ${quiet} (more than T=${t} s).` : ''),
  });
}

/**
 * The broker sent nothing, not even an ACK, while the client retransmitted its last bytes MIN_UNANSWERED times or
 * more: the broker host or the path to it is gone (a client-side capture of it; from the broker's side the same
 * loss reads as the client falling silent). The client's kernel is plainly alive, so the client is not what stalled.
 */
function brokerUnreachableJudgement(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  const t = ctx.heartbeat;
  const ev = ctx.atEnd.trailing.s2c; // since the broker's last byte of payload
  const brokerLast = ctx.atEnd.lastPayload.s2c;
  const clientLast = ctx.atEnd.lastPayload.c2s;
  if (!brokerUnreachable(ev) || clientLast === null) return null;
  const origin = f.captureStart;
  // Its last packet of any kind (a pure ACK may follow its last payload): the latest acknowledgement of the client's
  // bytes, and where "nothing from the broker" starts (review 35: "nothing for 13.5 s" beside an ACK 13.4 s old).
  // None in a capture started after the broker went (review 36: fleet-broker-unreachable from 10 s, where only the
  // clients' retransmissions remain): silent at least since the connection's first packet here.
  const brokerAck = ev.lastSignOfLife ?? brokerLast;
  const until = silencesEnd(f);
  const silence = brokerSilence(f, brokerAck);
  // A loss of a second or two at the end of a capture is not a broker gone (three retransmissions take 1.4 s).
  if (t !== null && t > 0 ? silence <= t : silence < MIN_SILENCE_NO_T) return null;
  const tText = t === null ? '' : t === 0 ? ', heartbeats disabled' : ` (${(silence / t).toFixed(1)} x T, T=${t} s)`;
  // RabbitMQ closes 2T-3T after the client's last byte it received (failure-modes.md §1.1); its last packet
  // acknowledges those bytes, so they arrived no later than that packet: the close comes by 3T after it, unless
  // bytes the capture shows unacknowledged reached it all the same.
  const end = secondsBetween(origin, until);
  // Past 3T of silence the client has most likely given up already (libraries time out within 1.5T-3T), and RabbitMQ's
  // deadline may be behind the capture's end: said in the past then, not as what will happen.
  const stopped = backoffStopped(f);
  const clientGaveUp =
    stopped !== ''
      ? ''
      : t !== null && t > 0 && silence > 3 * t
      ? " The client's own heartbeat timeout closes it, and after more than 3T of silence it most likely has: its FIN waits behind the unacknowledged bytes and never shows on the wire."
      : " The client's own heartbeat timeout will close it (when depends on its library).";
  const rabbitmqDrops = (ack: Moment): string => {
    const lastAck = secondsBetween(origin, ack);
    const deadline = lastAck + 3 * (t as number);
    const drops = deadline <= end ? 'dropped the connection' : 'drops the connection';
    const by = deadline <= end ? `by ${timeOfDay(origin, deadline)} UTC at the latest, before the capture ended (its log: "missed heartbeats from client, timeout: ${t}s")` : `by ${timeOfDay(origin, deadline)} UTC at the latest`;
    return ` RabbitMQ, if it still runs, acknowledged the client's bytes last in its packet ${ack.packet} (${lastAck.toFixed(3)} s) and, if nothing later reached it, ${drops} for missed heartbeats 2T-3T after the last of them, ${by}.`;
  };
  const then =
    t === null
      ? ''
      : t === 0
        ? ' With heartbeats disabled the broker notices only if it has something to send or TCP keep-alive is on, and the client only when its kernel gives up retransmitting (tcp_retries2): enable heartbeats.'
        : `${clientGaveUp}${brokerAck !== null ? rabbitmqDrops(brokerAck) : ''}`;
  const quiet = brokerAck !== null ? `for ${formatSeconds(silence)}${tText} since its packet ${brokerAck.packet}` : `in the whole capture (at least ${formatSeconds(silence)}${tText})`;
  const j = brokerGone(
    f,
    `Still open when the capture ended, but the broker had sent nothing ${quiet}, not even an ACK of the client's last bytes ` +
      `(packet ${clientLast.packet} at ${secondsBetween(origin, clientLast).toFixed(3)} s), which the client's kernel retransmitted ${ev.peerRetransmissionsUnanswered} times: ` +
      `the broker host or the network path to it is gone, not the client.${stopped}${then} Check the broker host and the network between it and the client.`,
    silence,
    { unansweredRetransmissions: ev.peerRetransmissionsUnanswered },
    brokerAck,
  );
  if (brokerLast !== null) addNote(j, brokerLast.packet, "broker's last byte");
  return j;
}

/**
 * The TCP handshake completed and the client wrote its first bytes, and FIRST_ANSWER_SECONDS later the broker had
 * still sent nothing: its kernel took the connection into the listen backlog and RabbitMQ did not (fleet-fd-limit.pcap
 * stopped at packet 380, before the clients give up: it read "all healthy" beside the not-accepting sentence).
 */
function waitingForStart(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  const sent = f.firstPayload.c2s;
  if (!f.info.synSeen || !f.synAckSeen || sent === null || f.firstPayload.s2c !== null) return null;
  const waited = secondsBetween(sent, silencesEnd(f));
  if (waited < FIRST_ANSWER_SECONDS) return null;
  const origin = f.captureStart;
  const what = f.tls !== null ? 'TLS ClientHello' : 'AMQP protocol header';
  const answer = f.tls !== null ? 'ServerHello' : 'Connection.Start';
  const j = judgement('open', f.lastPacket, {
    cause: null,
    severity: 'error',
    by: null,
    how: null,
    explanation:
      `Still open when the capture ended, its client waiting ${formatSeconds(waited)} for the broker's ${answer} since its ${what} (packet ${sent.packet} at ${secondsBetween(origin, sent).toFixed(3)} s): ` +
      "the broker's kernel completed the TCP handshake, so the connection sits in its listen backlog, and RabbitMQ has not taken it: it is out of file descriptors or sockets " +
      '(rabbitmqctl status: File Descriptors, Sockets), or stalled. Clients give up after their connection timeout (10-15 s) and retry into the same backlog. ' +
      'Raise its open-files limit (LimitNOFILE / ulimit -n) and look for clients that leak connections.',
    evidence: { silenceSeconds: roundMicros(waited), silentSide: 'server' },
  });
  addNote(j, sent.packet, "client's first bytes");
  return j;
}

/**
 * How long the broker had sent nothing at the input's end: since its last packet, or, with none in the capture (it
 * started after the broker went), at least since the connection's first packet here.
 */
function brokerSilence(f: ConnectionFacts, brokerLastPacket: Moment | null): number {
  return secondsBetween(brokerLastPacket ?? { packet: f.info.firstPacket, tsSec: f.info.firstTsSec, tsNsec: f.info.firstTsNsec }, silencesEnd(f));
}

/**
 * An open connection whose broker host or path is gone (brokerUnreachable; the client is fine): its judgement, with
 * the broker's last packet where the silence began (`brokerLastPacket`; with none in the capture the silence, from
 * brokerSilence, is a lower bound: `silenceAtLeast`).
 */
function brokerGone(f: ConnectionFacts, explanation: string, silence: number, evidence: Record<string, unknown>, brokerLastPacket: Moment | null): Judgement {
  const j = judgement('open', f.lastPacket, {
    cause: null,
    severity: 'error',
    by: null,
    how: null,
    explanation,
    evidence: { silenceSeconds: roundMicros(silence), silentSide: 'server', brokerUnreachable: true, ...evidence, ...(brokerLastPacket === null ? { silenceAtLeast: true } : {}) },
  });
  // Copied: the silence evidence's moments are updated in place while packets come.
  if (brokerLastPacket !== null) j.moments = { brokerLastPacket: { packet: brokerLastPacket.packet, tsSec: brokerLastPacket.tsSec, tsNsec: brokerLastPacket.tsNsec } };
  return j;
}

/**
 * The client's TCP keep-alive probes went unanswered, MIN_UNANSWERED or more since the broker's last packet (Linux
 * sends the next probe only when the last one got no ACK within the probe interval): the broker host or the path to
 * it is gone. With heartbeats off this is all the wire shows until the client's kernel resets the connection
 * (captures/netns-broker-unreachable-keepalive.pcap, which tcp-timeout.ts judges once that RST is in; cut before it,
 * the connection read as healthy with a keep-alive warning).
 */
function keepAlivesUnansweredJudgement(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  const ev = ctx.atEnd.trailing.s2c;
  if (ev.peerKeepAlivesUnanswered < MIN_UNANSWERED) return null;
  const t = ctx.heartbeat;
  const origin = f.captureStart;
  const last = ev.lastSignOfLife;
  const silence = brokerSilence(f, last);
  const tText = t === null ? '' : t === 0 ? '; heartbeats disabled' : `; ${(silence / t).toFixed(1)} x T, T=${t} s`;
  const quiet =
    last !== null
      ? `for ${formatSeconds(silence)} since its packet ${last.packet} (${secondsBetween(origin, last).toFixed(3)} s${tText})`
      : `in the whole capture (at least ${formatSeconds(silence)}${tText})`;
  const j = brokerGone(
    f,
    `Still open when the capture ended, but the broker had sent nothing ${quiet}, ` +
      `and ${ev.peerKeepAlivesUnanswered} TCP keep-alive probes from the client went unanswered: the broker host or the network path to it is gone, not the client. ` +
      "The client's kernel resets the connection one probe interval after its last unanswered probe (TCP_KEEPCNT, or net.ipv4.tcp_keepalive_probes: 9 by default) " +
      'and the client library then reads ETIMEDOUT ("Connection timed out"); that RST is lost with the path, so the broker learns of it only when it next writes or by its own keep-alive. ' +
      (t === 0
        ? 'With heartbeats disabled nothing at the AMQP level notices sooner, and RabbitMQ keeps the connection and its consumers meanwhile. Check the broker host and the path to it; enable heartbeats (5-20 s).'
        : 'Check the broker host and the path to it.'),
    silence,
    { unansweredKeepAlives: ev.peerKeepAlivesUnanswered },
    last,
  );
  if (last !== null) addNote(j, last.packet, "broker's last packet");
  return j;
}

/** The broker's silence at the end, when it is over T and the client kept writing meanwhile, whatever its cause. */
function serverSilence(ctx: RuleContext): OpenSilence | null {
  const f = ctx.facts;
  const last = ctx.atEnd.lastPayload.s2c;
  if (last === null) return null;
  const s = judgeOpenSilence({
    side: 'server', heartbeat: ctx.heartbeat, since: secondsBetween(f.captureStart, last), atLeast: false,
    now: secondsBetween(f.captureStart, silencesEnd(f)), evidence: ctx.atEnd.trailing.s2c,
  });
  // The client kept writing (a stalled broker's kernel ACKs it: server-stalled; otherwise the cause is not shown).
  return s.level > 0 && ctx.atEnd.trailing.s2c.peerPayloadSegments > 0 ? s : null;
}

function silenceEvidence(s: OpenSilence, t: number, ev: SilenceEvidence): Record<string, unknown> {
  return {
    silenceSeconds: roundMicros(s.seconds),
    ...(s.atLeast ? { silenceAtLeast: true } : {}),
    heartbeatMultiple: Math.round((s.seconds / t) * 100) / 100,
    windowSeconds: [2 * t, 3 * t],
    expectedClose: s.expectedClose === null ? null : { earliest: roundMicros(s.expectedClose.earliest), latest: roundMicros(s.expectedClose.latest) },
    clientAcksDuringSilence: ev.acksAdvanced,
    serverHeartbeatsDuringSilence: ev.peerHeartbeats,
    serverRetransmissionsDuringSilence: ev.peerRetransmissions,
    clientZeroWindowsDuringSilence: ev.zeroWindows,
  };
}

/**
 * When the broker began reading from the client again after the client's last byte (`since`): its latest
 * Connection.Unblocked, or its receive window opening again after a zero; null when neither came after `since`.
 */
function readingResumed(f: RuleContext['facts'], since: Moment | null): Moment | null {
  if (since === null) return null;
  const after = (m: Moment | null): Moment | null => (m !== null && m.packet > since.packet ? m : null);
  const last = f.blocked[f.blocked.length - 1];
  const candidates = [after(last?.unblocked ?? null), after(f.stats.s2c.lastZeroWindowUntil)].filter((m): m is Moment => m !== null);
  return candidates.length === 0 ? null : candidates.reduce((a, b) => (b.packet > a.packet ? b : a));
}

/** Where a still-open connection's silences end: the input's end (its last packet when the input goes on). */
function silencesEnd(f: ConnectionFacts): Moment {
  return f.inputEnd ?? f.lastPacket;
}

/**
 * The client's retransmissions stopped while the capture went on: its kernel backs off by doubling the interval
 * (linear at first for thin streams), so none for over twice the last interval (and a second more) before the input's
 * end means it gave up on the connection (TCP_USER_TIMEOUT, which oslo.messaging sets to T, or tcp_retries2) or the
 * application aborted it, with no FIN or RST on the wire (fleet-broker-unreachable's kombu: back-off 0.2 ... 1.7 s,
 * its last retransmission at 14.456 s, nothing to 21.486 s; its kernel had aborted the socket). '' otherwise.
 */
function backoffStopped(f: ConnectionFacts): string {
  const st = f.stats.c2s;
  if (f.inputEnd === null || st.lastRetransmissionPacket < 0 || st.retransmissionGap <= 0) return '';
  const last = { packet: st.lastRetransmissionPacket, tsSec: st.lastRetransmissionSec, tsNsec: st.lastRetransmissionNsec };
  const quiet = secondsBetween(last, f.inputEnd);
  if (quiet <= 2 * st.retransmissionGap + 1) return '';
  const origin = f.captureStart;
  return (
    ` Its kernel's retransmissions stopped after packet ${last.packet} (${secondsBetween(origin, last).toFixed(3)} s), the next due within ${formatSeconds(2 * st.retransmissionGap)} of it, ` +
    `and the capture went on ${formatSeconds(quiet)} more: the client's kernel gave up on the connection (TCP_USER_TIMEOUT, as oslo.messaging sets it, or tcp_retries2) or the application aborted it, ` +
    'with no FIN or RST (a kernel whose retransmissions time out sends neither).'
  );
}

/** The broker's TLS close_notify (or, keyless, its encrypted alert) after `since`: null if none. */
function brokerCloseNotify(f: ConnectionFacts, since: Moment): Moment | null {
  const alert = f.tls?.alerts.find((a) => a.dir === 's2c' && a.packet > since.packet && isCloseNotify(a));
  return alert ?? null;
}
