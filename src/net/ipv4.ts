/**
 * IPv4 (RFC 791). Finds the TCP header and how long the datagram says it is; the checksum is not verified
 * (captures on the sending host see checksum-offloaded packets whose checksum field is still blank).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |    DSCP/ECN   |          Total Length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Identification        |0|D|M|     Fragment Offset     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Source Address                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Destination Address                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Options: IHL * 4 - 20 bytes (0 .. 40)                |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Three lengths meet here and the decoder keeps them apart:
 *   - Total Length: the datagram as sent. TCP's payloadLength is derived from it, because that is what the
 *     sequence space advances by even when the capture kept less.
 *   - the captured bytes: fewer when the snap length cut the packet (then TCP gets what there is), MORE when the
 *     link padded a short frame (Ethernet pads to 60 bytes; a bare ACK is 54) or kept the FCS: everything past
 *     Total Length is cut off, or the padding would be read as payload.
 *   - Total Length 0: segmentation offload. A capture on the sending host sees the super-packet before the NIC
 *     splits it, and some stacks leave the field 0 (Linux BIG TCP for packets over 64 KiB, some TSO drivers).
 *     Like Wireshark, use the length on the wire (origLen) instead.
 */
import { u16be, u32be } from './bytes.js';
import { ACTION_BY_PROTOCOL, PROTO_TCP } from './ip-protocol.js';
import type { IpResult } from './layers.js';
import type { PacketKind, TcpSegment } from './types.js';

export const IPV4_MIN_HEADER_BYTES = 20;
/** MF flag and the 13-bit fragment offset: any bit set means this is not a whole datagram. */
const FRAGMENT_MASK = 0x3fff;
/** IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d) in the four-word address (types.ts). */
const MAPPED_PREFIX_WORD = 0xffff;

/**
 * Decodes the IPv4 header at `offset`, the packet's captured bytes ending at `end`. Returns 'tcp' when a TCP header
 * should follow at `ip.offset` (then `ip` and the address, TTL and id fields of `out` are filled), else 'not-tcp',
 * 'ip-fragment' or 'malformed'. `wireEnd` is where the packet would end in `data` had all of it been captured (its
 * start plus origLen), used only for TSO packets with Total Length 0.
 */
export function decodeIpv4(
  data: Uint8Array,
  offset: number,
  end: number,
  wireEnd: number,
  out: TcpSegment,
  ip: IpResult,
): PacketKind {
  const captured = end - offset;
  if (captured < IPV4_MIN_HEADER_BYTES) return 'malformed';
  const versionIhl = data[offset]!;
  if (versionIhl >> 4 !== 4) return 'malformed';
  const headerLength = (versionIhl & 0x0f) << 2;
  // IHL < 5 is impossible; options cut by the snap length leave no way to find TCP.
  if (headerLength < IPV4_MIN_HEADER_BYTES || headerLength > captured) return 'malformed';
  let totalLength = u16be(data, offset + 2);
  if (totalLength === 0) totalLength = (wireEnd > end ? wireEnd : end) - offset;
  if (totalLength < headerLength) return 'malformed';

  out.ipVersion = 4;
  out.src0 = 0;
  out.src1 = 0;
  out.src2 = MAPPED_PREFIX_WORD;
  out.src3 = u32be(data, offset + 12);
  out.dst0 = 0;
  out.dst1 = 0;
  out.dst2 = MAPPED_PREFIX_WORD;
  out.dst3 = u32be(data, offset + 16);
  out.ttl = data[offset + 8]!;
  out.ipId = u16be(data, offset + 4);

  // Every fragment, the first one too: its TCP header would be real but its payload length would not.
  // Only TCP directly after the header counts: IPsec AH in IPv4 transport mode (AH then TCP) is 'not-tcp' here,
  // unlike IPv6 where ipv6.ts walks AH like any extension header.
  if ((u16be(data, offset + 6) & FRAGMENT_MASK) !== 0) return 'ip-fragment';
  if (ACTION_BY_PROTOCOL[data[offset + 9]!] !== PROTO_TCP) return 'not-tcp';

  const datagramEnd = offset + totalLength;
  ip.offset = offset + headerLength;
  ip.end = datagramEnd < end ? datagramEnd : end;
  ip.length = totalLength - headerLength;
  return 'tcp';
}
