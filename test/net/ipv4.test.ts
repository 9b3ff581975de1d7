import { describe, expect, it } from 'vitest';
import { createTcpSegment, decodePacket, formatAddress } from '../../src/net/decode.js';
import type { PacketKind, TcpSegment } from '../../src/net/types.js';
import { icmpEchoPacket, ipv4Datagram, ipv4Fragment, linkFrame, tcpPacket, udpPacket } from '../helpers/packets.js';
import type { TcpSpec } from '../helpers/packets.js';

const SPEC: TcpSpec = {
  src: '192.168.1.10',
  dst: '10.20.30.40',
  sport: 51000,
  dport: 5672,
  seq: 7,
  ack: 9,
  flags: 'PA',
  ttl: 63,
  ipId: 0xbeef,
  payload: 'x'.repeat(100),
};

function decode(bytes: Uint8Array, origLen = bytes.length, linkType = 1): { kind: PacketKind; seg: TcpSegment } {
  const seg = createTcpSegment();
  return { kind: decodePacket(linkType, bytes, origLen, seg), seg };
}

/** Rewrites an Ethernet+IPv4 frame's 16-bit field at IP offset `at` (the checksum is not checked by the decoder). */
function setIp16(frame: Uint8Array, at: number, v: number): void {
  frame[14 + at] = v >> 8;
  frame[14 + at + 1] = v & 0xff;
}

describe('IPv4 header fields', () => {
  it('addresses (IPv4-mapped words), TTL and identification', () => {
    const { kind, seg } = decode(tcpPacket(SPEC));
    expect(kind).toBe('tcp');
    expect(seg.ipVersion).toBe(4);
    expect([seg.src0, seg.src1, seg.src2, seg.src3]).toEqual([0, 0, 0xffff, 0xc0a8010a]);
    expect([seg.dst0, seg.dst1, seg.dst2, seg.dst3]).toEqual([0, 0, 0xffff, 0x0a141e28]);
    expect(formatAddress(4, seg.src0, seg.src1, seg.src2, seg.src3)).toBe('192.168.1.10');
    expect(seg.ttl).toBe(63);
    expect(seg.ipId).toBe(0xbeef);
  });

  it('a source address above 2^31 is stored unsigned', () => {
    const { seg } = decode(tcpPacket({ ...SPEC, src: '255.254.253.252' }));
    expect(seg.src3).toBe(0xfffefdfc);
  });

  it('options (IHL 7 and IHL 15) are skipped to find TCP', () => {
    for (const options of [Uint8Array.of(0x94, 4, 0, 0, 1, 1, 1, 0), new Uint8Array(40).fill(1)]) {
      const frame = tcpPacket({ ...SPEC, ipOptions: options });
      expect(frame[14]! & 0x0f).toBe(5 + options.length / 4);
      const { kind, seg } = decode(frame);
      expect(kind).toBe('tcp');
      expect([seg.srcPort, seg.dstPort, seg.seq, seg.ack]).toEqual([51000, 5672, 7, 9]);
      expect(seg.payloadLength).toBe(100);
      expect(Buffer.from(seg.payload).toString()).toBe('x'.repeat(100));
    }
  });
});

describe('captured length vs IP total length', () => {
  it('Ethernet padding on a bare ACK is not payload', () => {
    const frame = tcpPacket({ ...SPEC, flags: 'A', payload: undefined }, { type: 'ethernet', pad: true });
    expect(frame.length).toBe(60); // 54 bytes of headers + 6 of padding
    frame.fill(0xee, 54); // padding need not be zeros
    const { kind, seg } = decode(frame);
    expect(kind).toBe('tcp');
    expect(seg.payloadLength).toBe(0);
    expect(seg.payload.length).toBe(0);
  });

  it('Ethernet padding after a 2-byte payload is cut at the IP length', () => {
    const frame = tcpPacket({ ...SPEC, payload: 'ok' }, { type: 'ethernet', pad: true });
    expect(frame.length).toBe(60);
    frame.fill(0xee, 56);
    const { seg } = decode(frame);
    expect(seg.payloadLength).toBe(2);
    expect(Buffer.from(seg.payload).toString()).toBe('ok');
  });

  it('a captured frame check sequence is not payload', () => {
    const bare = tcpPacket(SPEC);
    const withFcs = new Uint8Array(bare.length + 4);
    withFcs.set(bare);
    withFcs.set([0xde, 0xad, 0xbe, 0xef], bare.length);
    const { seg } = decode(withFcs);
    expect(seg.payload.length).toBe(100);
    expect(seg.payload[99]).toBe(0x78);
  });

  it('a packet cut by the snap length keeps the declared payloadLength and the bytes it has', () => {
    const frame = tcpPacket(SPEC); // 14 + 20 + 20 + 100
    const snapped = frame.subarray(0, 96);
    const { kind, seg } = decode(snapped, frame.length);
    expect(kind).toBe('tcp');
    expect(seg.payloadLength).toBe(100);
    expect(seg.payload.length).toBe(96 - 54);
    expect(seg.payloadLength).toBeGreaterThan(seg.payload.length);
    expect(Buffer.from(seg.payload).toString()).toBe('x'.repeat(42));
  });

  it('Total Length 0 (segmentation offload) takes the length on the wire', () => {
    const frame = tcpPacket(SPEC);
    setIp16(frame, 2, 0);
    const { kind, seg } = decode(frame);
    expect(kind).toBe('tcp');
    expect(seg.payloadLength).toBe(100);
    expect(seg.payload.length).toBe(100);
    // Snapped TSO packet: the wire length (origLen), not the captured length, is the datagram's length.
    const snapped = decode(frame.subarray(0, 80), frame.length);
    expect(snapped.kind).toBe('tcp');
    expect(snapped.seg.payloadLength).toBe(100);
    expect(snapped.seg.payload.length).toBe(26);
  });

  it('Total Length below the header length is malformed', () => {
    const frame = tcpPacket(SPEC);
    setIp16(frame, 2, 19);
    expect(decode(frame).kind).toBe('malformed');
  });

  it('Total Length leaving less than a TCP header is malformed', () => {
    const frame = tcpPacket(SPEC);
    setIp16(frame, 2, 20 + 19);
    expect(decode(frame).kind).toBe('malformed');
  });

  it('Total Length shorter than the TCP data offset is malformed', () => {
    const frame = tcpPacket({ ...SPEC, mss: 1460 }); // TCP header 24 bytes
    setIp16(frame, 2, 20 + 22);
    expect(decode(frame).kind).toBe('malformed');
    setIp16(frame, 2, 20 + 24);
    const { kind, seg } = decode(frame);
    expect(kind).toBe('tcp');
    expect(seg.payloadLength).toBe(0);
    expect(seg.payload.length).toBe(0);
  });
});

describe('IPv4 header errors', () => {
  it('a version nibble other than 4 is malformed', () => {
    const frame = tcpPacket(SPEC);
    frame[14] = 0x55;
    expect(decode(frame).kind).toBe('malformed');
  });

  it('IHL below 5 is malformed', () => {
    const frame = tcpPacket(SPEC);
    for (const ihl of [0, 1, 4]) {
      frame[14] = 0x40 | ihl;
      expect(decode(frame).kind).toBe('malformed');
    }
  });

  it('options cut by the snap length are malformed (TCP cannot be found)', () => {
    const frame = tcpPacket({ ...SPEC, ipOptions: new Uint8Array(8).fill(1) });
    expect(decode(frame.subarray(0, 14 + 24), frame.length).kind).toBe('malformed');
  });

  it('the header checksum is not checked (checksum offload leaves it wrong on the sender)', () => {
    const frame = tcpPacket(SPEC);
    setIp16(frame, 10, 0);
    expect(decode(frame).kind).toBe('tcp');
  });
});

describe('fragments are counted, never decoded', () => {
  const tcpBytes = tcpPacket(SPEC, { type: 'ipv4' }).subarray(20); // TCP header + 100 bytes
  const frags = {
    first: ipv4Fragment({ src: SPEC.src, dst: SPEC.dst, offset: 0, more: true, payload: tcpBytes.subarray(0, 64) }),
    middle: ipv4Fragment({ src: SPEC.src, dst: SPEC.dst, offset: 64, more: true, payload: tcpBytes.subarray(64, 96) }),
    last: ipv4Fragment({ src: SPEC.src, dst: SPEC.dst, offset: 96, more: false, payload: tcpBytes.subarray(96) }),
  };
  for (const [name, frame] of Object.entries(frags)) {
    it(`the ${name} fragment is ip-fragment`, () => {
      expect(decode(frame).kind).toBe('ip-fragment');
    });
  }

  it('the first fragment carries a complete TCP header and is still not decoded', () => {
    const { kind, seg } = decode(frags.first);
    expect(kind).toBe('ip-fragment');
    expect(seg.srcPort).toBe(0); // untouched
  });

  it('a UDP fragment is a fragment too', () => {
    const frame = ipv4Fragment({ src: '1.1.1.1', dst: '2.2.2.2', protocol: 17, offset: 8, more: false, payload: new Uint8Array(8) });
    expect(decode(frame).kind).toBe('ip-fragment');
  });

  it('DF alone is a whole datagram; the reserved (evil) bit alone is too', () => {
    const frame = tcpPacket(SPEC);
    expect(frame[14 + 6]).toBe(0x40); // DF set by the builder
    expect(decode(frame).kind).toBe('tcp');
    frame[14 + 6] = 0x80;
    expect(decode(frame).kind).toBe('tcp');
  });
});

describe('other IPv4 protocols are not-tcp', () => {
  it('UDP and ICMP', () => {
    expect(decode(udpPacket({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5000, dport: 5001, payload: 'hi' })).kind).toBe('not-tcp');
    expect(decode(icmpEchoPacket({ src: '10.0.0.1', dst: '10.0.0.2' })).kind).toBe('not-tcp');
  });

  it('ESP, GRE, SCTP, and protocol 0', () => {
    for (const protocol of [50, 47, 132, 0, 255]) {
      const ip = ipv4Datagram({ src: '10.0.0.1', dst: '10.0.0.2', protocol, payload: new Uint8Array(40) });
      expect(decode(linkFrame(ip, 0x0800)).kind).toBe('not-tcp');
    }
  });
});
