/**
 * The TLS layer gives its place in the tracker to the AMQP handler once both sides of a connection have spoken plain
 * AMQP (HandlerSlot): from then on it would pass every call on unchanged. On a real plain capture the handler gets
 * the same calls either way, and most of them straight from the tracker; on a real AMQPS capture the layer stays.
 */
import { describe, expect, it } from 'vitest';
import { TcpTracker } from '../../src/tcp/tracker.js';
import type { HandlerSlot, StreamHandler } from '../../src/tcp/types.js';
import { TlsStream } from '../../src/tls/stream.js';
import type { TlsObserver } from '../../src/tls/types.js';
import { trackCapture } from '../helpers/captures.js';

interface Run {
  calls: string[];
  /** Calls the AMQP handler got straight from the tracker's slot, not through the TLS layer. */
  direct: number;
}

function run(capture: string, withSlot: boolean): Run {
  const calls: string[] = [];
  let direct = 0;
  const tracker = new TcpTracker({
    ports: new Set([5672, 5671]),
    newHandler(info, slot: HandlerSlot) {
      const inner: StreamHandler & TlsObserver = {
        onSegment: (s) => {
          if (slot.handler === inner) direct++;
          calls.push(`${info.id} seg ${s.packet} ${s.dir}`);
        },
        onData: (dir, bytes, packet) => {
          if (slot.handler === inner) direct++;
          calls.push(`${info.id} data ${dir} ${bytes.length} ${packet}`);
        },
        onGap: (dir, length, reason, packet) => calls.push(`${info.id} gap ${dir} ${length} ${reason} ${packet}`),
        onEnd: (reason) => calls.push(`${info.id} end ${reason}`),
        attachTls: () => calls.push(`${info.id} tls`),
        onTlsEvent: (dir, e) => calls.push(`${info.id} tls-event ${dir} ${e.kind} ${e.packet}`),
      };
      return new TlsStream(inner, { keyLog: null, slot: withSlot ? slot : null }, info);
    },
  });
  trackCapture(capture, tracker);
  return { calls, direct };
}

describe('TlsStream in the tracker slot', () => {
  it('steps aside for a plain AMQP connection once both sides have spoken, with the same calls', () => {
    const relayed = run('pika-long-callback.pcap', false);
    const handedOver = run('pika-long-callback.pcap', true);
    expect(handedOver.calls).toEqual(relayed.calls);
    expect(relayed.direct).toBe(0);
    // Everything after the broker's first bytes (packet 6 of a few hundred) comes straight from the tracker.
    expect(handedOver.direct).toBeGreaterThan(relayed.calls.length - 20);
  });

  it('stays in place on an AMQPS connection', () => {
    const handedOver = run('amqps12-healthy-idle.pcap', true);
    expect(handedOver.calls).toEqual(run('amqps12-healthy-idle.pcap', false).calls);
    expect(handedOver.calls.some((c) => c.includes(' tls-event '))).toBe(true);
    expect(handedOver.direct).toBe(0);
  });
});
