/**
 * Turns facts and judgements into the JSON report: places every moment on the capture clock (`t`, `at`, `packet`)
 * and writes the timeline rows with their notes.
 */
import { isoTime } from '../capture/timestamp.js';
import { identifyClient } from '../diagnosis/client-library.js';
import { isSignificantSilence, roundMicros } from '../diagnosis/heartbeat.js';
import type { Diagnosis } from '../diagnosis/index.js';
import { worstSeverity, type Finding } from '../diagnosis/types.js';
import { beginningSeen, notAccepted } from '../fleet/member.js';
import { describeEntry } from '../timeline/describe.js';
import type { ConnectionFacts, FrameMoment, Moment, TimelineEntry } from '../timeline/types.js';
import type { ReportConnection, ReportEvent, ReportFinding, When } from './types.js';

/** The capture clock: origin (first packet) and the precision of `at`. */
export class CaptureClock {
  /** 10^digits (at most 10^9): `t` rounds to the capture's precision. */
  readonly #scale: number;

  constructor(
    readonly originSec: number,
    readonly originNsec: number,
    readonly digits: number,
  ) {
    this.#scale = 10 ** Math.min(digits, 9);
  }

  when(m: Moment): When {
    return { t: this.t(m), at: this.at(m), packet: m.packet };
  }

  /**
   * The moment's ISO time. With `t`, for report objects that begin with a moment's fields: written in place,
   * without a `when` object spread into them (a report of thousands of connections makes millions).
   */
  at(m: { tsSec: number; tsNsec: number }): string {
    return isoTime(m.tsSec, m.tsNsec, this.digits);
  }

  t(m: { tsSec: number; tsNsec: number }): number {
    const v = m.tsSec - this.originSec + (m.tsNsec - this.originNsec) / 1e9;
    // Round to the capture's precision so that JSON shows 12.004117, not 12.004117000000001.
    return Math.round(v * this.#scale) / this.#scale;
  }
}

/** `unscaled`: the connection's SYN is not in the capture, so its windows are the headers' bare values. */
export function reportEvent(clock: CaptureClock, e: TimelineEntry, unscaled = false): ReportEvent {
  const ev: ReportEvent = { t: clock.t(e), at: clock.at(e), packet: e.packet, dir: e.dir, kind: e.kind, type: e.type, summary: describeEntry(e, unscaled) };
  if (e.channel !== undefined && e.kind === 'amqp') ev.channel = e.channel;
  if (e.kind === 'elided') ev.count = e.elided ?? 0;
  if (e.runs !== undefined) {
    ev.runs = e.runs.map((r) => ({ dir: r.dir, type: r.type, count: r.count, bytes: r.bodyBytes, from: clock.when(r.first), to: clock.when(r.last) }));
  }
  return ev;
}

export function reportFinding(clock: CaptureClock, f: Finding): ReportFinding {
  const out: ReportFinding = { t: clock.t(f.at), at: clock.at(f.at), packet: f.at.packet, code: f.code, severity: f.severity, message: f.message, ...f.evidence };
  if (f.moments !== undefined) for (const [name, m] of Object.entries(f.moments)) out[name] = clock.at(m);
  return out;
}

function frameWhen(clock: CaptureClock, f: FrameMoment | null) {
  return f === null ? null : { t: clock.t(f), at: clock.at(f), packet: f.packet, type: f.type, channel: f.channel };
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/**
 * The connection's report object. `withTimeline` false leaves its timeline empty without building a row (healthy
 * connections of a large run: their events are counted in `eventCount`).
 */
export function buildConnection(clock: CaptureClock, facts: ConnectionFacts, d: Diagnosis, withTimeline = true): ReportConnection {
  const f = facts;
  const j = d.judgement;
  const lib = identifyClient(f.clientProperties);
  const findings = d.findings.map((x) => reportFinding(clock, x));
  const severity = worstSeverity([j.severity, ...d.findings.map((x) => x.severity)]) ?? j.severity;

  const rows = withTimeline ? f.timeline() : [];
  const notesByPacket = rows.length > 0 ? d.timelineNotes() : j.notes;
  const timeline: ReportEvent[] = rows.map((e) => {
    const ev = reportEvent(clock, e, !f.info.synSeen);
    const notes = e.kind !== 'elided' ? notesByPacket.get(e.packet) : undefined;
    if (notes !== undefined) {
      // A note belongs to one row per packet: the last frame of that packet in that direction, or its TCP event.
      // Notes about one frame of the packet are placed after (placeNamedNotes).
      const named = j.noteRows.get(e.packet);
      const general = named === undefined ? notes : notes.filter((n) => !named.has(n));
      if (general.length > 0) ev.note = general.join('; ');
    }
    return ev;
  });
  dedupeNotes(timeline, f);
  placeNamedNotes(timeline, notesByPacket, j.noteRows);

  const dirs = <T>(get: (dir: 'c2s' | 's2c') => T) => ({ clientToServer: get('c2s'), serverToClient: get('s2c') });
  const tls = f.tls;
  // A TLS connection read without keys: its "frames" are records, and what is judged comes from them.
  const keyless = tls !== null && tls.clientOpened === 'tls' && !tls.decrypted && tls.handshakeDone !== null;
  const heartbeat: ReportConnection['heartbeat'] = { proposed: f.tune?.heartbeat ?? null, negotiated: f.tuneOk?.heartbeat ?? null, inferred: f.inferredHeartbeat };
  if (keyless && f.inferredHeartbeat !== null) heartbeat.inferredFrom = 'tls-records';
  const conn: ReportConnection = {
    id: f.info.id,
    client: { address: f.info.clientAddress, port: f.info.clientPort },
    server: { address: f.info.serverAddress, port: f.info.serverPort },
    opened: clock.when({ packet: f.info.firstPacket, tsSec: f.info.firstTsSec, tsNsec: f.info.firstTsNsec }),
    name: f.clientProperties !== null ? str(f.clientProperties['connection_name']) : null,
    library: lib.label,
    clientProperties: f.clientProperties,
    serverProperties: f.serverProperties,
    handshakeSeen: beginningSeen(f),
    ...(tls !== null ? { tls: { version: tls.version, cipher: tls.cipher, sni: tls.sni, alpn: tls.alpn, decrypted: tls.decrypted } } : {}),
    vhost: f.vhost,
    user: f.user,
    heartbeat,
    frameMax: f.tuneOk?.frameMax ?? f.tune?.frameMax ?? null,
    channelMax: f.tuneOk?.channelMax ?? f.tune?.channelMax ?? null,
    frames: keyless ? { clientToServer: null, serverToClient: null } : dirs((x) => f.stats[x].frames),
    heartbeats: dirs((x) => f.stats[x].heartbeats),
    lastClientFrame: frameWhen(clock, f.lastFrame.c2s),
    lastServerFrame: frameWhen(clock, f.lastFrame.s2c),
    lastClientByte: f.lastPayload.c2s !== null ? clock.when(f.lastPayload.c2s) : null,
    lastServerByte: f.lastPayload.s2c !== null ? clock.when(f.lastPayload.s2c) : null,
    end: {
      t: clock.t(j.at),
      at: clock.at(j.at),
      packet: j.at.packet,
      verdict: j.verdict,
      cause: j.cause,
      severity: j.severity,
      by: j.by,
      how: j.how,
      replyCode: j.replyCode,
      replyText: j.replyText,
      explanation: j.explanation,
      ...(keyless ? { inferredFrom: 'tls-records' } : {}),
      ...j.evidence,
      ...(j.moments !== undefined ? Object.fromEntries(Object.entries(j.moments).map(([name, m]) => [name, clock.when(m)])) : {}),
      // Carried in the report so that a fleet rebuilt from it (--merge, several captures) finds the same connections.
      ...(notAccepted(f) ? { notAccepted: true as const } : {}),
    },
    severity,
    tcp: {
      keepAlives: dirs((x) => f.stats[x].keepAlives),
      retransmissions: dirs((x) => f.stats[x].retransmissions),
      zeroWindows: dirs((x) => f.stats[x].zeroWindows),
      gaps: dirs((x) => f.stats[x].gapBytes),
      payloadBytes: dirs((x) => f.stats[x].payloadBytes),
    },
    unacked: f.unacked.count,
    silences: f.silences
      .filter((s) => isSignificantSilence(s.duration, d.heartbeat))
      .map((s) => ({
        dir: s.dir,
        from: clock.when(s.from),
        to: s.to !== null ? clock.when(s.to) : null,
        seconds: roundMicros(s.duration),
        peerSegments: s.evidence.peerPayloadSegments,
        acks: s.evidence.acksAdvanced,
        peerRetransmissions: s.evidence.peerRetransmissions,
        zeroWindows: s.evidence.zeroWindows,
      })),
    findings,
    eventCount: f.eventCount,
    timeline,
  };
  return conn;
}

/**
 * A packet can carry several frames (and a TCP event): a note keyed by packet number belongs on one row only. The
 * client's last frame goes on the last client frame of that packet; other notes on the packet's first row.
 */
function dedupeNotes(timeline: ReportEvent[], f: ConnectionFacts): void {
  const seen = new Set<number>();
  for (let i = timeline.length - 1; i >= 0; i--) {
    const ev = timeline[i]!;
    if (ev.note === undefined) continue;
    const lastClient = f.lastFrame.c2s;
    const isLastClientFrame = lastClient !== null && ev.packet === lastClient.packet && ev.dir === 'c2s' && (ev.kind === 'amqp' || ev.kind === 'tls');
    // An elided row carries the packet number of the row after it, but is no row of that packet.
    const prev = timeline[i - 1];
    const firstOfPacket = prev === undefined || prev.packet !== ev.packet || prev.kind === 'elided';
    if (seen.has(ev.packet) || (!isLastClientFrame && !firstOfPacket)) {
      delete ev.note;
      continue;
    }
    seen.add(ev.packet);
  }
}

/**
 * Notes about one frame of a packet (`named`: packet -> note -> frame type) go on that frame's row: the segment that
 * carries a Connection.Unblocked can also be a TCP zero-window row, listed first. Without that row in the timeline,
 * on the row that has the packet's other notes, else its first row.
 */
function placeNamedNotes(timeline: ReportEvent[], notes: Map<number, string[]>, named: Map<number, Map<string, string>>): void {
  if (named.size === 0) return;
  const rowsOf = new Map<number, ReportEvent[]>();
  for (const ev of timeline) {
    if (ev.kind === 'elided' || !named.has(ev.packet)) continue;
    const list = rowsOf.get(ev.packet);
    if (list === undefined) rowsOf.set(ev.packet, [ev]);
    else list.push(ev);
  }
  for (const [packet, byNote] of named) {
    const rows = rowsOf.get(packet);
    if (rows === undefined) continue;
    for (const note of notes.get(packet) ?? []) {
      const type = byNote.get(note);
      if (type === undefined) continue;
      const row = rows.find((r) => r.kind === 'amqp' && r.type === type) ?? rows.find((r) => r.note !== undefined) ?? rows[0]!;
      row.note = row.note === undefined ? note : `${row.note}; ${note}`;
    }
  }
}
