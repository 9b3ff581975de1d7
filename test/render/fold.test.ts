import { beforeEach, describe, expect, it } from 'vitest';
import { foldTimeline, isImportant, type DisplayRow } from '../../src/render/fold.js';
import type { ReportEvent } from '../../src/report/types.js';
import { elided, ev, handshake, missedHeartbeatTimeline, resetPackets } from './report-fixture.js';

beforeEach(() => resetPackets());

function heartbeatPairs(from: number, n: number, period = 2, notes: Record<number, string> = {}): ReportEvent[] {
  const out: ReportEvent[] = [];
  for (let k = 0; k < n; k++) {
    const t = from + k * period;
    const note = notes[k];
    out.push(ev(t, 's2c', 'amqp', 'Heartbeat', { channel: 0, ...(note !== undefined ? { note } : {}) }));
    out.push(ev(t + 0.002, 'c2s', 'tcp', 'ACK'));
  }
  return out;
}

function kinds(rows: DisplayRow[]): string[] {
  return rows.map((r) => r.kind);
}

/** Every event ends up in exactly one row, in order. */
function expectConserved(timeline: ReportEvent[], rows: DisplayRow[]): void {
  const seen = rows.flatMap((r) => r.events);
  expect(new Set(seen).size).toBe(seen.length);
  expect(new Set(seen)).toEqual(new Set(timeline));
}

describe('handshake folding', () => {
  it('folds TCP and AMQP handshakes into two rows and keeps T visible', () => {
    const timeline = [...handshake(), ev(0.01, 'c2s', 'amqp', 'Channel.Open', { channel: 1 })];
    const rows = foldTimeline(timeline, { library: 'Pika Python Client Library 1.2.0' });
    expect(kinds(rows)).toEqual(['handshake', 'handshake', 'event']);
    expect(rows[0]!.info).toBe('TCP handshake: SYN / SYN-ACK / ACK');
    expect(rows[0]!.protocol).toBe('TCP');
    expect(rows[1]!.info).toBe('AMQP handshake: Start (RabbitMQ 3.10.8) / Start-Ok (Pika 1.2.0) / Tune-Ok heartbeat=4 / Open vhost=/');
    expect(rows[1]!.protocol).toBe('AMQP');
    expect(rows[1]!.t).toBeCloseTo(0.0007);
    expectConserved(timeline, rows);
  });

  it('marks heartbeats disabled', () => {
    const timeline = handshake().map((e) =>
      e.type === 'Connection.Tune-Ok' ? { ...e, summary: 'Connection.Tune-Ok heartbeat=0 frame_max=131072 channel_max=2047' } : e,
    );
    const rows = foldTimeline(timeline);
    expect(rows[1]!.info).toContain('Tune-Ok heartbeat=0 (off)');
  });

  it('does not fold an incomplete handshake (it is the story of a handshake failure)', () => {
    const timeline = handshake().slice(0, 8); // up to Start-Ok: no Tune, no Open-Ok
    timeline.push(ev(0.01, 's2c', 'amqp', 'Connection.Close', { channel: 0, summary: 'Connection.Close 403 ACCESS_REFUSED' }));
    const rows = foldTimeline(timeline);
    expect(rows).toHaveLength(timeline.length);
    expect(rows.every((r) => r.kind === 'event')).toBe(true);
    expect(rows).toHaveLength(timeline.length);
  });

  it('does not fold a handshake with a noted row in it', () => {
    const timeline = handshake().map((e) => (e.type === 'Connection.Open' ? { ...e, note: "client's last frame" } : e));
    const rows = foldTimeline(timeline);
    expect(rows.some((r) => r.kind === 'handshake')).toBe(false);
    expect(rows.find((r) => r.note === "client's last frame")?.info).toBe('Connection.Open vhost=/');
  });
});

describe('repetition folding', () => {
  it('folds a heartbeat / ACK exchange into one row with its cadence', () => {
    const timeline = heartbeatPairs(2, 5);
    const rows = foldTimeline(timeline);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.kind).toBe('run');
    expect(rows[0]!.info).toBe('5 x Heartbeat b→c / TCP ACK c→b every 2.0 s, until 10.002');
    expect(rows[0]!.dir).toBe('s2c');
    expect(rows[0]!.t).toBe(2);
    expectConserved(timeline, rows);
  });

  it('folds a run of one repeated row', () => {
    const timeline = [0, 1, 2, 3].map((k) => ev(10 * k, 'c2s', 'tcp', 'Keep-Alive', { summary: '[TCP Keep-Alive] [ACK]' }));
    const rows = foldTimeline(timeline);
    expect(rows.map((r) => r.info)).toEqual(['4 x TCP Keep-Alive every 10.0 s, until 30.000']);
  });

  it('folds a pattern of three rows', () => {
    const timeline: ReportEvent[] = [];
    for (let k = 0; k < 3; k++) {
      timeline.push(ev(k, 'c2s', 'amqp', 'Basic.Publish', { channel: 1, summary: 'Basic.Publish x= rk=a' }));
      timeline.push(ev(k + 0.1, 's2c', 'amqp', 'Basic.Ack', { channel: 1, summary: `Basic.Ack tag=${k + 1}` }));
      timeline.push(ev(k + 0.2, 'c2s', 'tcp', 'ACK'));
    }
    const rows = foldTimeline(timeline);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.info).toMatch(/^3 x Basic\.Publish c→b \/ Basic\.Ack b→c \/ TCP ACK c→b/);
  });

  it('does not fold fewer than three repetitions', () => {
    const rows = foldTimeline(heartbeatPairs(2, 2));
    expect(kinds(rows)).toEqual(['event', 'event', 'event', 'event']);
  });

  it('a noted row in the middle breaks the run and stays visible with its note', () => {
    const timeline = heartbeatPairs(2, 7, 2, { 3: 'heartbeat 4, not answered' });
    const rows = foldTimeline(timeline);
    const noted = rows.filter((r) => r.note !== '');
    expect(noted).toHaveLength(1);
    expect(noted[0]!.kind).toBe('event');
    expect(noted[0]!.info).toBe('Heartbeat');
    expect(noted[0]!.t).toBe(8);
    // Before it a run of three pairs, after it the rest folds again.
    expect(rows[0]!.kind).toBe('run');
    expect(rows[0]!.info).toMatch(/^3 x Heartbeat/);
    expect(rows.filter((r) => r.kind === 'run')).toHaveLength(2);
    for (const r of rows.filter((x) => x.kind === 'run')) expect(r.events.some((e) => e.note !== undefined)).toBe(false);
    expectConserved(timeline, rows);
  });

  it('keeps elided rows visible, and they stop a run', () => {
    const timeline = [...heartbeatPairs(2, 2), elided(6, 1234), ...heartbeatPairs(100, 4)];
    const rows = foldTimeline(timeline);
    expect(kinds(rows)).toEqual(['event', 'event', 'event', 'event', 'elided', 'run']);
    expect(rows[4]!.info).toBe('… 1,234 events not shown');
    expectConserved(timeline, rows);
  });

  it('never folds RST, FIN, retransmissions, zero windows, closes or Connection.Blocked', () => {
    const repeated = (type: string, kind: ReportEvent['kind'], dir: 'c2s' | 's2c' = 's2c') => [1, 2, 3, 4].map((k) => ev(k, dir, kind, type));
    for (const [type, kind] of [
      ['RST', 'tcp'],
      ['FIN', 'tcp'],
      ['Retransmission', 'tcp'],
      ['ZeroWindow', 'tcp'],
      ['ZeroWindowProbe', 'tcp'],
      ['Connection.Close', 'amqp'],
      ['Connection.Close-Ok', 'amqp'],
      ['Channel.Close', 'amqp'],
      ['Connection.Blocked', 'amqp'],
    ] as const) {
      const timeline = repeated(type, kind);
      const rows = foldTimeline(timeline);
      expect(rows.map((r) => r.kind), type).toEqual(['event', 'event', 'event', 'event']);
      expect(isImportant(timeline[0]!)).toBe(true);
    }
  });

  it('a retransmission interrupting a heartbeat run stays on its own row', () => {
    const timeline = [...heartbeatPairs(2, 3), ev(8, 's2c', 'tcp', 'Retransmission', { summary: '[TCP Retransmission] [PSH, ACK] len=8' }), ...heartbeatPairs(10, 3)];
    const rows = foldTimeline(timeline);
    expect(kinds(rows)).toEqual(['run', 'event', 'run']);
    expect(rows[1]!.info).toContain('Retransmission');
  });

  it('folds an irregular exchange of heartbeats both ways into one row with each cadence', () => {
    // Client heartbeats every 1 s, broker heartbeats every 2 s, ACKs after some of them: no single pattern repeats.
    const timeline: ReportEvent[] = [];
    for (let k = 0; k < 8; k++) {
      timeline.push(ev(2 + k, 'c2s', 'amqp', 'Heartbeat'));
      if (k % 3 !== 0) timeline.push(ev(2.01 + k, 's2c', 'tcp', 'ACK'));
      if (k % 2 === 1) timeline.push(ev(2.02 + k, 's2c', 'amqp', 'Heartbeat'));
    }
    timeline.push(ev(20, 'c2s', 'amqp', 'Connection.Close', { channel: 0 }));
    const rows = foldTimeline(timeline);
    expect(kinds(rows)).toEqual(['run', 'event']);
    expect(rows[0]!.info).toBe('8 x Heartbeat c→b every 1.0 s / 4 x Heartbeat b→c every 2.0 s / 5 x TCP ACK, until 9.020');
    expect(rows[0]!.dir).toBe('c2s');
    expectConserved(timeline, rows);
  });

  it('a noted heartbeat splits an exchange and stays visible', () => {
    const timeline: ReportEvent[] = [];
    for (let k = 0; k < 16; k++) timeline.push(ev(k, k % 3 === 0 ? 's2c' : 'c2s', k % 2 === 0 ? 'amqp' : 'tcp', k % 2 === 0 ? 'Heartbeat' : 'ACK', k === 8 ? { note: 'heartbeat 3, not answered' } : {}));
    const rows = foldTimeline(timeline);
    const noted = rows.find((r) => r.note !== '');
    expect(noted?.kind).toBe('event');
    expect(noted?.t).toBe(8);
    expectConserved(timeline, rows);
  });

  it('describes an irregular cadence without a period', () => {
    const timeline = [0, 1, 5, 6.5].flatMap((t) => [ev(t, 's2c', 'amqp', 'Heartbeat'), ev(t + 0.001, 'c2s', 'tcp', 'ACK')]);
    const rows = foldTimeline(timeline);
    expect(rows[0]!.info).toBe('4 x Heartbeat b→c / TCP ACK c→b until 6.501');
  });
});

describe('one row per packet', () => {
  it('merges the frames of one packet and compresses repeated messages', () => {
    const p = 42;
    const frames = [
      ev(1, 's2c', 'amqp', 'Basic.Consume-Ok', { packet: p, channel: 1, summary: 'Basic.Consume-Ok ctag=c1' }),
      ...[1, 2, 3].flatMap((tag) => [
        ev(1, 's2c', 'amqp', 'Basic.Deliver', { packet: p, channel: 1, summary: `Basic.Deliver x= rk=tasks tag=${tag}` }),
        ev(1, 's2c', 'amqp', 'Content-Header', { packet: p, channel: 1, summary: 'Content-Header body=10' }),
        ev(1, 's2c', 'amqp', 'Content-Body', { packet: p, channel: 1, summary: 'Content-Body 10 bytes' }),
      ]),
    ];
    const rows = foldTimeline(frames);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.info).toBe('Basic.Consume-Ok ctag=c1 / 3 x Basic.Deliver+content tag=1..3');
  });

  it('shows a single message with its content in full', () => {
    const p = 7;
    const rows = foldTimeline([
      ev(1, 's2c', 'amqp', 'Basic.Deliver', { packet: p, channel: 1, summary: 'Basic.Deliver x= rk=hello tag=1' }),
      ev(1, 's2c', 'amqp', 'Content-Header', { packet: p, channel: 1, summary: 'Content-Header body=41' }),
      ev(1, 's2c', 'amqp', 'Content-Body', { packet: p, channel: 1, summary: 'Content-Body 41 bytes' }),
    ]);
    expect(rows.map((r) => r.info)).toEqual(['Basic.Deliver x= rk=hello tag=1 / Content-Header body=41 / Content-Body 41 bytes']);
  });

  it('joins content frames written in separate packets to their method', () => {
    const rows = foldTimeline([
      ev(1, 'c2s', 'amqp', 'Basic.Publish', { channel: 1, summary: 'Basic.Publish x= rk=q' }),
      ev(1.001, 'c2s', 'amqp', 'Content-Header', { channel: 1, summary: 'Content-Header body=5' }),
      ev(1.002, 's2c', 'tcp', 'ACK'),
      ev(1.003, 'c2s', 'amqp', 'Content-Body', { channel: 1, summary: 'Content-Body 5 bytes' }),
    ]);
    expect(rows.map((r) => r.info)).toEqual(['Basic.Publish x= rk=q / Content-Header body=5 / Content-Body 5 bytes', '[ACK] win=65536']);
  });

  it('keeps a merged row visible when one of its frames carries a note', () => {
    const p = 9;
    const rows = foldTimeline([
      ...heartbeatPairs(0, 3),
      ev(6, 'c2s', 'amqp', 'Basic.Ack', { packet: p, channel: 1, summary: 'Basic.Ack tag=1' }),
      ev(6, 'c2s', 'amqp', 'Basic.Ack', { packet: p, channel: 1, summary: 'Basic.Ack tag=2', note: "client's last frame" }),
    ]);
    expect(rows.at(-1)!.note).toBe("client's last frame");
    expect(rows.at(-1)!.info).toBe('2 x Basic.Ack tag=1..2');
  });
});

describe('the article timeline', () => {
  it('keeps every noted row and the RST, and folds the handshake', () => {
    const timeline = missedHeartbeatTimeline();
    const rows = foldTimeline(timeline, { library: 'Pika Python Client Library 1.2.0' });
    expectConserved(timeline, rows);
    expect(rows.filter((r) => r.kind === 'handshake')).toHaveLength(2);
    expect(rows.find((r) => r.note === "client's last frame")?.info).toContain('Basic.Consume');
    expect(rows.at(-1)!.info).toContain('RST');
    expect(rows.at(-1)!.note).toContain('broker closes');
    // The five unanswered heartbeats fold (no notes on them here).
    expect(rows.some((r) => r.kind === 'run' && r.info.startsWith('5 x Heartbeat'))).toBe(true);
  });

  it('random timelines: every event is shown once, and important events are never inside a fold', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let round = 0; round < 100; round++) {
      resetPackets();
      const timeline: ReportEvent[] = round % 2 === 0 ? handshake() : [];
      let t = 1;
      for (let k = 0; k < 60; k++) {
        t += rand();
        const r = rand();
        const note = rand() < 0.05 ? { note: 'something' } : {};
        if (r < 0.4) timeline.push(ev(t, 's2c', 'amqp', 'Heartbeat', note));
        else if (r < 0.8) timeline.push(ev(t, 'c2s', 'tcp', 'ACK', note));
        else if (r < 0.85) timeline.push(ev(t, 's2c', 'tcp', 'Retransmission'));
        else if (r < 0.9) timeline.push(elided(t, 3));
        else timeline.push(ev(t, 'c2s', 'amqp', 'Basic.Publish', { channel: 1, ...note }));
      }
      const rows = foldTimeline(timeline);
      expectConserved(timeline, rows);
      for (const row of rows) {
        if (row.kind === 'run') for (const e of row.events) expect(isImportant(e)).toBe(false);
        // The handshake fold holds SYNs and the protocol header, but nothing noted and nothing that ends a connection.
        if (row.kind === 'handshake') for (const e of row.events) expect(e.note === undefined && !/RST|FIN|Close|Retransmission/.test(e.type)).toBe(true);
      }
      expect(rows.filter((r) => r.kind === 'elided')).toHaveLength(timeline.filter((e) => e.kind === 'elided').length);
    }
  });
});
