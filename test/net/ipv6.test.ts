import { describe, expect, it } from 'vitest';
import { createTcpSegment, decodePacket, formatAddress } from '../../src/net/decode.js';
import type { PacketKind, TcpSegment } from '../../src/net/types.js';
import {
  icmpEchoPacket,
  ipv6Datagram,
  ipv6Fragment,
  ipv6NoNextHeaderPacket,
  linkFrame,
  tcpPacket,
  udpPacket,
} from '../helpers/packets.js';
import type { Ipv6ExtensionSpec, TcpSpec } from '../helpers/packets.js';

const SPEC: TcpSpec = {
  src: '2001:db8:aaaa::10',
  dst: 'fd00::5672',
  sport: 40000,
  dport: 5672,
  seq: 0x9000_0000,
  ack: 0xffff_fffe,
  flags: 'A',
  ttl: 17,
  payload: 'heartbeat',
};

function decode(bytes: Uint8Array, origLen = bytes.length, linkType = 1): { kind: PacketKind; seg: TcpSegment } {
  const seg = createTcpSegment();
  return { kind: decodePacket(linkType, bytes, origLen, seg), seg };
}

function expectHeartbeat(bytes: Uint8Array): TcpSegment {
  const { kind, seg } = decode(bytes);
  expect(kind).toBe('tcp');
  expect(seg.ipVersion).toBe(6);
  expect(formatAddress(6, seg.src0, seg.src1, seg.src2, seg.src3)).toBe('2001:db8:aaaa::10');
  expect(formatAddress(6, seg.dst0, seg.dst1, seg.dst2, seg.dst3)).toBe('fd00::5672');
  expect([seg.srcPort, seg.dstPort, seg.seq, seg.ack]).toEqual([40000, 5672, 0x9000_0000, 0xffff_fffe]);
  expect(seg.payloadLength).toBe(9);
  expect(Buffer.from(seg.payload).toString()).toBe('heartbeat');
  return seg;
}

describe('IPv6 fixed header', () => {
  it('addresses as four big-endian words, hop limit as ttl, no identification', () => {
    const seg = expectHeartbeat(tcpPacket(SPEC));
    expect([seg.src0, seg.src1, seg.src2, seg.src3]).toEqual([0x20010db8, 0xaaaa0000, 0, 0x10]);
    expect([seg.dst0, seg.dst1, seg.dst2, seg.dst3]).toEqual([0xfd000000, 0, 0, 0x5672]);
    expect(seg.ttl).toBe(17);
    expect(seg.ipId).toBe(-1);
  });

  it('a version nibble other than 6 is malformed', () => {
    const frame = tcpPacket(SPEC);
    frame[14] = 0x45;
    expect(decode(frame).kind).toBe('malformed');
  });

  it('trailing bytes after Payload Length (FCS, padding) are not payload', () => {
    const bare = tcpPacket(SPEC);
    const longer = new Uint8Array(bare.length + 6).fill(0xee);
    longer.set(bare);
    expect(Buffer.from(decode(longer).seg.payload).toString()).toBe('heartbeat');
  });

  it('a packet cut by the snap length keeps the declared payloadLength', () => {
    const frame = tcpPacket(SPEC);
    const { kind, seg } = decode(frame.subarray(0, frame.length - 4), frame.length);
    expect(kind).toBe('tcp');
    expect(seg.payloadLength).toBe(9);
    expect(Buffer.from(seg.payload).toString()).toBe('heart');
  });
});

describe('extension headers are walked', () => {
  const chains: [string, Ipv6ExtensionSpec[], number][] = [
    ['hop-by-hop', [{ type: 'hop-by-hop' }], 8],
    ['destination options (16 bytes)', [{ type: 'destination', length: 16 }], 16],
    ['routing', [{ type: 'routing', length: 24 }], 24],
    [
      'hop-by-hop + destination + routing + destination',
      [{ type: 'hop-by-hop' }, { type: 'destination' }, { type: 'routing' }, { type: 'destination', length: 32 }],
      56,
    ],
    ['authentication header (own length rule)', [{ type: 'ah', icvBytes: 12 }], 24],
    ['AH with a 28-byte ICV', [{ type: 'ah', icvBytes: 28 }], 40],
    ['hop-by-hop + AH + destination', [{ type: 'hop-by-hop' }, { type: 'ah' }, { type: 'destination' }], 40],
    ['atomic fragment (RFC 6946: offset 0, M clear)', [{ type: 'fragment', offset: 0, more: false }], 8],
  ];
  for (const [name, extensions, bytes] of chains) {
    it(name, () => {
      const plain = tcpPacket(SPEC);
      const frame = tcpPacket({ ...SPEC, ipv6Extensions: extensions });
      expect(frame.length - plain.length).toBe(bytes);
      const seg = expectHeartbeat(frame);
      expect(seg.payload.byteOffset - frame.byteOffset).toBe(14 + 40 + bytes + 20);
    });
  }

  it('a chain cut by the snap length before TCP is malformed; cut after the TCP header it is tcp', () => {
    const frame = tcpPacket({ ...SPEC, ipv6Extensions: [{ type: 'hop-by-hop' }, { type: 'destination', length: 16 }] });
    const tcpAt = 14 + 40 + 8 + 16;
    for (const cut of [14 + 40, 14 + 41, 14 + 47, 14 + 48, 14 + 50, tcpAt - 1, tcpAt, tcpAt + 19]) {
      expect(decode(frame.subarray(0, cut), frame.length).kind).toBe('malformed');
    }
    expect(decode(frame.subarray(0, tcpAt + 20), frame.length).kind).toBe('tcp');
  });

  it('an extension header longer than Payload Length is malformed', () => {
    const frame = tcpPacket({ ...SPEC, ipv6Extensions: [{ type: 'destination' }] });
    // Hdr Ext Len 200 -> 1608 bytes, far beyond the 8 + 20 + 9 declared.
    frame[14 + 40 + 1] = 200;
    expect(decode(frame).kind).toBe('malformed');
  });

  it('extension headers leaving less than a TCP header are malformed', () => {
    const frame = tcpPacket({ ...SPEC, ipv6Extensions: [{ type: 'hop-by-hop' }] });
    frame[14 + 4] = 0;
    frame[14 + 5] = 8 + 19; // Payload Length: the hop-by-hop header and 19 bytes
    expect(decode(frame).kind).toBe('malformed');
  });

  it('a jumbogram (Payload Length 0 + hop-by-hop jumbo option) is malformed', () => {
    const frame = tcpPacket({ ...SPEC, ipv6Extensions: [{ type: 'hop-by-hop' }] });
    frame[14 + 4] = 0;
    frame[14 + 5] = 0;
    frame.set([0xc2, 4, 0, 0, 0, 100], 14 + 40 + 2); // Jumbo Payload option
    expect(decode(frame).kind).toBe('malformed');
  });
});

describe('IPv6 fragments', () => {
  const tcpBytes = tcpPacket(SPEC, { type: 'ipv6' }).subarray(40);

  it('the first fragment (offset 0, M set) is ip-fragment', () => {
    const frame = ipv6Fragment({ src: SPEC.src, dst: SPEC.dst, offset: 0, more: true, payload: tcpBytes.subarray(0, 24) });
    expect(decode(frame).kind).toBe('ip-fragment');
  });

  it('a later fragment is ip-fragment, also behind other extension headers', () => {
    const last = ipv6Fragment({ src: SPEC.src, dst: SPEC.dst, offset: 24, more: false, payload: tcpBytes.subarray(24) });
    expect(decode(last).kind).toBe('ip-fragment');
    const behind = ipv6Fragment({
      src: SPEC.src,
      dst: SPEC.dst,
      offset: 24,
      more: false,
      payload: tcpBytes.subarray(24),
      extensions: [{ type: 'hop-by-hop' }, { type: 'routing' }],
    });
    expect(decode(behind).kind).toBe('ip-fragment');
  });

  it('a fragment header cut short is malformed', () => {
    const frame = ipv6Fragment({ src: SPEC.src, dst: SPEC.dst, offset: 8, more: true, payload: new Uint8Array(8) });
    expect(decode(frame.subarray(0, 14 + 40 + 7), frame.length).kind).toBe('malformed');
  });
});

describe('what is not TCP', () => {
  it('No Next Header (59), directly or after extension headers', () => {
    expect(decode(ipv6NoNextHeaderPacket({ src: '::1', dst: '::2' })).kind).toBe('not-tcp');
    expect(
      decode(ipv6NoNextHeaderPacket({ src: '::1', dst: '::2', extensions: [{ type: 'hop-by-hop' }, { type: 'destination' }] }))
        .kind,
    ).toBe('not-tcp');
  });

  it('UDP, ICMPv6, ESP, and UDP behind extension headers', () => {
    expect(decode(udpPacket({ src: '::1', dst: '::2', sport: 1000, dport: 2000, payload: 'x' })).kind).toBe('not-tcp');
    expect(decode(icmpEchoPacket({ src: 'fe80::1', dst: 'ff02::1' })).kind).toBe('not-tcp');
    const esp = ipv6Datagram({ src: '::1', dst: '::2', nextHeader: 50, payload: new Uint8Array(32) });
    expect(decode(linkFrame(esp, 0x86dd)).kind).toBe('not-tcp');
    const udpBehind = ipv6Datagram({
      src: '::1',
      dst: '::2',
      nextHeader: 17,
      payload: new Uint8Array(8),
      extensions: [{ type: 'hop-by-hop' }, { type: 'ah' }],
    });
    expect(decode(linkFrame(udpBehind, 0x86dd)).kind).toBe('not-tcp');
  });
});
