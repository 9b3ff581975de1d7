/**
 * DeferredStream on a real capture of refused connection attempts (`rabbitmqctl stop_app`: 108 SYNs answered by RST
 * while the broker is down): every handler receives exactly the calls it receives when made at once, and a
 * connection that never carried a byte gets its handler only when it ends, so that a flood of attempts costs a few
 * copied segments each instead of a full handler.
 */
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import type { CapturedPacket } from '../../src/capture/types.js';
import { createTcpSegment, decodePacket } from '../../src/net/decode.js';
import { DeferredStream } from '../../src/tcp/deferred-stream.js';
import { TcpTracker } from '../../src/tcp/tracker.js';
import type { StreamHandler } from '../../src/tcp/types.js';
import { captureBytes } from '../helpers/captures.js';

interface Run {
  /** Per connection id, every call its handler received, as text. */
  calls: Map<string, string[]>;
  /** Handlers made while the capture was read, and in all. */
  madeWhileReading: number;
  made: number;
  /** Connections that carried bytes. */
  withBytes: number;
}

function run(capture: string, deferred: boolean): Run {
  const calls = new Map<string, string[]>();
  let made = 0;
  const tracker = new TcpTracker({
    ports: new Set([5672]),
    newHandler(info) {
      const log: string[] = [];
      calls.set(info.id, log);
      const make = (): StreamHandler => {
        made++;
        return {
          onSegment: (s) => log.push(`seg ${s.packet} ${s.dir} ${s.tcpFlags} ${s.analysis} ${s.seq} ${s.ack} ${s.window} ${s.payloadLength} ${s.tsSec}.${s.tsNsec}`),
          onData: (dir, bytes, packet) => log.push(`data ${dir} ${bytes.length} ${packet}`),
          onGap: (dir, length, reason, packet) => log.push(`gap ${dir} ${length} ${reason} ${packet}`),
          onEnd: (reason) => log.push(`end ${reason}`),
        };
      };
      return deferred ? new DeferredStream(make) : make();
    },
  });
  const seg = createTcpSegment();
  const reader = new CaptureReader(
    {
      onPacket(p: CapturedPacket) {
        if (decodePacket(p.linkType, p.data, p.origLen, seg) === 'tcp') tracker.onSegment(seg, p.index, p.tsSec, p.tsNsec);
      },
      onWarning() {},
    },
    capture,
  );
  reader.push(captureBytes(capture));
  reader.end();
  const madeWhileReading = made;
  tracker.end();
  const withBytes = [...calls.values()].filter((log) => log.some((c) => c.startsWith('data'))).length;
  return { calls, madeWhileReading, made, withBytes };
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
});
