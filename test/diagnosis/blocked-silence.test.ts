/**
 * A blocked publisher's silence is no heartbeat near miss: RabbitMQ pauses the connection's heartbeat monitor while
 * it is blocked (rabbit_reader: a resource alarm), and the client cannot write once the broker's window has closed.
 * Real captures (captures/README.md).
 */
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../helpers/captures.js';

const codes = (name: string, port: number) => analyzeCapture(name).report.connections.find((c) => c.client.port === port)!.findings.map((f) => f.code);

describe('client silence while blocked', () => {
  it('pika-blocked-memory-alarm: 6.0 s silent (1.5 x T) inside its 10.4 s block: blocked and a zero window, no near miss', () => {
    const found = codes('pika-blocked-memory-alarm.pcap', 52198);
    expect(found).toContain('connection-blocked');
    expect(found).toContain('zero-window');
    expect(found).not.toContain('heartbeat-near-miss');
  });

  it('amqplib-prefetch-survives: the busy consumer, never blocked, keeps its near miss', () => {
    expect(codes('amqplib-prefetch-survives.pcap', 47760)).toContain('heartbeat-near-miss');
  });
});

describe('a Connection.Blocked lost in a capture gap', () => {
  it('pika-blocked-memory-alarm without its packet 299: the lone Unblocked (#732) after a gap in the broker\'s bytes (#299) is a block from the gap on', () => {
    const c = analyzeCapture('pika-blocked-memory-alarm-blocked-lost.pcap').report.connections[0]!;
    const blocked = c.findings.find((f) => f.code === 'connection-blocked')!;
    expect(blocked).toMatchObject({ packet: 299, t: 3.331777, lostInGap: true, reason: null, unblocked: 732, durationSeconds: 10.410768 });
    expect(blocked.message).toContain('lost in a gap of the capture');
    expect(c.findings.map((f) => f.code)).not.toContain('heartbeat-near-miss');
    expect(c.timeline.find((e) => e.packet === 732 && e.type === 'Connection.Unblocked')!.note).toBe('alarm cleared (its Connection.Blocked lost in a capture gap)');
  });
});
