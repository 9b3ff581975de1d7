/**
 * What the link/IP/TCP decoders produce: one TCP segment, header fields decoded, payload as a view.
 *
 * Addresses are four 32-bit words so that IPv4 and IPv6 compare the same way without allocating strings per
 * packet: IPv6 is its 128 bits big-endian in a0..a3; IPv4 is stored IPv4-mapped (0, 0, 0xffff, addr).
 */
export interface TcpSegment {
  ipVersion: 4 | 6;
  src0: number; src1: number; src2: number; src3: number;
  dst0: number; dst1: number; dst2: number; dst3: number;
  /** IPv4 TTL or IPv6 hop limit: a RST whose TTL differs from the peer's earlier packets came from a middlebox. */
  ttl: number;
  /** IPv4 identification (-1 for IPv6). */
  ipId: number;
  srcPort: number;
  dstPort: number;
  /** Sequence and acknowledgement numbers as unsigned 32-bit numbers. */
  seq: number;
  ack: number;
  /** TCP flag bits as in the header's low byte: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80. */
  flags: number;
  /** Raw 16-bit window field (not scaled). */
  window: number;
  /** Window-scale option shift (only on SYN / SYN-ACK), -1 when absent. */
  windowScale: number;
  /** MSS option, -1 when absent. */
  mss: number;
  /**
   * The first block of a SACK option (RFC 2018), as unsigned 32-bit sequence numbers, -1 when there is none: a
   * block wholly below the acknowledgement number is a D-SACK (RFC 2883), a duplicate the receiver got.
   */
  sackLeft: number;
  sackRight: number;
  /**
   * Payload length on the wire, from the IP header's length fields (IPv4 total length / IPv6 payload length minus
   * all headers). This is what the sequence space advances by.
   */
  payloadLength: number;
  /**
   * The captured payload bytes: a view of the packet's buffer, possibly shorter than payloadLength when the snap
   * length cut the packet. Valid only during the callback that received the segment. When no payload byte was
   * captured it is one shared zero-length array instead (no allocation for pure ACKs).
   */
  payload: Uint8Array;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** What decoding one packet gave. Everything but 'tcp' is counted and skipped. */
export type PacketKind =
  | 'tcp' // `out` holds a TCP segment
  | 'not-ip' // ARP, LLDP, ... anything whose EtherType / protocol is not IPv4 or IPv6
  | 'not-tcp' // IP, but UDP, ICMP, ...
  | 'ip-fragment' // an IPv4 fragment or IPv6 Fragment header: counted, not reassembled
  | 'unsupported-link' // a link type amqpscope has no decoder for
  | 'malformed'; // headers cut short or inconsistent beyond use

/** Counters of everything the net layer saw, for the capture summary line and JSON. */
export interface NetStats {
  tcp: number;
  notIp: number;
  notTcp: number;
  ipFragments: number;
  unsupportedLink: number;
  malformed: number;
}
