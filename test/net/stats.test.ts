import { describe, expect, it } from 'vitest';
import { countKind, createNetStats, createTcpSegment, decodePacket } from '../../src/net/decode.js';
import type { PacketKind } from '../../src/net/types.js';
import { arpFrame, icmpEchoPacket, ipv4Fragment, tcpPacket, udpPacket } from '../helpers/packets.js';

describe('NetStats', () => {
  it('starts at zero', () => {
    expect(createNetStats()).toEqual({ tcp: 0, notIp: 0, notTcp: 0, ipFragments: 0, unsupportedLink: 0, malformed: 0 });
  });

  it('counts each kind in its own field', () => {
    const stats = createNetStats();
    const kinds: PacketKind[] = ['tcp', 'tcp', 'tcp', 'not-ip', 'not-tcp', 'not-tcp', 'ip-fragment', 'unsupported-link', 'malformed', 'malformed'];
    for (const k of kinds) countKind(stats, k);
    expect(stats).toEqual({ tcp: 3, notIp: 1, notTcp: 2, ipFragments: 1, unsupportedLink: 1, malformed: 2 });
  });

  it('a mixed stream of packets is classified and counted', () => {
    const stats = createNetStats();
    const seg = createTcpSegment();
    const packets: [number, Uint8Array][] = [
      [1, tcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 5672, seq: 0, flags: 'S' })],
      [1, tcpPacket({ src: '::1', dst: '::1', sport: 1, dport: 5672, seq: 0, flags: 'SA' })],
      [1, arpFrame()],
      [1, udpPacket({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5000, dport: 5001 })],
      [1, icmpEchoPacket({ src: '::1', dst: '::2' })],
      [1, ipv4Fragment({ src: '10.0.0.1', dst: '10.0.0.2', offset: 8, more: false, payload: new Uint8Array(8) })],
      [105, new Uint8Array(30)],
      [1, new Uint8Array(10)],
    ];
    for (const [linkType, data] of packets) countKind(stats, decodePacket(linkType, data, data.length, seg));
    expect(stats).toEqual({ tcp: 2, notIp: 1, notTcp: 2, ipFragments: 1, unsupportedLink: 1, malformed: 1 });
  });
});

describe('createTcpSegment', () => {
  it('starts with typed defaults: no options, empty payload', () => {
    const seg = createTcpSegment();
    expect(seg.windowScale).toBe(-1);
    expect(seg.mss).toBe(-1);
    expect(seg.payload).toBeInstanceOf(Uint8Array);
    expect(seg.payload.length).toBe(0);
    expect(seg.ipVersion).toBe(4);
  });

  it('returns a new struct each call', () => {
    expect(createTcpSegment()).not.toBe(createTcpSegment());
  });
});
