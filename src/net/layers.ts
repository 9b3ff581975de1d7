/**
 * What one layer hands to the next. Every decoder in src/net is a pure function of the packet bytes: it reads
 * nothing but its arguments, keeps nothing between packets, and reports through a small caller-owned struct
 * instead of returning a fresh object (no allocation per packet; see decode.ts for why that matters).
 *
 *   link decoder (link.ts table)  -> LinkResult { net, offset }   which network layer, where it starts
 *   ipv4.ts / ipv6.ts             -> IpResult   { offset, end, length } where the TCP header is, how much of it
 *   tcp-header.ts                 -> TcpSegment (types.ts)
 */

/**
 * Network-layer codes: what a link decoder found after its header (gopacket's EthernetType/LayerType role). Small
 * integers so that decode.ts dispatches with a switch and the EtherType / address-family tables fit in a Uint8Array.
 */
export const NET_NOT_IP = 0; // ARP, LLDP, 802.3 LLC, an unknown address family ... counted as 'not-ip'
export const NET_IPV4 = 1;
export const NET_IPV6 = 2;
export const NET_MALFORMED = 3; // the link header itself is cut short or impossible
/** Only inside EtherType tables: a VLAN tag follows, keep walking (ethernet.ts). Never left in a LinkResult. */
export const NET_VLAN = 4;

/** Filled by a link decoder. `offset` (an index into `data`) is meaningful for NET_IPV4 / NET_IPV6 only. */
export interface LinkResult {
  /** One of the NET_* codes above, except NET_VLAN. */
  net: number;
  offset: number;
}

/**
 * A link-layer decoder: reads the header of the packet in data[start, end), fills `link` (its offset into `data`).
 * One per LINKTYPE in link.ts. Must not throw for any input, however short.
 */
export type LinkDecoder = (data: Uint8Array, start: number, end: number, link: LinkResult) => void;

/**
 * Filled by the IP decoders when they answer 'tcp': where the TCP header starts, where the captured bytes of this
 * datagram end (cut at the IP length, so Ethernet padding and FCS never reach TCP), and how many bytes the IP
 * length fields declare for TCP header + payload (which may exceed end - offset when the snap length cut it).
 */
export interface IpResult {
  offset: number;
  end: number;
  length: number;
}

export function createLinkResult(): LinkResult {
  return { net: NET_NOT_IP, offset: 0 };
}

export function createIpResult(): IpResult {
  return { offset: 0, end: 0, length: 0 };
}
