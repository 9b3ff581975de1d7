import { describe, expect, it } from 'vitest';
import { createTcpSegment, decodePacket, formatAddress, linkTypeName } from '../../src/net/decode.js';
import type { PacketKind, TcpSegment } from '../../src/net/types.js';
import { arpFrame, ipv4Datagram, linkFrame, linkTypeOf, tcpPacket } from '../helpers/packets.js';
import type { LinkSpec, TcpSpec } from '../helpers/packets.js';

const V4: TcpSpec = {
  src: '10.0.0.1',
  dst: '10.0.0.2',
  sport: 47712,
  dport: 5672,
  seq: 1000,
  ack: 2000,
  flags: 'PA',
  payload: 'AMQP\x00\x00\x09\x01',
};
const V6: TcpSpec = { ...V4, src: '2001:db8::1', dst: '2001:db8::2' };

function decode(bytes: Uint8Array, linkType: number): { kind: PacketKind; seg: TcpSegment } {
  const seg = createTcpSegment();
  return { kind: decodePacket(linkType, bytes, bytes.length, seg), seg };
}

function text(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

function expectSegment(bytes: Uint8Array, linkType: number, spec: TcpSpec): void {
  const { kind, seg } = decode(bytes, linkType);
  expect(kind).toBe('tcp');
  expect(seg.ipVersion).toBe(spec.src.includes(':') ? 6 : 4);
  expect(formatAddress(seg.ipVersion, seg.src0, seg.src1, seg.src2, seg.src3)).toBe(spec.src);
  expect(formatAddress(seg.ipVersion, seg.dst0, seg.dst1, seg.dst2, seg.dst3)).toBe(spec.dst);
  expect([seg.srcPort, seg.dstPort, seg.seq, seg.ack, seg.flags]).toEqual([47712, 5672, 1000, 2000, 0x18]);
  expect(seg.payloadLength).toBe(8);
  expect(text(seg.payload)).toBe('AMQP\x00\x00\x09\x01');
}

describe('every supported link type carries IPv4 and IPv6 TCP', () => {
  const links: [string, LinkSpec][] = [
    ['Ethernet', { type: 'ethernet' }],
    ['Ethernet, one 802.1Q tag', { type: 'ethernet', vlans: [100] }],
    ['Ethernet, 802.1ad + 802.1Q', { type: 'ethernet', vlans: [0x88a8_0064, 0x8100_00c8] }],
    ['Ethernet, 0x9100 + 802.1ad + 802.1Q', { type: 'ethernet', vlans: [0x9100_0001, 0x88a8_0002, 0x8100_0003] }],
    ['Linux SLL', { type: 'sll' }],
    ['Linux SLL2', { type: 'sll2' }],
    ['NULL, little-endian writer, AF_INET6 30', { type: 'null', littleEndian: true, af6: 30 }],
    ['NULL, big-endian writer, AF_INET6 30', { type: 'null', littleEndian: false, af6: 30 }],
    ['NULL, little-endian, AF_INET6 24', { type: 'null', littleEndian: true, af6: 24 }],
    ['NULL, big-endian, AF_INET6 28', { type: 'null', littleEndian: false, af6: 28 }],
    ['LOOP', { type: 'loop' }],
    ['LOOP, AF_INET6 28', { type: 'loop', af6: 28 }],
    ['RAW 101', { type: 'raw', linkType: 101 }],
    ['RAW 12', { type: 'raw', linkType: 12 }],
    ['RAW 14', { type: 'raw', linkType: 14 }],
  ];
  for (const [name, link] of links) {
    it(`${name} (link type ${linkTypeOf(link)}): IPv4`, () => {
      expectSegment(tcpPacket(V4, link), linkTypeOf(link), V4);
    });
    it(`${name} (link type ${linkTypeOf(link)}): IPv6`, () => {
      expectSegment(tcpPacket(V6, link), linkTypeOf(link), V6);
    });
  }

  it('IPV4 (228) and IPV6 (229)', () => {
    expect(linkTypeOf({ type: 'ipv4' })).toBe(228);
    expect(linkTypeOf({ type: 'ipv6' })).toBe(229);
    expectSegment(tcpPacket(V4, { type: 'ipv4' }), 228, V4);
    expectSegment(tcpPacket(V6, { type: 'ipv6' }), 229, V6);
  });

  it('the link header sizes are right: the IP header starts where each layout says', () => {
    // TTL is the 9th IPv4 byte: a wrong link offset would read some other byte as TTL.
    const sizes: [LinkSpec, number][] = [
      [{ type: 'ethernet' }, 14],
      [{ type: 'ethernet', vlans: [1, 2, 3] }, 26],
      [{ type: 'sll' }, 16],
      [{ type: 'sll2' }, 20],
      [{ type: 'null' }, 4],
      [{ type: 'loop' }, 4],
      [{ type: 'raw' }, 0],
    ];
    for (const [link, size] of sizes) {
      const bytes = tcpPacket({ ...V4, ttl: 201 }, link);
      expect(bytes[size + 8]).toBe(201);
      const { kind, seg } = decode(bytes, linkTypeOf(link));
      expect(kind).toBe('tcp');
      expect(seg.ttl).toBe(201);
    }
  });
});

describe('link layers that are not IP', () => {
  it('ARP on Ethernet, SLL and SLL2 is not-ip', () => {
    expect(decode(arpFrame(), 1).kind).toBe('not-ip');
    expect(decode(arpFrame({}, { type: 'sll' }), 113).kind).toBe('not-ip');
    expect(decode(arpFrame({}, { type: 'sll2' }), 276).kind).toBe('not-ip');
    expect(decode(arpFrame({}, { type: 'ethernet', vlans: [7] }), 1).kind).toBe('not-ip');
  });

  it('LLDP and 802.3 length-field (LLC) frames are not-ip', () => {
    const ip = ipv4Datagram({ src: '1.2.3.4', dst: '5.6.7.8', protocol: 6, payload: new Uint8Array(20) });
    expect(decode(linkFrame(ip, 0x88cc), 1).kind).toBe('not-ip');
    expect(decode(linkFrame(ip, 0x0026), 1).kind).toBe('not-ip');
  });

  it('an EtherType saying IPv4 over an IPv6 packet is malformed (version check)', () => {
    const v6 = tcpPacket(V6);
    v6[12] = 0x08;
    v6[13] = 0x00;
    expect(decode(v6, 1).kind).toBe('malformed');
  });

  it('SLL / SLL2 with hatype ARPHRD_NETLINK are not-ip even when the protocol number reads 0x0800', () => {
    expect(decode(tcpPacket(V4, { type: 'sll', hatype: 824 }), 113).kind).toBe('not-ip');
    expect(decode(tcpPacket(V4, { type: 'sll2', hatype: 824 }), 276).kind).toBe('not-ip');
    // ARPHRD_LOOPBACK (772), what `-i any` gives for lo, is an ordinary EtherType carrier.
    expect(decode(tcpPacket(V4, { type: 'sll2', hatype: 772 }), 276).kind).toBe('tcp');
  });

  it('SLL and SLL2 walk VLAN tags after the cooked header', () => {
    const ip = ipv4Datagram({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, payload: tcpPacket(V4, { type: 'ipv4' }).subarray(20) });
    const tagged = new Uint8Array(4 + ip.length);
    tagged.set([0x00, 0x64, 0x08, 0x00]); // TCI vlan 100, inner EtherType IPv4
    tagged.set(ip, 4);
    for (const link of [{ type: 'sll' }, { type: 'sll2' }] as const) {
      const { kind, seg } = decode(linkFrame(tagged, 0x8100, link), linkTypeOf(link));
      expect(kind).toBe('tcp');
      expect(seg.dstPort).toBe(5672);
      expect(text(seg.payload)).toBe('AMQP\x00\x00\x09\x01');
    }
  });

  it('NULL / LOOP: unknown address families are not-ip', () => {
    const pkt = tcpPacket(V4, { type: 'null' });
    pkt.set([7, 0, 0, 0], 0); // AF 7 in either order
    expect(decode(pkt, 0).kind).toBe('not-ip');
    pkt.set([0, 0, 0, 0], 0); // AF_UNSPEC
    expect(decode(pkt, 0).kind).toBe('not-ip');
    pkt.set([0, 0, 0, 10], 0); // Linux AF_INET6 is not a BSD loopback value
    expect(decode(pkt, 0).kind).toBe('not-ip');
  });

  it('LOOP is network byte order only: a little-endian family word is not recognised', () => {
    const pkt = tcpPacket(V4, { type: 'null', littleEndian: true });
    expect(decode(pkt, 0).kind).toBe('tcp');
    expect(decode(pkt, 108).kind).toBe('not-ip');
    expect(decode(tcpPacket(V4, { type: 'loop' }), 108).kind).toBe('tcp');
  });

  it('NULL: the family decides the IP version, not the packet', () => {
    const pkt = tcpPacket(V4, { type: 'null' });
    pkt.set([30, 0, 0, 0], 0); // says IPv6, carries IPv4
    expect(decode(pkt, 0).kind).toBe('malformed');
  });
});

describe('raw IP link types', () => {
  it('101, 12 and 14 follow the version nibble', () => {
    for (const lt of [101, 12, 14]) {
      expect(decode(tcpPacket(V4, { type: 'raw' }), lt).seg.ipVersion).toBe(4);
      expect(decode(tcpPacket(V6, { type: 'raw' }), lt).seg.ipVersion).toBe(6);
    }
  });

  it('a version nibble other than 4 or 6, or no bytes at all, is malformed', () => {
    const pkt = tcpPacket(V4, { type: 'raw' });
    for (const version of [0, 5, 7, 15]) {
      pkt[0] = (version << 4) | 5;
      expect(decode(pkt, 101).kind).toBe('malformed');
    }
    expect(decode(new Uint8Array(0), 101).kind).toBe('malformed');
  });

  it('228 accepts only IPv4 and 229 only IPv6', () => {
    expect(decode(tcpPacket(V6, { type: 'raw' }), 228).kind).toBe('malformed');
    expect(decode(tcpPacket(V4, { type: 'raw' }), 229).kind).toBe('malformed');
  });
});

describe('link headers cut short', () => {
  const cases: [LinkSpec, number][] = [
    [{ type: 'ethernet' }, 14],
    [{ type: 'ethernet', vlans: [1, 2] }, 22],
    [{ type: 'sll' }, 16],
    [{ type: 'sll2' }, 20],
    [{ type: 'null' }, 4],
    [{ type: 'loop' }, 4],
  ];
  for (const [link, headerBytes] of cases) {
    it(`${JSON.stringify(link)}: every length below the ${headerBytes}-byte header is malformed`, () => {
      const pkt = tcpPacket(V4, link);
      for (let n = 0; n < headerBytes; n++) {
        expect(decode(pkt.subarray(0, n), linkTypeOf(link)).kind).toBe('malformed');
      }
    });
  }

  it('a VLAN tag announced but not captured is malformed', () => {
    const pkt = tcpPacket(V4, { type: 'ethernet', vlans: [5] });
    expect(decode(pkt.subarray(0, 14), 1).kind).toBe('malformed');
    expect(decode(pkt.subarray(0, 17), 1).kind).toBe('malformed');
    // The tag is complete: now the IPv4 header is what is missing.
    expect(decode(pkt.subarray(0, 18), 1).kind).toBe('malformed');
    expect(decode(pkt, 1).kind).toBe('tcp');
  });

  it('a frame of nothing but VLAN tags ends as malformed, not in a loop', () => {
    const frame = new Uint8Array(14 + 4 * 1000);
    for (let at = 12; at <= frame.length - 2; at += 4) frame.set([0x81, 0x00], at);
    expect(decode(frame, 1).kind).toBe('malformed');
  });
});

describe('unsupported link types', () => {
  it('anything outside the table is unsupported-link, with a name that says so', () => {
    const pkt = tcpPacket(V4);
    for (const lt of [2, 9, 105, 127, 147, 239, 258, 277, 65535, -1, 1.5]) {
      expect(decode(pkt, lt).kind).toBe('unsupported-link');
    }
    expect(linkTypeName(127)).toBe('LINKTYPE 127 (unsupported)');
  });

  it('supported link types have their report names', () => {
    expect(linkTypeName(1)).toBe('EN10MB (Ethernet)');
    expect(linkTypeName(113)).toBe('LINUX_SLL');
    expect(linkTypeName(276)).toBe('LINUX_SLL2');
    expect(linkTypeName(0)).toBe('NULL (BSD loopback)');
    expect(linkTypeName(108)).toBe('LOOP (OpenBSD loopback)');
    expect(linkTypeName(101)).toBe('RAW (raw IP)');
    expect(linkTypeName(12)).toMatch(/^RAW/);
    expect(linkTypeName(14)).toMatch(/^RAW/);
    expect(linkTypeName(228)).toMatch(/^IPV4/);
    expect(linkTypeName(229)).toMatch(/^IPV6/);
  });
});
