/**
 * Raw IP link types: no link header at all, the packet starts with the IP header.
 *
 *    0
 *   +-------+-------+---------------------
 *   |version|  ...  | rest of the IP header ...
 *   +-------+-------+---------------------
 *
 * LINKTYPE_RAW (101) and the DLT values 12 and 14 that some OSes wrote into files for it carry either version, so
 * the first nibble decides; a nibble other than 4 or 6 cannot be an IP packet and is malformed. LINKTYPE_IPV4 (228)
 * and LINKTYPE_IPV6 (229) fix the version; ipv4.ts / ipv6.ts then reject a packet whose nibble disagrees.
 */
import { NET_IPV4, NET_IPV6, NET_MALFORMED } from './layers.js';
import type { LinkResult } from './layers.js';

/** The IP version nibble as a network-layer code: only 4 and 6 are packets. */
const NET_BY_VERSION = new Uint8Array(16).fill(NET_MALFORMED);
NET_BY_VERSION[4] = NET_IPV4;
NET_BY_VERSION[6] = NET_IPV6;

/** LINKTYPE_RAW (101), DLT 12, DLT 14. */
export function decodeRawIp(data: Uint8Array, start: number, end: number, link: LinkResult): void {
  link.offset = start;
  link.net = end === start ? NET_MALFORMED : NET_BY_VERSION[data[start]! >> 4]!;
}

/** LINKTYPE_IPV4 (228). */
export function decodeRawIpv4(_data: Uint8Array, start: number, _end: number, link: LinkResult): void {
  link.offset = start;
  link.net = NET_IPV4;
}

/** LINKTYPE_IPV6 (229). */
export function decodeRawIpv6(_data: Uint8Array, start: number, _end: number, link: LinkResult): void {
  link.offset = start;
  link.net = NET_IPV6;
}
