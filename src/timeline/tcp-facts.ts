/**
 * The facts one connection's TCP segments give: per-direction counts (Wireshark's analysis flags), silences and
 * the evidence gathered during them, zero-window stretches, usual TTLs, FINs and RSTs; and the timeline event a
 * segment stands for, if any.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../net/types.js';
import {
  TA_ACK_ADVANCED,
  TA_ANY_RETRANSMISSION,
  TA_DUP_ACK,
  TA_KEEP_ALIVE,
  TA_KEEP_ALIVE_ACK,
  TA_LOST_SEGMENT,
  TA_PURE_ACK,
  TA_WINDOW_FULL,
  TA_WINDOW_UPDATE,
  TA_ZERO_WINDOW,
  TA_ZERO_WINDOW_PROBE,
  TA_ZERO_WINDOW_PROBE_ACK,
  type Dir,
  type SegmentInfo,
} from '../tcp/types.js';
import { at, keepsSilence, MIN_RECORDED_SILENCE, moment, newEvidence, recordSilence, resetEvidence, seconds } from './silence-evidence.js';
import type { ConnectionFacts, DirectionStats, Moment, TcpEnd } from './types.js';

/** Segments whose analysis makes them notable on the timeline (kept with context). */
export const NOTABLE_ANALYSIS = TA_ANY_RETRANSMISSION | TA_LOST_SEGMENT | TA_ZERO_WINDOW | TA_ZERO_WINDOW_PROBE | TA_KEEP_ALIVE | TA_WINDOW_FULL;

export function newStats(): DirectionStats {
  return {
    frames: 0, heartbeats: 0, payloadSegments: 0, payloadBytes: 0, keepAlives: 0, keepAliveAcks: 0, zeroWindows: 0,
    zeroWindowProbes: 0, windowFull: 0, retransmissions: 0, dupAcks: 0, lostSegments: 0, gaps: 0, gapBytes: 0,
    gapsByReason: { 'not-captured': 0, 'snap-length': 0, 'connection-end': 0 },
    firstZeroWindow: null, lastZeroWindow: null, zeroWindowEpisodes: 0, longestZeroWindow: 0, zeroWindowAtEnd: false,
    keepAlivesIntoZeroWindow: 0,
  };
}

export function other(dir: Dir): Dir {
  return dir === 'c2s' ? 's2c' : 'c2s';
}

/** What TcpFacts follows of one side of the connection. */
class TcpSide {
  /** The TTL of the side's packets other than resets (a reset with another TTL may be forged). */
  usualTtl = -1;
  /** The side's last advertised window, and since when it has been zero (null: open). */
  lastWindow = -1;
  zeroWindowSince: Moment | null = null;
  /**
   * Whether the side's lastPayload moment is also held elsewhere (as firstPayload, or as a recorded silence's end)
   * and must be replaced rather than moved. The end snapshot copies it.
   */
  lastPayloadShared = false;
  /**
   * The moments of the side's last reset evidence, which nothing references any more: the next sign of life or ACK
   * moves them instead of making new ones (two moments per data segment, each outliving a young-generation
   * collection when thousands of connections take turns).
   */
  spareSignOfLife: Moment | null = null;
  spareAck: Moment | null = null;

  /** The spare sign-of-life moment, no longer spare (null: none, `at` makes a new one). */
  takeSpareSignOfLife(): Moment | null {
    const m = this.spareSignOfLife;
    this.spareSignOfLife = null;
    return m;
  }

  takeSpareAck(): Moment | null {
    const m = this.spareAck;
    this.spareAck = null;
    return m;
  }
}

export class TcpFacts {
  /** Each side's own state (two objects, not a { c2s, s2c } record per field: a fleet holds thousands of these). */
  private readonly c2sSide = new TcpSide();
  private readonly s2cSide = new TcpSide();

  /** @param takeEndSnapshot freezes the per-side state; called just before the first FIN or RST changes it. */
  constructor(
    private readonly facts: ConnectionFacts,
    private readonly takeEndSnapshot: () => void,
  ) {}

  /** Notes the segment's facts; returns whether it reopened its side's zero window. */
  onSegment(seg: SegmentInfo): boolean {
    const f = this.facts;
    let reopened = false;
    const dir = seg.dir;
    const peer = other(dir);
    const own = this.side(dir);
    const st = f.stats[dir];
    const a = seg.analysis;
    // Updated in place: nothing keeps this object before the connection ends.
    const lastPacket = f.lastPacket;
    lastPacket.packet = seg.packet;
    lastPacket.tsSec = seg.tsSec;
    lastPacket.tsNsec = seg.tsNsec;

    const flags = seg.tcpFlags;
    // Freeze the per-side state just before the first FIN or RST changes it.
    if ((flags & (TCP_FIN | TCP_RST)) !== 0 && f.atFirstEnd === null) this.takeEndSnapshot();
    if ((flags & TCP_RST) === 0) own.usualTtl = seg.ttl;
    if (dir === 's2c' && (flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) f.synAckSeen = true;

    // Payload that moves the stream forward counts as activity (RabbitMQ's receiver counts received bytes).
    const isActivity = seg.payloadLength > 0 && (a & (TA_KEEP_ALIVE | TA_ZERO_WINDOW_PROBE | TA_ANY_RETRANSMISSION)) === 0;
    if (isActivity) {
      st.payloadSegments++;
      st.payloadBytes += seg.payloadLength;
      const last = f.lastPayload[dir];
      let recorded = false;
      if (last === null) {
        const now = moment(seg.packet, seg.tsSec, seg.tsNsec);
        f.firstPayload[dir] = now;
        f.lastPayload[dir] = now;
        own.lastPayloadShared = true;
      } else {
        const gap = seconds(last, seg);
        if (gap >= MIN_RECORDED_SILENCE && keepsSilence(f.silences, gap)) {
          const now = moment(seg.packet, seg.tsSec, seg.tsNsec);
          recordSilence(f.silences, { dir, from: last, to: now, duration: gap, evidence: f.trailing[dir] });
          recorded = true;
          f.lastPayload[dir] = now;
          own.lastPayloadShared = true;
        } else if (own.lastPayloadShared) {
          f.lastPayload[dir] = moment(seg.packet, seg.tsSec, seg.tsNsec);
          own.lastPayloadShared = false;
        } else {
          // Moved in place: a moment per data segment outlived the young generation when thousands of
          // connections take turns (each is kept until the side's next segment).
          last.packet = seg.packet;
          last.tsSec = seg.tsSec;
          last.tsNsec = seg.tsNsec;
        }
      }
      // A recorded silence keeps its evidence; otherwise the object is reused (no allocation per data segment).
      if (recorded) f.trailing[dir] = newEvidence();
      else {
        const e = f.trailing[dir];
        if (e.lastSignOfLife !== null) own.spareSignOfLife = e.lastSignOfLife;
        if (e.lastAck !== null) own.spareAck = e.lastAck;
        resetEvidence(e);
      }
      f.trailing[peer].peerPayloadSegments++;
    }
    const silentSelf = f.trailing[dir];
    const silentPeer = f.trailing[peer];
    // Any segment proves this side's kernel is alive: the peer's earlier probes and retransmissions were answered.
    // The evidence's moments are updated in place: only recorded silences (whose evidence is never touched again)
    // and the end snapshot (which copies them) keep them.
    silentSelf.lastSignOfLife = at(silentSelf.lastSignOfLife ?? own.takeSpareSignOfLife(), seg);
    silentSelf.peerRetransmissionsUnanswered = 0;
    silentSelf.peerKeepAlivesUnanswered = 0;
    if ((a & TA_ANY_RETRANSMISSION) !== 0) {
      st.retransmissions++;
      silentPeer.peerRetransmissions++;
      silentPeer.peerRetransmissionsUnanswered++;
    }
    if ((a & TA_ACK_ADVANCED) !== 0) {
      silentSelf.acksAdvanced++;
      silentSelf.lastAck = at(silentSelf.lastAck ?? own.takeSpareAck(), seg);
    }
    if ((a & TA_PURE_ACK) !== 0) silentSelf.pureAcks++;
    if ((a & TA_ZERO_WINDOW) !== 0) {
      st.zeroWindows++;
      silentSelf.zeroWindows++;
      const m = moment(seg.packet, seg.tsSec, seg.tsNsec);
      if (st.firstZeroWindow === null) st.firstZeroWindow = m;
      st.lastZeroWindow = m;
      if (own.zeroWindowSince === null) {
        own.zeroWindowSince = m;
        st.zeroWindowEpisodes++;
      }
    } else if ((flags & (TCP_SYN | TCP_RST)) === 0 && seg.window > 0) {
      if (own.zeroWindowSince !== null) {
        this.closeZeroWindow(dir, moment(seg.packet, seg.tsSec, seg.tsNsec));
        reopened = true;
      }
    }
    if ((flags & (TCP_SYN | TCP_RST)) === 0) own.lastWindow = seg.window;
    if ((a & TA_KEEP_ALIVE) !== 0) {
      st.keepAlives++;
      if (this.side(peer).lastWindow === 0) {
        st.keepAlivesIntoZeroWindow++;
      } else {
        silentPeer.peerKeepAlives++;
        silentPeer.peerKeepAlivesUnanswered++;
      }
    }
    if ((a & TA_KEEP_ALIVE_ACK) !== 0) {
      st.keepAliveAcks++;
      silentSelf.keepAliveAcks++;
    }
    if ((a & TA_ZERO_WINDOW_PROBE) !== 0) st.zeroWindowProbes++;
    if ((a & TA_WINDOW_FULL) !== 0) st.windowFull++;
    if ((a & TA_DUP_ACK) !== 0) st.dupAcks++;
    if ((a & TA_LOST_SEGMENT) !== 0) st.lostSegments++;

    if ((flags & TCP_FIN) !== 0) {
      const end = this.tcpEnd(seg);
      if (dir === 'c2s') f.clientFin ??= end;
      else f.serverFin ??= end;
    }
    if ((flags & TCP_RST) !== 0) {
      const end = this.tcpEnd(seg);
      if (dir === 'c2s') f.clientRst ??= end;
      else f.serverRst ??= end;
    }
    return reopened;
  }

  /** At the end: zero windows still open, and the silences still running (often the decisive evidence). */
  finish(): void {
    const f = this.facts;
    for (const dir of ['c2s', 's2c'] as const) {
      if (this.side(dir).zeroWindowSince !== null) {
        f.stats[dir].zeroWindowAtEnd = true;
        this.closeZeroWindow(dir, f.lastPacket);
      }
    }
    for (const dir of ['c2s', 's2c'] as const) {
      const last = f.lastPayload[dir];
      if (last !== null) {
        const gap = seconds(last, f.lastPacket);
        if (gap >= MIN_RECORDED_SILENCE) recordSilence(f.silences, { dir, from: last, to: null, duration: gap, evidence: f.trailing[dir] });
      }
    }
    f.silences.sort((x, y) => x.from.packet - y.from.packet);
  }

  private closeZeroWindow(dir: Dir, at: Moment): void {
    const side = this.side(dir);
    const since = side.zeroWindowSince;
    if (since === null) return;
    side.zeroWindowSince = null;
    const st = this.facts.stats[dir];
    st.longestZeroWindow = Math.max(st.longestZeroWindow, seconds(since, at));
  }

  private side(dir: Dir): TcpSide {
    return dir === 'c2s' ? this.c2sSide : this.s2cSide;
  }

  private tcpEnd(seg: SegmentInfo): TcpEnd {
    return { packet: seg.packet, tsSec: seg.tsSec, tsNsec: seg.tsNsec, ttl: seg.ttl, usualTtl: this.side(seg.dir).usualTtl };
  }
}

/** The event a segment stands for in the timeline, or null for plain data segments (their frames speak). */
export function tcpEventType(flags: number, a: number, payloadLength: number): string | null {
  if ((flags & TCP_SYN) !== 0) return (flags & TCP_ACK) !== 0 ? 'SYN-ACK' : 'SYN';
  if ((flags & TCP_RST) !== 0) return 'RST';
  if ((flags & TCP_FIN) !== 0) return 'FIN';
  if ((a & TA_ZERO_WINDOW_PROBE) !== 0) return 'ZeroWindowProbe';
  if ((a & TA_ZERO_WINDOW_PROBE_ACK) !== 0) return 'ZeroWindowProbeAck';
  if ((a & TA_KEEP_ALIVE) !== 0) return 'Keep-Alive';
  if ((a & TA_KEEP_ALIVE_ACK) !== 0) return 'Keep-Alive ACK';
  if ((a & TA_ANY_RETRANSMISSION) !== 0) return 'Retransmission';
  if ((a & TA_ZERO_WINDOW) !== 0) return 'ZeroWindow';
  if ((a & TA_LOST_SEGMENT) !== 0) return 'Previous segment not captured';
  if ((a & TA_WINDOW_FULL) !== 0) return 'Window Full';
  if (payloadLength > 0) return null;
  if ((a & TA_DUP_ACK) !== 0) return 'Dup ACK';
  if ((a & TA_WINDOW_UPDATE) !== 0) return 'Window Update';
  if ((a & TA_PURE_ACK) !== 0) return 'ACK';
  return null;
}
