/**
 * Retransmissions the peer reported as duplicates (D-SACK, RFC 2883) are spurious: the data had arrived. Real
 * captures (captures/README.md): under a memory alarm the broker's kernel takes a publisher's bytes while RabbitMQ
 * stops reading, and ACKs late; each early retransmission is answered by a D-SACK. A black-holed network loses them.
 */
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../helpers/captures.js';

const retransmissions = (name: string, port: number) => {
  const c = analyzeCapture(name).report.connections.find((x) => x.client.port === port)!;
  return c.findings.filter((f) => f.code === 'retransmissions');
};

describe('spurious retransmissions (D-SACK)', () => {
  it('fleet-memory-alarm 38083: the Content-Body retransmitted at #1213 was D-SACKed at #1214: info, not a loss warning', () => {
    expect(retransmissions('fleet-memory-alarm.pcap', 38083)).toEqual([
      expect.objectContaining({ severity: 'info', dir: 'c2s', count: 1, spurious: 1, message: expect.stringContaining('D-SACK') }),
    ]);
  });

  it('pika-blocked-memory-alarm: the blocked publisher\'s 12 retransmissions, each D-SACKed by the broker', () => {
    expect(retransmissions('pika-blocked-memory-alarm.pcap', 52198)).toEqual([expect.objectContaining({ severity: 'info', count: 12, spurious: 12 })]);
  });

  it('netns-blackhole-heartbeat: the broker\'s heartbeats retransmitted into a black hole are not spurious', () => {
    const found = analyzeCapture('netns-blackhole-heartbeat.pcap').report.connections.flatMap((c) => c.findings.filter((f) => f.code === 'retransmissions'));
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) expect(f).toMatchObject({ severity: 'warning', spurious: 0, message: expect.stringContaining('segments went unacknowledged') });
  });
});
