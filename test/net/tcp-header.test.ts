import { describe, expect, it } from 'vitest';
import { createTcpSegment, decodePacket } from '../../src/net/decode.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../src/net/types.js';
import type { PacketKind, TcpSegment } from '../../src/net/types.js';
import { tcpFlags, tcpPacket } from '../helpers/packets.js';
import type { TcpSpec } from '../helpers/packets.js';

const SPEC: TcpSpec = { src: '127.0.0.1', dst: '127.0.0.1', sport: 47712, dport: 5672, seq: 1, ack: 2, flags: 'A' };
/** Ethernet (14) + IPv4 (20): where the TCP header starts in frames built with the default link. */
const TCP = 34;

function decode(bytes: Uint8Array, origLen = bytes.length): { kind: PacketKind; seg: TcpSegment } {
  const seg = createTcpSegment();
  return { kind: decodePacket(1, bytes, origLen, seg), seg };
}

describe('fixed header fields', () => {
  it('ports, window and the flag byte', () => {
    const { seg } = decode(tcpPacket({ ...SPEC, sport: 65535, dport: 1, window: 0xabcd, flags: 'FSRPAUEC' }));
    expect([seg.srcPort, seg.dstPort, seg.window, seg.flags]).toEqual([65535, 1, 0xabcd, 0xff]);
  });

  it.each([
    ['S', TCP_SYN],
    ['SA', TCP_SYN | TCP_ACK],
    ['A', TCP_ACK],
    ['PA', TCP_PSH | TCP_ACK],
    ['FA', TCP_FIN | TCP_ACK],
    ['R', TCP_RST],
    ['RA', TCP_RST | TCP_ACK],
    ['', 0],
  ])('flags %j -> %i', (letters, bits) => {
    expect(tcpFlags(letters)).toBe(bits);
    expect(decode(tcpPacket({ ...SPEC, flags: letters })).seg.flags).toBe(bits);
  });

  it('the NS bit (low bit of the data-offset byte) is not part of flags', () => {
    const frame = tcpPacket(SPEC);
    frame[TCP + 12] = frame[TCP + 12]! | 1;
    const { kind, seg } = decode(frame);
    expect(kind).toBe('tcp');
    expect(seg.flags).toBe(TCP_ACK);
  });

  it('sequence and acknowledgement numbers are unsigned 32-bit', () => {
    for (const [seq, ack] of [
      [0, 0],
      [0x7fff_ffff, 0x8000_0000],
      [0xffff_ffff, 0xffff_fffe],
      [0x8000_0001, 1],
    ] as const) {
      const { seg } = decode(tcpPacket({ ...SPEC, seq, ack }));
      expect(seg.seq).toBe(seq);
      expect(seg.ack).toBe(ack);
    }
  });
});

describe('options', () => {
  it('MSS and window scale on a SYN', () => {
    const { seg } = decode(tcpPacket({ ...SPEC, flags: 'S', mss: 1460, windowScale: 7 }));
    expect(seg.mss).toBe(1460);
    expect(seg.windowScale).toBe(7);
  });

  it('-1 when absent, and reset between packets through the same struct', () => {
    const seg = createTcpSegment();
    const syn = tcpPacket({ ...SPEC, flags: 'S', mss: 65495, windowScale: 10 });
    expect(decodePacket(1, syn, syn.length, seg)).toBe('tcp');
    expect([seg.mss, seg.windowScale]).toEqual([65495, 10]);
    const ack = tcpPacket(SPEC);
    expect(decodePacket(1, ack, ack.length, seg)).toBe('tcp');
    expect([seg.mss, seg.windowScale]).toEqual([-1, -1]);
  });

  it('Linux SYN layout: MSS, SACK-permitted, timestamps, NOP, window scale', () => {
    // 02 04 ff d7 04 02 08 0a <ts 8 bytes> 01 03 03 0a, as in captures/pika-long-callback.pcap packet 1.
    const options = Uint8Array.of(0x04, 0x02, 0x08, 0x0a, 0xc3, 0x83, 0x86, 0x34, 0, 0, 0, 0, 0x01, 0x03, 0x03, 0x0a);
    const { kind, seg } = decode(tcpPacket({ ...SPEC, flags: 'S', mss: 65495, tcpOptions: options }));
    expect(kind).toBe('tcp');
    expect(seg.mss).toBe(65495);
    expect(seg.windowScale).toBe(10);
  });

  it('the first SACK block, as unsigned sequence numbers; -1 when absent or malformed, reset between packets', () => {
    // NOP NOP, timestamps, NOP NOP, SACK with two blocks (kind 5, length 18): a D-SACK first, as Linux sends it.
    const sack = Uint8Array.of(5, 18, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 8, 0, 0, 0x10, 0, 0, 0, 0x20, 0);
    const options = Uint8Array.of(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, ...sack);
    const seg = createTcpSegment();
    const withSack = tcpPacket({ ...SPEC, ack: 8, tcpOptions: options });
    expect(decodePacket(1, withSack, withSack.length, seg)).toBe('tcp');
    expect([seg.sackLeft, seg.sackRight]).toEqual([0xfffffff0, 8]);
    const plain = tcpPacket(SPEC);
    expect(decodePacket(1, plain, plain.length, seg)).toBe('tcp');
    expect([seg.sackLeft, seg.sackRight]).toEqual([-1, -1]);
    // A length that is not 2 + 8k is no SACK block.
    expect(decode(tcpPacket({ ...SPEC, tcpOptions: Uint8Array.of(5, 6, 0, 0, 0, 1) })).seg.sackLeft).toBe(-1);
  });

  it('the window-scale shift is passed on raw, even above RFC 7323 limit of 14', () => {
    expect(decode(tcpPacket({ ...SPEC, flags: 'S', windowScale: 15 })).seg.windowScale).toBe(15);
  });

  it('EOL ends the list: options after it are not read', () => {
    const { seg } = decode(tcpPacket({ ...SPEC, tcpOptions: Uint8Array.of(0, 2, 4, 5, 0xb4) }));
    expect(seg.mss).toBe(-1);
  });

  it('an option with the wrong length for its kind is ignored, and the walk goes on', () => {
    // MSS with length 6 (skipped as 6 bytes), then a proper window scale.
    const { seg } = decode(tcpPacket({ ...SPEC, tcpOptions: Uint8Array.of(2, 6, 5, 0xb4, 0, 0, 3, 3, 9) }));
    expect(seg.mss).toBe(-1);
    expect(seg.windowScale).toBe(9);
  });

  it('a bad option length (0, 1, past the header) stops the walk; the segment stays tcp', () => {
    for (const bad of [
      Uint8Array.of(2, 4, 5, 0xb4, 8, 0, 3, 3, 9), // length 0: would loop forever if trusted
      Uint8Array.of(2, 4, 5, 0xb4, 8, 1, 3, 3, 9), // length 1
      Uint8Array.of(2, 4, 5, 0xb4, 8, 40, 3, 3, 9), // runs past the option area
    ]) {
      const { kind, seg } = decode(tcpPacket({ ...SPEC, payload: 'data', tcpOptions: bad }));
      expect(kind).toBe('tcp');
      expect(seg.mss).toBe(0x5b4); // read before the bad option
      expect(seg.windowScale).toBe(-1); // after it: not read
      expect(Buffer.from(seg.payload).toString()).toBe('data');
    }
  });

  it('a kind byte alone at the end of the option area is ignored', () => {
    const { kind, seg } = decode(tcpPacket({ ...SPEC, tcpOptions: Uint8Array.of(1, 1, 1, 2) }));
    expect(kind).toBe('tcp');
    expect(seg.mss).toBe(-1);
  });

  it('options cut by the snap length: still tcp, read as far as captured, empty payload', () => {
    const frame = tcpPacket({ ...SPEC, flags: 'S', mss: 1460, windowScale: 7, payload: 'abc' }); // options: 8 bytes
    const upToMss = decode(frame.subarray(0, TCP + 24), frame.length);
    expect(upToMss.kind).toBe('tcp');
    expect(upToMss.seg.mss).toBe(1460);
    expect(upToMss.seg.windowScale).toBe(-1); // its bytes were not captured
    expect(upToMss.seg.payloadLength).toBe(3);
    expect(upToMss.seg.payload.length).toBe(0);
    const partOfWs = decode(frame.subarray(0, TCP + 27), frame.length);
    expect(partOfWs.seg.windowScale).toBe(-1);
    const all = decode(frame.subarray(0, TCP + 28), frame.length);
    expect(all.seg.windowScale).toBe(7);
    expect(all.seg.payload.length).toBe(0);
  });
});

describe('data offset and lengths', () => {
  it('data offset below 5 is malformed', () => {
    const frame = tcpPacket(SPEC);
    for (const words of [0, 1, 4]) {
      frame[TCP + 12] = words << 4;
      expect(decode(frame).kind).toBe('malformed');
    }
  });

  it('data offset beyond the IP-declared length is malformed', () => {
    const frame = tcpPacket({ ...SPEC, payload: 'abcd' }); // 20 + 4 bytes declared
    frame[TCP + 12] = 7 << 4; // says 28
    expect(decode(frame).kind).toBe('malformed');
    frame[TCP + 12] = 6 << 4; // says 24: the 4 payload bytes become options, no payload
    const { kind, seg } = decode(frame);
    expect(kind).toBe('tcp');
    expect(seg.payloadLength).toBe(0);
  });

  it('data offset 15 (60-byte header) is accepted', () => {
    const { kind, seg } = decode(tcpPacket({ ...SPEC, tcpOptions: new Uint8Array(40).fill(1), payload: 'p' }));
    expect(kind).toBe('tcp');
    expect(seg.payloadLength).toBe(1);
    expect(Buffer.from(seg.payload).toString()).toBe('p');
  });

  it('payloadLength is the IP length minus both headers', () => {
    const payload = new Uint8Array(1448).map((_, i) => i & 0xff);
    const { seg } = decode(tcpPacket({ ...SPEC, mss: 1460, payload }));
    expect(seg.payloadLength).toBe(1448);
    expect(Array.from(seg.payload)).toEqual(Array.from(payload));
  });
});

describe('payload view', () => {
  it('views the packet bytes (no copy) as a plain Uint8Array, also when the input is a Buffer', () => {
    const frame = Buffer.from(tcpPacket({ ...SPEC, payload: 'AMQP' }));
    const { seg } = decode(frame);
    expect(Object.getPrototypeOf(seg.payload)).toBe(Uint8Array.prototype);
    expect(seg.payload.buffer).toBe(frame.buffer);
    expect(seg.payload.byteOffset).toBe(frame.byteOffset + TCP + 20);
    frame[TCP + 20] = 0x61;
    expect(seg.payload[0]).toBe(0x61);
  });

  it('works on a view into a bigger buffer (as the capture reader passes them)', () => {
    const frame = tcpPacket({ ...SPEC, payload: 'inner' });
    const big = new Uint8Array(frame.length + 1000).fill(0xaa);
    big.set(frame, 500);
    const { kind, seg } = decode(big.subarray(500, 500 + frame.length));
    expect(kind).toBe('tcp');
    expect(Buffer.from(seg.payload).toString()).toBe('inner');
  });
});

describe('empty payloads', () => {
  it('share one zero-length array (no allocation for pure ACKs)', () => {
    const a = decode(tcpPacket(SPEC)).seg.payload;
    const b = decode(tcpPacket({ ...SPEC, flags: 'S', mss: 1460 })).seg.payload;
    expect(a.length).toBe(0);
    expect(a).toBe(b);
    a[0] = 5; // a zero-length typed array ignores writes, so sharing it cannot leak data between packets
    expect(a[0]).toBeUndefined();
  });
});
