/**
 * Decode throughput: `npx vitest bench test/net --run`. Each iteration decodes the same 1,000 distinct frames
 * (views into one big Buffer, the way the capture reader hands them over), so ops/s x 1,000 = packets/s.
 * The figure quoted in src/net/decode.ts comes from the same loop run under plain Node (CPU time, 1 M packets).
 */
import { bench, describe } from 'vitest';
import { createTcpSegment, decodePacket } from '../../src/net/decode.js';
import { linkTypeOf, tcpPacket } from '../helpers/packets.js';
import type { LinkSpec } from '../helpers/packets.js';

const TIMESTAMPS = Uint8Array.of(1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8);

function corpus(link: LinkSpec, src: string, dst: string, payloadBytes: number): Buffer[] {
  const frames = Array.from({ length: 1000 }, (_, i) =>
    tcpPacket(
      {
        src,
        dst,
        sport: 40000 + (i % 50),
        dport: 5672,
        seq: Math.imul(i, 0x9e3779b1) >>> 0,
        ack: i,
        flags: payloadBytes > 0 ? 'PA' : 'A',
        tcpOptions: TIMESTAMPS,
        payload: new Uint8Array(payloadBytes).fill(i & 0xff),
      },
      link,
    ),
  );
  const big = Buffer.concat(frames);
  let at = 0;
  return frames.map((f) => big.subarray(at, (at += f.length)));
}

const seg = createTcpSegment();
function decodeAll(linkType: number, frames: Buffer[]): void {
  for (const f of frames) decodePacket(linkType, f, f.length, seg);
}

describe('decodePacket x 1,000', () => {
  const cases: [string, LinkSpec, string, string, number][] = [
    ['Ethernet/IPv4/TCP, 100-byte payload', { type: 'ethernet' }, '10.0.0.1', '10.0.0.2', 100],
    ['Ethernet/IPv4/TCP, pure ACK', { type: 'ethernet' }, '10.0.0.1', '10.0.0.2', 0],
    ['Ethernet/IPv6/TCP, 100-byte payload', { type: 'ethernet' }, '2001:db8::1', '2001:db8::2', 100],
    ['SLL2/IPv4/TCP, 100-byte payload', { type: 'sll2' }, '10.0.0.1', '10.0.0.2', 100],
    ['Ethernet + 2 VLAN tags/IPv4/TCP', { type: 'ethernet', vlans: [0x88a8_0001, 2] }, '10.0.0.1', '10.0.0.2', 100],
  ];
  for (const [name, link, src, dst, payloadBytes] of cases) {
    const frames = corpus(link, src, dst, payloadBytes);
    const linkType = linkTypeOf(link);
    bench(name, () => decodeAll(linkType, frames));
  }
});
