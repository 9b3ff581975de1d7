/**
 * Follows every TCP connection in a capture and hands the AMQP ones upward.
 *
 * Which connections: any with an endpoint on one of the AMQP ports (5672 and 5671, AMQPS, unless told otherwise),
 * and any other whose first payload in either direction is the `AMQP` protocol header or is accepted by the
 * `acceptFirstBytes` option (the analyzer accepts a TLS ClientHello that does not offer HTTP). A connection on another port stays
 * "pending" (its analysis state kept, its first few segments remembered for replay) until its first payload
 * decides; non-AMQP ones are then ignored cheaply.
 *
 * Which side is the client: the SYN sender; without a SYN, the side not on the AMQP port; failing that, the side
 * that sent `AMQP` first; failing that, the sender of the first packet.
 *
 * Connection identity: the 4-tuple (looked up by a hash of both addresses and ports, so that 10,000 clients on
 * different hosts using the same source port do not share one list to search), until a new SYN (without ACK) arrives
 * after a FIN or RST on it, with a new initial sequence number, or on a connection joined mid-stream: then a new
 * connection starts (port reuse). An established one it replaces is kept beside it (`superseded`) for the packets
 * that still carry its sequence numbers (the broker's challenge ACK, the client's RST) until the broker accepts the
 * new one, and ends then.
 *
 * Memory: per open connection, analysis state plus bounded out-of-order data. A closed connection is evicted once
 * the capture clock has moved `CLOSED_EVICTION_SECONDS` past its last packet.
 */
import { formatAddress } from '../net/decode.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpSegment } from '../net/types.js';
import { FlowAnalysis, analyzeSegment, noteSynOptions, windowShift, type SegmentContext } from './analysis.js';
import { Reassembler, type ReassemblyOutput } from './reassembly.js';
import type { ConnectionInfo, Dir, EndReason, GapReason, HandlerSlot, SegmentInfo, StreamHandler } from './types.js';

export const DEFAULT_AMQP_PORT = 5672;
/** AMQP over TLS (IANA "amqps"). */
export const DEFAULT_AMQPS_PORT = 5671;
export const DEFAULT_PORTS: readonly number[] = [DEFAULT_AMQP_PORT, DEFAULT_AMQPS_PORT];
/** A closed connection keeps receiving stray segments (the second RST, retransmitted FINs) for a while. */
export const CLOSED_EVICTION_SECONDS = 120;
/** Segments remembered for a pending connection until its first payload shows whether it is AMQP. */
const MAX_REPLAY_SEGMENTS = 16;

const AMQP_MAGIC = [0x41, 0x4d, 0x51, 0x50]; // "AMQP"

type Role = 'amqp' | 'pending' | 'ignored';

interface ReplaySegment {
  side: 0 | 1;
  info: SegmentInfo;
}

export interface TrackerOptions {
  /** Ports on which every connection is AMQP. */
  ports: ReadonlySet<number>;
  /**
   * Called once per AMQP connection, when it is first known to be AMQP. The handler may later put another in its
   * place in `slot` (HandlerSlot).
   */
  newHandler(info: ConnectionInfo, slot: HandlerSlot): StreamHandler;
  /**
   * First payload bytes (of either side) that make a connection on another port AMQP besides the protocol header,
   * e.g. a TLS ClientHello. Its sender is taken as the client when no SYN said otherwise.
   */
  acceptFirstBytes?: ((bytes: Uint8Array) => boolean) | undefined;
}

export interface TrackerStats {
  connections: number; // AMQP connections reported
  ignoredConnections: number; // TCP connections found not to be AMQP
  segments: number; // segments of AMQP connections
}

/**
 * One TCP connection's state, in one object with scalar fields (no arrays of two, no small objects beside it): with
 * thousands of connections taking turns, every packet's lookup and update then touches a few cache lines instead of
 * a dozen scattered ones (the 10,000-connection benchmark capture spent more time waiting on memory than working).
 */
class Connection implements SegmentContext, HandlerSlot, ReassemblyOutput {
  readonly flow0 = new FlowAnalysis();
  readonly flow1 = new FlowAnalysis();
  readonly reassembler0: Reassembler;
  readonly reassembler1: Reassembler;
  role: Role = 'pending';
  clientSide: 0 | 1 = 0;
  clientBy: ConnectionInfo['clientBy'] = 'first-packet';
  handler: StreamHandler | null = null;
  synSeen0 = false;
  synSeen1 = false;
  /** Initial sequence numbers, as signed 32-bit integers (kept in the object; see FlowAnalysis). */
  isn0 = 0;
  isn1 = 0;
  /**
   * The first SYN's time (synTimed), and the handshake's round trip as the SYN time and ACK time it was measured
   * between (both 0 until then: a round trip of 0): integer seconds and nanoseconds, turned into seconds by the
   * tracker (see SegmentContext).
   */
  synTimed = false;
  synSec = 0;
  synNsec = 0;
  /** The round trip is known and not zero (a zero one, SYN and ACK in the same instant, is measured again). */
  rttSettled = false;
  rttFromSec = 0;
  rttFromNsec = 0;
  rttToSec = 0;
  rttToNsec = 0;
  finSeen0 = false;
  finSeen1 = false;
  rstSeen = false;
  /**
   * A new SYN came on this established connection's addresses and ports: a new connection took its place (its client
   * lost this one without a FIN or RST on the wire). Kept for the broker's challenge ACK and the client's RST that may
   * still belong to this one (RFC 5961 §4) until the broker accepts the new one, this one closes, or the capture ends.
   * The tracker's lists keep connections in order of creation: the newer of two on the same ports comes later.
   */
  superseded = false;
  /**
   * It took the addresses and ports of a connection the tracker still held (port reuse): its id gets "@" and its
   * first packet, so that ids stay unique within the report (report-contract.md) and --connection can tell them apart.
   */
  reusesPorts = false;
  lastPacket = 0;
  lastTsSec = 0;
  lastTsNsec = 0;
  replay: ReplaySegment[] | null = [];
  /** On an AMQP port: reported as soon as its first segment has been noted. */
  onAmqpPort = false;
  // Side 0 is the sender of the first packet seen; a0..a3 its address (IPv4: a3 alone), b0..b3 the other's.
  constructor(
    /** endpointsKey() of its segments: where the tracker files it. */
    readonly key: number,
    readonly ipVersion: 4 | 6,
    readonly a0: number,
    readonly a1: number,
    readonly a2: number,
    readonly a3: number,
    readonly aPort: number,
    readonly b0: number,
    readonly b1: number,
    readonly b2: number,
    readonly b3: number,
    readonly bPort: number,
    readonly firstPacket: number,
    readonly firstTsSec: number,
    readonly firstTsNsec: number,
    private readonly tracker: TcpTracker,
  ) {
    this.reassembler0 = new Reassembler(this, 0);
    this.reassembler1 = new Reassembler(this, 1);
  }

  /** ReassemblyOutput: side `side`'s bytes, in order. */
  data(side: 0 | 1, bytes: Uint8Array, packet: number, tsSec: number, tsNsec: number): void {
    this.tracker.onBytes(this, side, bytes, packet, tsSec, tsNsec);
  }

  /** ReassemblyOutput: bytes of side `side` that will never be seen. */
  gap(side: 0 | 1, length: number, reason: GapReason, packet: number, tsSec: number, tsNsec: number): void {
    if (this.role === 'amqp') this.handler!.onGap(this.dirOf(side), length, reason, packet, tsSec, tsNsec);
  }

  /** SegmentContext: the handshake's round trip (0 until known). */
  get firstRtt(): number {
    return this.tracker.seconds(this.rttToSec, this.rttToNsec) - this.tracker.seconds(this.rttFromSec, this.rttFromNsec);
  }

  seconds(sec: number, nsec: number): number {
    return this.tracker.seconds(sec, nsec);
  }

  /** Seconds of the first SYN, or -1 before it (the tracker's `t` of that packet otherwise). */
  get synTime(): number {
    return this.synTimed ? this.tracker.seconds(this.synSec, this.synNsec) : -1;
  }

  get closed(): boolean {
    return this.rstSeen || (this.finSeen0 && this.finSeen1);
  }

  dirOf(side: 0 | 1): Dir {
    return side === this.clientSide ? 'c2s' : 's2c';
  }

  flow(side: 0 | 1): FlowAnalysis {
    return side === 0 ? this.flow0 : this.flow1;
  }

  reassembler(side: 0 | 1): Reassembler {
    return side === 0 ? this.reassembler0 : this.reassembler1;
  }

  synSeen(side: 0 | 1): boolean {
    return side === 0 ? this.synSeen0 : this.synSeen1;
  }

  isn(side: 0 | 1): number {
    return side === 0 ? this.isn0 : this.isn1;
  }

  /** Side `side`'s address is the segment's source. */
  isSource(side: 0 | 1, seg: TcpSegment): boolean {
    return side === 0
      ? this.a3 === seg.src3 && this.a2 === seg.src2 && this.a1 === seg.src1 && this.a0 === seg.src0
      : this.b3 === seg.src3 && this.b2 === seg.src2 && this.b1 === seg.src1 && this.b0 === seg.src0;
  }

  /** Side `side`'s address is the segment's destination. */
  isDestination(side: 0 | 1, seg: TcpSegment): boolean {
    return side === 0
      ? this.a3 === seg.dst3 && this.a2 === seg.dst2 && this.a1 === seg.dst1 && this.a0 === seg.dst0
      : this.b3 === seg.dst3 && this.b2 === seg.dst2 && this.b1 === seg.dst1 && this.b0 === seg.dst0;
  }
}

export class TcpTracker {
  /**
   * Open connections by endpointsKey(): the connection itself, or a list when hashes collide (or a port is reused).
   * Not a list of one each: that list would be one more object to fetch from memory on every packet.
   */
  private readonly byEndpoints = new Map<number, Connection | Connection[]>();
  private readonly closedConnections = new Set<Connection>();
  /** The capture's first packet, set once: every time here is seconds since it (seconds()). */
  private hasOrigin = false;
  private originSec = 0;
  private originNsec = 0;
  private lastSweepT = 0;
  private readonly segmentInfo: SegmentInfo = {
    packet: 0, tsSec: 0, tsNsec: 0, dir: 'c2s', tcpFlags: 0, analysis: 0, seq: 0, ack: 0, window: 0,
    payloadLength: 0, ttl: 0, ipId: 0, sackLeft: -1, sackRight: -1,
  };
  readonly stats: TrackerStats = { connections: 0, ignoredConnections: 0, segments: 0 };

  constructor(private readonly options: TrackerOptions) {}

  /** A capture time as seconds since the capture's first packet: the one formula for every time compared here. */
  seconds(sec: number, nsec: number): number {
    return sec - this.originSec + (nsec - this.originNsec) / 1e9;
  }

  /** One decoded TCP segment, in capture order. `seg` is only read during the call. */
  onSegment(seg: TcpSegment, packet: number, tsSec: number, tsNsec: number): void {
    if (!this.hasOrigin) {
      this.hasOrigin = true;
      this.originSec = tsSec;
      this.originNsec = tsNsec;
    }
    const t = this.seconds(tsSec, tsNsec);

    const key = endpointsKey(seg);
    let conn = this.find(seg, key);
    let side: 0 | 1 = 0;
    let reusesPorts = false;
    if (conn !== undefined) {
      side = sideOf(conn, seg);
      const flags = seg.flags;
      const newSyn = (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
      // A new connection: after a close, with another initial sequence number, or (joined mid-stream, no SYN seen)
      // from a side that has already sent in this one: a SYN never comes in the middle of a connection.
      if (newSyn && (conn.closed || (conn.synSeen(side) ? conn.isn(side) !== (seg.seq | 0) : conn.flow(side).hasNextseq))) {
        // An established AMQP connection is kept beside the new one until the broker answers the new SYN: Linux
        // (RFC 5961 §4.2) answers a SYN on a pair of ports it still holds with a "challenge ACK" of the old
        // connection's numbers, the client's kernel, which no longer knows that connection, resets it, and the
        // client sends its SYN again (captures/fleet-port-reuse.pcap). Those two packets end the old connection.
        // A closed connection's end is its close: the ports are simply free again.
        if (conn.closed) this.finish(conn, 'idle-after-close');
        else if (conn.role === 'amqp' && conn.flow0.hasNextseq && conn.flow1.hasNextseq && !conn.superseded) conn.superseded = true;
        else this.finish(conn, 'port-reused');
        conn = undefined;
        reusesPorts = true;
      }
    }
    if (conn === undefined) {
      conn = this.create(seg, key, packet, tsSec, tsNsec);
      conn.reusesPorts = reusesPorts;
      side = 0;
    }
    if (conn.role === 'ignored') {
      this.noteClose(conn, side, seg, t, packet, tsSec, tsNsec);
      return;
    }

    const fwd = conn.flow(side);
    const rev = conn.flow(side === 0 ? 1 : 0);
    const flags = seg.flags;
    if ((flags & TCP_SYN) !== 0) {
      noteSynOptions(fwd, rev, flags, seg.windowScale);
      if (!conn.synSeen(side)) {
        if (side === 0) {
          conn.synSeen0 = true;
          conn.isn0 = seg.seq | 0;
        } else {
          conn.synSeen1 = true;
          conn.isn1 = seg.seq | 0;
        }
        conn.reassembler(side).onSyn(seg.seq);
      }
      // The broker answered the new SYN: it holds no other connection on these ports any more.
      if ((flags & TCP_ACK) !== 0 && side !== 0) this.finishSuperseded(conn, key);
      if ((flags & TCP_ACK) === 0 && conn.synTime < 0) {
        conn.synTimed = true;
        conn.synSec = tsSec;
        conn.synNsec = tsNsec;
      }
    } else if (!conn.rttSettled && conn.synSeen0 && conn.synSeen1 && (flags & TCP_ACK) !== 0 && conn.synTime >= 0) {
      // The ACK that completes the three-way handshake.
      conn.rttFromSec = conn.synSec;
      conn.rttFromNsec = conn.synNsec;
      conn.rttToSec = tsSec;
      conn.rttToNsec = tsNsec;
      conn.rttSettled = conn.firstRtt !== 0;
    }

    // Connections on an AMQP port are reported from their first segment, once its SYN (if any) is noted.
    if (conn.role === 'pending' && conn.onAmqpPort) this.promote(conn);

    const analysis = analyzeSegment(fwd, rev, conn, flags, seg.seq, seg.ack, seg.window, seg.payloadLength, t, tsSec, tsNsec);
    const info = this.segmentInfo;
    info.packet = packet;
    info.tsSec = tsSec;
    info.tsNsec = tsNsec;
    info.dir = conn.dirOf(side);
    info.tcpFlags = flags;
    info.analysis = analysis;
    info.seq = seg.seq;
    info.ack = seg.ack;
    // SYN windows are never scaled (RFC 7323 §2.2). A shift (at most 14) as a bit shift: `2 ** shift` is a call
    // to Math.pow on every packet.
    info.window = (flags & TCP_SYN) !== 0 ? seg.window : seg.window * (1 << windowShift(fwd));
    info.payloadLength = seg.payloadLength;
    info.ttl = seg.ttl;
    info.ipId = seg.ipId;
    info.sackLeft = seg.sackLeft;
    info.sackRight = seg.sackRight;

    if (conn.role === 'amqp') {
      this.stats.segments++;
      conn.handler!.onSegment(info);
    } else if (conn.replay !== null && conn.replay.length < MAX_REPLAY_SEGMENTS) {
      conn.replay.push({ side, info: { ...info } });
    }

    // Bytes: this segment's payload, then any hole the peer's acknowledgement proves was never captured.
    const reasm = conn.reassembler(side);
    if (seg.payloadLength > 0) {
      const dataSeq = (flags & TCP_SYN) !== 0 ? (seg.seq + 1) >>> 0 : seg.seq;
      reasm.onSegment(dataSeq, seg.payload, seg.payloadLength, packet, tsSec, tsNsec);
    }
    if ((flags & TCP_ACK) !== 0) conn.reassembler(side === 0 ? 1 : 0).onPeerAck(seg.ack, packet, tsSec, tsNsec);
    this.noteClose(conn, side, seg, t, packet, tsSec, tsNsec);
    // The client's RST to the broker's challenge ACK: nothing more can come on the connection a new one replaced.
    if (conn.superseded && conn.closed) this.finish(conn, 'port-reused');

    if (t - this.lastSweepT > 10) {
      this.lastSweepT = t;
      this.evictIdle(t);
    }
  }

  /** The capture ended: every connection still known is finished. */
  end(): void {
    for (const entry of this.byEndpoints.values()) {
      if (entry instanceof Connection) this.finish(entry, 'capture-end', false);
      else for (const conn of entry) this.finish(conn, 'capture-end', false);
    }
    this.byEndpoints.clear();
    this.closedConnections.clear();
  }

  private noteClose(conn: Connection, side: 0 | 1, seg: TcpSegment, t: number, packet: number, tsSec: number, tsNsec: number): void {
    conn.lastPacket = packet;
    conn.lastTsSec = tsSec;
    conn.lastTsNsec = tsNsec;
    if ((seg.flags & TCP_FIN) !== 0) {
      if (side === 0) conn.finSeen0 = true;
      else conn.finSeen1 = true;
      conn.reassembler(side).onFin((seg.flags & TCP_SYN) !== 0 ? (seg.seq + 1) >>> 0 : seg.seq, seg.payloadLength);
    }
    if ((seg.flags & TCP_RST) !== 0) conn.rstSeen = true;
    if (conn.closed) this.closedConnections.add(conn);
  }

  /** Finishes the connection `replacement` took the place of, if one is still kept beside it. */
  private finishSuperseded(replacement: Connection, key: number): void {
    const bucket = this.byEndpoints.get(key);
    if (bucket === undefined || bucket instanceof Connection) return;
    for (const c of bucket) if (c !== replacement && c.superseded && sameEndpoints(c, replacement)) this.finish(c, 'port-reaccepted');
  }

  private evictIdle(t: number): void {
    for (const conn of this.closedConnections) {
      if (t - this.seconds(conn.lastTsSec, conn.lastTsNsec) > CLOSED_EVICTION_SECONDS) this.finish(conn, 'idle-after-close');
    }
  }

  private finish(conn: Connection, reason: EndReason, unlink = true): void {
    // Whatever ends it now (the capture, the client's RST), a new connection took its place.
    if (conn.superseded && reason !== 'port-reaccepted') reason = 'port-reused';
    if (conn.role === 'amqp') {
      conn.reassembler0.flush(conn.lastPacket, conn.lastTsSec, conn.lastTsNsec);
      conn.reassembler1.flush(conn.lastPacket, conn.lastTsSec, conn.lastTsNsec);
      conn.handler!.onEnd(reason);
    }
    conn.role = 'ignored';
    conn.handler = null;
    this.closedConnections.delete(conn);
    if (!unlink) return;
    const bucket = this.byEndpoints.get(conn.key);
    if (bucket === undefined) return;
    if (bucket instanceof Connection) {
      if (bucket === conn) this.byEndpoints.delete(conn.key);
      return;
    }
    const i = bucket.indexOf(conn);
    if (i >= 0) bucket.splice(i, 1);
    if (bucket.length === 0) this.byEndpoints.delete(conn.key);
  }

  private find(seg: TcpSegment, key: number): Connection | undefined {
    const entry = this.byEndpoints.get(key);
    if (entry === undefined) return undefined;
    if (entry instanceof Connection) return matches(entry, seg) ? entry : undefined;
    let found: Connection | undefined;
    for (const c of entry) {
      if (!matches(c, seg)) continue;
      found = found === undefined ? c : closerInSequence(found, c, seg);
    }
    return found;
  }

  private create(seg: TcpSegment, key: number, packet: number, tsSec: number, tsNsec: number): Connection {
    const conn: Connection = new Connection(
      key,
      seg.ipVersion,
      seg.src0,
      seg.src1,
      seg.src2,
      seg.src3,
      seg.srcPort,
      seg.dst0,
      seg.dst1,
      seg.dst2,
      seg.dst3,
      seg.dstPort,
      packet,
      tsSec,
      tsNsec,
      this,
    );
    const ports = this.options.ports;
    const flags = seg.flags;
    if ((flags & TCP_SYN) !== 0) {
      // SYN: the sender is the client. SYN-ACK: the receiver is.
      conn.clientSide = (flags & TCP_ACK) === 0 ? 0 : 1;
      conn.clientBy = 'syn';
    } else if (ports.has(seg.dstPort) && !ports.has(seg.srcPort)) {
      conn.clientSide = 0;
      conn.clientBy = 'port';
    } else if (ports.has(seg.srcPort) && !ports.has(seg.dstPort)) {
      conn.clientSide = 1;
      conn.clientBy = 'port';
    }
    const entry = this.byEndpoints.get(key);
    if (entry === undefined) this.byEndpoints.set(key, conn);
    else if (entry instanceof Connection) this.byEndpoints.set(key, [entry, conn]);
    else entry.push(conn);
    conn.onAmqpPort = ports.has(seg.srcPort) || ports.has(seg.dstPort);
    return conn;
  }

  /** Bytes in order from one side. A pending connection is decided by its first bytes. */
  /** @internal (Connection.data) */
  onBytes(conn: Connection, side: 0 | 1, bytes: Uint8Array, packet: number, tsSec: number, tsNsec: number): void {
    if (conn.role === 'pending') {
      const amqp = startsWithAmqp(bytes);
      if (!amqp && this.options.acceptFirstBytes?.(bytes) !== true) {
        conn.role = 'ignored';
        conn.replay = null;
        this.stats.ignoredConnections++;
        return;
      }
      if (conn.clientBy === 'first-packet') {
        conn.clientSide = side;
        conn.clientBy = amqp ? 'amqp-header' : 'first-bytes';
      }
      this.promote(conn);
    }
    if (conn.role === 'amqp') conn.handler!.onData(conn.dirOf(side), bytes, packet, tsSec, tsNsec);
  }

  private promote(conn: Connection): void {
    conn.role = 'amqp';
    const aAddress = formatAddress(conn.ipVersion, conn.a0, conn.a1, conn.a2, conn.a3);
    const bAddress = formatAddress(conn.ipVersion, conn.b0, conn.b1, conn.b2, conn.b3);
    const clientAddress = conn.clientSide === 0 ? aAddress : bAddress;
    const serverAddress = conn.clientSide === 0 ? bAddress : aAddress;
    const clientPort = conn.clientSide === 0 ? conn.aPort : conn.bPort;
    const serverPort = conn.clientSide === 0 ? conn.bPort : conn.aPort;
    const host = (addr: string) => (conn.ipVersion === 6 ? `[${addr}]` : addr);
    const info: ConnectionInfo = {
      id: `${host(clientAddress)}:${clientPort}->${host(serverAddress)}:${serverPort}${conn.reusesPorts ? `@${conn.firstPacket}` : ''}`,
      ipVersion: conn.ipVersion,
      clientAddress,
      clientPort,
      serverAddress,
      serverPort,
      clientBy: conn.clientBy,
      synSeen: conn.synSeen(conn.clientSide),
      firstPacket: conn.firstPacket,
      firstTsSec: conn.firstTsSec,
      firstTsNsec: conn.firstTsNsec,
    };
    this.stats.connections++;
    conn.handler = this.options.newHandler(info, conn);
    const replay = conn.replay;
    conn.replay = null;
    if (replay !== null) {
      for (const r of replay) {
        r.info.dir = conn.dirOf(r.side);
        this.stats.segments++;
        conn.handler.onSegment(r.info);
      }
    }
  }
}

/**
 * A hash of a segment's two endpoints, the same in both directions (XOR of one hash per endpoint), kept to 30 bits
 * so that it stays a small integer (V8 Smi): a Map lookup then neither allocates nor hashes a string.
 */
function endpointsKey(seg: TcpSegment): number {
  const src = endpointHash(seg.src0, seg.src1, seg.src2, seg.src3, seg.srcPort);
  const dst = endpointHash(seg.dst0, seg.dst1, seg.dst2, seg.dst3, seg.dstPort);
  return (src ^ dst) & 0x3fffffff;
}

/** Multiplicative mixing (the constants of xxHash32 and MurmurHash3's finaliser) of one address and port. */
function endpointHash(a0: number, a1: number, a2: number, a3: number, port: number): number {
  let h = Math.imul(port ^ 0x165667b1, 0x9e3779b1);
  h = Math.imul(h ^ a0, 0x85ebca77);
  h = Math.imul(h ^ a1, 0xc2b2ae3d);
  h = Math.imul(h ^ a2, 0x27d4eb2f);
  h = Math.imul(h ^ a3, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** Both connections are between the same two addresses and ports. */
function sameEndpoints(a: Connection, b: Connection): boolean {
  return a.aPort === b.aPort && a.bPort === b.bPort && a.a0 === b.a0 && a.a1 === b.a1 && a.a2 === b.a2 && a.a3 === b.a3 && a.b0 === b.b0 && a.b1 === b.b1 && a.b2 === b.b2 && a.b3 === b.b3;
}

/**
 * Of two connections on the same addresses and ports (a superseded one and the one that took its place, `newer`),
 * the one a segment belongs to: a SYN or SYN-ACK to the newer; any other segment to the one whose sequence numbers
 * it continues (the broker's challenge ACK and the client's RST carry the old connection's).
 */
function closerInSequence(older: Connection, newer: Connection, seg: TcpSegment): Connection {
  if ((seg.flags & TCP_SYN) !== 0) return newer;
  return sequenceDistance(older, seg) < sequenceDistance(newer, seg) ? older : newer;
}

/** How far a segment's numbers are from where the connection expects them (2^32 when it has none to compare). */
function sequenceDistance(c: Connection, seg: TcpSegment): number {
  const side = sideOf(c, seg);
  const fwd = c.flow(side);
  const rev = c.flow(side === 0 ? 1 : 0);
  let d = 2 ** 32;
  if (fwd.hasNextseq) d = Math.min(d, Math.abs((seg.seq - fwd.nextseq) | 0));
  if ((seg.flags & TCP_ACK) !== 0 && rev.hasNextseq) d = Math.min(d, Math.abs((seg.ack - rev.nextseq) | 0));
  return d;
}

/** The side of `conn` that sent `seg` (a segment that matches(conn, seg)). */
function sideOf(conn: Connection, seg: TcpSegment): 0 | 1 {
  return conn.aPort === seg.srcPort && conn.isSource(0, seg) && (conn.aPort !== conn.bPort || conn.isDestination(1, seg)) ? 0 : 1;
}

/** The segment belongs to `c` (either direction). */
function matches(c: Connection, seg: TcpSegment): boolean {
  if (c.aPort === seg.srcPort && c.bPort === seg.dstPort && c.isSource(0, seg) && c.isDestination(1, seg)) return true;
  return c.bPort === seg.srcPort && c.aPort === seg.dstPort && c.isSource(1, seg) && c.isDestination(0, seg);
}

function startsWithAmqp(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, AMQP_MAGIC.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== AMQP_MAGIC[i]) return false;
  return n === AMQP_MAGIC.length;
}
