/**
 * Writers for synthetic captures, for everyone's tests: classic pcap and pcapng as plain bytes, built exactly as
 * libpcap / Wireshark lay them out (see src/capture/reader.ts for the diagrams). Pure functions, no I/O.
 *
 * Packet bytes themselves (Ethernet/IP/TCP) come from test/helpers/packets.ts; these writers only frame them.
 */

import { gzipSync } from 'node:zlib';
import { concat } from '../../scripts/fuzz-lib.js';

export interface SynthPacket {
  /** Seconds since the epoch. */
  tsSec: number;
  /** Nanoseconds within the second (a microsecond pcap keeps floor(tsNsec / 1000)). */
  tsNsec: number;
  /** The captured bytes. */
  data: Uint8Array;
  /** Length on the wire; defaults to data.length. */
  origLen?: number;
}

export interface PcapOptions {
  /** Nanosecond magic (a1b23c4d) instead of microseconds (a1b2c3d4). */
  nanosecond?: boolean;
  /** Write as a big-endian host would; default little-endian (what tcpdump on x86 writes). */
  bigEndian?: boolean;
  /** LINKTYPE_ value, default 1 (Ethernet). */
  linkType?: number;
  /** Default 262144, tcpdump's default. */
  snaplen?: number;
  /**
   * Bits OR-ed into the header's link-type word above the 16-bit link type, where writers put FCS information
   * (e.g. 0x34000000). Must have its low 16 bits clear; readers must ignore these bits.
   */
  linkTypeUpperBits?: number;
}

/** A classic pcap file. */
export function writePcap(packets: SynthPacket[], opts: PcapOptions = {}): Uint8Array {
  const le = !opts.bigEndian;
  const nano = opts.nanosecond ?? false;
  const upper = opts.linkTypeUpperBits ?? 0;
  if ((upper & 0xffff) !== 0) throw new Error('writePcap: linkTypeUpperBits must leave the low 16 bits clear');
  const linkType = opts.linkType ?? 1;
  if (linkType < 0 || linkType > 0xffff) throw new Error('writePcap: linkType must fit 16 bits');

  let size = 24;
  for (const p of packets) size += 16 + p.data.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(8, 0, le);
  v.setUint32(12, 0, le);
  v.setUint32(16, opts.snaplen ?? 262144, le);
  v.setUint32(20, (upper | linkType) >>> 0, le);
  let o = 24;
  for (const p of packets) {
    checkTime(p);
    v.setUint32(o, p.tsSec, le);
    v.setUint32(o + 4, nano ? p.tsNsec : Math.floor(p.tsNsec / 1000), le);
    v.setUint32(o + 8, p.data.length, le);
    v.setUint32(o + 12, p.origLen ?? p.data.length, le);
    out.set(p.data, o + 16);
    o += 16 + p.data.length;
  }
  return out;
}

export interface SynthInterface {
  /** LINKTYPE_ value. */
  linkType: number;
  /**
   * The raw if_tsresol option byte: MSB 0 -> 10^-n seconds, MSB 1 -> 2^-n seconds (n = low 7 bits). Omitted means no
   * option, i.e. the default 10^-6.
   */
  tsresol?: number;
  /** if_tsoffset: seconds added to every timestamp on this interface. Omitted means no option. */
  tsoffset?: number;
  /** Default 262144; 0 means unlimited. */
  snaplen?: number;
}

export type SynthBlock =
  /** Enhanced Packet Block (6) on interface `iface` of this section. */
  | { kind: 'epb'; iface: number; p: SynthPacket }
  /** Simple Packet Block (3): interface 0, no timestamp (p.tsSec/tsNsec are not written). */
  | { kind: 'spb'; p: SynthPacket }
  /** Obsolete Packet Block (2). */
  | { kind: 'pb'; iface: number; p: SynthPacket }
  /** Any block, framed as given: type, total length, body (padded to 4 by the writer), total length. */
  | { kind: 'other'; type: number; body: Uint8Array };

export interface SynthSection {
  bigEndian?: boolean;
  /** Written as IDBs, in this order, right after the SHB (so interface i has id i). */
  interfaces: SynthInterface[];
  blocks: SynthBlock[];
}

/** A pcapng file: one SHB per section, its IDBs, then its blocks. */
export function writePcapng(sections: SynthSection[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const s of sections) {
    const le = !s.bigEndian;
    // SHB: byte-order magic, version 1.0, section length -1 (unknown), no options.
    const shb = new Uint8Array(16);
    const sv = new DataView(shb.buffer);
    sv.setUint32(0, 0x1a2b3c4d, le);
    sv.setUint16(4, 1, le);
    sv.setUint16(6, 0, le);
    sv.setBigInt64(8, -1n, le);
    parts.push(block(0x0a0d0d0a, shb, le));

    for (const i of s.interfaces) {
      const opts: Uint8Array[] = [];
      if (i.tsresol !== undefined) opts.push(option(9, Uint8Array.of(i.tsresol), le));
      if (i.tsoffset !== undefined) {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigInt64(0, BigInt(i.tsoffset), le);
        opts.push(option(14, b, le));
      }
      if (opts.length > 0) opts.push(option(0, new Uint8Array(0), le));
      const head = new Uint8Array(8);
      const hv = new DataView(head.buffer);
      hv.setUint16(0, i.linkType, le);
      hv.setUint16(2, 0, le);
      hv.setUint32(4, i.snaplen ?? 262144, le);
      parts.push(block(1, concat([head, ...opts]), le));
    }

    for (const b of s.blocks) {
      switch (b.kind) {
        case 'epb':
        case 'pb': {
          const iface = s.interfaces[b.iface];
          // An out-of-range iface is allowed on purpose (tests of 'unknown-interface'): default resolution then.
          const units = toUnits(b.p, iface?.tsresol, iface?.tsoffset ?? 0);
          const head = new Uint8Array(20);
          const hv = new DataView(head.buffer);
          if (b.kind === 'epb') hv.setUint32(0, b.iface, le);
          else {
            hv.setUint16(0, b.iface, le);
            hv.setUint16(2, 0, le); // drops
          }
          hv.setUint32(4, Number(units >> 32n), le);
          hv.setUint32(8, Number(units & 0xffffffffn), le);
          hv.setUint32(12, b.p.data.length, le);
          hv.setUint32(16, b.p.origLen ?? b.p.data.length, le);
          parts.push(block(b.kind === 'epb' ? 6 : 2, concat([head, pad4(b.p.data)]), le));
          break;
        }
        case 'spb': {
          const head = new Uint8Array(4);
          new DataView(head.buffer).setUint32(0, b.p.origLen ?? b.p.data.length, le);
          parts.push(block(3, concat([head, pad4(b.p.data)]), le));
          break;
        }
        case 'other':
          parts.push(block(b.type, pad4(b.body), le));
          break;
      }
    }
  }
  return concat(parts);
}

/** gzip-compressed copy of `bytes`. */
export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}

/**
 * The 64-bit timestamp an EPB/PB carries for `p` on an interface with this if_tsresol byte and if_tsoffset.
 * Binary fractions at least as fine as 1 ns (2^-30 and finer) round up, so that the reader's truncation gives back
 * tsNsec exactly; coarser ones truncate (they cannot represent every nanosecond anyway).
 */
export function toUnits(p: SynthPacket, tsresol: number | undefined, tsoffset = 0): bigint {
  checkTime(p);
  const r = tsresol ?? 6;
  const n = BigInt(r & 0x7f);
  const binary = (r & 0x80) !== 0;
  const perSec = binary ? 1n << n : 10n ** n;
  const whole = BigInt(p.tsSec - tsoffset) * perSec;
  const num = BigInt(p.tsNsec) * perSec;
  const frac = binary && perSec >= 1_000_000_000n ? (num + 999_999_999n) / 1_000_000_000n : num / 1_000_000_000n;
  const units = whole + frac;
  if (units < 0n || units >= 1n << 64n) throw new Error('toUnits: timestamp does not fit 64 bits');
  return units;
}

/** Concatenates byte arrays (the fuzzer's, which plain-JS scripts use too). */
export { concat };

function block(type: number, body: Uint8Array, le: boolean): Uint8Array {
  const total = 12 + body.length; // body is already padded to 4
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type >>> 0, le);
  v.setUint32(4, total, le);
  out.set(body, 8);
  v.setUint32(total - 4, total, le);
  return out;
}

function option(code: number, value: Uint8Array, le: boolean): Uint8Array {
  const head = new Uint8Array(4);
  const v = new DataView(head.buffer);
  v.setUint16(0, code, le);
  v.setUint16(2, value.length, le);
  return concat([head, pad4(value)]);
}

function pad4(b: Uint8Array): Uint8Array {
  const padded = (b.length + 3) & ~3;
  if (padded === b.length) return b;
  const out = new Uint8Array(padded);
  out.set(b);
  return out;
}

function checkTime(p: SynthPacket): void {
  if (!Number.isInteger(p.tsSec) || !Number.isInteger(p.tsNsec) || p.tsNsec < 0 || p.tsNsec > 999_999_999) {
    throw new Error(`synth-capture: bad timestamp ${p.tsSec}.${p.tsNsec}`);
  }
}
