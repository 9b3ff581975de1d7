/**
 * F7 on a real capture (lab/scenarios/netns_middlebox_reset.sh; captures/README.md): a stateful firewall one hop
 * away expires an idle flow after 15 s and answers the next packet with a RST forged in the other end's name. The
 * router's own RST leaves with TTL 64; the genuine end's packets, forwarded through it, arrive with 63.
 */
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../helpers/captures.js';

const end = (name: string) => analyzeCapture(name).report.connections[0]!.end;

describe('a middlebox reset on real captures', () => {
  it("from the client's side: the publish after 25 s idle (#21) gets a RST in the broker's name (#22, TTL 64 against 63)", () => {
    expect(end('netns-middlebox-reset.pcap')).toMatchObject({ verdict: 'reset', by: 'server', how: 'rst', packet: 22, middlebox: true, ttl: 64, usualTtl: 63 });
    expect(end('netns-middlebox-reset.pcap').explanation).toContain("a middlebox (load balancer, NAT, firewall) reset the connection in the broker's name");
  });

  it("from the broker's side: its delivery after 31.9 s idle (#21) gets a RST in the client's name: a reset, not the client aborting", () => {
    expect(end('netns-middlebox-reset-broker-side.pcap')).toMatchObject({ verdict: 'reset', by: 'client', how: 'rst', packet: 22, middlebox: true, ttl: 64, usualTtl: 63 });
  });
});

describe('a wave of middlebox resets on a real capture', () => {
  it('fleet-middlebox-reset: three idle clients on three hosts reset in the broker\'s name within 649 ms: scope network, not a broker-side event', () => {
    const r = analyzeCapture('fleet-middlebox-reset.pcap').report;
    // captures/README.md: the forged RSTs are packets 62, 64, 66 (25.450679-26.099465), TTL 64; the broker's packets 63.
    expect(r.connections.map((c) => [c.end.packet, c.end.middlebox])).toEqual([
      [62, true],
      [64, true],
      [66, true],
    ]);
    expect(r.fleet.waves).toEqual([expect.objectContaining({ verdict: 'reset', count: 3, scope: 'network', t: 25.450679, endT: 26.099465 })]);
    // Heartbeats were disabled on these connections: no heartbeat window to be outside of.
    expect(r.fleet.headline[1]).toBe(
      '3 connections (nova-compute) from 3 hosts (10.97.1.2, 10.97.1.3 and 10.97.1.4) were reset within 649 ms: a middlebox (load balancer, NAT, firewall) resetting idle or tracked connections. None reconnected within the capture.',
    );
  });
});
