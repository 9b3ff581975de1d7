import { describe, expect, it } from 'vitest';
import { createTcpSegment, decodePacket } from '../../src/net/decode.js';
import { TcpTracker } from '../../src/tcp/tracker.js';
import { ANALYSIS_NAMES, type ConnectionInfo, type Dir, type SegmentInfo, type StreamHandler } from '../../src/tcp/types.js';
import { Conversation } from '../helpers/conversation.js';
import { linkTypeOf } from '../helpers/packets.js';

interface Recorded {
  info: ConnectionInfo;
  segments: { packet: number; dir: Dir; flags: string[] }[];
  data: Record<Dir, string>;
  /** Packet number of each delivered byte range, in delivery order. */
  deliveries: { dir: Dir; packet: number; text: string }[];
  gaps: { dir: Dir; length: number; reason: string; packet: number }[];
  ended: string | null;
}

function analysisNames(a: number): string[] {
  return ANALYSIS_NAMES.filter(([bit]) => (a & bit) !== 0).map(([, name]) => name);
}

function track(conv: Conversation, ports: number[] = [5672]): Recorded[] {
  const out: Recorded[] = [];
  const tracker = new TcpTracker({
    ports: new Set(ports),
    newHandler(info): StreamHandler {
      const rec: Recorded = { info, segments: [], data: { c2s: '', s2c: '' }, deliveries: [], gaps: [], ended: null };
      out.push(rec);
      return {
        onSegment(s: SegmentInfo) {
          rec.segments.push({ packet: s.packet, dir: s.dir, flags: analysisNames(s.analysis) });
        },
        onData(dir, bytes, packet) {
          const text = Buffer.from(bytes).toString('latin1');
          rec.data[dir] += text;
          rec.deliveries.push({ dir, packet, text });
        },
        onGap(dir, length, reason, packet) {
          rec.gaps.push({ dir, length, reason, packet });
          rec.data[dir] += `<gap ${length}>`;
        },
        onEnd(reason) {
          rec.ended = reason;
        },
      };
    },
  });
  const seg = createTcpSegment();
  const link = linkTypeOf({ type: 'ethernet' });
  conv.packets.forEach((p, i) => {
    const kind = decodePacket(link, p.data, p.origLen ?? p.data.length, seg);
    expect(kind).toBe('tcp');
    tracker.onSegment(seg, i + 1, p.tsSec, p.tsNsec);
  });
  tracker.end();
  return out;
}

function flagsOf(rec: Recorded, packet: number): string[] {
  return rec.segments.find((s) => s.packet === packet)?.flags ?? [];
}

describe('TcpTracker: connections and clients', () => {
  it('rebuilds both byte streams of a connection and identifies the client by its SYN', () => {
    const c = new Conversation().handshake();
    c.at(0.1).send('c', 'AMQP\x00\x00\x09\x01').ack('s');
    c.at(0.2).send('s', 'hello').ack('c');
    c.at(0.3).send('c', 'world').fin('c').fin('s').ack('c');
    const [rec, ...rest] = track(c);
    expect(rest).toHaveLength(0);
    expect(rec!.info).toMatchObject({ id: '10.0.0.1:40000->10.0.0.2:5672', clientBy: 'syn', synSeen: true, clientPort: 40000 });
    expect(rec!.data.c2s).toBe('AMQP\x00\x00\x09\x01world');
    expect(rec!.data.s2c).toBe('hello');
    expect(rec!.gaps).toEqual([]);
    expect(rec!.ended).toBe('capture-end');
  });

  it('takes the side not on the AMQP port as the client when the capture starts mid-connection', () => {
    const c = new Conversation({ serverPort: 5672 });
    // No handshake: the broker speaks first in this capture.
    c.at(0).send('s', 'srv').send('c', 'cli');
    const [rec] = track(c);
    expect(rec!.info.clientBy).toBe('port');
    expect(rec!.info.clientPort).toBe(40000);
    expect(rec!.info.synSeen).toBe(false);
    expect(rec!.data).toEqual({ c2s: 'cli', s2c: 'srv' });
  });

  it('finds AMQP on another port by its protocol header, and ignores other protocols there', () => {
    const amqp = new Conversation({ serverPort: 15000, clientPort: 40001 }).handshake();
    amqp.send('c', 'AMQP\x00\x00\x09\x01').send('s', 'x');
    const http = new Conversation({ serverPort: 8080, clientPort: 40002 }).handshake();
    http.send('c', 'GET / HTTP/1.1\r\n\r\n');
    const both = new Conversation();
    both.packets.push(...amqp.packets, ...http.packets);
    const recs = track(both);
    expect(recs.map((r) => r.info.id)).toEqual(['10.0.0.1:40001->10.0.0.2:15000']);
    // The handshake segments seen before the header was known are replayed in order.
    expect(recs[0]!.segments.map((s) => s.packet)).toEqual([1, 2, 3, 4, 5]);
    expect(recs[0]!.data.c2s).toBe('AMQP\x00\x00\x09\x01');
  });

  it('tracks only the ports it is told to (--port)', () => {
    const c = new Conversation({ serverPort: 5673 }).handshake();
    c.send('c', 'xyz');
    expect(track(c, [5672])).toHaveLength(0);
    expect(track(c, [5673])).toHaveLength(1);
  });

  it('starts a new connection when a SYN reuses the ports after a RST', () => {
    const first = new Conversation({ clientIsn: 100 }).handshake();
    first.send('c', 'one').rst('s');
    const second = new Conversation({ clientIsn: 90000 }).at(5).handshake();
    second.send('c', 'two');
    first.packets.push(...second.packets);
    const recs = track(first);
    expect(recs).toHaveLength(2);
    expect(recs[0]!.data.c2s).toBe('one');
    // Its end is its close: the ports are free again, no connection was lost (review 31: 'port-reused' made the report
    // tell of a challenge ACK for any client RST followed by a connection on the same port).
    expect(recs[0]!.ended).toBe('idle-after-close');
    expect(recs[1]!.data.c2s).toBe('two');
  });

  it('starts a new connection when a SYN comes on the ports of one joined mid-stream (no SYN of it seen)', () => {
    const first = new Conversation({ clientIsn: 100 }).handshake();
    first.send('c', 'one').send('s', 'ack-one');
    first.packets.splice(0, 3); // the capture starts after the handshake
    const second = new Conversation({ clientIsn: 90000 }).at(5).handshake();
    second.send('c', 'two');
    first.packets.push(...second.packets);
    const recs = track(first);
    expect(recs).toHaveLength(2);
    expect([recs[0]!.data.c2s, recs[1]!.data.c2s]).toEqual(['one', 'two']);
    // The broker answered the new SYN with SYN-ACK: it held the old connection no more.
    expect(recs[0]!.ended).toBe('port-reaccepted');
  });

  it('identifies the client from a SYN-ACK when the SYN was not captured', () => {
    const c = new Conversation().handshake();
    c.packets.shift(); // drop the SYN
    const [rec] = track(c);
    expect(rec!.info.clientBy).toBe('syn');
    expect(rec!.info.clientAddress).toBe('10.0.0.1');
  });

  it('keeps apart clients on different hosts that use the same source port, their packets interleaved', () => {
    // The lookup is keyed by addresses and ports: a fleet of hosts reusing one ephemeral port is 50 connections.
    const convs = Array.from({ length: 50 }, (_, i) => {
      const c = new Conversation({ client: `10.1.${i >> 4}.${(i & 15) + 1}`, clientPort: 40000 }).handshake();
      return c.send('c', `from ${i}`).send('s', `to ${i}`).ack('c');
    });
    const all = new Conversation();
    for (let k = 0; k < convs[0]!.packets.length; k++) for (const c of convs) all.packets.push(c.packets[k]!);
    const recs = track(all);
    expect(recs).toHaveLength(50);
    recs.forEach((rec, i) => {
      expect(rec.info.id).toBe(`10.1.${i >> 4}.${(i & 15) + 1}:40000->10.0.0.2:5672`);
      expect(rec.data).toEqual({ c2s: `from ${i}`, s2c: `to ${i}` });
      expect(rec.info.clientBy).toBe('syn');
    });
  });

  it('formats IPv6 connection ids with brackets', () => {
    const c = new Conversation({ client: '::1', server: '::1', clientPort: 34124 }).handshake();
    const [rec] = track(c);
    expect(rec!.info.id).toBe('[::1]:34124->[::1]:5672');
  });
});

describe('TcpTracker: reassembly', () => {
  it('puts out-of-order segments back in order and stamps each byte range with its own packet', () => {
    const c = new Conversation().handshake();
    const s0 = c.nextSeq('c');
    c.at(1).send('c', 'BBBB', { seq: s0 + 4 }); // packet 4 arrives first
    c.at(1.001).send('c', 'AAAA', { seq: s0 }); // packet 5 fills the hole
    c.segment('c', '', { flags: 'A', seq: s0 + 8 });
    const [rec] = track(c);
    expect(rec!.data.c2s).toBe('AAAABBBB');
    expect(rec!.deliveries.filter((d) => d.dir === 'c2s')).toEqual([
      { dir: 'c2s', packet: 5, text: 'AAAA' },
      { dir: 'c2s', packet: 4, text: 'BBBB' },
    ]);
    expect(flagsOf(rec!, 4)).toContain('Previous segment not captured');
    expect(flagsOf(rec!, 5)).toContain('Out-Of-Order');
  });

  it('takes the handshake round trip, once measured, as the out-of-order threshold (Wireshark: 3 ms without it)', () => {
    const run = (handshakeRtt: number | null): string[] => {
      const c = new Conversation();
      if (handshakeRtt !== null) {
        c.at(0).segment('c', '', { flags: 'S', ack: 0 });
        c.at(handshakeRtt / 2).segment('s', '', { flags: 'SA' });
        c.at(handshakeRtt).segment('c', '', { flags: 'A' }); // completes the handshake: the round trip
      }
      const s0 = c.nextSeq('c');
      c.at(1).send('c', 'BBBB', { seq: s0 + 4 });
      c.at(1.01).send('c', 'AAAA', { seq: s0 }); // 10 ms after the sequence number last advanced
      const [rec] = track(c);
      return rec!.segments.at(-1)!.flags;
    };
    expect(run(0.05)).toContain('Out-Of-Order'); // within a 50 ms round trip
    expect(run(0.002)).toContain('Retransmission'); // past a 2 ms one
    expect(run(null)).toContain('Retransmission'); // no handshake: past Wireshark's default 3 ms
    // A zero round trip (SYN and ACK in the same instant) is measured again at the next ACK, as in Wireshark:
    // here the first data segment, a second later.
    expect(run(0)).toContain('Out-Of-Order');
  });

  it('measures times from the first packet of the capture, also when its clock starts before 1970', () => {
    // A negative first timestamp (a pcapng if_tsoffset can make one) once reset the tracker's origin at every packet
    // while it stayed negative: every time difference was 0 and a late segment looked out of order (amqpscope up to
    // 8c932bf gave Out-Of-Order here).
    const flags = (start: number): string[] => {
      const c = new Conversation({ start }).handshake();
      const s0 = c.nextSeq('c');
      c.at(1).send('c', 'BBBB', { seq: s0 + 4 });
      c.at(2).send('c', 'AAAA', { seq: s0 }); // a second after the sequence number last advanced
      const [rec] = track(c);
      return rec!.segments.at(-1)!.flags;
    };
    expect(flags(1_700_000_000)).toEqual(['Retransmission']);
    expect(flags(-1000)).toEqual(['Retransmission']);
  });

  it('takes no round trip from a SYN stamped before the first packet of the capture (timestamps stepping back)', () => {
    const c = new Conversation({ clientPort: 40001 }).at(10).handshake(); // another connection, first in the capture
    const late = new Conversation();
    late.at(0).segment('c', '', { flags: 'S', ack: 0 });
    late.at(0.025).segment('s', '', { flags: 'SA' });
    late.at(0.05).segment('c', '', { flags: 'A' }); // a 50 ms handshake, but before the capture's origin
    const s0 = late.nextSeq('c');
    late.at(1).send('c', 'BBBB', { seq: s0 + 4 });
    late.at(1.01).send('c', 'AAAA', { seq: s0 }); // 10 ms later: out of order within 50 ms, not within the default 3
    c.packets.push(...late.packets);
    const recs = track(c);
    expect(recs[1]!.segments.at(-1)!.flags).toEqual(['Retransmission']);
  });

  it('ends a closed connection once the capture clock is two minutes past its last packet', () => {
    const run = (laterPackets: number[]): Recorded[] => {
      const c = new Conversation().handshake();
      c.at(10).fin('c').fin('s').ack('c'); // closed, last packet at 10 s
      const other = new Conversation({ clientPort: 40001 });
      other.at(60).handshake();
      for (const t of laterPackets) other.at(t).ack('c');
      c.packets.push(...other.packets);
      return track(c);
    };
    // The tracker looks every 10 s of capture time: at 125 s the closed one is 115 s idle, at 136 s 126 s.
    expect(run([125]).map((r) => r.ended)).toEqual(['capture-end', 'capture-end']);
    expect(run([125, 136]).map((r) => r.ended)).toEqual(['idle-after-close', 'capture-end']);
  });

  it('delivers retransmitted and overlapping bytes once: the first copy wins', () => {
    const c = new Conversation().handshake();
    const s0 = c.nextSeq('c');
    c.at(1).send('c', 'abcdef');
    c.at(1.5).send('c', 'XYZ', { seq: s0 + 3 }); // retransmission with different bytes: ignored
    c.at(1.6).send('c', 'defghi', { seq: s0 + 3 }); // overlaps 3 old bytes, adds 3 new
    const [rec] = track(c);
    expect(rec!.data.c2s).toBe('abcdefghi');
    expect(flagsOf(rec!, 5)).toContain('Retransmission');
  });

  it('follows sequence numbers across the 2^32 wrap', () => {
    const c = new Conversation({ clientIsn: 0xfffffff0 }).handshake();
    c.send('c', '0123456789').send('c', 'abcdefghij').send('c', 'KLMNO');
    c.ack('s');
    const [rec] = track(c);
    expect(rec!.data.c2s).toBe('0123456789abcdefghijKLMNO');
    expect(rec!.gaps).toEqual([]);
    expect(rec!.segments.flatMap((s) => s.flags)).toEqual([]);
  });

  it('gives the same analysis, bytes and gaps wherever the sequence numbers sit, also across 2^31 and 2^32', () => {
    // State keeps sequence numbers as signed 32-bit integers: crossing 2^31 flips their sign there, crossing 2^32
    // flips it back on the wire. One scenario that uses every rule keyed on sequence numbers, at several ISNs.
    const scenario = (clientIsn: number, serverIsn: number): Recorded => {
      const c = new Conversation({ clientIsn, serverIsn }).handshake(7);
      const rel = (side: 'c' | 's', n: number) => (c.nextSeq(side) + n) >>> 0;
      c.at(0.01).segment('c', '', { flags: 'S', seq: clientIsn, ack: 0, windowScale: 7 }); // the SYN again: not a new connection
      c.at(0.05).ack('s', { window: 1 }); // the broker's window: 128 bytes (scaled by 2^7), ending past 2^31 for the first ISN
      c.at(0.06).send('c', 'f'.repeat(128)); // fills it exactly: Window Full
      c.at(0.1).send('c', 'a'.repeat(30)).ack('s');
      const s1 = c.nextSeq('c');
      c.at(0.2).send('c', 'b'.repeat(40)); // crosses the boundary when the ISN sits right below it
      c.at(0.3).send('c', 'b'.repeat(40), { seq: s1 }); // retransmission
      c.at(0.3005).send('c', 'x'.repeat(10), { seq: rel('c', 20), keepSeq: true }); // ahead of a hole: held
      c.at(0.31).ack('s', { ack: s1 }).ack('s', { ack: s1 }).ack('s', { ack: s1 }); // duplicate ACKs
      c.at(0.32).send('c', 'y'.repeat(20)).send('c', 'z'.repeat(10)); // fills the hole, then past the held bytes
      c.at(0.4).ack('s');
      c.at(5).keepAlive('c').ack('s');
      c.at(6).send('s', 'w'.repeat(25), { window: 0 }).ack('c', { window: 0 }); // zero window
      c.at(6.2).send('s', 'q', { keepSeq: true }).ack('c', { window: 0 }); // zero-window probe and its ACK
      c.at(7).ack('c', { window: 1000 }); // window update
      c.at(8).ack('s', { ack: rel('c', 50) }); // acknowledges bytes never captured
      c.at(9).fin('c').fin('s').ack('c');
      const recs = track(c);
      expect(recs, `ISN ${clientIsn}`).toHaveLength(1);
      return recs[0]!;
    };
    const plain = scenario(1000, 500000);
    for (const [clientIsn, serverIsn] of [
      [2 ** 31 - 35, 2 ** 31 - 10],
      [2 ** 31 - 75, 2 ** 32 - 20],
      [2 ** 32 - 35, 2 ** 31 + 3],
    ] as const) {
      const moved = scenario(clientIsn, serverIsn);
      expect(moved.segments).toEqual(plain.segments);
      expect(moved.data).toEqual(plain.data);
      expect(moved.gaps).toEqual(plain.gaps);
    }
    // The scenario does reach the rules it is meant to.
    const flags = new Set(plain.segments.flatMap((x) => x.flags));
    for (const f of ['Retransmission', 'Dup ACK', 'Keep-Alive', 'Keep-Alive ACK', 'ZeroWindow', 'ZeroWindowProbe', 'Window Update', 'ACKed unseen segment', 'Window Full']) {
      expect(flags, f).toContain(f);
    }
    expect(plain.gaps.length).toBeGreaterThan(0);
  });

  it('declares a gap of the exact size when the peer ACKs bytes the capture never saw', () => {
    const c = new Conversation().handshake();
    const s0 = c.nextSeq('c');
    c.send('c', 'one-').send('c', 'LOST!', { keepSeq: false });
    c.packets.pop(); // the segment was on the wire but not in the capture
    c.send('c', '-three');
    c.ack('s'); // the broker acknowledges everything
    const [rec] = track(c);
    expect(s0).toBeGreaterThan(0);
    expect(rec!.data.c2s).toBe('one-<gap 5>-three');
    expect(rec!.gaps).toEqual([{ dir: 'c2s', length: 5, reason: 'not-captured', packet: 6 }]);
  });

  it('flushes held data with an explicit gap when the connection ends before the hole fills', () => {
    const c = new Conversation().handshake();
    const s0 = c.nextSeq('c');
    c.send('c', 'tail', { seq: s0 + 10 });
    const [rec] = track(c);
    expect(rec!.data.c2s).toBe('<gap 10>tail');
    expect(rec!.gaps[0]!.reason).toBe('connection-end');
  });

  it('delivers what the snap length kept and the rest as a gap, never glued over', () => {
    const c = new Conversation().handshake();
    c.send('c', 'ABCDEFGHIJ', { capturePayload: 4 }).send('c', 'next');
    const [rec] = track(c);
    expect(rec!.data.c2s).toBe('ABCD<gap 6>next');
    expect(rec!.gaps[0]).toMatchObject({ length: 6, reason: 'snap-length', packet: 4 });
  });
});

describe('TcpTracker: Wireshark analysis flags', () => {
  it('marks keep-alives and their ACKs, and does not deliver a 1-byte keep-alive again', () => {
    const c = new Conversation().handshake();
    c.at(1).send('c', 'data').ack('s');
    c.at(61).keepAlive('c');
    c.at(61.0001).ack('s');
    const s = c.nextSeq('c');
    c.at(71).send('c', 'a', { seq: s - 1, keepSeq: true }); // Windows-style keep-alive with a garbage byte
    const [rec] = track(c);
    expect(flagsOf(rec!, 6)).toEqual(['Keep-Alive']);
    expect(flagsOf(rec!, 7)).toEqual(['Keep-Alive ACK']);
    expect(flagsOf(rec!, 8)).toEqual(['Keep-Alive']);
    expect(rec!.data.c2s).toBe('data');
  });

  it('marks zero window, zero-window probe and its ACK, and the window update', () => {
    const c = new Conversation().handshake();
    c.at(1).send('s', 'xxxx');
    c.at(1.01).ack('c', { window: 0 }); // the client stops reading
    c.at(1.2).send('s', 'y', { keepSeq: true }); // probe: one byte at the next sequence number
    c.at(1.21).ack('c', { window: 0 });
    c.at(2).ack('c', { window: 8192 });
    const [rec] = track(c);
    expect(flagsOf(rec!, 5)).toEqual(['ZeroWindow']);
    expect(flagsOf(rec!, 6)).toEqual(['ZeroWindowProbe']);
    expect(flagsOf(rec!, 7)).toEqual(['ZeroWindowProbeAck', 'ZeroWindow']);
    expect(flagsOf(rec!, 8)).toEqual(['Window Update']);
  });

  it('counts duplicate ACKs and marks a fast retransmission', () => {
    const c = new Conversation().handshake();
    const s0 = c.nextSeq('c');
    c.at(1).send('c', 'AAAA');
    c.at(1.001).send('c', 'BBBB');
    c.packets.pop(); // lost
    c.at(1.002).send('c', 'CCCC');
    c.at(1.003).ack('s', { ack: s0 + 4 });
    c.at(1.004).ack('s', { ack: s0 + 4 });
    c.at(1.005).ack('s', { ack: s0 + 4 });
    c.at(1.006).send('c', 'BBBB', { seq: s0 + 4 });
    const [rec] = track(c);
    // 4 AAAA, (BBBB lost), 5 CCCC, 6 ACK of AAAA, 7 and 8 duplicate ACKs, 9 BBBB again.
    expect(flagsOf(rec!, 5)).toContain('Previous segment not captured');
    expect(flagsOf(rec!, 6)).not.toContain('Dup ACK');
    expect(flagsOf(rec!, 7)).toContain('Dup ACK');
    expect(flagsOf(rec!, 8)).toContain('Dup ACK');
    expect(flagsOf(rec!, 9)).toContain('Fast Retransmission');
    expect(rec!.data.c2s).toBe('AAAABBBBCCCC');
  });

  it('marks a segment that fills the scaled receive window (Window Full)', () => {
    const c = new Conversation().handshake(7); // both sides scale by 2^7
    c.at(1).ack('s', { window: 1 }); // the broker advertises 128 bytes
    c.at(1.1).send('c', 'x'.repeat(128));
    const [rec] = track(c);
    expect(flagsOf(rec!, 5)).toContain('Window Full');
  });
});
