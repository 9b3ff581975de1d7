/**
 * Linux "cooked" captures: what `tcpdump -i any` writes (libpcap pcap/sll.h). The kernel gives no link header for
 * the "any" device, so libpcap makes one up. Both versions carry an EtherType, resolved by the same table and VLAN
 * walk as Ethernet (ethernet.ts).
 *
 * LINKTYPE_LINUX_SLL (113), 16 bytes:
 *
 *    0       2       4       6                                14      16
 *   +-------+-------+-------+--------------------------------+-------+-----------
 *   |pkttype|hatype | halen | link-layer address (8, padded) | proto | payload ...
 *   +-------+-------+-------+--------------------------------+-------+-----------
 *
 * LINKTYPE_LINUX_SLL2 (276), 20 bytes (libpcap >= 1.10; `tcpdump -i any` writes it by default):
 *
 *    0       2       4               8       10  11  12                               20
 *   +-------+-------+---------------+-------+---+---+--------------------------------+-----------
 *   | proto | rsvd  | interface idx |hatype |pkt|len| link-layer address (8, padded) | payload ...
 *   +-------+-------+---------------+-------+---+---+--------------------------------+-----------
 *
 * All fields are network byte order. For hatype ARPHRD_NETLINK (824) "proto" is a netlink family, not an
 * EtherType (nlmon captures), so those packets are not IP whatever the number says.
 */
import { u16be } from './bytes.js';
import { resolveEtherType } from './ethernet.js';
import { NET_MALFORMED, NET_NOT_IP } from './layers.js';
import type { LinkResult } from './layers.js';

export const SLL_HEADER_BYTES = 16;
export const SLL2_HEADER_BYTES = 20;
export const ARPHRD_NETLINK = 824;

/** LINKTYPE_LINUX_SLL (113). */
export function decodeSll(data: Uint8Array, start: number, end: number, link: LinkResult): void {
  if (end - start < SLL_HEADER_BYTES) {
    link.net = NET_MALFORMED;
    link.offset = 0;
  } else if (u16be(data, start + 2) === ARPHRD_NETLINK) {
    link.net = NET_NOT_IP;
    link.offset = start + SLL_HEADER_BYTES;
  } else {
    resolveEtherType(data, end, u16be(data, start + 14), start + SLL_HEADER_BYTES, link);
  }
}

/** LINKTYPE_LINUX_SLL2 (276). */
export function decodeSll2(data: Uint8Array, start: number, end: number, link: LinkResult): void {
  if (end - start < SLL2_HEADER_BYTES) {
    link.net = NET_MALFORMED;
    link.offset = 0;
  } else if (u16be(data, start + 8) === ARPHRD_NETLINK) {
    link.net = NET_NOT_IP;
    link.offset = start + SLL2_HEADER_BYTES;
  } else {
    resolveEtherType(data, end, u16be(data, start), start + SLL2_HEADER_BYTES, link);
  }
}
