/**
 * Synthetic reports for the renderer tests: a missed-heartbeats connection in the manner of the CloudAMQP article
 * (pika, T=4, a long callback), and helpers to build timelines event by event.
 */
import { fleetFromReport } from '../../src/report/members.js';
import type { Report, ReportConnection, ReportEvent } from '../../src/report/types.js';
import type { Dir } from '../../src/tcp/types.js';

const BASE_MS = Date.UTC(2026, 10, 22, 2, 10, 11, 620);

export function at(t: number): string {
  const ms = BASE_MS + Math.round(t * 1000);
  const iso = new Date(ms).toISOString(); // ...sss Z
  const micros = String(Math.round(t * 1e6) % 1000).padStart(3, '0');
  return `${iso.slice(0, 23)}${micros}Z`;
}

let packet = 0;

/** One timeline event; packets are numbered in creation order unless given. */
export function ev(t: number, dir: Dir, kind: ReportEvent['kind'], type: string, extra: Partial<ReportEvent> = {}): ReportEvent {
  const e: ReportEvent = { t, at: at(t), packet: extra.packet ?? ++packet, dir, kind, type, summary: extra.summary ?? defaultSummary(kind, type) };
  if (extra.channel !== undefined) e.channel = extra.channel;
  if (extra.note !== undefined) e.note = extra.note;
  if (extra.count !== undefined) e.count = extra.count;
  return e;
}

function defaultSummary(kind: ReportEvent['kind'], type: string): string {
  if (kind === 'tcp') return type === 'ACK' ? '[ACK] win=65536' : type === 'RST' ? '[RST, ACK] win=65536' : type === 'FIN' ? '[FIN, ACK] win=65536' : `[${type}]`;
  if (kind === 'elided') return 'elided';
  return type;
}

export function elided(t: number, count: number): ReportEvent {
  return { ...ev(t, 'c2s', 'elided', 'elided'), summary: `${count} events not shown`, count };
}

export function resetPackets(): void {
  packet = 0;
}

/** The TCP and AMQP handshake of a pika connection (T=4, broker proposed 60). */
export function handshake(t0 = 0): ReportEvent[] {
  return [
    ev(t0, 'c2s', 'tcp', 'SYN', { summary: '[SYN] win=65495' }),
    ev(t0 + 0.00001, 's2c', 'tcp', 'SYN-ACK', { summary: '[SYN, ACK] win=65483' }),
    ev(t0 + 0.00002, 'c2s', 'tcp', 'ACK'),
    ev(t0 + 0.0007, 'c2s', 'amqp', 'Protocol-Header 0-9-1', { summary: 'Protocol-Header 0-9-1' }),
    ev(t0 + 0.0008, 's2c', 'tcp', 'ACK'),
    ev(t0 + 0.0021, 's2c', 'amqp', 'Connection.Start', { channel: 0, summary: 'Connection.Start RabbitMQ 3.10.8' }),
    ev(t0 + 0.0022, 'c2s', 'tcp', 'ACK'),
    ev(t0 + 0.0028, 'c2s', 'amqp', 'Connection.Start-Ok', { channel: 0, summary: 'Connection.Start-Ok Pika Python Client Library 1.2.0 name=x mechanism=PLAIN' }),
    ev(t0 + 0.0031, 's2c', 'amqp', 'Connection.Tune', { channel: 0, summary: 'Connection.Tune heartbeat=60 frame_max=131072 channel_max=2047' }),
    ev(t0 + 0.0035, 'c2s', 'amqp', 'Connection.Tune-Ok', { channel: 0, summary: 'Connection.Tune-Ok heartbeat=4 frame_max=131072 channel_max=2047' }),
    ev(t0 + 0.00355, 'c2s', 'amqp', 'Connection.Open', { channel: 0, summary: 'Connection.Open vhost=/' }),
    ev(t0 + 0.0038, 's2c', 'amqp', 'Connection.Open-Ok', { channel: 0, summary: 'Connection.Open-Ok' }),
  ];
}

/** The article's case: consume, a delivery, then heartbeats the client only ACKs, then the broker's RST. */
export function missedHeartbeatTimeline(): ReportEvent[] {
  resetPackets();
  const events = handshake();
  events.push(
    ev(0.0043, 'c2s', 'amqp', 'Channel.Open', { channel: 1, summary: 'Channel.Open' }),
    ev(0.0048, 's2c', 'amqp', 'Channel.Open-Ok', { channel: 1, summary: 'Channel.Open-Ok' }),
    ev(0.0062, 'c2s', 'amqp', 'Basic.Consume', { channel: 1, summary: 'Basic.Consume q=hello ctag=ctag1.abc', note: "client's last frame" }),
  );
  const p = packet + 1;
  packet = p;
  events.push(
    ev(0.0065, 's2c', 'amqp', 'Basic.Consume-Ok', { channel: 1, packet: p, summary: 'Basic.Consume-Ok ctag=ctag1.abc' }),
    ev(0.0065, 's2c', 'amqp', 'Basic.Deliver', { channel: 1, packet: p, summary: 'Basic.Deliver x= rk=hello tag=1' }),
    ev(0.0065, 's2c', 'amqp', 'Content-Header', { channel: 1, packet: p, summary: 'Content-Header body=41' }),
    ev(0.0065, 's2c', 'amqp', 'Content-Body', { channel: 1, packet: p, summary: 'Content-Body 41 bytes' }),
    ev(0.048, 'c2s', 'tcp', 'ACK'),
  );
  for (let k = 1; k <= 5; k++) {
    events.push(ev(2 * k + 0.004, 's2c', 'amqp', 'Heartbeat', { channel: 0, summary: 'Heartbeat' }));
    events.push(ev(2 * k + 0.0042, 'c2s', 'tcp', 'ACK'));
  }
  events.push(ev(12.0067, 's2c', 'tcp', 'RST', { note: "broker closes 12.0 s after the client's last byte (3.0 x T)" }));
  return events;
}

export function connection(overrides: Partial<ReportConnection> = {}): ReportConnection {
  const timeline = overrides.timeline ?? missedHeartbeatTimeline();
  const base: ReportConnection = {
    id: '127.0.0.1:47712->127.0.0.1:5672',
    client: { address: '127.0.0.1', port: 47712 },
    server: { address: '127.0.0.1', port: 5672 },
    opened: { t: timeline[0]?.t ?? 0, at: at(timeline[0]?.t ?? 0), packet: timeline[0]?.packet ?? 1 },
    name: 'pika-long-callback',
    library: 'Pika Python Client Library 1.2.0',
    clientProperties: { product: 'Pika Python Client Library', version: '1.2.0', connection_name: 'pika-long-callback', capabilities: { 'basic.nack': true } },
    serverProperties: { product: 'RabbitMQ', version: '3.10.8' },
    handshakeSeen: true,
    vhost: '/',
    user: 'guest',
    heartbeat: { proposed: 60, negotiated: 4, inferred: null },
    frameMax: 131072,
    channelMax: 2047,
    frames: { clientToServer: 9, serverToClient: 17 },
    heartbeats: { clientToServer: 0, serverToClient: 5 },
    lastClientFrame: { t: 0.0062, at: at(0.0062), packet: 22, type: 'Basic.Consume', channel: 1 },
    lastServerFrame: { t: 10.0043, at: at(10.0043), packet: 33, type: 'Heartbeat', channel: 0 },
    lastClientByte: { t: 0.0062, at: at(0.0062), packet: 22 },
    lastServerByte: { t: 10.0043, at: at(10.0043), packet: 33 },
    end: {
      t: 12.0067,
      at: at(12.0067),
      packet: 35,
      verdict: 'missed-heartbeats',
      cause: 'client-stalled',
      severity: 'error',
      by: 'server',
      how: 'rst',
      replyCode: null,
      replyText: null,
      explanation:
        "The client sent nothing for 12.0 s while its kernel kept ACKing the broker's heartbeats: the application stalled, and RabbitMQ closed the connection for missed heartbeats (T=4 s) 3.0 x T after the client's last byte.",
      silenceSeconds: 12.0,
    },
    severity: 'error',
    tcp: {
      keepAlives: { clientToServer: 0, serverToClient: 0 },
      retransmissions: { clientToServer: 0, serverToClient: 0 },
      zeroWindows: { clientToServer: 0, serverToClient: 0 },
      gaps: { clientToServer: 0, serverToClient: 0 },
      payloadBytes: { clientToServer: 576, serverToClient: 946 },
    },
    unacked: 1,
    silences: [
      {
        dir: 'c2s',
        from: { t: 0.0062, at: at(0.0062), packet: 22 },
        to: null,
        seconds: 12.0005,
        peerSegments: 5,
        acks: 6,
        peerRetransmissions: 0,
        zeroWindows: 0,
      },
    ],
    findings: [
      { t: 0.0035, at: at(0.0035), packet: 10, code: 'heartbeat-timeout-low', severity: 'warning', message: 'Heartbeat timeout of 4 s: values under 5 s cause false positives.' },
      { t: 12.0067, at: at(12.0067), packet: 35, code: 'unacked-at-close', severity: 'warning', message: '1 delivery was never acknowledged.', count: 1 },
    ],
    eventCount: timeline.length,
    timeline,
  };
  return { ...base, ...overrides, timeline };
}

export function healthyConnection(overrides: Partial<ReportConnection> = {}): ReportConnection {
  resetPackets();
  const timeline = [
    ...handshake(1),
    ev(3, 'c2s', 'amqp', 'Connection.Close', { channel: 0, summary: 'Connection.Close 200 Normal shutdown' }),
    ev(3.001, 's2c', 'amqp', 'Connection.Close-Ok', { channel: 0, summary: 'Connection.Close-Ok' }),
    ev(3.002, 'c2s', 'tcp', 'FIN'),
    ev(3.003, 's2c', 'tcp', 'RST'),
  ];
  const base = connection({ timeline });
  return {
    ...base,
    id: '127.0.0.1:47800->127.0.0.1:5672',
    client: { address: '127.0.0.1', port: 47800 },
    name: 'healthy-worker',
    heartbeat: { proposed: 60, negotiated: 60, inferred: null },
    end: {
      ...base.end,
      t: 3,
      at: at(3),
      verdict: 'closed-by-client',
      cause: null,
      severity: 'info',
      by: 'client',
      how: 'amqp-close',
      replyCode: 200,
      replyText: 'Normal shutdown',
      explanation: 'The client closed the connection cleanly (Connection.Close, Close-Ok).',
    },
    severity: 'info',
    findings: [],
    unacked: 0,
    silences: [],
    ...overrides,
  };
}

export function report(connections: ReportConnection[] = [connection()], overrides: Partial<Report> = {}): Report {
  const r: Omit<Report, 'fleet'> = {
    schemaVersion: 1,
    tool: { name: 'amqpscope', version: '0.1.0' },
    capture: {
      path: 'captures/pika-long-callback.pcap',
      format: 'pcap',
      linkTypes: [{ value: 1, name: 'EN10MB (Ethernet)' }],
      packets: 35,
      bytes: 4432,
      start: at(0),
      durationSeconds: 12.0067,
      skipped: { notIp: 0, notTcp: 0, ipFragments: 0, unsupportedLink: 0, malformed: 0, otherTcp: 0 },
      warnings: [],
    },
    connections,
    findings: [],
    ...overrides,
  };
  return { ...r, fleet: overrides.fleet ?? fleetFromReport(r) };
}
