/**
 * Builds synthetic TCP conversations packet by packet, keeping sequence and acknowledgement numbers right, for
 * edge cases no broker produces on demand (lost segments, reordering, wraparound, middlebox resets). Produces
 * `SynthPacket`s for writePcap/writePcapng.
 */
import { tcpPacket, type LinkSpec } from './packets.js';
import type { SynthPacket } from './synth-capture.js';

export type Side = 'c' | 's';

export interface ConversationOptions {
  client?: string;
  server?: string;
  clientPort?: number;
  serverPort?: number;
  clientIsn?: number;
  serverIsn?: number;
  /** Capture start, seconds since the epoch. */
  start?: number;
  link?: LinkSpec;
  clientTtl?: number;
  serverTtl?: number;
}

export interface SegmentOptions {
  flags?: string;
  /** Override the sequence number (default: the side's next). */
  seq?: number;
  ack?: number;
  window?: number;
  ttl?: number;
  /** Do not advance the side's next sequence number (to build retransmissions by hand). */
  keepSeq?: boolean;
  windowScale?: number;
  /** Cut the captured bytes to this many payload bytes (snap length), keeping the IP length. */
  capturePayload?: number;
}

export class Conversation {
  readonly packets: SynthPacket[] = [];
  readonly client: string;
  readonly server: string;
  readonly clientPort: number;
  readonly serverPort: number;
  private readonly next: Record<Side, number>;
  private readonly start: number;
  private readonly link: LinkSpec;
  private readonly ttl: Record<Side, number>;
  private now = 0;

  constructor(opts: ConversationOptions = {}) {
    this.client = opts.client ?? '10.0.0.1';
    this.server = opts.server ?? '10.0.0.2';
    this.clientPort = opts.clientPort ?? 40000;
    this.serverPort = opts.serverPort ?? 5672;
    this.next = { c: opts.clientIsn ?? 1000, s: opts.serverIsn ?? 500000 };
    this.start = opts.start ?? 1_700_000_000;
    this.link = opts.link ?? { type: 'ethernet' };
    this.ttl = { c: opts.clientTtl ?? 64, s: opts.serverTtl ?? 64 };
  }

  /** Move the clock to `t` seconds after the capture start. */
  at(t: number): this {
    this.now = t;
    return this;
  }

  nextSeq(side: Side): number {
    return this.next[side];
  }

  handshake(windowScale?: number): this {
    const ws = windowScale !== undefined ? { windowScale } : {};
    this.segment('c', '', { flags: 'S', ack: 0, ...ws });
    this.segment('s', '', { flags: 'SA', ...ws });
    return this.segment('c', '', { flags: 'A' });
  }

  /** A segment from `side`; payload advances the side's sequence number (SYN and FIN count one). */
  segment(side: Side, payload: Uint8Array | string = '', opts: SegmentOptions = {}): this {
    const other: Side = side === 'c' ? 's' : 'c';
    const flags = opts.flags ?? (payload.length > 0 ? 'PA' : 'A');
    const seq = opts.seq ?? this.next[side];
    const ack = opts.ack ?? (flags.includes('A') ? this.next[other] : 0);
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
    const spec = {
      src: side === 'c' ? this.client : this.server,
      dst: side === 'c' ? this.server : this.client,
      sport: side === 'c' ? this.clientPort : this.serverPort,
      dport: side === 'c' ? this.serverPort : this.clientPort,
      seq: seq >>> 0,
      ack: ack >>> 0,
      flags,
      window: opts.window ?? 65535,
      payload: bytes,
      ttl: opts.ttl ?? this.ttl[side],
      ...(opts.windowScale !== undefined ? { windowScale: opts.windowScale } : {}),
    };
    let data = tcpPacket(spec, this.link);
    let origLen = data.length;
    if (opts.capturePayload !== undefined) {
      const cut = bytes.length - opts.capturePayload;
      data = data.subarray(0, data.length - cut);
      origLen = data.length + cut;
    }
    const sec = Math.floor(this.now);
    const nsec = Math.round((this.now - sec) * 1e9);
    this.packets.push({ tsSec: this.start + sec, tsNsec: nsec, data, origLen });
    if (!opts.keepSeq && opts.seq === undefined) {
      let advance = bytes.length;
      if (flags.includes('S') || flags.includes('F')) advance += 1;
      this.next[side] = (this.next[side] + advance) >>> 0;
    }
    return this;
  }

  send(side: Side, payload: Uint8Array | string, opts: SegmentOptions = {}): this {
    return this.segment(side, payload, opts);
  }

  ack(side: Side, opts: SegmentOptions = {}): this {
    return this.segment(side, '', { ...opts, flags: opts.flags ?? 'A' });
  }

  fin(side: Side): this {
    return this.segment(side, '', { flags: 'FA' });
  }

  rst(side: Side, opts: SegmentOptions = {}): this {
    return this.segment(side, '', { flags: 'RA', keepSeq: true, ...opts });
  }

  /** A keep-alive probe: no payload, one below the next sequence number. */
  keepAlive(side: Side): this {
    return this.segment(side, '', { flags: 'A', seq: (this.next[side] - 1) >>> 0 });
  }
}
