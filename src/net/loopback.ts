/**
 * BSD loopback encapsulations: a 4-byte address family, then the IP packet.
 *
 *    0               4
 *   +---------------+------------------
 *   | address family| IPv4 / IPv6 packet ...
 *   +---------------+------------------
 *
 * LINKTYPE_NULL (0): the family is in the byte order of the host that WROTE the capture (libpcap copies the
 * kernel's host-order word), so a capture made on a little-endian Mac reads 02 00 00 00 and one from a big-endian
 * host 00 00 00 02. The file header's byte order does not help (the file may have been rewritten), so both
 * readings are tried: exactly one of them is a small known value (Wireshark packet-null.c guesses the same way).
 *
 * LINKTYPE_LOOP (108, OpenBSD): the same word, always network byte order.
 *
 * AF_INET6 differs by OS (epan/aftypes.h): 24 NetBSD/OpenBSD, 28 FreeBSD/DragonFly, 30 macOS/iOS. AF_INET is 2
 * everywhere.
 */
import { u32be, u32le } from './bytes.js';
import { NET_IPV4, NET_IPV6, NET_MALFORMED, NET_NOT_IP } from './layers.js';
import type { LinkResult } from './layers.js';

export const LOOPBACK_HEADER_BYTES = 4;

/** Known address families (gopacket layers/enums.go ProtocolFamily). */
export const ADDRESS_FAMILIES: readonly { af: number; name: string; net: number }[] = [
  { af: 2, name: 'AF_INET', net: NET_IPV4 },
  { af: 24, name: 'AF_INET6 (NetBSD, OpenBSD)', net: NET_IPV6 },
  { af: 28, name: 'AF_INET6 (FreeBSD)', net: NET_IPV6 },
  { af: 30, name: 'AF_INET6 (macOS)', net: NET_IPV6 },
];

/** Marks a family value as unknown, so the NULL byte-order guess can tell "known, not IP" from "wrong order". */
const UNKNOWN_AF = 0xff;
const AF_TABLE_SIZE = 64;
const NET_BY_AF = new Uint8Array(AF_TABLE_SIZE).fill(UNKNOWN_AF);
for (const f of ADDRESS_FAMILIES) NET_BY_AF[f.af] = f.net;

function netOfFamily(af: number): number {
  return af < AF_TABLE_SIZE ? NET_BY_AF[af]! : UNKNOWN_AF;
}

function finish(net: number, start: number, link: LinkResult): void {
  link.net = net === UNKNOWN_AF ? NET_NOT_IP : net;
  link.offset = start + LOOPBACK_HEADER_BYTES;
}

/** LINKTYPE_NULL (0): family in the writer's byte order, whichever reading is a known family wins. */
export function decodeNull(data: Uint8Array, start: number, end: number, link: LinkResult): void {
  if (end - start < LOOPBACK_HEADER_BYTES) {
    link.net = NET_MALFORMED;
    link.offset = 0;
    return;
  }
  const net = netOfFamily(u32le(data, start));
  finish(net !== UNKNOWN_AF ? net : netOfFamily(u32be(data, start)), start, link);
}

/** LINKTYPE_LOOP (108): family in network byte order. */
export function decodeLoop(data: Uint8Array, start: number, end: number, link: LinkResult): void {
  if (end - start < LOOPBACK_HEADER_BYTES) {
    link.net = NET_MALFORMED;
    link.offset = 0;
    return;
  }
  finish(netOfFamily(u32be(data, start)), start, link);
}
