import { describe, expect, it } from 'vitest';
import { createTcpSegment, decodePacket, formatAddress } from '../../src/net/decode.js';
import { parseIp, tcpPacket } from '../helpers/packets.js';

/** The four big-endian words of an IPv6 address text (through the test helper's independent parser). */
function words(text: string): [number, number, number, number] {
  const b = parseIp(text).bytes;
  const w = (i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  return [w(0), w(4), w(8), w(12)];
}

function v6(text: string): string {
  return formatAddress(6, ...words(text));
}

describe('IPv4', () => {
  it('dotted quad from the last word', () => {
    expect(formatAddress(4, 0, 0, 0xffff, 0x7f000001)).toBe('127.0.0.1');
    expect(formatAddress(4, 0, 0, 0xffff, 0)).toBe('0.0.0.0');
    expect(formatAddress(4, 0, 0, 0xffff, 0xffffffff)).toBe('255.255.255.255');
    expect(formatAddress(4, 0, 0, 0xffff, 0xc0a80001)).toBe('192.168.0.1');
  });

  it('accepts the word signed as well as unsigned', () => {
    expect(formatAddress(4, 0, 0, 0xffff, -1)).toBe('255.255.255.255');
    expect(formatAddress(4, 0, 0, 0xffff, 0xc0a80001 | 0)).toBe('192.168.0.1');
  });
});

describe('IPv6, RFC 5952 canonical text', () => {
  it.each([
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'], // §4.1 leading zeros, §4.2.1 longest run
    ['2001:DB8::ABCD', '2001:db8::abcd'], // §4.3 lowercase
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2 a single zero group is not "::"
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3 the longest run wins
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3 equal runs: the first one
    ['fe80:0:0:0:0:0:0:1', 'fe80::1'],
    ['ff02::1:ff00:1', 'ff02::1:ff00:1'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3:8d3:1319:8a2e:370:7348'],
    ['0:0:1:0:0:0:0:0', '0:0:1::'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ])('%s -> %s', (input, canonical) => {
    expect(v6(input)).toBe(canonical);
  });

  it('an IPv4-mapped IPv6 address keeps its IPv4 part dotted (RFC 5952 §5)', () => {
    expect(formatAddress(6, 0, 0, 0xffff, 0x0a000001)).toBe('::ffff:10.0.0.1');
  });

  it('accepts signed words', () => {
    expect(formatAddress(6, 0x20010db8 | 0, 0, 0, -1)).toBe('2001:db8::ffff:ffff');
  });

  it('round-trips addresses decoded from packets', () => {
    const seg = createTcpSegment();
    for (const [src, dst] of [
      ['2001:db8::1', 'fe80::abcd:1'],
      ['::1', '::2'],
      ['1:2:3:4:5:6:7:8', 'a:b:c:d:e:f:0:1'],
    ] as const) {
      const frame = tcpPacket({ src, dst, sport: 1, dport: 2, seq: 0, flags: 'S' });
      expect(decodePacket(1, frame, frame.length, seg)).toBe('tcp');
      expect(formatAddress(seg.ipVersion, seg.src0, seg.src1, seg.src2, seg.src3)).toBe(src);
      expect(formatAddress(seg.ipVersion, seg.dst0, seg.dst1, seg.dst2, seg.dst3)).toBe(dst);
    }
  });
});
