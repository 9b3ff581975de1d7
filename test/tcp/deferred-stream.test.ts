/**
 * DeferredStream on a real capture of refused connection attempts (`rabbitmqctl stop_app`: 108 SYNs answered by RST
 * while the broker is down): every handler receives exactly the calls it receives when made at once, and a
 * connection that never carried a byte gets its handler only when it ends, so that a flood of attempts costs a few
 * copied segments each instead of a full handler.
 */
import { describe, expect, it } from 'vitest';
import { DeferredStream } from '../../src/tcp/deferred-stream.js';
import { TcpTracker } from '../../src/tcp/tracker.js';
import type { HandlerSlot, StreamHandler } from '../../src/tcp/types.js';
import { trackCapture } from '../helpers/captures.js';

interface Run {
  /** Per connection id, every call its handler received, as text. */
  calls: Map<string, string[]>;
  /** Handlers made while the capture was read, and in all. */
  madeWhileReading: number;
  made: number;
  /** Connections that carried bytes. */
  withBytes: number;
  /** Calls that reached a made handler through the DeferredStream instead of straight from the tracker's slot. */
  relayed: number;
}

function run(capture: string, deferred: boolean, withSlot = false): Run {
  const calls = new Map<string, string[]>();
  let made = 0;
  let relayed = 0;
  const tracker = new TcpTracker({
    ports: new Set([5672]),
    newHandler(info, slot: HandlerSlot) {
      const log: string[] = [];
      calls.set(info.id, log);
      let deferredStream: DeferredStream | null = null;
      // After its first calls (the replay of held segments, made from inside the DeferredStream), is the tracker
      // still going through the DeferredStream?
      const via = () => {
        if (slot.handler === deferredStream && deferredStream !== null && log.length > 0) relayed++;
      };
      const make = (): StreamHandler => {
        made++;
        return {
          onSegment: (s) => {
            via();
            log.push(`seg ${s.packet} ${s.dir} ${s.tcpFlags} ${s.analysis} ${s.seq} ${s.ack} ${s.window} ${s.payloadLength} ${s.tsSec}.${s.tsNsec}`);
          },
          onData: (dir, bytes, packet) => log.push(`data ${dir} ${bytes.length} ${packet}`),
          onGap: (dir, length, reason, packet) => log.push(`gap ${dir} ${length} ${reason} ${packet}`),
          onEnd: (reason) => log.push(`end ${reason}`),
        };
      };
      if (!deferred) return make();
      deferredStream = new DeferredStream(make, withSlot ? slot : null);
      return deferredStream;
    },
  });
  let madeWhileReading = -1;
  // The count before the tracker's end, which makes the handlers of connections that never carried a byte.
  const end = tracker.end.bind(tracker);
  tracker.end = () => {
    madeWhileReading = made;
    end();
  };
  trackCapture(capture, tracker);
  const withBytes = [...calls.values()].filter((log) => log.some((c) => c.startsWith('data'))).length;
  return { calls, madeWhileReading, made, withBytes, relayed };
}

describe('DeferredStream', () => {
  it('gives every handler the calls it gets when made at once, and makes none for a refused attempt before it ends', () => {
    const eager = run('fleet-broker-restart.pcap', false);
    const lazy = run('fleet-broker-restart.pcap', true);
    expect(lazy.calls).toEqual(eager.calls);
    expect(lazy.made).toBe(eager.made);
    // 108 attempts were refused by RST while the broker was down; each ended (RST) without a byte.
    expect(eager.made - eager.withBytes).toBeGreaterThanOrEqual(108);
    expect(eager.madeWhileReading).toBe(eager.made);
    // Deferred, a handler exists during the capture only for connections that carried a byte (or ended early).
    expect(lazy.madeWhileReading).toBeLessThanOrEqual(eager.made - 100);
    const endedWithoutBytes = [...lazy.calls.values()].filter((log) => !log.some((c) => c.startsWith('data')) && log.at(-1) !== 'end capture-end').length;
    expect(lazy.madeWhileReading).toBe(lazy.withBytes + endedWithoutBytes);
  });

  it('hands its place in the tracker to the handler it made, with the same calls', () => {
    const eager = run('fleet-broker-restart.pcap', false);
    const relaying = run('fleet-broker-restart.pcap', true);
    const handingOver = run('fleet-broker-restart.pcap', true, true);
    expect(handingOver.calls).toEqual(eager.calls);
    // Without a slot every segment after the first bytes still goes through the DeferredStream; with one, none.
    expect(relaying.relayed).toBeGreaterThan(1000);
    expect(handingOver.relayed).toBe(0);
  });
});
