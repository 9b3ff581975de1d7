/**
 * The packet builders everybody's tests use (test/helpers/packets.ts) are checked here against the wire formats
 * directly, not through src/net, so that a decoder bug and a builder bug cannot cancel out.
 */
import { describe, expect, it } from 'vitest';
import {
  arpFrame,
  internetChecksum,
  ipv4Fragment,
  ipv6Fragment,
  linkTypeOf,
  parseIp,
  tcpFlags,
  tcpPacket,
  udpPacket,
} from '../helpers/packets.js';

const be16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const be32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

/** Verifies a transport checksum: summing pseudo-header and segment, checksum included, gives 0xffff. */
function transportChecksumOk(src: Uint8Array, dst: Uint8Array, protocol: number, segment: Uint8Array): boolean {
  const pseudo =
    src.length === 4
      ? Uint8Array.of(...src, ...dst, 0, protocol, segment.length >> 8, segment.length & 0xff)
      : Uint8Array.of(...src, ...dst, 0, 0, segment.length >> 8, segment.length & 0xff, 0, 0, 0, protocol);
  return internetChecksum(pseudo, segment) === 0;
}

describe('addresses and flags', () => {
  it('parses IPv4 and IPv6 text, including :: and embedded IPv4', () => {
    expect(Array.from(parseIp('192.168.0.1').bytes)).toEqual([192, 168, 0, 1]);
    expect(parseIp('::1').version).toBe(6);
    expect(Array.from(parseIp('::1').bytes)).toEqual([...new Array(15).fill(0), 1]);
    expect(Array.from(parseIp('2001:db8::ffff:1').bytes.subarray(0, 4))).toEqual([0x20, 0x01, 0x0d, 0xb8]);
    expect(Array.from(parseIp('::ffff:10.0.0.1').bytes.subarray(10))).toEqual([0xff, 0xff, 10, 0, 0, 1]);
    expect(Array.from(parseIp('1:2:3:4:5:6:7:8').bytes.subarray(14))).toEqual([0, 8]);
  });

  it('rejects malformed addresses', () => {
    for (const bad of ['1.2.3', '1.2.3.256', '1::2::3', '1:2:3:4:5:6:7', '12345::', 'g::1', '1:2:3:4:5:6:7:8::']) {
      expect(() => parseIp(bad), bad).toThrow();
    }
  });

  it('flag letters map to header bits and unknown letters throw', () => {
    expect(tcpFlags('SA')).toBe(0x12);
    expect(tcpFlags('pa')).toBe(0x18);
    expect(tcpFlags('FSRPAUEC')).toBe(0xff);
    expect(() => tcpFlags('X')).toThrow(/unknown TCP flag/);
  });

  it('link types for each link spec', () => {
    expect(linkTypeOf()).toBe(1);
    expect(linkTypeOf({ type: 'ethernet', vlans: [1] })).toBe(1);
    expect(linkTypeOf({ type: 'sll' })).toBe(113);
    expect(linkTypeOf({ type: 'sll2' })).toBe(276);
    expect(linkTypeOf({ type: 'null' })).toBe(0);
    expect(linkTypeOf({ type: 'loop' })).toBe(108);
    expect(linkTypeOf({ type: 'raw' })).toBe(101);
    expect(linkTypeOf({ type: 'raw', linkType: 12 })).toBe(12);
    expect(linkTypeOf({ type: 'ipv4' })).toBe(228);
    expect(linkTypeOf({ type: 'ipv6' })).toBe(229);
  });
});

describe('IPv4 + TCP bytes', () => {
  const frame = tcpPacket({
    src: '10.0.0.1',
    dst: '10.0.0.2',
    sport: 47712,
    dport: 5672,
    seq: 0xdeadbeef,
    ack: 1,
    flags: 'PA',
    window: 512,
    ttl: 99,
    ipId: 0x4242,
    mss: 1460,
    windowScale: 7,
    payload: 'AMQP',
  });
  const ip = frame.subarray(14, 34);
  const tcp = frame.subarray(34);

  it('Ethernet header with EtherType IPv4', () => {
    expect(frame.length).toBe(14 + 20 + 28 + 4);
    expect(be16(frame, 12)).toBe(0x0800);
  });

  it('IPv4 header fields and a checksum that verifies', () => {
    expect(ip[0]).toBe(0x45);
    expect(be16(ip, 2)).toBe(20 + 28 + 4);
    expect(be16(ip, 4)).toBe(0x4242);
    expect(be16(ip, 6)).toBe(0x4000); // DF
    expect(ip[8]).toBe(99);
    expect(ip[9]).toBe(6);
    expect(internetChecksum(ip)).toBe(0);
  });

  it('TCP header fields, options and a checksum that verifies', () => {
    expect(be16(tcp, 0)).toBe(47712);
    expect(be32(tcp, 4)).toBe(0xdeadbeef);
    expect(tcp[12]! >> 4).toBe(7);
    expect(tcp[13]).toBe(0x18);
    expect(be16(tcp, 14)).toBe(512);
    expect(Array.from(tcp.subarray(20, 28))).toEqual([2, 4, 0x05, 0xb4, 1, 3, 3, 7]);
    expect(Buffer.from(tcp.subarray(28)).toString()).toBe('AMQP');
    expect(transportChecksumOk(ip.subarray(12, 16), ip.subarray(16, 20), 6, tcp)).toBe(true);
  });

  it('IPv4 options are padded to whole words and keep the checksum right', () => {
    const withOptions = tcpPacket({ src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2, seq: 0, flags: 'S', ipOptions: Uint8Array.of(0x94, 4, 0, 0, 1) });
    expect(withOptions[14]).toBe(0x47);
    expect(internetChecksum(withOptions.subarray(14, 14 + 28))).toBe(0);
  });
});

describe('IPv6 bytes', () => {
  it('extension headers chain to TCP and the TCP checksum verifies', () => {
    const frame = tcpPacket({
      src: '2001:db8::1',
      dst: '2001:db8::2',
      sport: 1,
      dport: 5672,
      seq: 0,
      flags: 'S',
      payload: 'x',
      ipv6Extensions: [{ type: 'hop-by-hop' }, { type: 'routing', length: 16 }, { type: 'ah' }, { type: 'destination' }],
    });
    const ip = frame.subarray(14);
    expect(be16(frame, 12)).toBe(0x86dd);
    expect(ip[0]! >> 4).toBe(6);
    expect(be16(ip, 4)).toBe(8 + 16 + 24 + 8 + 20 + 1);
    expect(ip[6]).toBe(0); // hop-by-hop
    expect([ip[40], ip[41]]).toEqual([43, 0]); // next: routing; hop-by-hop is 8 bytes
    expect([ip[48], ip[49]]).toEqual([51, 1]); // next: AH; routing is 16 bytes
    expect([ip[64], ip[65]]).toEqual([60, 4]); // next: destination; AH is (4 + 2) * 4 = 24 bytes
    expect([ip[88], ip[89]]).toEqual([6, 0]); // next: TCP; destination is 8 bytes
    const tcp = ip.subarray(96);
    expect(be16(tcp, 2)).toBe(5672);
    expect(transportChecksumOk(ip.subarray(8, 24), ip.subarray(24, 40), 6, tcp)).toBe(true);
  });

  it('fragment header: offset and M flag', () => {
    const frag = ipv6Fragment({ src: '::1', dst: '::2', offset: 1448, more: true, id: 7, payload: new Uint8Array(8) });
    const ip = frag.subarray(14);
    expect(ip[6]).toBe(44);
    expect(ip[40]).toBe(6);
    expect(be16(ip, 42)).toBe(1448 | 1);
    expect(be32(ip, 44)).toBe(7);
  });
});

describe('link layers', () => {
  const spec = { src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, seq: 0, flags: 'S' };

  it('VLAN tags: full 32-bit tags and bare ids', () => {
    const frame = tcpPacket(spec, { type: 'ethernet', vlans: [0x88a8_0064, 200] });
    expect(be32(frame, 12)).toBe(0x88a8_0064);
    expect(be32(frame, 16)).toBe(0x8100_00c8);
    expect(be16(frame, 20)).toBe(0x0800);
  });

  it('SLL, SLL2, NULL in both orders, LOOP', () => {
    expect(be16(tcpPacket(spec, { type: 'sll' }), 14)).toBe(0x0800);
    expect(be16(tcpPacket(spec, { type: 'sll2' }), 0)).toBe(0x0800);
    expect(Array.from(tcpPacket(spec, { type: 'null' }).subarray(0, 4))).toEqual([2, 0, 0, 0]);
    expect(Array.from(tcpPacket(spec, { type: 'null', littleEndian: false }).subarray(0, 4))).toEqual([0, 0, 0, 2]);
    const v6 = { ...spec, src: '::1', dst: '::2' };
    expect(Array.from(tcpPacket(v6, { type: 'null' }).subarray(0, 4))).toEqual([30, 0, 0, 0]);
    expect(Array.from(tcpPacket(v6, { type: 'loop' }).subarray(0, 4))).toEqual([0, 0, 0, 24]);
  });

  it('padding to the 60-byte Ethernet minimum only when asked', () => {
    expect(tcpPacket(spec).length).toBe(54);
    expect(tcpPacket(spec, { type: 'ethernet', pad: true }).length).toBe(60);
  });

  it('refuses impossible combinations', () => {
    expect(() => tcpPacket({ ...spec, dst: '::1' })).toThrow(/address families differ/);
    expect(() => tcpPacket(spec, { type: 'ipv6' })).toThrow();
    expect(() => arpFrame({}, { type: 'null' } as never)).toThrow();
  });
});

describe('other builders', () => {
  it('UDP with a verifying checksum', () => {
    const frame = udpPacket({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5000, dport: 5001, payload: 'hey' });
    const udp = frame.subarray(34);
    expect(frame[23]).toBe(17);
    expect(be16(udp, 4)).toBe(11);
    expect(transportChecksumOk(frame.subarray(26, 30), frame.subarray(30, 34), 17, udp)).toBe(true);
  });

  it('IPv4 fragment: MF and offset in 8-byte units, DF clear', () => {
    const frag = ipv4Fragment({ src: '1.1.1.1', dst: '2.2.2.2', offset: 1480, more: true, payload: new Uint8Array(16) });
    expect(be16(frag, 14 + 6)).toBe(0x2000 | (1480 / 8));
    expect(internetChecksum(frag.subarray(14, 34))).toBe(0);
    expect(() => ipv4Fragment({ src: '1.1.1.1', dst: '2.2.2.2', offset: 3, more: true, payload: new Uint8Array(8) })).toThrow();
  });

  it('ARP request', () => {
    const frame = arpFrame({ senderIp: '10.0.0.1', targetIp: '10.0.0.9' });
    expect(be16(frame, 12)).toBe(0x0806);
    expect(be16(frame, 14 + 6)).toBe(1);
    expect(Array.from(frame.subarray(14 + 24, 14 + 28))).toEqual([10, 0, 0, 9]);
  });
});
