/**
 * Packet builders for tests: pure functions from a readable spec to the bytes a capture would hold, from the link
 * header down to the payload. Checksums (IPv4 header, TCP, UDP, ICMP) are computed, so the packets also look right
 * to Wireshark when written to a file (test/helpers/synth-capture.ts writes the files; this module does not).
 *
 * Layers compose: *Datagram() builds a bare IP packet, linkFrame() puts a link header in front, and the *Packet()
 * builders do both. IPv4 or IPv6 follows from the address syntax ('10.0.0.1' vs '2001:db8::1').
 *
 *   tcpPacket({ src: '127.0.0.1', dst: '127.0.0.1', sport: 47712, dport: 5672, seq: 1, flags: 'S', mss: 65495 })
 *   tcpPacket({ ...spec, payload: 'AMQP\x00\x00\x09\x01' }, { type: 'ethernet', vlans: [0x88a8_0064, 100] })
 *   linkTypeOf({ type: 'sll2' })  // 276, for the capture file's header
 */

// ---------------------------------------------------------------------------------------------------------------
// Specs

/**
 * The link layer to wrap a packet in (default Ethernet).
 * - ethernet.vlans: one entry per tag, outermost first. A value above 0xffff is the whole 32-bit tag, TPID in the
 *   high half and TCI in the low half (0x88a8_0064 = 802.1ad S-tag, VLAN 100); a value up to 0xffff is just the
 *   TCI and gets TPID 0x8100 (802.1Q).
 * - ethernet.pad: pad the frame to Ethernet's 60-byte minimum with zeros, as a NIC does for a bare ACK.
 * - sll / sll2.hatype: ARPHRD_ type (default 1, ARPHRD_ETHER; 824 is netlink).
 * - null.littleEndian: byte order of the address family word (default true: written on x86/ARM macOS).
 * - null.af6 / loop.af6: the AF_INET6 value to use (default 30, macOS, for NULL; 24, OpenBSD, for LOOP).
 * - raw.linkType: which raw-IP link type linkTypeOf() reports (default 101; 12 and 14 are the old DLT_RAW values).
 */
export type LinkSpec =
  | { type: 'ethernet'; vlans?: number[]; pad?: boolean }
  | { type: 'sll'; hatype?: number }
  | { type: 'sll2'; hatype?: number }
  | { type: 'null'; littleEndian?: boolean; af6?: 24 | 28 | 30 }
  | { type: 'loop'; af6?: 24 | 28 | 30 }
  | { type: 'raw'; linkType?: 101 | 12 | 14 }
  | { type: 'ipv4' }
  | { type: 'ipv6' };

export interface TcpSpec {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  /** Letters F S R P A U E C in any order: 'S', 'SA', 'A', 'PA', 'FA', 'R', 'RA'; '' for none. */
  flags: string;
  /** Raw 16-bit window field (default 65535). */
  window?: number;
  /** Window-scale option (sent as NOP + WS, the way Linux does). */
  windowScale?: number;
  /** MSS option. */
  mss?: number;
  /** Strings are encoded as latin1 (one byte per char), so '\x01' is byte 1. */
  payload?: Uint8Array | string;
  /** IPv4 TTL / IPv6 hop limit (default 64). */
  ttl?: number;
  /** IPv4 identification (default 0). */
  ipId?: number;
  /** Extra raw TCP option bytes after MSS / window scale; the whole option area is padded with EOL to 4 bytes. */
  tcpOptions?: Uint8Array;
  /** IPv4 options, padded with EOL to a multiple of 4 bytes. */
  ipOptions?: Uint8Array;
  /** IPv6 extension headers between the fixed header and TCP, in order. */
  ipv6Extensions?: Ipv6ExtensionSpec[];
}

/**
 * An IPv6 extension header. hop-by-hop / destination / routing: `length` is the header's total size (multiple of 8,
 * default 8), filled with a PadN option (routing: type 0 with Segments Left 0, so nothing reroutes). ah: 12-byte
 * fixed part plus an `icvBytes` ICV (default 12, HMAC-96). fragment: `offset` in bytes (multiple of 8), `more` the
 * M flag; offset 0 and more false is an atomic fragment (RFC 6946).
 */
export type Ipv6ExtensionSpec =
  | { type: 'hop-by-hop' | 'destination' | 'routing'; length?: number }
  | { type: 'ah'; icvBytes?: number }
  | { type: 'fragment'; offset?: number; more?: boolean; id?: number };

export interface Ipv4Spec {
  src: string;
  dst: string;
  protocol: number;
  payload: Uint8Array;
  ttl?: number;
  id?: number;
  /** DF flag (default true, as Linux sends TCP). */
  dontFragment?: boolean;
  /** MF flag. */
  moreFragments?: boolean;
  /** Fragment offset in bytes (multiple of 8). */
  fragmentOffset?: number;
  options?: Uint8Array;
  /** Overrides Total Length (the checksum is computed over the overridden value). */
  totalLength?: number;
}

export interface Ipv6Spec {
  src: string;
  dst: string;
  /** Protocol of what follows the extension headers (6 TCP, 17 UDP, 58 ICMPv6, 59 none). */
  nextHeader: number;
  payload: Uint8Array;
  hopLimit?: number;
  extensions?: Ipv6ExtensionSpec[];
  /** Overrides Payload Length. */
  payloadLength?: number;
}

export interface UdpSpec {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload?: Uint8Array | string;
  ttl?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;

const EXTENSION_PROTOCOL: Record<Ipv6ExtensionSpec['type'], number> = {
  'hop-by-hop': 0,
  routing: 43,
  fragment: 44,
  ah: 51,
  destination: 60,
};

const FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 };

/** 'PA' -> 0x18. Throws on an unknown letter. */
export function tcpFlags(flags: string): number {
  let bits = 0;
  for (const ch of flags.toUpperCase()) {
    const bit = FLAG_BITS[ch];
    if (bit === undefined) throw new Error(`unknown TCP flag letter '${ch}' in '${flags}'`);
    bits |= bit;
  }
  return bits;
}

/** The LINKTYPE_* value a capture file must declare for frames built with `link`. */
export function linkTypeOf(link: LinkSpec = { type: 'ethernet' }): number {
  switch (link.type) {
    case 'ethernet':
      return 1;
    case 'sll':
      return 113;
    case 'sll2':
      return 276;
    case 'null':
      return 0;
    case 'loop':
      return 108;
    case 'raw':
      return link.linkType ?? 101;
    case 'ipv4':
      return 228;
    case 'ipv6':
      return 229;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Addresses

/** '10.0.0.1' -> 4 bytes, '2001:db8::1' / '::ffff:10.0.0.1' -> 16 bytes. Throws on anything else. */
export function parseIp(text: string): { version: 4 | 6; bytes: Uint8Array } {
  if (!text.includes(':')) return { version: 4, bytes: parseIpv4(text) };
  return { version: 6, bytes: parseIpv6(text) };
}

function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new Error(`not an IPv4 address: '${text}'`);
  }
  return Uint8Array.from(parts.map(Number));
}

function parseIpv6(text: string): Uint8Array {
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`not an IPv6 address (two '::'): '${text}'`);
  const groupsOf = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((g) => {
      if (g.includes('.')) {
        const v4 = parseIpv4(g);
        return [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new Error(`bad IPv6 group '${g}' in '${text}'`);
      return [parseInt(g, 16)];
    });
  };
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) throw new Error(`not an IPv6 address: '${text}'`);
  const groups = [...left, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

// ---------------------------------------------------------------------------------------------------------------
// Byte plumbing

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bytesOf(payload: Uint8Array | string | undefined): Uint8Array {
  if (payload === undefined) return new Uint8Array(0);
  if (typeof payload === 'string') return Uint8Array.from(payload, (c) => c.charCodeAt(0) & 0xff);
  return payload;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function padTo4(b: Uint8Array): Uint8Array {
  const padded = new Uint8Array((b.length + 3) & ~3); // zero bytes: EOL for both IPv4 and TCP options
  padded.set(b);
  return padded;
}

/** RFC 1071 Internet checksum of `parts` laid end to end (odd-length parts are handled as one stream). */
export function internetChecksum(...parts: Uint8Array[]): number {
  const all = concat(...parts);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += (all[i]! << 8) | (all[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoHeader(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): Uint8Array {
  if (src.length === 4) {
    const p = new Uint8Array(12);
    p.set(src, 0);
    p.set(dst, 4);
    p[9] = protocol;
    put16(p, 10, length);
    return p;
  }
  const p = new Uint8Array(40);
  p.set(src, 0);
  p.set(dst, 16);
  put32(p, 32, length);
  p[39] = protocol;
  return p;
}

function addresses(src: string, dst: string): { version: 4 | 6; src: Uint8Array; dst: Uint8Array } {
  const s = parseIp(src);
  const d = parseIp(dst);
  if (s.version !== d.version) throw new Error(`address families differ: ${src} -> ${dst}`);
  return { version: s.version, src: s.bytes, dst: d.bytes };
}

// ---------------------------------------------------------------------------------------------------------------
// Transport layers

/** TCP header + payload with a correct checksum for the given (already parsed) addresses. */
function tcpBytes(spec: TcpSpec, src: Uint8Array, dst: Uint8Array): Uint8Array {
  const opts: number[] = [];
  if (spec.mss !== undefined) opts.push(2, 4, (spec.mss >>> 8) & 0xff, spec.mss & 0xff);
  if (spec.windowScale !== undefined) opts.push(1, 3, 3, spec.windowScale);
  const options = padTo4(concat(Uint8Array.from(opts), spec.tcpOptions ?? new Uint8Array(0)));
  if (options.length > 40) throw new Error(`TCP options too long: ${options.length} bytes`);
  const payload = bytesOf(spec.payload);
  const header = new Uint8Array(20 + options.length);
  put16(header, 0, spec.sport);
  put16(header, 2, spec.dport);
  put32(header, 4, spec.seq >>> 0);
  put32(header, 8, (spec.ack ?? 0) >>> 0);
  header[12] = (header.length / 4) << 4;
  header[13] = tcpFlags(spec.flags);
  put16(header, 14, spec.window ?? 65535);
  header.set(options, 20);
  const segment = concat(header, payload);
  put16(segment, 16, internetChecksum(pseudoHeader(src, dst, IPPROTO_TCP, segment.length), segment));
  return segment;
}

function udpBytes(spec: UdpSpec, src: Uint8Array, dst: Uint8Array): Uint8Array {
  const datagram = concat(new Uint8Array(8), bytesOf(spec.payload));
  put16(datagram, 0, spec.sport);
  put16(datagram, 2, spec.dport);
  put16(datagram, 4, datagram.length);
  put16(datagram, 6, internetChecksum(pseudoHeader(src, dst, IPPROTO_UDP, datagram.length), datagram) || 0xffff);
  return datagram;
}

// ---------------------------------------------------------------------------------------------------------------
// Network layers

/** A bare IPv4 packet (header checksum computed). */
export function ipv4Datagram(spec: Ipv4Spec): Uint8Array {
  const src = parseIpv4(spec.src);
  const dst = parseIpv4(spec.dst);
  const options = padTo4(spec.options ?? new Uint8Array(0));
  if (options.length > 40) throw new Error(`IPv4 options too long: ${options.length} bytes`);
  const header = new Uint8Array(20 + options.length);
  header[0] = 0x40 | (header.length / 4);
  put16(header, 2, spec.totalLength ?? header.length + spec.payload.length);
  put16(header, 4, spec.id ?? 0);
  const offset = spec.fragmentOffset ?? 0;
  if (offset % 8 !== 0) throw new Error(`fragment offset ${offset} is not a multiple of 8`);
  put16(header, 6, ((spec.dontFragment ?? true) ? 0x4000 : 0) | (spec.moreFragments ? 0x2000 : 0) | (offset / 8));
  header[8] = spec.ttl ?? 64;
  header[9] = spec.protocol;
  header.set(src, 12);
  header.set(dst, 16);
  header.set(options, 20);
  put16(header, 10, internetChecksum(header));
  return concat(header, spec.payload);
}

function extensionHeader(ext: Ipv6ExtensionSpec, next: number): Uint8Array {
  switch (ext.type) {
    case 'hop-by-hop':
    case 'destination':
    case 'routing': {
      const length = ext.length ?? 8;
      if (length < 8 || length % 8 !== 0) throw new Error(`extension header length ${length} is not 8, 16, ...`);
      const h = new Uint8Array(length);
      h[0] = next;
      h[1] = length / 8 - 1;
      if (ext.type === 'routing') {
        h[2] = 0; // Routing Type 0 ...
        h[3] = 0; // ... with Segments Left 0: processed as if absent (RFC 8200 §4.4)
      } else {
        h[2] = 1; // PadN option covering the rest of the header
        h[3] = length - 4;
      }
      return h;
    }
    case 'ah': {
      const icv = ext.icvBytes ?? 12;
      const length = 12 + icv;
      if (length % 8 !== 0) throw new Error(`AH length ${length} must be a multiple of 8 in IPv6`);
      const h = new Uint8Array(length);
      h[0] = next;
      h[1] = length / 4 - 2;
      put32(h, 4, 0x1000); // SPI
      put32(h, 8, 1); // sequence number
      return h;
    }
    case 'fragment': {
      const offset = ext.offset ?? 0;
      if (offset % 8 !== 0) throw new Error(`fragment offset ${offset} is not a multiple of 8`);
      const h = new Uint8Array(8);
      h[0] = next;
      put16(h, 2, offset | (ext.more ? 1 : 0));
      put32(h, 4, ext.id ?? 0x12345678);
      return h;
    }
  }
}

/** A bare IPv6 packet with its extension headers chained in order. */
export function ipv6Datagram(spec: Ipv6Spec): Uint8Array {
  const src = parseIpv6(spec.src);
  const dst = parseIpv6(spec.dst);
  const exts = spec.extensions ?? [];
  const headers = exts.map((ext, i) => {
    const following = exts[i + 1];
    return extensionHeader(ext, following === undefined ? spec.nextHeader : EXTENSION_PROTOCOL[following.type]);
  });
  const body = concat(...headers, spec.payload);
  const fixed = new Uint8Array(40);
  fixed[0] = 0x60;
  put16(fixed, 4, spec.payloadLength ?? body.length);
  const first = exts[0];
  fixed[6] = first === undefined ? spec.nextHeader : EXTENSION_PROTOCOL[first.type];
  fixed[7] = spec.hopLimit ?? 64;
  fixed.set(src, 8);
  fixed.set(dst, 24);
  return concat(fixed, body);
}

// ---------------------------------------------------------------------------------------------------------------
// Link layers

const SRC_MAC = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x01);
const DST_MAC = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x02);
const ETHERNET_MIN_FRAME = 60;

function addressFamily(etherType: number, af6: number): number {
  if (etherType === ETHERTYPE_IPV4) return 2;
  if (etherType === ETHERTYPE_IPV6) return af6;
  throw new Error(`EtherType 0x${etherType.toString(16)} cannot be carried on a loopback link`);
}

/** Puts `link`'s header in front of a network-layer packet whose EtherType is `etherType`. */
export function linkFrame(network: Uint8Array, etherType: number, link: LinkSpec = { type: 'ethernet' }): Uint8Array {
  switch (link.type) {
    case 'ethernet': {
      const tags = (link.vlans ?? []).map((v) => {
        const tag = new Uint8Array(4);
        put32(tag, 0, v > 0xffff ? v : 0x81000000 | v);
        return tag;
      });
      const type = new Uint8Array(2);
      put16(type, 0, etherType);
      const frame = concat(DST_MAC, SRC_MAC, ...tags, type, network);
      if (link.pad && frame.length < ETHERNET_MIN_FRAME) return concat(frame, new Uint8Array(60 - frame.length));
      return frame;
    }
    case 'sll': {
      const h = new Uint8Array(16);
      put16(h, 0, 0); // PACKET_HOST
      put16(h, 2, link.hatype ?? 1);
      put16(h, 4, 6);
      h.set(SRC_MAC, 6);
      put16(h, 14, etherType);
      return concat(h, network);
    }
    case 'sll2': {
      const h = new Uint8Array(20);
      put16(h, 0, etherType);
      put32(h, 4, 1); // interface index
      put16(h, 8, link.hatype ?? 1);
      h[10] = 0; // PACKET_HOST
      h[11] = 6;
      h.set(SRC_MAC, 12);
      return concat(h, network);
    }
    case 'null': {
      const h = new Uint8Array(4);
      new DataView(h.buffer).setUint32(0, addressFamily(etherType, link.af6 ?? 30), link.littleEndian ?? true);
      return concat(h, network);
    }
    case 'loop': {
      const h = new Uint8Array(4);
      put32(h, 0, addressFamily(etherType, link.af6 ?? 24));
      return concat(h, network);
    }
    case 'raw':
    case 'ipv4':
    case 'ipv6': {
      const wanted = link.type === 'ipv4' ? ETHERTYPE_IPV4 : link.type === 'ipv6' ? ETHERTYPE_IPV6 : etherType;
      if (etherType !== wanted || (etherType !== ETHERTYPE_IPV4 && etherType !== ETHERTYPE_IPV6)) {
        throw new Error(`link type '${link.type}' cannot carry EtherType 0x${etherType.toString(16)}`);
      }
      return network.slice();
    }
  }
}

function ipPacket(
  version: 4 | 6,
  src: string,
  dst: string,
  protocol: number,
  payload: Uint8Array,
  extra: { ttl?: number; ipId?: number; ipOptions?: Uint8Array; ipv6Extensions?: Ipv6ExtensionSpec[] },
  link: LinkSpec | undefined,
): Uint8Array {
  if (version === 4) {
    if (extra.ipv6Extensions !== undefined) throw new Error('ipv6Extensions given for an IPv4 packet');
    const datagram = ipv4Datagram({ src, dst, protocol, payload, ttl: extra.ttl, id: extra.ipId, options: extra.ipOptions });
    return linkFrame(datagram, ETHERTYPE_IPV4, link);
  }
  if (extra.ipOptions !== undefined) throw new Error('ipOptions given for an IPv6 packet');
  const datagram = ipv6Datagram({
    src,
    dst,
    nextHeader: protocol,
    payload,
    hopLimit: extra.ttl,
    extensions: extra.ipv6Extensions,
  });
  return linkFrame(datagram, ETHERTYPE_IPV6, link);
}

// ---------------------------------------------------------------------------------------------------------------
// Whole packets

/** A TCP segment in IPv4 or IPv6 (by address syntax) in the given link layer (default Ethernet). */
export function tcpPacket(spec: TcpSpec, link?: LinkSpec): Uint8Array {
  const a = addresses(spec.src, spec.dst);
  return ipPacket(a.version, spec.src, spec.dst, IPPROTO_TCP, tcpBytes(spec, a.src, a.dst), spec, link);
}

/** A UDP datagram in IPv4 or IPv6. */
export function udpPacket(spec: UdpSpec, link?: LinkSpec): Uint8Array {
  const a = addresses(spec.src, spec.dst);
  return ipPacket(a.version, spec.src, spec.dst, IPPROTO_UDP, udpBytes(spec, a.src, a.dst), spec, link);
}

/** An ICMP (IPv4) or ICMPv6 (IPv6) echo request. */
export function icmpEchoPacket(spec: { src: string; dst: string; id?: number; seq?: number }, link?: LinkSpec): Uint8Array {
  const a = addresses(spec.src, spec.dst);
  const msg = new Uint8Array(16);
  msg[0] = a.version === 4 ? 8 : 128; // echo request
  put16(msg, 4, spec.id ?? 1);
  put16(msg, 6, spec.seq ?? 1);
  const protocol = a.version === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
  const checksum =
    a.version === 4 ? internetChecksum(msg) : internetChecksum(pseudoHeader(a.src, a.dst, protocol, msg.length), msg);
  put16(msg, 2, checksum);
  return ipPacket(a.version, spec.src, spec.dst, protocol, msg, {}, link);
}

/** An IPv6 packet with no upper layer at all (Next Header 59), optionally behind extension headers. */
export function ipv6NoNextHeaderPacket(
  spec: { src: string; dst: string; extensions?: Ipv6ExtensionSpec[] },
  link?: LinkSpec,
): Uint8Array {
  const datagram = ipv6Datagram({ ...spec, nextHeader: IPPROTO_NONE, payload: new Uint8Array(0) });
  return linkFrame(datagram, ETHERTYPE_IPV6, link);
}

/**
 * One fragment of an IPv4 datagram: `payload` is this fragment's slice of the original datagram's payload,
 * `offset` its position in bytes (multiple of 8), `more` the MF flag.
 */
export function ipv4Fragment(
  spec: { src: string; dst: string; protocol?: number; id?: number; offset: number; more: boolean; payload: Uint8Array },
  link?: LinkSpec,
): Uint8Array {
  const datagram = ipv4Datagram({
    src: spec.src,
    dst: spec.dst,
    protocol: spec.protocol ?? IPPROTO_TCP,
    payload: spec.payload,
    id: spec.id ?? 0x1234,
    dontFragment: false,
    moreFragments: spec.more,
    fragmentOffset: spec.offset,
  });
  return linkFrame(datagram, ETHERTYPE_IPV4, link);
}

/**
 * One fragment of an IPv6 datagram: a Fragment header (after any `extensions`, the unfragmentable part), then
 * `payload`, this fragment's slice of the fragmentable part.
 */
export function ipv6Fragment(
  spec: {
    src: string;
    dst: string;
    nextHeader?: number;
    id?: number;
    offset: number;
    more: boolean;
    payload: Uint8Array;
    extensions?: Ipv6ExtensionSpec[];
  },
  link?: LinkSpec,
): Uint8Array {
  const datagram = ipv6Datagram({
    src: spec.src,
    dst: spec.dst,
    nextHeader: spec.nextHeader ?? IPPROTO_TCP,
    payload: spec.payload,
    extensions: [...(spec.extensions ?? []), { type: 'fragment', offset: spec.offset, more: spec.more, id: spec.id }],
  });
  return linkFrame(datagram, ETHERTYPE_IPV6, link);
}

/** An ARP request (who-has `targetIp` tell `senderIp`) on an Ethernet-like link. */
export function arpFrame(
  spec: { senderIp?: string; targetIp?: string } = {},
  link: Extract<LinkSpec, { type: 'ethernet' | 'sll' | 'sll2' }> = { type: 'ethernet' },
): Uint8Array {
  const arp = new Uint8Array(28);
  put16(arp, 0, 1); // hardware type Ethernet
  put16(arp, 2, ETHERTYPE_IPV4);
  arp[4] = 6;
  arp[5] = 4;
  put16(arp, 6, 1); // request
  arp.set(SRC_MAC, 8);
  arp.set(parseIpv4(spec.senderIp ?? '10.0.0.1'), 14);
  arp.set(parseIpv4(spec.targetIp ?? '10.0.0.2'), 24);
  return linkFrame(arp, ETHERTYPE_ARP, link);
}
