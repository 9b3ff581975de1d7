/**
 * A client's RST is told as the end of a connection a new one replaced (the broker's challenge ACK to the new SYN,
 * captures/fleet-port-reuse.pcap) only when that is what happened: a connection reset by its client and a later
 * connection from the same port (a fixed source port, a NAT) is a plain client-aborted (review 31).
 */
import { describe, expect, it } from 'vitest';
import { analyzeBytes } from '../../src/analyze.js';
import { amqpHandshake, HEARTBEAT } from '../helpers/amqp-conversation.js';
import { Conversation } from '../helpers/conversation.js';
import { writePcap } from '../helpers/synth-capture.js';

describe('a client RST, then a new connection from the same port', () => {
  it('is a plain client-aborted, not a challenge ACK story', () => {
    const old = new Conversation({ clientPort: 40000, clientIsn: 1000 });
    const t = amqpHandshake(old, 0, { heartbeat: 60, name: 'first' });
    old.at(t + 1).send('c', HEARTBEAT).ack('s');
    old.at(6).rst('c');
    const next = new Conversation({ clientPort: 40000, clientIsn: 777777 });
    amqpHandshake(next, 11, { heartbeat: 60, name: 'second' });
    const report = analyzeBytes(writePcap([...old.packets, ...next.packets].sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec)));
    expect(report.connections).toHaveLength(2);
    const first = report.connections.find((c) => c.name === 'first')!;
    expect(first.end).toMatchObject({ verdict: 'client-aborted', how: 'rst' });
    expect(first.end.explanation).toMatch(/^The client closed the TCP connection \(RST\) without Connection\.Close: /);
    expect(first.end.explanation).not.toMatch(/challenge ACK/);
  });
});
