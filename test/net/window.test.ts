/**
 * decodePacketAt reads a packet where it lies in the reader's chunk: data[start, start + caplen), with other
 * packets' bytes around it. It must give what decodePacket gives for the same bytes alone, and never read outside
 * the window (the bytes around are junk here, so reading them would change the answer).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTcpSegment, decodePacket, decodePacketAt } from '../../src/net/decode.js';
import { LINK_TYPES } from '../../src/net/link.js';
import type { TcpSegment } from '../../src/net/types.js';

const CAPTURES = join(import.meta.dirname, '../../captures');

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** What a decode answered, comparable: the kind, and on 'tcp' the segment with its payload's bytes. */
function answer(kind: string, seg: TcpSegment): string {
  return kind === 'tcp' ? JSON.stringify({ kind, ...seg, payload: Buffer.from(seg.payload).toString('hex') }) : kind;
}

/** `packet` placed at a random offset of a buffer of junk (a byte that no header field would make harmless). */
function inJunk(packet: Uint8Array, rnd: () => number, junk: number): { data: Uint8Array; start: number } {
  const before = Math.floor(rnd() * 40);
  const data = new Uint8Array(before + packet.length + Math.floor(rnd() * 40)).fill(junk);
  data.set(packet, before);
  return { data, start: before };
}

/** Every record of the classic-pcap captures, with its link type. */
function realPackets(): { linkType: number; data: Uint8Array; origLen: number }[] {
  const out: { linkType: number; data: Uint8Array; origLen: number }[] = [];
  for (const file of readdirSync(CAPTURES).filter((f) => f.endsWith('.pcap'))) {
    const buf = readFileSync(join(CAPTURES, file));
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const le = [0xa1b2c3d4, 0xa1b23c4d].includes(view.getUint32(0, true));
    if (!le && ![0xa1b2c3d4, 0xa1b23c4d].includes(view.getUint32(0, false))) continue;
    const linkType = view.getUint32(20, le) & 0xffff;
    for (let at = 24; at + 16 <= buf.length; ) {
      const capLen = view.getUint32(at + 8, le);
      if (at + 16 + capLen > buf.length) break;
      out.push({ linkType, data: buf.subarray(at + 16, at + 16 + capLen), origLen: view.getUint32(at + 12, le) });
      at += 16 + capLen;
    }
  }
  return out;
}

describe('decodePacketAt', () => {
  const packets = realPackets();

  it('answers as decodePacket does for every packet of the real captures, in place among junk bytes', () => {
    expect(packets.length).toBeGreaterThan(10_000);
    const rnd = lcg(5);
    const a = createTcpSegment();
    const b = createTcpSegment();
    let tcp = 0;
    for (const p of packets) {
      const alone = answer(decodePacket(p.linkType, p.data.slice(), p.origLen, a), a);
      const { data, start } = inJunk(p.data, rnd, rnd() < 0.5 ? 0x00 : 0xff);
      const inPlace = answer(decodePacketAt(p.linkType, data, start, p.data.length, p.origLen, b), b);
      if (inPlace !== alone) expect(inPlace).toBe(alone);
      if (alone.startsWith('{')) tcp++;
    }
    expect(tcp).toBeGreaterThan(10_000);
  });

  it('reads nothing outside the window, for every link type and every cut of real packets', () => {
    const rnd = lcg(9);
    const a = createTcpSegment();
    const b = createTcpSegment();
    let compared = 0;
    for (let i = 0; i < 20_000; i++) {
      const p = packets[Math.floor(rnd() * packets.length)]!;
      // Any link type over any bytes, cut anywhere: headers of one kind read as another, and cut short.
      const linkType = rnd() < 0.5 ? p.linkType : LINK_TYPES[Math.floor(rnd() * LINK_TYPES.length)]!.linkType;
      const cut = p.data.subarray(0, Math.floor(rnd() * (p.data.length + 1)));
      const origLen = rnd() < 0.2 ? 0 : p.origLen;
      const alone = answer(decodePacket(linkType, cut.slice(), origLen, a), a);
      for (const junk of [0x00, 0x45, 0x60, 0xff]) {
        const { data, start } = inJunk(cut, rnd, junk);
        const inPlace = answer(decodePacketAt(linkType, data, start, cut.length, origLen, b), b);
        if (inPlace !== alone) expect({ i, linkType, length: cut.length, junk, inPlace }).toEqual({ i, linkType, length: cut.length, junk, inPlace: alone });
        compared++;
      }
    }
    expect(compared).toBe(80_000);
  });

  it('answers the same in place for the real packets re-framed under every other link type', () => {
    // The captures are Ethernet and SLL2: their IP packets are re-framed as NULL (both byte orders), LOOP, SLL,
    // SLL2 and raw IP, so that every decoder reads real headers at an offset into junk.
    const rnd = lcg(11);
    const a = createTcpSegment();
    const b = createTcpSegment();
    const ip = packets
      .filter((p) => p.linkType === 1 && p.data.length > 14 && (p.data[12] === 0x08 || p.data[12] === 0x86))
      .map((p) => ({ v6: p.data[12] === 0x86, payload: p.data.subarray(14), origLen: p.origLen - 14 }));
    expect(ip.some((p) => p.v6)).toBe(true);
    const u32 = (n: number, le: boolean): number[] => (le ? [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24] : [n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255]);
    const framings: { linkType: number; header: (v6: boolean) => number[] }[] = [
      { linkType: 0, header: (v6) => u32(v6 ? 30 : 2, true) }, // NULL, the writer's byte order little-endian
      { linkType: 0, header: (v6) => u32(v6 ? 28 : 2, false) }, // NULL, big-endian
      { linkType: 108, header: (v6) => u32(v6 ? 24 : 2, false) }, // LOOP
      { linkType: 113, header: (v6) => [0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00] }, // SLL
      { linkType: 276, header: (v6) => [v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0] }, // SLL2
      { linkType: 101, header: () => [] }, // raw IP
    ];
    let tcp = 0;
    for (const f of framings) {
      for (const p of ip.filter((_, i) => i % 7 === 0)) {
        const frame = Uint8Array.from([...f.header(p.v6), ...p.payload]);
        const cut = rnd() < 0.3 ? frame.subarray(0, Math.floor(rnd() * frame.length)) : frame;
        const origLen = frame.length - p.payload.length + p.origLen;
        const alone = answer(decodePacket(f.linkType, cut.slice(), origLen, a), a);
        const { data, start } = inJunk(cut, rnd, rnd() < 0.5 ? 0x00 : 0x45);
        const inPlace = answer(decodePacketAt(f.linkType, data, start, cut.length, origLen, b), b);
        if (inPlace !== alone) expect({ linkType: f.linkType, inPlace }).toEqual({ linkType: f.linkType, inPlace: alone });
        if (alone.startsWith('{')) tcp++;
      }
    }
    expect(tcp).toBeGreaterThan(1_000);
  });

  it('walks IPv6 extension headers within the window, cut at every length', () => {
    // IPv6, Hop-by-Hop (8 bytes), Authentication Header (16 bytes), then a TCP header: every cut, among junk that
    // would continue each header.
    const tcpHeader = [0x13, 0x88, 0x16, 0x28, 0, 0, 0, 1, 0, 0, 0, 2, 0x50, 0x18, 0x01, 0x00, 0, 0, 0, 0];
    const extensions = [51, 0, 1, 4, 0, 0, 0, 0, 6, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0];
    const payloadLength = extensions.length + tcpHeader.length;
    const packet = Uint8Array.from([0x60, 0, 0, 0, 0, payloadLength, 0, 64, ...new Array<number>(15).fill(0), 1, ...new Array<number>(15).fill(0), 2, ...extensions, ...tcpHeader]);
    const a = createTcpSegment();
    const b = createTcpSegment();
    const answers = new Set<string>();
    for (let length = 0; length <= packet.length; length++) {
      const cut = packet.subarray(0, length);
      const alone = answer(decodePacket(229, cut.slice(), packet.length, a), a);
      answers.add(alone.startsWith('{') ? 'tcp' : alone);
      for (const junk of [0x00, 0x06, 0x33, 0xff]) {
        const data = new Uint8Array(length + 64).fill(junk);
        data.set(cut, 0);
        const inPlace = answer(decodePacketAt(229, data, 0, length, packet.length, b), b);
        expect(inPlace, `cut at ${length}, junk ${junk}`).toBe(alone);
      }
    }
    expect(answers.has('tcp')).toBe(true);
    expect(answers.has('malformed')).toBe(true);
  });

  it('stops a chain of VLAN tags at the window, not at the buffer', () => {
    // Ethernet with three 802.1Q tags, then IPv4: cut at every length, the tag walk must see the cut.
    const frame = Uint8Array.from([...new Array<number>(12).fill(2), 0x81, 0x00, 0, 1, 0x81, 0x00, 0, 2, 0x88, 0xa8, 0, 3, 0x08, 0x00, 0x45, 0, 0, 40]);
    const a = createTcpSegment();
    const b = createTcpSegment();
    const answers = new Set<string>();
    for (let length = 0; length <= frame.length; length++) {
      const cut = frame.subarray(0, length);
      const alone = answer(decodePacket(1, cut.slice(), length, a), a);
      answers.add(alone);
      // Junk that continues the chain: more tags, then IPv4, where the window ends.
      const data = new Uint8Array(length + 64);
      data.set(cut, 0);
      for (let i = length; i + 4 <= data.length - 24; i += 4) data.set([0x81, 0x00, 0, 9], i);
      const inPlace = answer(decodePacketAt(1, data, 0, length, length, b), b);
      expect(inPlace, `cut at ${length}`).toBe(alone);
    }
    expect(answers.has('malformed')).toBe(true);
  });
});
