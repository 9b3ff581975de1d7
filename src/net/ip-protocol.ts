/**
 * The IP protocol / IPv6 Next Header numbers the decoders act on (IANA "Assigned Internet Protocol Numbers";
 * gopacket layers/enums.go IPProtocol). Each number maps to what the IP layer does with it; everything not listed
 * is an upper layer that is not TCP (UDP 17, ICMP 1, ICMPv6 58, SCTP 132, GRE 47, ESP 50 whose content is
 * encrypted, ...), so the packet is counted as 'not-tcp'.
 */

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_MOBILITY = 135;
export const IPPROTO_HIP = 139;
export const IPPROTO_SHIM6 = 140;

/** What the IP layer does with a protocol number. */
export const PROTO_OTHER = 0; // an upper layer that is not TCP: 'not-tcp'
export const PROTO_TCP = 1; // decode the TCP header next
/** IPv6 extension header in the RFC 8200 §4 / RFC 6564 uniform format: length = (Hdr Ext Len + 1) * 8. */
export const PROTO_IPV6_EXTENSION = 2;
/** IPv6 Fragment header: fixed 8 bytes. */
export const PROTO_IPV6_FRAGMENT = 3;
/** Authentication Header (RFC 4302): length = (Payload Len + 2) * 4, its own rule. */
export const PROTO_AH = 4;
/** IPv6 No Next Header: nothing follows. */
export const PROTO_NO_NEXT_HEADER = 5;

export const IP_PROTOCOLS: readonly { protocol: number; name: string; action: number }[] = [
  { protocol: IPPROTO_TCP, name: 'TCP', action: PROTO_TCP },
  { protocol: IPPROTO_HOPOPTS, name: 'IPv6 Hop-by-Hop Options', action: PROTO_IPV6_EXTENSION },
  { protocol: IPPROTO_ROUTING, name: 'IPv6 Routing', action: PROTO_IPV6_EXTENSION },
  { protocol: IPPROTO_DSTOPTS, name: 'IPv6 Destination Options', action: PROTO_IPV6_EXTENSION },
  { protocol: IPPROTO_MOBILITY, name: 'Mobility Header', action: PROTO_IPV6_EXTENSION },
  { protocol: IPPROTO_HIP, name: 'Host Identity Protocol', action: PROTO_IPV6_EXTENSION },
  { protocol: IPPROTO_SHIM6, name: 'Shim6', action: PROTO_IPV6_EXTENSION },
  { protocol: IPPROTO_FRAGMENT, name: 'IPv6 Fragment', action: PROTO_IPV6_FRAGMENT },
  { protocol: IPPROTO_AH, name: 'Authentication Header', action: PROTO_AH },
  { protocol: IPPROTO_NONE, name: 'IPv6 No Next Header', action: PROTO_NO_NEXT_HEADER },
];

/** IP_PROTOCOLS as a 256-entry lookup (the protocol field is one byte, so every index is in range). */
export const ACTION_BY_PROTOCOL = new Uint8Array(256);
for (const p of IP_PROTOCOLS) ACTION_BY_PROTOCOL[p.protocol] = p.action;
