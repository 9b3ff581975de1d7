/**
 * Ethernet II (LINKTYPE_ETHERNET = 1) and the EtherType walk that Linux cooked captures (sll.ts) share.
 *
 *    0                 6                 12      14
 *   +-----------------+-----------------+-------+---------------
 *   | destination MAC | source MAC      | type  | payload ...
 *   +-----------------+-----------------+-------+---------------
 *
 * A VLAN tag takes the place of the EtherType and pushes the real one 4 bytes further. Tags stack (802.1ad QinQ
 * puts an S-tag before the C-tag; some switches still use the pre-standard 0x9100), so the walk loops:
 *
 *   ... source MAC | TPID  | TCI           | TPID  | TCI   | type  | payload
 *                  | 88a8  |PCP|DEI| VID  | 8100  |  ...  | 0800  |
 *
 * A "type" of 1500 or less is an 802.3 length (LLC/SNAP frames, STP, ...): never IP here, so the table's default
 * NET_NOT_IP covers it.
 */
import { u16be } from './bytes.js';
import { NET_IPV4, NET_IPV6, NET_MALFORMED, NET_NOT_IP, NET_VLAN } from './layers.js';
import type { LinkResult } from './layers.js';

export const ETHERNET_HEADER_BYTES = 14;
export const VLAN_TAG_BYTES = 4;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100; // 802.1Q C-tag
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_QINQ = 0x88a8; // 802.1ad S-tag
export const ETHERTYPE_QINQ_OLD = 0x9100; // pre-802.1ad QinQ (epan/etypes.h ETHERTYPE_QINQ_OLD)

/** The EtherTypes amqpscope tells apart (gopacket layers/enums.go EthernetType). Everything else is NET_NOT_IP. */
export const ETHER_TYPES: readonly { etherType: number; name: string; net: number }[] = [
  { etherType: ETHERTYPE_IPV4, name: 'IPv4', net: NET_IPV4 },
  { etherType: ETHERTYPE_IPV6, name: 'IPv6', net: NET_IPV6 },
  { etherType: ETHERTYPE_VLAN, name: '802.1Q VLAN', net: NET_VLAN },
  { etherType: ETHERTYPE_QINQ, name: '802.1ad QinQ', net: NET_VLAN },
  { etherType: ETHERTYPE_QINQ_OLD, name: 'QinQ (pre-802.1ad)', net: NET_VLAN },
  { etherType: ETHERTYPE_ARP, name: 'ARP', net: NET_NOT_IP },
];

/** ETHER_TYPES as a 64 KiB lookup: one indexed load per EtherType on the hot path, no branches. */
const NET_BY_ETHERTYPE = new Uint8Array(0x10000);
for (const t of ETHER_TYPES) NET_BY_ETHERTYPE[t.etherType] = t.net;

/**
 * Resolves `etherType` (already read from the link header) whose payload starts at `payloadOffset`, walking any
 * number of VLAN tags, and fills `link` with the network layer and where it starts. A tag cut short is
 * NET_MALFORMED. Shared by Ethernet and both SLL versions, whose EtherType sits in different places.
 */
export function resolveEtherType(data: Uint8Array, end: number, etherType: number, payloadOffset: number, link: LinkResult): void {
  let at = payloadOffset;
  let net = NET_BY_ETHERTYPE[etherType]!;
  // Each tag is TCI (2) then the next EtherType (2). Terminates: `at` grows by 4 until the length check fails.
  while (net === NET_VLAN) {
    if (at + VLAN_TAG_BYTES > end) {
      link.net = NET_MALFORMED;
      link.offset = 0;
      return;
    }
    net = NET_BY_ETHERTYPE[u16be(data, at + 2)]!;
    at += VLAN_TAG_BYTES;
  }
  link.net = net;
  link.offset = at;
}

/** LINKTYPE_ETHERNET (1). The frame check sequence, if the capture kept it, is cut later by the IP length. */
export function decodeEthernet(data: Uint8Array, start: number, end: number, link: LinkResult): void {
  if (end - start < ETHERNET_HEADER_BYTES) {
    link.net = NET_MALFORMED;
    link.offset = 0;
    return;
  }
  resolveEtherType(data, end, u16be(data, start + 12), start + ETHERNET_HEADER_BYTES, link);
}
