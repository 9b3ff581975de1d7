/**
 * One direction of a connection: its counters (what the facts expose as `stats[dir]`), and in the same object what
 * the recorder updates on every segment and frame of that direction (TCP state, the running silence evidence and
 * last payload, the latest frame).
 *
 * Why one object: on a capture of thousands of connections taking turns, each packet finds its connection's state
 * cold in the CPU's caches, and every separate object on the way (`facts.stats`, then `stats.c2s`, then a side
 * object, then `facts.trailing`, ...) is another wait on memory. Gathered here, a segment or a frame touches this
 * object and the few it must (the evidence, the moments), not a dozen.
 */
import type { DirectionStats, Moment, SilenceEvidence } from './types.js';

export class DirectionState implements DirectionStats {
  // ---- DirectionStats (the report's counters) ----
  frames = 0;
  heartbeats = 0;
  payloadSegments = 0;
  payloadBytes = 0;
  keepAlives = 0;
  keepAliveAcks = 0;
  zeroWindows = 0;
  zeroWindowProbes = 0;
  windowFull = 0;
  retransmissions = 0;
  dupAcks = 0;
  lostSegments = 0;
  gaps = 0;
  gapBytes = 0;
  gapsByReason = { 'not-captured': 0, 'snap-length': 0, 'connection-end': 0 };
  lastGap: Moment | null = null;
  firstZeroWindow: Moment | null = null;
  lastZeroWindow: Moment | null = null;
  zeroWindowEpisodes = 0;
  longestZeroWindow = 0;
  zeroWindowAtEnd = false;
  lastZeroWindowFrom: Moment | null = null;
  lastZeroWindowUntil: Moment | null = null;
  keepAlivesIntoZeroWindow = 0;
  spuriousRetransmissions = 0;
  /**
   * The side's latest retransmitted ranges (start, end sequence numbers, unsigned), for the peer's D-SACKs to
   * match; made at the first retransmission (most connections have none), at most RECENT_RETRANSMISSIONS.
   */
  recentRetransmissions: number[] | null = null;

  // ---- TCP state (tcp-facts.ts) ----
  /**
   * The side's latest retransmission (packet -1: none yet) and the seconds since the one before it (0: the first):
   * a back-off that stops while the capture goes on is a kernel that gave up (fleet-broker-unreachable's kombu).
   */
  lastRetransmissionPacket = -1;
  lastRetransmissionSec = 0;
  lastRetransmissionNsec = 0;
  retransmissionGap = 0;
  /** The TTL of the side's packets other than resets (a reset with another TTL may be forged). */
  usualTtl = -1;
  /** The side's last advertised window, and since when it has been zero (null: open). */
  lastWindow = -1;
  zeroWindowSince: Moment | null = null;
  /**
   * Whether lastPayload is also held elsewhere (as the facts' firstPayload, or as a recorded silence's end) and must
   * be replaced rather than moved. The end snapshot copies it.
   */
  lastPayloadShared = false;
  /**
   * The moments of the side's last reset evidence, which nothing references any more: the next sign of life or ACK
   * moves them instead of making new ones (two moments per data segment, each outliving a young-generation
   * collection when thousands of connections take turns).
   */
  spareSignOfLife: Moment | null = null;
  spareAck: Moment | null = null;
  /** The facts' `trailing[dir]` and `lastPayload[dir]`, also here: TcpFacts sets both places together. */
  trailing: SilenceEvidence;
  lastPayload: Moment | null = null;

  // ---- The latest frame (frame-facts.ts), updated in place; empty type: none yet ----
  latestPacket = 0;
  latestTsSec = 0;
  latestTsNsec = 0;
  latestType = '';
  latestChannel = 0;

  constructor(trailing: SilenceEvidence) {
    this.trailing = trailing;
  }

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
