/**
 * One captured packet -> one TCP segment, or the reason it is not one. The public surface of src/net.
 *
 *   CapturedPacket.bytes[offset, offset + caplen)
 *     -> link decoder, chosen by LINKTYPE from link.ts's table         LinkResult { net, offset }
 *     -> IPv4 / IPv6 decoder, chosen by network-layer code (switch)    IpResult   { offset, end, length }
 *     -> TCP header decoder                                            TcpSegment (types.ts)
 *
 * Stateless: a packet's result depends on its bytes alone (the two scratch structs below are overwritten before
 * they are read, on every call). The packet is a window of the reader's chunk (decodePacketAt), never a view of
 * its own. Nothing is allocated per packet except the payload view: this runs for every packet of multi-GB
 * captures, so the per-layer results go into caller-owned structs, dispatch is through small typed arrays and
 * switches over numeric codes, and every function sees one object shape (monomorphic).
 *
 * Measured (Node 20.20, shared 2-vCPU AMD EPYC VM; median of 7 runs of 1 M packets, each run cycling through
 * 1,000 distinct frames that are views into one big Buffer as the capture reader passes them; TCP timestamps and
 * 100-byte payloads): Ethernet/IPv4/TCP ~9.8 M packets/s, Ethernet/IPv6 ~8.7 M, SLL2/IPv4 ~9.3 M, Ethernet with
 * two VLAN tags ~9.0 M (CPU time; wall clock the same when the machine is idle, ~4-6 M when other jobs load it).
 * Over the 16,095 real packets of captures/load-mtu1500-4x5k.pcap (13 MB, so cache misses): ~7-9 M/s. Without
 * the payload view it runs at ~18 M/s: that one allocation is half the cost, which is why empty payloads share
 * one array (tcp-header.ts).
 * test/net/decode.bench.ts has the same loop for `npx vitest bench test/net --run`.
 */
import { formatAddress } from './address.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { createIpResult, createLinkResult, NET_IPV4, NET_IPV6, NET_NOT_IP } from './layers.js';
import { linkDecoder, linkTypeName } from './link.js';
import { decodeTcpHeader } from './tcp-header.js';
import type { NetStats, PacketKind, TcpSegment } from './types.js';

export { formatAddress, linkTypeName };

/** Per-layer scratch, private to decodePacketAt, fully rewritten before each read. */
const link = createLinkResult();
const ip = createIpResult();

/**
 * Decodes one packet captured with link type `linkType`. `data` is the captured bytes, `origLen` its length on the
 * wire (only consulted for IPv4 TSO packets whose Total Length is 0). On 'tcp', `out` holds the segment; its
 * `payload` is a view of `data` (valid as long as `data` is). On anything else the contents of `out` are
 * unspecified (partly overwritten). Never throws, whatever the bytes.
 */
export function decodePacket(linkType: number, data: Uint8Array, origLen: number, out: TcpSegment): PacketKind {
  return decodePacketAt(linkType, data, 0, data.length, origLen, out);
}

/**
 * decodePacket for the packet in data[start, start + caplen): the capture reader's chunk as it is, with no view
 * made per packet (that allocation was a fifth of what reading the load capture allocated, and the most of what
 * its young-generation collections had to do).
 */
export function decodePacketAt(linkType: number, data: Uint8Array, start: number, caplen: number, origLen: number, out: TcpSegment): PacketKind {
  const decodeLink = linkDecoder(linkType);
  if (decodeLink === undefined) return 'unsupported-link';
  const end = start + caplen;
  decodeLink(data, start, end, link);

  let kind: PacketKind;
  switch (link.net) {
    case NET_IPV4:
      kind = decodeIpv4(data, link.offset, end, start + origLen, out, ip);
      break;
    case NET_IPV6:
      kind = decodeIpv6(data, link.offset, end, out, ip);
      break;
    case NET_NOT_IP:
      return 'not-ip';
    default: // NET_MALFORMED
      return 'malformed';
  }
  if (kind !== 'tcp') return kind;
  return decodeTcpHeader(data, ip.offset, ip.end, ip.length, out);
}

/**
 * The one TcpSegment a caller reuses for every packet. Every field starts with a value of its final type so the
 * object keeps one shape (the first seq/ack/address above 2^31 moves those fields to double storage, once).
 */
export function createTcpSegment(): TcpSegment {
  return {
    ipVersion: 4,
    src0: 0,
    src1: 0,
    src2: 0,
    src3: 0,
    dst0: 0,
    dst1: 0,
    dst2: 0,
    dst3: 0,
    ttl: 0,
    ipId: -1,
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 0,
    windowScale: -1,
    mss: -1,
    sackLeft: -1,
    sackRight: -1,
    payloadLength: 0,
    payload: new Uint8Array(0),
  };
}

export function createNetStats(): NetStats {
  return { tcp: 0, notIp: 0, notTcp: 0, ipFragments: 0, unsupportedLink: 0, malformed: 0 };
}

/** Adds one packet of `kind` to `stats`. */
export function countKind(stats: NetStats, kind: PacketKind): void {
  switch (kind) {
    case 'tcp':
      stats.tcp++;
      break;
    case 'not-ip':
      stats.notIp++;
      break;
    case 'not-tcp':
      stats.notTcp++;
      break;
    case 'ip-fragment':
      stats.ipFragments++;
      break;
    case 'unsupported-link':
      stats.unsupportedLink++;
      break;
    case 'malformed':
      stats.malformed++;
      break;
  }
}
