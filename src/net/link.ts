/**
 * The LINKTYPE table: which decoder reads each link layer, and its name for the report (gopacket layers/enums.go
 * LinkType with EnumMetadata{DecodeWith, Name}; values from the IANA / draft-ietf-opsawg-pcaplinktype registry).
 *
 * To support another link type, add one row: a decoder `(data, start, end, link) => void` that reads the packet in
 * data[start, end), fills LinkResult (layers.ts) and never throws. decode.ts needs no change.
 */
import { decodeEthernet } from './ethernet.js';
import type { LinkDecoder } from './layers.js';
import { decodeLoop, decodeNull } from './loopback.js';
import { decodeRawIp, decodeRawIpv4, decodeRawIpv6 } from './raw.js';
import { decodeSll, decodeSll2 } from './sll.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_DLT_RAW_12 = 12;
export const LINKTYPE_DLT_RAW_14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export interface LinkTypeInfo {
  linkType: number;
  /** libpcap's DLT name, then what it is, as the report prints it. */
  name: string;
  decode: LinkDecoder;
}

export const LINK_TYPES: readonly LinkTypeInfo[] = [
  { linkType: LINKTYPE_NULL, name: 'NULL (BSD loopback)', decode: decodeNull },
  { linkType: LINKTYPE_ETHERNET, name: 'EN10MB (Ethernet)', decode: decodeEthernet },
  // 12 is DLT_RAW on most BSDs (LOOP on OpenBSD, but OpenBSD writes 108 to files); 14 is DLT_RAW on
  // BSD/OS. Wireshark's wiretap/pcap-common.c maps both to raw IP, and so do we.
  { linkType: LINKTYPE_DLT_RAW_12, name: 'RAW (raw IP, DLT 12)', decode: decodeRawIp },
  { linkType: LINKTYPE_DLT_RAW_14, name: 'RAW (raw IP, DLT 14)', decode: decodeRawIp },
  { linkType: LINKTYPE_RAW, name: 'RAW (raw IP)', decode: decodeRawIp },
  { linkType: LINKTYPE_LOOP, name: 'LOOP (OpenBSD loopback)', decode: decodeLoop },
  { linkType: LINKTYPE_LINUX_SLL, name: 'LINUX_SLL', decode: decodeSll },
  { linkType: LINKTYPE_IPV4, name: 'IPV4 (raw IPv4)', decode: decodeRawIpv4 },
  { linkType: LINKTYPE_IPV6, name: 'IPV6 (raw IPv6)', decode: decodeRawIpv6 },
  { linkType: LINKTYPE_LINUX_SLL2, name: 'LINUX_SLL2', decode: decodeSll2 },
];

/**
 * LINK_TYPES indexed by link type: a dense array (filled, so V8 keeps it PACKED) read once per packet. Link types
 * are small integers (the largest supported is 276), so an array beats a Map here.
 */
const DECODER_BY_LINKTYPE: (LinkDecoder | undefined)[] = new Array<LinkDecoder | undefined>(
  Math.max(...LINK_TYPES.map((t) => t.linkType)) + 1,
).fill(undefined);
for (const t of LINK_TYPES) DECODER_BY_LINKTYPE[t.linkType] = t.decode;

/** The decoder for `linkType`, or undefined when amqpscope does not support it. */
export function linkDecoder(linkType: number): LinkDecoder | undefined {
  return linkType >= 0 && linkType < DECODER_BY_LINKTYPE.length ? DECODER_BY_LINKTYPE[linkType] : undefined;
}

/** 'EN10MB (Ethernet)', 'LINUX_SLL2', ...; 'LINKTYPE 147 (unsupported)' for the rest. */
export function linkTypeName(linkType: number): string {
  for (const t of LINK_TYPES) if (t.linkType === linkType) return t.name;
  return `LINKTYPE ${linkType} (unsupported)`;
}
