/**
 * Verdicts on wire shapes no broker produces on demand, written with the synthetic capture helpers: a middlebox
 * RST, a load-balancer health check, a handshake timeout, a capture without the handshake (T inferred), and the
 * heartbeat window's edges.
 */
import { describe, expect, it } from 'vitest';
import { analyzeBytes } from '../../src/analyze.js';
import { checkHeartbeatWindow } from '../../src/diagnosis/heartbeat.js';
import { CLOSE_OK, HEARTBEAT, PROTOCOL_HEADER, amqpHandshake, connectionClose } from '../helpers/amqp-conversation.js';
import { methodFrame, shortstr } from '../helpers/amqp-encode.js';
import { Conversation } from '../helpers/conversation.js';
import { writePcap } from '../helpers/synth-capture.js';

function report(c: Conversation) {
  return analyzeBytes(writePcap(c.packets), { path: 'synthetic.pcap' });
}

/** Idle traffic: both sides heartbeat every T/2 from `from` to `to`, each answered by a pure ACK. */
function idle(c: Conversation, t: number, from: number, to: number, sides: ('c' | 's')[] = ['s', 'c']): void {
  for (let now = from; now <= to + 1e-9; now += t / 2) {
    for (const side of sides) c.at(now + (side === 'c' ? 0.002 : 0)).send(side, HEARTBEAT).ack(side === 'c' ? 's' : 'c');
  }
}

describe('synthetic verdicts', () => {
  it('recognises a RST forged by a middlebox from its foreign TTL', () => {
    const c = new Conversation({ serverTtl: 64 });
    amqpHandshake(c, 0, { heartbeat: 0 });
    // Idle for 350 s (heartbeats off), then the load balancer's idle timer resets the flow in the broker's name.
    c.at(350.5).rst('s', { ttl: 241 });
    const conn = report(c).connections[0]!;
    expect(conn.end).toMatchObject({ verdict: 'reset', by: 'server', how: 'rst', middlebox: true, ttl: 241, usualTtl: 64 });
    expect(conn.end.explanation).toMatch(/middlebox/);
  });

  it('does not call a RST from the broker itself a middlebox', () => {
    const c = new Conversation({ serverTtl: 64 });
    amqpHandshake(c, 0, { heartbeat: 0 });
    c.at(5).rst('s');
    expect(report(c).connections[0]!.end).toMatchObject({ verdict: 'reset', middlebox: false });
  });

  it('counts a connection without a single AMQP byte as a health check, not a failure (and does not list it)', () => {
    const c = new Conversation();
    c.at(0).handshake();
    c.at(0.01).fin('c').ack('s').fin('s').ack('c');
    const r = report(c);
    expect(r.connections).toHaveLength(0);
    expect(r.fleet).toMatchObject({ connections: 0, noAmqp: { count: 1 }, refused: { count: 0 } });
  });

  it("recognises RabbitMQ's handshake timeout: a reset 10 s after accept, before Connection.Start", () => {
    const c = new Conversation();
    c.at(0).handshake();
    c.at(0.001).send('c', PROTOCOL_HEADER.subarray(0, 4)).ack('s'); // a client that stalls mid-header
    c.at(10.0005).rst('s');
    const conn = report(c).connections[0]!;
    expect(conn.end).toMatchObject({ verdict: 'handshake-failed', severity: 'error', by: 'server', how: 'rst' });
    expect(conn.end.explanation).toMatch(/handshake_timeout/);
  });

  it('infers T from the broker heartbeat cadence when the handshake was not captured', () => {
    const c = new Conversation();
    // Mid-connection: no SYN, no Tune-Ok. T=10: heartbeats every 5 s both ways, then the client goes quiet at 20.
    idle(c, 10, 0, 20);
    idle(c, 10, 25, 45, ['s']);
    c.at(47.5).rst('s'); // 27.5 s = 2.75 T after the client's last heartbeat at 20.002
    const conn = report(c).connections[0]!;
    expect(conn.heartbeat).toEqual({ proposed: null, negotiated: null, inferred: 10 });
    expect(conn.handshakeSeen).toBe(false);
    expect(conn.end).toMatchObject({ verdict: 'missed-heartbeats', cause: 'client-stalled' });
    expect(conn.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['heartbeat-inferred', 'capture-started-midstream']));
  });

  it('does not call a broker reset outside 2T-3T a missed heartbeat', () => {
    const c = new Conversation();
    const t0 = amqpHandshake(c, 0, { heartbeat: 10 });
    idle(c, 10, 5, 10); // client's last heartbeat at 10.002
    idle(c, 10, 15, 20, ['s']);
    c.at(t0 + 24).rst('s'); // 14 s after the client's last byte: too early for RabbitMQ's receiver
    expect(report(c).connections[0]!.end.verdict).toBe('reset');
  });

  it('judges a clean client close as normal even though the broker resets afterwards (linger 0)', () => {
    const c = new Conversation();
    amqpHandshake(c, 0, { heartbeat: 10 });
    c.at(1).send('c', connectionClose(200, 'Normal shutdown')).send('s', CLOSE_OK).fin('c').rst('s');
    const conn = report(c).connections[0]!;
    expect(conn.end).toMatchObject({ verdict: 'closed-by-client', severity: 'info', replyCode: 200 });
    // T=10 is a sane heartbeat and nothing else happened: the whole connection is healthy.
    expect(conn.severity).toBe('info');
    expect(conn.findings).toEqual([]);
  });

  it('names the fix for the client library it sees', () => {
    const c = new Conversation();
    amqpHandshake(c, 0, { heartbeat: 10, product: 'py-amqp', version: '5.1.1' });
    c.at(1).send('c', HEARTBEAT).ack('s');
    idle(c, 10, 5, 25, ['s']);
    c.at(31).rst('s'); // 30 s = 3T after the client's last byte
    const conn = report(c).connections[0]!;
    expect(conn.end.verdict).toBe('missed-heartbeats');
    expect(conn.end.explanation).toMatch(/heartbeat_check/);
    expect(conn.library).toBe('py-amqp 5.1.1');
  });
});

describe("RabbitMQ's heartbeat window", () => {
  it('accepts closes between 2T and 3T after the last byte, with slack', () => {
    expect(checkHeartbeatWindow(4, 0, 7.4, null).withinWindow).toBe(false);
    expect(checkHeartbeatWindow(4, 0, 8.0, null).withinWindow).toBe(true);
    expect(checkHeartbeatWindow(4, 0, 12.4, null).withinWindow).toBe(true);
    expect(checkHeartbeatWindow(4, 0, 12.6, null).withinWindow).toBe(false);
    expect(checkHeartbeatWindow(60, 0, 181, null).withinWindow).toBe(true); // slack is 2% of T for large T
  });

  it('predicts the exact check at which the receiver fires, anchored at Tune-Ok', () => {
    // Tune-Ok at 0; checks at 4, 8, 12, 16. Last byte at 5: the first check after it is 8, the close comes at 16.
    const c = checkHeartbeatWindow(4, 5, 16.01, 0);
    expect(c.predicted).toBe(16);
    expect(c.onGrid).toBe(true);
    expect(checkHeartbeatWindow(4, 5, 14, 0).onGrid).toBe(false);
  });
});

describe('capture-gap says why the bytes are missing (the TCP layer\'s gap reason)', () => {
  const gapFinding = (c: Conversation) => {
    const found = report(c).connections[0]!.findings.filter((f) => f.code === 'capture-gap');
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('not-captured: a segment the broker ACKed never reached the capture', () => {
    const c = new Conversation();
    amqpHandshake(c, 0, { heartbeat: 60 });
    c.at(1).send('c', HEARTBEAT);
    c.packets.pop(); // on the wire (the broker ACKs it below) but not in the capture
    c.at(1.001).ack('s');
    c.at(2).send('c', HEARTBEAT).ack('s');
    const f = gapFinding(c);
    expect(f).toMatchObject({ severity: 'warning', dir: 'c2s', gaps: 1, bytes: 8, reasons: { 'not-captured': 1 } });
    expect(f.message).toBe('8 byte(s) from the client are missing from the capture: 1 gap(s) in segments the peer acknowledged but the capture never got (dropped by the capturing host); decoding resumed after each.');
  });

  it('connection-end: data held out of order whose earlier bytes never came before the capture ended', () => {
    const c = new Conversation();
    amqpHandshake(c, 0, { heartbeat: 60 });
    c.at(1).send('c', HEARTBEAT);
    c.packets.pop(); // lost, and the broker never acknowledges past it
    c.at(1.5).send('c', HEARTBEAT);
    const f = gapFinding(c);
    expect(f).toMatchObject({ dir: 'c2s', gaps: 1, bytes: 8, reasons: { 'connection-end': 1 } });
    expect(f.message).toMatch(/: 1 gap\(s\) held out of order until the connection ended, the bytes before them never captured;/);
  });

  it('snap-length: packets cut by the capture, as on the real kitchen-sink-snaplen-128.pcap', () => {
    const c = new Conversation();
    amqpHandshake(c, 0, { heartbeat: 60 });
    c.at(1).send('c', HEARTBEAT, { capturePayload: 3 }).ack('s');
    const f = gapFinding(c);
    expect(f).toMatchObject({ dir: 'c2s', gaps: 1, bytes: 5, reasons: { 'snap-length': 1 } });
    expect(f.message).toMatch(/: 1 gap\(s\) cut off by the capture's snap length \(tcpdump -s 0 keeps whole packets\);/);
  });
});

describe('timeline notes on a packet that is two rows', () => {
  it('the Blocked note goes on the Connection.Blocked row, the zero-window note stays on the TCP row of the same segment', () => {
    const c = new Conversation();
    let t = amqpHandshake(c, 0, { heartbeat: 60 });
    // The broker's segment carrying Connection.Blocked also closes its window (its first zero window).
    c.at((t += 0.01)).send('s', methodFrame(0, 10, 60, shortstr('low on memory')), { window: 0 }).ack('c');
    c.at((t += 2)).send('s', methodFrame(0, 10, 61), { window: 65535 }).ack('c');
    c.at((t += 1)).send('c', connectionClose(200, 'bye')).ack('s');
    c.at((t += 0.001)).send('s', CLOSE_OK).ack('c');
    const conn = report(c).connections[0]!;
    const blocked = conn.timeline.find((e) => e.type === 'Connection.Blocked')!;
    const rows = conn.timeline.filter((e) => e.packet === blocked.packet);
    expect(rows.map((e) => [e.type, e.note])).toEqual([
      ['ZeroWindow', "broker's receive window is zero"],
      ['Connection.Blocked', 'resource alarm: the broker stops reading'],
    ]);
  });
});
