/**
 * What every frame notes, whichever path it came by (object or view): counts per direction, each side's latest
 * frame, the heartbeats the peer's silence evidence counts, and the broker's heartbeat rhythm (T inferred from it
 * when the handshake was not captured).
 */
import type { Dir } from '../tcp/types.js';
import type { DirectionState } from './direction-state.js';
import type { ConnectionFacts, FrameMoment } from './types.js';

const MAX_HEARTBEAT_INTERVALS = 64;

export class FrameFacts {
  /** Each side's counters and latest frame (the facts' stats.c2s and stats.s2c). */
  private readonly c2s: DirectionState;
  private readonly s2c: DirectionState;
  private lastHeartbeatOnly = -1; // time (s, relative to the connection) of the last S->C heartbeat with no other S->C frame since
  private readonly heartbeatIntervals: number[] = [];
  private lastServerFrameWasHeartbeat = false;

  constructor(
    facts: ConnectionFacts,
    private readonly originSec: number,
    private readonly originNsec: number,
  ) {
    this.c2s = facts.stats.c2s as DirectionState;
    this.s2c = facts.stats.s2c as DirectionState;
  }

  note(dir: Dir, heartbeat: boolean, packet: number, tsSec: number, tsNsec: number, type: string, channel: number): void {
    const own = dir === 'c2s' ? this.c2s : this.s2c;
    own.frames++;
    setLatest(own, packet, tsSec, tsNsec, type, channel);
    if (heartbeat) {
      own.heartbeats++;
      (dir === 'c2s' ? this.s2c : this.c2s).trailing.peerHeartbeats++;
      if (dir === 's2c') this.noteServerHeartbeat(tsSec, tsNsec);
    } else if (dir === 's2c') {
      this.lastServerFrameWasHeartbeat = false;
    }
  }

  /**
   * This side's latest frame. Also called alone for a malformed frame (frame-end octet not 0xCE): no frame, not
   * counted, but the latest thing this side sent as one.
   */
  noteLatest(dir: Dir, packet: number, tsSec: number, tsNsec: number, type: string, channel: number): void {
    setLatest(dir === 'c2s' ? this.c2s : this.s2c, packet, tsSec, tsNsec, type, channel);
  }

  /** A copy of this side's latest frame, or null if it sent none. */
  frameMoment(dir: Dir): FrameMoment | null {
    const l = dir === 'c2s' ? this.c2s : this.s2c;
    return l.latestType === '' ? null : { packet: l.latestPacket, tsSec: l.latestTsSec, tsNsec: l.latestTsNsec, type: l.latestType, channel: l.latestChannel };
  }

  /** T from the median spacing of the broker's idle heartbeats (every T/2), or null without enough of them. */
  inferredHeartbeat(): number | null {
    if (this.heartbeatIntervals.length < 2) return null;
    const sorted = [...this.heartbeatIntervals].sort((x, y) => x - y);
    const median = sorted[sorted.length >> 1]!;
    const t = Math.round(median * 2);
    return t > 0 ? t : null;
  }

  /** Idle broker heartbeats come every T/2: their spacing gives T when the handshake was not captured. */
  private noteServerHeartbeat(tsSec: number, tsNsec: number): void {
    const t = tsSec - this.originSec + (tsNsec - this.originNsec) / 1e9;
    if (this.lastServerFrameWasHeartbeat && this.lastHeartbeatOnly >= 0 && this.heartbeatIntervals.length < MAX_HEARTBEAT_INTERVALS) {
      this.heartbeatIntervals.push(t - this.lastHeartbeatOnly);
    }
    this.lastHeartbeatOnly = t;
    this.lastServerFrameWasHeartbeat = true;
  }
}

function setLatest(side: DirectionState, packet: number, tsSec: number, tsNsec: number, type: string, channel: number): void {
  side.latestPacket = packet;
  side.latestTsSec = tsSec;
  side.latestTsNsec = tsNsec;
  side.latestType = type;
  side.latestChannel = channel;
}
