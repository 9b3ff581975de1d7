/**
 * Robustness: every prefix of valid packets (what a snap length or a cut-off file produces), and random bytes and
 * random corruptions for every link type. Nothing may throw, and every answer must be the one the lengths imply.
 */
import { describe, expect, it } from 'vitest';
import { createTcpSegment, decodePacket } from '../../src/net/decode.js';
import type { PacketKind } from '../../src/net/types.js';
import { linkTypeOf, tcpPacket } from '../helpers/packets.js';
import type { LinkSpec, TcpSpec } from '../helpers/packets.js';
import { prng } from '../helpers/prng.js';

const KINDS: PacketKind[] = ['tcp', 'not-ip', 'not-tcp', 'ip-fragment', 'unsupported-link', 'malformed'];

const V4: TcpSpec = {
  src: '10.0.0.1',
  dst: '10.0.0.2',
  sport: 1234,
  dport: 5672,
  seq: 0xfedc_ba98,
  ack: 5,
  flags: 'PA',
  mss: 1460,
  windowScale: 7,
  payload: 'AMQP frame bytes here',
  ipOptions: Uint8Array.of(1, 1, 1, 1),
};
const V6: TcpSpec = {
  ...V4,
  src: 'fe80::1',
  dst: 'fe80::2',
  ipOptions: undefined,
  ipv6Extensions: [{ type: 'hop-by-hop' }, { type: 'routing' }, { type: 'ah' }, { type: 'destination', length: 16 }],
};

const CASES: [string, TcpSpec, LinkSpec][] = [
  ['IPv4 with options, Ethernet', V4, { type: 'ethernet' }],
  ['IPv4, three VLAN tags', V4, { type: 'ethernet', vlans: [0x88a8_0001, 0x9100_0002, 3] }],
  ['IPv4, SLL', V4, { type: 'sll' }],
  ['IPv6 with four extension headers, SLL2', V6, { type: 'sll2' }],
  ['IPv6 with extensions, NULL big-endian', V6, { type: 'null', littleEndian: false }],
  ['IPv4, LOOP', V4, { type: 'loop' }],
  ['IPv6 with extensions, raw', V6, { type: 'raw' }],
];

describe('every prefix of a valid packet', () => {
  for (const [name, spec, link] of CASES) {
    it(name, () => {
      const frame = tcpPacket(spec, link);
      const linkType = linkTypeOf(link);
      const seg = createTcpSegment();
      expect(decodePacket(linkType, frame, frame.length, seg)).toBe('tcp');
      const payloadLength = seg.payloadLength;
      const payloadStart = frame.length - payloadLength;
      const tcpHeaderLength = 20 + 8; // MSS + NOP/WS options
      const tcpStart = payloadStart - tcpHeaderLength;
      const seq = seg.seq;

      for (let n = 0; n < frame.length; n++) {
        const prefix = frame.subarray(0, n);
        let kind: PacketKind | undefined;
        expect(() => {
          kind = decodePacket(linkType, prefix, frame.length, seg);
        }).not.toThrow();
        if (n < tcpStart + 20) {
          // Some header before the end of TCP's fixed 20 bytes is incomplete.
          expect(kind, `prefix ${n}`).toBe('malformed');
          continue;
        }
        expect(kind, `prefix ${n}`).toBe('tcp');
        expect(seg.seq).toBe(seq);
        expect(seg.payloadLength).toBe(payloadLength); // from the IP header, whatever was captured
        expect(seg.payload.length).toBe(Math.max(0, n - payloadStart));
        expect(Array.from(seg.payload)).toEqual(Array.from(frame.subarray(Math.max(n, payloadStart) - seg.payload.length, n)));
        expect(seg.mss).toBe(n >= tcpStart + 24 ? 1460 : -1);
        expect(seg.windowScale).toBe(n >= tcpStart + 28 ? 7 : -1);
      }
    });
  }
});


/** What must hold for any input: a known kind, and for 'tcp' a payload inside the input and within the length. */
function checkInvariants(linkType: number, data: Uint8Array, origLen: number): PacketKind {
  const seg = createTcpSegment();
  const kind = decodePacket(linkType, data, origLen, seg);
  expect(KINDS).toContain(kind);
  if (kind === 'tcp') {
    expect(seg.payloadLength).toBeGreaterThanOrEqual(0);
    expect(seg.payload.length).toBeLessThanOrEqual(seg.payloadLength);
    if (seg.payload.length > 0) {
      expect(seg.payload.buffer).toBe(data.buffer);
      expect(seg.payload.byteOffset).toBeGreaterThanOrEqual(data.byteOffset);
      expect(seg.payload.byteOffset + seg.payload.length).toBeLessThanOrEqual(data.byteOffset + data.length);
    }
    expect(seg.seq).toBeGreaterThanOrEqual(0);
    expect(seg.ack).toBeGreaterThanOrEqual(0);
    expect(seg.flags).toBeLessThan(256);
  }
  return kind;
}

describe('random input never throws', () => {
  const linkTypes = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];

  it('random bytes of random lengths, for every link type', () => {
    const next = prng(1);
    for (let i = 0; i < 3000; i++) {
      const data = new Uint8Array(Math.floor(next() * 120)).map(() => Math.floor(next() * 256));
      const linkType = linkTypes[i % linkTypes.length]!;
      checkInvariants(linkType, data, Math.floor(next() * 200));
    }
  });

  it('valid packets with random bytes corrupted, for every case', () => {
    const next = prng(2);
    const counts = new Map<PacketKind, number>();
    for (const [, spec, link] of CASES) {
      const frame = tcpPacket(spec, link);
      for (let i = 0; i < 1500; i++) {
        const copy = frame.slice();
        const flips = 1 + Math.floor(next() * 3);
        for (let f = 0; f < flips; f++) copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
        const kind = checkInvariants(linkTypeOf(link), copy, frame.length);
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
      }
    }
    // The corruption reaches every branch that matters: decoded, rejected and diverted.
    expect(counts.get('tcp')).toBeGreaterThan(0);
    expect(counts.get('malformed')).toBeGreaterThan(0);
    expect(counts.get('not-tcp')).toBeGreaterThan(0);
    expect(counts.get('not-ip')).toBeGreaterThan(0);
  });
});
