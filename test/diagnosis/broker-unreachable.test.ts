/**
 * The broker unreachable, seen from the client's side (captures/netns-broker-unreachable.pcap): the client's heartbeat
 * (packet 31) is retransmitted 6 times without an ACK and nothing comes from the broker after packet 29. The client
 * did not fall silent, its bytes stopped arriving: the report and the live lines say so on the broker's side.
 */
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze.js';
import type { LiveEvent } from '../../src/live/types.js';
import { liveLine } from '../../src/render/live.js';
import { analyzeCapture, captureBytes } from '../helpers/captures.js';

describe('netns-broker-unreachable.pcap', () => {
  const report = analyzeCapture('netns-broker-unreachable.pcap').report;
  const c = report.connections[0]!;

  it('is open with an error on the broker side: not "the client had sent nothing", not server-stalled', () => {
    expect(c.end).toMatchObject({ verdict: 'open', cause: null, severity: 'error', packet: 37, silentSide: 'server', unansweredRetransmissions: 6, silenceSeconds: 8.650266 });
    expect(c.end.explanation).toBe(
      "Still open when the capture ended, but the broker had sent nothing for 8.7 s (2.2 x T, T=4 s), not even an ACK of the client's last bytes (packet 31 at 10.009 s), " +
        "which the client's kernel retransmitted 6 times: the broker host or the network path to it is gone, not the client. The client's heartbeat timeout closes it after about 2T " +
        'without a byte from the broker; RabbitMQ, if it still runs, has received nothing from the client since its last packet (8.009 s, packet 29) and drops it for missed heartbeats ' +
        'at most about 3T after that (by 13:50:15.2 UTC). Check the broker host and the network between it and the client.',
    );
    expect(report.fleet.headline[0]).toBe('1 AMQP connection from 10.94.0.2 (netns-broker-unreachable): still open at the end of the capture, with a problem (error).');
  });

  it('live: the broker\'s silence past T and 2T, its bytes unacknowledged; no client silence', () => {
    const events: LiveEvent[] = [];
    const a = new Analyzer({ onLive: (e) => events.push(e) });
    a.push(captureBytes('netns-broker-unreachable.pcap'));
    a.end();
    const silences = events.flatMap((e) => (e.type === 'silence' ? [e] : []));
    expect(silences.map((e) => [e.side, e.crossed, e.packet, e.cause])).toEqual([
      ['server', 1, 36, null],
      ['server', 2, 37, null],
    ]);
    for (const e of silences) expect(liveLine(e)).toMatch(/server has sent nothing for \d+\.\d s \(past 2?T, T=4 s\): the client's bytes go unacknowledged, the broker host or the path to it is gone$/);
  });
});
