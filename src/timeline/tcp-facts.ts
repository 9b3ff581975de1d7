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
import { seqLe } from '../tcp/sequence.js';
import type { DirectionState } from './direction-state.js';
import type { ConnectionFacts, Moment, TcpEnd } from './types.js';

/** Retransmitted ranges a side keeps for the peer's D-SACKs: a D-SACK answers within a round trip. */
const RECENT_RETRANSMISSIONS = 16;

function noteRetransmission(side: DirectionState, seq: number, length: number): void {
  const list = (side.recentRetransmissions ??= []);
  if (list.length >= 2 * RECENT_RETRANSMISSIONS) list.splice(0, 2);
  list.push(seq, (seq + length) >>> 0);
}

/** Removes the first kept range within [left, right) (sequence numbers mod 2^32); whether there was one. */
function takeRetransmission(list: number[], left: number, right: number): boolean {
  for (let i = 0; i < list.length; i += 2) {
    if (seqLe(left, list[i]!) && seqLe(list[i + 1]!, right)) {
      list.splice(i, 2);
      return true;
    }
  }
  return false;
}

/** Segments whose analysis makes them notable on the timeline (kept with context). */
export const NOTABLE_ANALYSIS = TA_ANY_RETRANSMISSION | TA_LOST_SEGMENT | TA_ZERO_WINDOW | TA_ZERO_WINDOW_PROBE | TA_KEEP_ALIVE | TA_WINDOW_FULL;

export class TcpFacts {
  /** Each side's state and counters: the facts' stats.c2s and stats.s2c. */
  private readonly c2sSide: DirectionState;
  private readonly s2cSide: DirectionState;

  /** @param takeEndSnapshot freezes the per-side state; called just before the first FIN or RST changes it. */
  constructor(
    private readonly facts: ConnectionFacts,
    private readonly takeEndSnapshot: () => void,
  ) {
    this.c2sSide = facts.stats.c2s as DirectionState;
    this.s2cSide = facts.stats.s2c as DirectionState;
  }

  /** Notes the segment's facts; returns whether it reopened its side's zero window. */
  onSegment(seg: SegmentInfo): boolean {
    const f = this.facts;
    let reopened = false;
    const dir = seg.dir;
    const own = dir === 'c2s' ? this.c2sSide : this.s2cSide;
    const peer = dir === 'c2s' ? this.s2cSide : this.c2sSide;
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
      own.payloadSegments++;
      own.payloadBytes += seg.payloadLength;
      const last = own.lastPayload;
      let recorded = false;
      if (last === null) {
        const now = moment(seg.packet, seg.tsSec, seg.tsNsec);
        f.firstPayload[dir] = now;
        this.setLastPayload(own, dir, now);
        own.lastPayloadShared = true;
      } else {
        const gap = seconds(last, seg);
        if (gap >= MIN_RECORDED_SILENCE && keepsSilence(f.silences, gap)) {
          const now = moment(seg.packet, seg.tsSec, seg.tsNsec);
          recordSilence(f.silences, { dir, from: last, to: now, duration: gap, evidence: own.trailing });
          recorded = true;
          this.setLastPayload(own, dir, now);
          own.lastPayloadShared = true;
        } else if (own.lastPayloadShared) {
          this.setLastPayload(own, dir, moment(seg.packet, seg.tsSec, seg.tsNsec));
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
      if (recorded) {
        const fresh = newEvidence();
        own.trailing = fresh;
        f.trailing[dir] = fresh;
      } else {
        const e = own.trailing;
        if (e.lastSignOfLife !== null) own.spareSignOfLife = e.lastSignOfLife;
        if (e.lastAck !== null) own.spareAck = e.lastAck;
        resetEvidence(e);
      }
      peer.trailing.peerPayloadSegments++;
    }
    const silentSelf = own.trailing;
    const silentPeer = peer.trailing;
    // Any segment proves this side's kernel is alive: the peer's earlier probes and retransmissions were answered.
    // The evidence's moments are updated in place: only recorded silences (whose evidence is never touched again)
    // and the end snapshot (which copies them) keep them.
    silentSelf.lastSignOfLife = at(silentSelf.lastSignOfLife ?? own.takeSpareSignOfLife(), seg);
    silentSelf.peerRetransmissionsUnanswered = 0;
    silentSelf.peerKeepAlivesUnanswered = 0;
    if ((a & TA_ANY_RETRANSMISSION) !== 0) {
      own.retransmissions++;
      own.retransmissionGap = own.lastRetransmissionPacket < 0 ? 0 : seg.tsSec - own.lastRetransmissionSec + (seg.tsNsec - own.lastRetransmissionNsec) / 1e9;
      own.lastRetransmissionPacket = seg.packet;
      own.lastRetransmissionSec = seg.tsSec;
      own.lastRetransmissionNsec = seg.tsNsec;
      silentPeer.peerRetransmissions++;
      silentPeer.peerRetransmissionsUnanswered++;
      if (seg.payloadLength > 0) noteRetransmission(own, seg.seq, seg.payloadLength);
    }
    // A D-SACK (RFC 2883 §4: a first SACK block at or below the cumulative ACK) reports a duplicate this side
    // received: a retransmission of the peer's that was not needed. (The other D-SACK form, a first block inside
    // the second above the ACK, reports a duplicate of out-of-order data: not matched here.)
    if (seg.sackLeft >= 0 && (flags & TCP_ACK) !== 0 && seqLe(seg.sackRight, seg.ack) && peer.recentRetransmissions !== null) {
      if (takeRetransmission(peer.recentRetransmissions, seg.sackLeft, seg.sackRight)) peer.spuriousRetransmissions++;
    }
    // The ACK a payload segment carries is not one of the silence it starts: counted, it told every broker that
    // went silent after acknowledging the client's last bytes (nearly all) as "its kernel still ACKed them".
    if ((a & TA_ACK_ADVANCED) !== 0 && !isActivity) {
      silentSelf.acksAdvanced++;
      silentSelf.lastAck = at(silentSelf.lastAck ?? own.takeSpareAck(), seg);
    }
    if ((a & TA_PURE_ACK) !== 0) silentSelf.pureAcks++;
    if ((a & TA_ZERO_WINDOW) !== 0) {
      own.zeroWindows++;
      silentSelf.zeroWindows++;
      const m = moment(seg.packet, seg.tsSec, seg.tsNsec);
      if (own.firstZeroWindow === null) own.firstZeroWindow = m;
      own.lastZeroWindow = m;
      if (own.zeroWindowSince === null) {
        own.zeroWindowSince = m;
        own.zeroWindowEpisodes++;
        own.lastZeroWindowFrom = m;
        own.lastZeroWindowUntil = null;
      }
    } else if ((flags & (TCP_SYN | TCP_RST)) === 0 && seg.window > 0) {
      if (own.zeroWindowSince !== null) {
        this.closeZeroWindow(dir, moment(seg.packet, seg.tsSec, seg.tsNsec));
        reopened = true;
      }
    }
    if ((flags & (TCP_SYN | TCP_RST)) === 0) own.lastWindow = seg.window;
    if ((a & TA_KEEP_ALIVE) !== 0) {
      own.keepAlives++;
      if (peer.lastWindow === 0) {
        own.keepAlivesIntoZeroWindow++;
      } else {
        silentPeer.peerKeepAlives++;
        silentPeer.peerKeepAlivesUnanswered++;
      }
    }
    if ((a & TA_KEEP_ALIVE_ACK) !== 0) {
      own.keepAliveAcks++;
      silentSelf.keepAliveAcks++;
    }
    if ((a & TA_ZERO_WINDOW_PROBE) !== 0) own.zeroWindowProbes++;
    if ((a & TA_WINDOW_FULL) !== 0) own.windowFull++;
    if ((a & TA_DUP_ACK) !== 0) own.dupAcks++;
    if ((a & TA_LOST_SEGMENT) !== 0) own.lostSegments++;

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

  /** The side's last payload moment, in the facts and in the side's state. */
  private setLastPayload(side: DirectionState, dir: Dir, m: Moment): void {
    side.lastPayload = m;
    this.facts.lastPayload[dir] = m;
  }

  /** At the end: zero windows still open, and the silences still running (often the decisive evidence). */
  finish(): void {
    const f = this.facts;
    for (const dir of ['c2s', 's2c'] as const) {
      if (this.side(dir).zeroWindowSince !== null) {
        this.side(dir).zeroWindowAtEnd = true;
        this.closeZeroWindow(dir, f.lastPacket, false);
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

  /** `reopened`: the window opened again at `at` (false: the connection ended with it still zero). */
  private closeZeroWindow(dir: Dir, at: Moment, reopened = true): void {
    const side = this.side(dir);
    const since = side.zeroWindowSince;
    if (since === null) return;
    side.zeroWindowSince = null;
    if (reopened) side.lastZeroWindowUntil = at;
    side.longestZeroWindow = Math.max(side.longestZeroWindow, seconds(since, at));
  }

  private side(dir: Dir): DirectionState {
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
