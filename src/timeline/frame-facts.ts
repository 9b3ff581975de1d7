/**
 * What every frame notes, whichever path it came by (object or view): counts per direction, each side's latest
 * frame, the heartbeats the peer's silence evidence counts, and the broker's heartbeat rhythm (T inferred from it
 * when the handshake was not captured).
 */
import type { Dir } from '../tcp/types.js';
import { other } from './tcp-facts.js';
import type { ConnectionFacts, FrameMoment } from './types.js';

const MAX_HEARTBEAT_INTERVALS = 64;

export class FrameFacts {
  /** Each side's latest frame, updated in place; frameMoment() copies it when needed. */
  private readonly latestFrame: Record<Dir, FrameMoment> = {
    c2s: { packet: 0, tsSec: 0, tsNsec: 0, type: '', channel: 0 },
    s2c: { packet: 0, tsSec: 0, tsNsec: 0, type: '', channel: 0 },
  };
  private lastHeartbeatOnly = -1; // time (s, relative to the connection) of the last S->C heartbeat with no other S->C frame since
  private readonly heartbeatIntervals: number[] = [];
  private lastServerFrameWasHeartbeat = false;

  constructor(
    private readonly facts: ConnectionFacts,
    private readonly originSec: number,
    private readonly originNsec: number,
  ) {}

  note(dir: Dir, heartbeat: boolean, packet: number, tsSec: number, tsNsec: number, type: string, channel: number): void {
    const f = this.facts;
    const st = f.stats[dir];
    st.frames++;
    this.noteLatest(dir, packet, tsSec, tsNsec, type, channel);
    if (heartbeat) {
      st.heartbeats++;
      f.trailing[other(dir)].peerHeartbeats++;
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
    const l = this.latestFrame[dir];
    l.packet = packet;
    l.tsSec = tsSec;
    l.tsNsec = tsNsec;
    l.type = type;
    l.channel = channel;
  }

  /** A copy of this side's latest frame, or null if it sent none. */
  frameMoment(dir: Dir): FrameMoment | null {
    const l = this.latestFrame[dir];
    return l.type === '' ? null : { packet: l.packet, tsSec: l.tsSec, tsNsec: l.tsNsec, type: l.type, channel: l.channel };
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
