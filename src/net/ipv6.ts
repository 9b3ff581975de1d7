/**
 * IPv6 (RFC 8200): the fixed header, then a chain of extension headers to walk before TCP.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  Source Address (16 bytes)                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                Destination Address (16 bytes)                 |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Extension headers (ip-protocol.ts says which number is which) all start with Next Header; their length rules
 * differ:
 *
 *   Hop-by-Hop 0, Routing 43, Destination 60 (and Mobility, HIP, Shim6: RFC 6564 uniform format)
 *   +-------------+-------------+-------------------------------+
 *   | Next Header | Hdr Ext Len | ...  (Hdr Ext Len + 1) * 8 bytes in all
 *
 *   Fragment 44, always 8 bytes
 *   +-------------+-------------+-------------------------+-+-+-+
 *   | Next Header |  reserved   | Fragment Offset (13)    |Res|M|  Identification (4)
 *
 *   Authentication Header 51 (RFC 4302): counted in 4-byte words, minus 2
 *   +-------------+-------------+-------------------------------+
 *   | Next Header | Payload Len | ...  (Payload Len + 2) * 4 bytes in all
 *
 * Payload Length counts the extension headers, so TCP's declared length is Payload Length minus all of them; a
 * chain longer than Payload Length is malformed, and so is a jumbogram (Payload Length 0 with a Hop-by-Hop jumbo
 * option: the walk runs past the declared 0 bytes). A Fragment header with offset 0 and M clear is an "atomic
 * fragment" (RFC 6946): the whole datagram is there and the walk continues. Any other fragment is 'ip-fragment'.
 */
import { u16be, u32be } from './bytes.js';
import {
  ACTION_BY_PROTOCOL,
  PROTO_AH,
  PROTO_IPV6_EXTENSION,
  PROTO_IPV6_FRAGMENT,
  PROTO_NO_NEXT_HEADER,
  PROTO_TCP,
} from './ip-protocol.js';
import type { IpResult } from './layers.js';
import type { PacketKind, TcpSegment } from './types.js';

export const IPV6_HEADER_BYTES = 40;
const FRAGMENT_HEADER_BYTES = 8;
/** Fragment Offset (13 bits, shifted left 3) and M (bit 0) of the Fragment header's second 16-bit word. */
const FRAGMENT_OFFSET_AND_M = 0xfff9;

/**
 * Decodes the IPv6 header at `offset` and walks its extension headers, the packet's captured bytes ending at
 * `capturedEnd`. Returns 'tcp' when a TCP header should follow at `ip.offset` (then `ip` and the address and
 * hop-limit fields of `out` are filled), else 'not-tcp', 'ip-fragment' or 'malformed'.
 */
export function decodeIpv6(data: Uint8Array, offset: number, capturedEnd: number, out: TcpSegment, ip: IpResult): PacketKind {
  if (capturedEnd - offset < IPV6_HEADER_BYTES) return 'malformed';
  if (data[offset]! >> 4 !== 6) return 'malformed';
  const payloadLength = u16be(data, offset + 4);

  out.ipVersion = 6;
  out.src0 = u32be(data, offset + 8);
  out.src1 = u32be(data, offset + 12);
  out.src2 = u32be(data, offset + 16);
  out.src3 = u32be(data, offset + 20);
  out.dst0 = u32be(data, offset + 24);
  out.dst1 = u32be(data, offset + 28);
  out.dst2 = u32be(data, offset + 32);
  out.dst3 = u32be(data, offset + 36);
  out.ttl = data[offset + 7]!;
  out.ipId = -1;

  const datagramEnd = offset + IPV6_HEADER_BYTES + payloadLength;
  const end = datagramEnd < capturedEnd ? datagramEnd : capturedEnd;
  let next = data[offset + 6]!;
  let at = offset + IPV6_HEADER_BYTES;
  let remaining = payloadLength; // declared bytes from `at` to the end of the datagram

  // Terminates: every extension header is at least 8 bytes, and `remaining` only shrinks.
  for (;;) {
    let headerLength: number;
    switch (ACTION_BY_PROTOCOL[next]!) {
      case PROTO_TCP:
        ip.offset = at;
        ip.end = end;
        ip.length = remaining;
        return 'tcp';
      case PROTO_IPV6_EXTENSION:
        if (at + 2 > end) return 'malformed';
        headerLength = (data[at + 1]! + 1) << 3;
        break;
      case PROTO_AH:
        if (at + 2 > end) return 'malformed';
        headerLength = (data[at + 1]! + 2) << 2;
        break;
      case PROTO_IPV6_FRAGMENT:
        if (at + FRAGMENT_HEADER_BYTES > end) return 'malformed';
        if ((u16be(data, at + 2) & FRAGMENT_OFFSET_AND_M) !== 0) return 'ip-fragment';
        headerLength = FRAGMENT_HEADER_BYTES;
        break;
      case PROTO_NO_NEXT_HEADER:
        return 'not-tcp';
      default:
        return 'not-tcp';
    }
    // Longer than the datagram declares: inconsistent. Past what was captured: TCP is out of reach.
    if (headerLength > remaining || at + headerLength > end) return 'malformed';
    next = data[at]!;
    at += headerLength;
    remaining -= headerLength;
  }
}
