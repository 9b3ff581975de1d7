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
