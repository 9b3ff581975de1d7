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
