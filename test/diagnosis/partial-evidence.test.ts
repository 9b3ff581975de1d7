/**
 * Issue 12, items 1-3: captures that start late or stop early are judged like complete ones, and the evidence
 * never folds away. On real captures cut from pika-long-callback.pcap (captures/README.md), the real bulk publish
 * (gzip), a synthetic run too long for the bounded timeline, and the pure open-silence computation.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBytes, analyzeFile } from '../../src/analyze.js';
import { heartbeatTolerance } from '../../src/diagnosis/heartbeat.js';
import { judgeOpenSilence, type OpenSilenceInput } from '../../src/diagnosis/open-silence.js';
import { foldTimeline } from '../../src/render/fold.js';
import type { ReportConnection } from '../../src/report/types.js';
import { newEvidence } from '../../src/timeline/recorder.js';
import { HEARTBEAT, amqpHandshake } from '../helpers/amqp-conversation.js';
import { bodyFrame, concat, headerFrame, methodFrame, shortstr, u16, u64, u8 } from '../helpers/amqp-encode.js';
import { CAPTURES_DIR, analyzeCapture, analyzeLive, captureBytes } from '../helpers/captures.js';
import { pcapRecords } from '../helpers/pcap-records.js';
import { Conversation } from '../helpers/conversation.js';
import { writePcap } from '../helpers/synth-capture.js';

const only = (name: string): ReportConnection => {
  const { report } = analyzeCapture(name);
  expect(report.connections).toHaveLength(1);
  return report.connections[0]!;
};
const notes = (c: ReportConnection) => c.timeline.filter((e) => e.note !== undefined).map((e) => [e.packet, e.note]);

describe('a capture that starts after the client went silent (pika-long-callback-midstream.pcap)', () => {
  const c = only('pika-long-callback-midstream.pcap');

  it('is a missed-heartbeat close of a stalled client, the silence a lower bound from the capture start', () => {
    expect(c.handshakeSeen).toBe(false);
    expect(c.heartbeat.inferred).toBe(4);
    expect(c.lastClientByte).toBeNull();
    expect(c.lastClientFrame).toBeNull();
    expect(c.end).toMatchObject({ verdict: 'missed-heartbeats', cause: 'client-stalled', severity: 'error', by: 'server', how: 'rst', packet: 13 });
    expect(c.end).toMatchObject({ silenceAtLeast: true, silenceSeconds: 12.000157, heartbeatMultiple: 3, clientAcksDuringSilence: 5, serverHeartbeatsDuringSilence: 5 });
    expect(c.end.explanation).toMatch(/sent nothing for at least 12\.0 s/);
    expect(c.end.explanation).toMatch(/T=4 s, inferred from its heartbeats/);
    expect(c.end.explanation).toMatch(/after the capture's start \(the client's last byte is before it\)/);
  });

  it('numbers every unanswered heartbeat, notes each kernel ACK, and the close', () => {
    expect(notes(c)).toEqual([
      [3, 'heartbeat 1 of 5, not answered'],
      [4, "client's kernel ACKs, no AMQP reply"],
      [5, 'heartbeat 2 of 5, not answered'],
      [6, "client's kernel ACKs, no AMQP reply"],
      [7, 'heartbeat 3 of 5, not answered'],
      [8, "client's kernel ACKs, no AMQP reply"],
      [9, 'heartbeat 4 of 5, not answered'],
      [10, "client's kernel ACKs, no AMQP reply"],
      [11, 'heartbeat 5 of 5, not answered'],
      [12, "client's kernel ACKs, no AMQP reply"],
      [13, "broker closes at least 12.0 s after the capture's start (>= 3.0 x T)"],
    ]);
    // Each noted row stays a row of its own in the terminal.
    const rows = foldTimeline(c.timeline);
    expect(rows.filter((r) => /^heartbeat \d of 5, not answered$/.test(r.note)).map((r) => r.events.length)).toEqual([1, 1, 1, 1, 1]);
  });

  it('leaves the other mid-stream captures their verdicts', () => {
    expect(only('pika-midstream-idle.pcap').end).toMatchObject({ verdict: 'missed-heartbeats', cause: 'client-stalled', packet: 20 });
    expect(only('pika-midstream-idle.pcap').end.silenceAtLeast).toBeUndefined(); // its last client byte is captured
    expect(only('kitchen-sink-from-packet-24.pcap').end).toMatchObject({ verdict: 'closed-by-client', packet: 65 });
  });
});

describe('a capture that stops 8 s into the client\'s silence (pika-long-callback-cut-8s.pcap)', () => {
  const { report } = analyzeCapture('pika-long-callback-cut-8s.pcap');
  const c = report.connections[0]!;

  it('warns about the truncated last record and analyses the 32 packets before it', () => {
    expect(report.capture.warnings.map((w) => w.code)).toEqual(['capture-truncated']);
    expect(report.capture.packets).toBe(32);
    expect(c.frames).toEqual({ clientToServer: 9, serverToClient: 16 });
  });

  it('is open with the cause and the window in which RabbitMQ will close it, as severe as the closed case', () => {
    expect(c.end).toMatchObject({ verdict: 'open', cause: 'client-stalled', severity: 'error', by: null, how: null, packet: 32 });
    expect(c.end).toMatchObject({ silenceSeconds: 8.00101, heartbeatMultiple: 2, expectedClose: { earliest: 8.006254, latest: 12.006254 } });
    expect(c.end.silenceAtLeast).toBeUndefined();
    // The headline at the top says so too, not only the connection's own section.
    expect(report.fleet.headline[0]).toBe('1 AMQP connection from 127.0.0.1 (pika-long-callback): still open at the end of the capture, but client-stalled (error).');
    expect(c.end.explanation).toMatch(/had sent nothing for 8\.0 s \(2\.0 x T, T=4 s\) while its kernel kept ACKing the broker's heartbeats \(4 not answered\)/);
    expect(c.end.explanation).toMatch(/Expect the broker to close it between 02:10:19\.6 and 02:10:23\.6 UTC unless the client writes\./);
    // The complete capture shows the RST in that window (0.4 ms past 3T: Erlang scheduling, within heartbeatTolerance).
    const full = only('pika-long-callback.pcap');
    expect(full.end.t).toBeGreaterThanOrEqual(8.006254);
    expect(full.end.t).toBeLessThanOrEqual(12.006254 + heartbeatTolerance(4));
  });

  it('keeps the client\'s last frame and every unanswered heartbeat on rows of their own', () => {
    expect(notes(c)).toEqual([
      [22, "client's last frame"],
      [25, 'heartbeat 1 of 4, not answered'],
      [26, "client's kernel ACKs, no AMQP reply"],
      [27, 'heartbeat 2 of 4, not answered'],
      [28, "client's kernel ACKs, no AMQP reply"],
      [29, 'heartbeat 3 of 4, not answered'],
      [30, "client's kernel ACKs, no AMQP reply"],
      [31, 'heartbeat 4 of 4, not answered'],
      [32, "client's kernel ACKs, no AMQP reply"],
    ]);
  });

  it('says so in the terminal report of the built CLI', () => {
    const out = execFileSync(process.execPath, [join('dist', 'cli.js'), join(CAPTURES_DIR, 'pika-long-callback-cut-8s.pcap'), '--width', '200', '--no-color'], { encoding: 'utf8' });
    expect(out).toMatch(/warning: capture-truncated/);
    expect(out).toMatch(/error: open \(client-stalled\), still open at the capture's end/);
    expect(out).toMatch(/Expect the broker to close it between 02:10:19\.6 and 02:10:23\.6 UTC unless the client writes\./);
    for (let n = 1; n <= 4; n++) expect(out).toMatch(new RegExp(`Heartbeat +heartbeat ${n} of 4, not answered`));
  });
});

describe('an open connection whose client recovered (amqplib-prefetch-cut-12s.pcap)', () => {
  it('is a near miss, not a predicted close: the current silence is under T', () => {
    const c = analyzeCapture('amqplib-prefetch-cut-12s.pcap').report.connections.find((x) => x.client.port === 47760)!;
    expect(c.end).toMatchObject({ verdict: 'open', cause: null, severity: 'info', packet: 66 });
    expect(c.end.expectedClose).toBeUndefined();
    expect(c.findings.find((f) => f.code === 'heartbeat-near-miss')).toMatchObject({ severity: 'warning', silenceSeconds: 8.400846, until: 59 });
  });
});

describe('a busy connection keeps the evidence of its stall in the bounded timeline', () => {
  it('every unanswered broker heartbeat and its kernel ACK stay, however many deliveries surround them', () => {
    const c = new Conversation();
    let t = amqpHandshake(c, 0, { heartbeat: 4 });
    for (let i = 0; i < 400; i++) c.at((t += 0.001)).send('c', methodFrame(1, 60, 40, u16(0), shortstr(''), shortstr('q'), u8(0))).ack('s');
    const last = t;
    // The client stalls; the broker keeps delivering (its kernel ACKs) and heartbeats every T/2 in between.
    let tag = 0;
    for (let hb = 1; hb <= 5; hb++) {
      for (let i = 0; i < 150; i++) {
        const deliver = methodFrame(1, 60, 60, shortstr('ctag'), u64(++tag), u8(0), shortstr(''), shortstr('q'));
        c.at(last + (hb - 1) * 2 + 0.5 + i * 0.005).send('s', concat(deliver, headerFrame(1, 1, 0), bodyFrame(1, 'x'))).ack('c');
      }
      c.at(last + hb * 2).send('s', HEARTBEAT).ack('c');
    }
    c.at(last + 12).rst('s');
    const conn = analyzeBytes(writePcap(c.packets)).connections[0]!;
    expect(conn.eventCount).toBeGreaterThan(2000);
    expect(conn.end).toMatchObject({ verdict: 'missed-heartbeats', cause: 'client-stalled' });
    const noted = conn.timeline.filter((e) => e.note !== undefined).map((e) => e.note);
    expect(noted.filter((n) => / not answered$/.test(n!))).toEqual([1, 2, 3, 4, 5].map((n) => `heartbeat ${n} of 5, not answered`));
    expect(noted.filter((n) => n === "client's kernel ACKs, no AMQP reply")).toHaveLength(5);
  });
});

describe('open-silence: the pure computation a live reader calls', () => {
  const base: OpenSilenceInput = { side: 'client', heartbeat: 4, since: 10, atLeast: false, now: 10, evidence: newEvidence() };
  const stalled = { ...newEvidence(), acksAdvanced: 3, peerHeartbeats: 3, peerPayloadSegments: 3, lastSignOfLife: { packet: 9, tsSec: 16, tsNsec: 0 } };

  it('crosses T and 2T at the thresholds it announces', () => {
    expect(judgeOpenSilence({ ...base, now: 14 })).toMatchObject({ seconds: 4, level: 0, thresholds: { t1: 14, t2: 18 } });
    expect(judgeOpenSilence({ ...base, now: 14.5 }).level).toBe(1);
    expect(judgeOpenSilence({ ...base, now: 18.5 }).level).toBe(2);
  });

  it('gives the cause from the kernel evidence and the close window from the last byte', () => {
    expect(judgeOpenSilence({ ...base, now: 18.5, evidence: stalled })).toMatchObject({ cause: 'client-stalled', expectedClose: { earliest: 18, latest: 22 } });
    expect(judgeOpenSilence({ ...base, now: 15, evidence: { ...stalled, zeroWindows: 1 } }).cause).toBe('client-not-reading');
    expect(judgeOpenSilence({ ...base, now: 15, evidence: { ...stalled, peerRetransmissionsUnanswered: 2 } }).cause).toBe('client-unreachable');
    // Past 3T RabbitMQ would have closed it already: no window to announce.
    expect(judgeOpenSilence({ ...base, now: 22.5, evidence: stalled }).expectedClose).toBeNull();
  });

  it('with only a bound, the close comes after now and no later than 3T after the capture start', () => {
    expect(judgeOpenSilence({ ...base, atLeast: true, now: 19, evidence: stalled })).toMatchObject({ atLeast: true, seconds: 9, level: 2, expectedClose: { earliest: 19, latest: 22 } });
  });

  it('predicts no close for the broker\'s silence, and nothing without heartbeats', () => {
    const writing = { ...newEvidence(), peerPayloadSegments: 2, acksAdvanced: 2 };
    expect(judgeOpenSilence({ ...base, side: 'server', now: 15, evidence: writing })).toMatchObject({ level: 1, cause: 'server-stalled', expectedClose: null });
    // Stalled only where its kernel is seen taking the client's bytes: not without an ACK, not while the client
    // retransmits unanswered (fleet-broker-unreachable.pcap up to packet 150).
    expect(judgeOpenSilence({ ...base, side: 'server', now: 15, evidence: { ...writing, acksAdvanced: 0 } }).cause).toBeNull();
    expect(judgeOpenSilence({ ...base, side: 'server', now: 15, evidence: { ...writing, peerRetransmissionsUnanswered: 1 } }).cause).toBeNull();
    expect(judgeOpenSilence({ ...base, heartbeat: 0, now: 100, evidence: stalled })).toMatchObject({ level: 0, thresholds: null, expectedClose: null });
  });
});

describe('runs of the same traffic fold into one row', () => {
  it('the real bulk publish (gzip): 170 messages of 64 kB in one row with count, bytes, span and rates', async () => {
    const report = await analyzeFile(join(CAPTURES_DIR, 'pika-bulk-publish.pcap.gz'));
    const c = report.connections[0]!;
    expect(c.end).toMatchObject({ verdict: 'closed-by-client', packet: 344 });
    const rows = foldTimeline(c.timeline).filter((r) => / x Basic\.Publish/.test(r.info));
    expect(rows.map((r) => r.info)).toEqual([expect.stringMatching(/^170 x Basic\.Publish\+content c→b, 11\.1 MB, 0\.023-0\.072, 3,\d{3}\/s, 2\d\d\.\d MB\/s \(3 x TCP Window Full\)$/)]);
    const out = execFileSync(process.execPath, [join('dist', 'cli.js'), join(CAPTURES_DIR, 'pika-bulk-publish.pcap.gz'), '--width', '200', '--no-color'], { encoding: 'utf8' });
    expect(out).toMatch(/AMQP +170 x Basic\.Publish\+content c→b, 11\.1 MB, 0\.023-0\.072/);
  });

  it('a run longer than the bounded timeline: its elided rows carry the run, and the terminal shows one row', () => {
    const c = new Conversation();
    let t = amqpHandshake(c, 0, { heartbeat: 60 });
    const n = 400;
    for (let i = 0; i < n; i++) {
      t += 0.0005;
      const publish = methodFrame(1, 60, 40, u16(0), shortstr(''), shortstr('bulk.q'), u8(0));
      c.at(t).send('c', concat(publish, headerFrame(1, 1000, 0), bodyFrame(1, 'x'.repeat(1000)))).ack('s');
    }
    const report = analyzeBytes(writePcap(c.packets));
    const conn = report.connections[0]!;
    const elided = conn.timeline.filter((e) => e.kind === 'elided');
    expect(elided.length).toBeGreaterThan(0);
    for (const e of elided) expect(e.runs).toEqual([expect.objectContaining({ dir: 'c2s', type: 'Basic.Publish+content', count: n, bytes: n * 1000 })]);
    const rows = foldTimeline(conn.timeline).filter((r) => / x Basic\.Publish/.test(r.info) || r.kind === 'elided');
    expect(rows.map((r) => r.info)).toEqual([expect.stringMatching(/^400 x Basic\.Publish\+content c→b, 400\.0 kB, 0\.00\d-0\.20\d, 2,0\d\d\/s/)]);
  });
});

describe('a capture that joins a connection while a resource alarm blocks it', () => {
  // Connection.Unblocked (10/61) with no Blocked before it in the capture.
  const conversation = () => {
    const c = new Conversation();
    const t = amqpHandshake(c, 0, { heartbeat: 60 });
    const joinAt = c.packets.length;
    c.at(t + 1).send('c', methodFrame(1, 60, 40, u16(0), shortstr(''), shortstr('q'), u8(0))).ack('s');
    c.at(t + 5).send('s', methodFrame(0, 10, 61)).ack('c');
    c.at(t + 6).fin('c');
    return { packets: c.packets, joinAt };
  };

  it('joined midway (no Connection.Start): blocked before the capture, at least since its first packet here', () => {
    const { packets, joinAt } = conversation();
    const conn = analyzeBytes(writePcap(packets.slice(joinAt))).connections[0]!;
    const blocked = conn.findings.filter((f) => f.code === 'connection-blocked');
    expect(blocked).toEqual([expect.objectContaining({ packet: 1, t: 0, reason: null, beforeCapture: true, unblocked: 3, durationSeconds: 4 })]);
    expect(blocked[0]!.message).toBe('Connection.Blocked before the capture started, then Connection.Unblocked: blocked for at least 4.0 s: a broker resource alarm stopped it from publishing.');
  });

  it('with its handshake in the capture, a lone Unblocked says nothing: no episode is made up', () => {
    const conn = analyzeBytes(writePcap(conversation().packets)).connections[0]!;
    expect(conn.findings.map((f) => f.code)).not.toContain('connection-blocked');
  });
});

describe('a capture that ends while the broker blocks a publisher (pika-blocked-memory-alarm, cut at packet 732)', () => {
  // Connection.Blocked at 3.331 s (packet 299); the broker's window is 0 from 7.76 s and the client's bytes stop; the
  // Unblocked (packet 733) is just past the cut. RabbitMQ pauses its heartbeat check while a connection is blocked.
  const { header, records } = pcapRecords(captureBytes('pika-blocked-memory-alarm.pcap'));
  const cut = new Uint8Array([...header, ...records.slice(0, 732).flatMap((r) => [...r])]);
  const c = analyzeBytes(cut).connections[0]!;

  it('is open and blocked, not a stalled client with a close to expect', () => {
    expect(c.end).toMatchObject({ verdict: 'open', cause: null, severity: 'warning' });
    expect(c.end.explanation).toMatch(/^Still open when the capture ended, blocked by the broker since 3\.331 s \(Connection\.Blocked: low on memory\): a resource alarm/);
    expect(c.end.explanation).toMatch(/The client's silence \(4\.2 s\) is the block, not a stall: no heartbeat close follows from it\./);
    expect(c.end.explanation).not.toMatch(/Expect the broker to close it|add_callback_threadsafe/);
    expect(c.end.expectedClose).toBeUndefined();
  });

  it('and live mode raises no silence alert for it, before or after the cut', () => {
    const { events, silences } = analyzeLive(captureBytes('pika-blocked-memory-alarm.pcap'));
    expect(silences).toEqual([]);
    expect(events.filter((e) => e.type === 'opened')).toHaveLength(1);
  });
});

describe('a lone Connection.Unblocked says "blocked before the capture" only when the capture joined the connection midway', () => {
  const build = (keep: (i: number, joinAt: number) => boolean, unblockedFrom: 'c' | 's' = 's') => {
    const c = new Conversation();
    const t = amqpHandshake(c, 0, { heartbeat: 60 });
    const joinAt = c.packets.length;
    c.at(t + 1).send('c', methodFrame(1, 60, 40, u16(0), shortstr(''), shortstr('q'), u8(0))).ack('s');
    c.at(t + 5).send(unblockedFrom, methodFrame(0, 10, 61)).ack(unblockedFrom === 's' ? 'c' : 's');
    c.at(t + 6).fin('c');
    return analyzeBytes(writePcap(c.packets.filter((_, i) => keep(i, joinAt)))).connections[0]!;
  };
  const blocked = (conn: ReportConnection) => conn.findings.filter((f) => f.code === 'connection-blocked');

  it('its SYN in the capture, the AMQP handshake lost in a gap: no episode is made up', () => {
    // Packets 0-2 are the TCP handshake; the AMQP handshake's are dropped.
    const conn = build((i, joinAt) => i < 3 || i >= joinAt);
    expect(conn.handshakeSeen).toBe(true);
    expect(blocked(conn)).toEqual([]);
  });

  it('an Unblocked from the client is no broker block', () => {
    expect(blocked(build((i, joinAt) => i >= joinAt, 'c'))).toEqual([]);
    expect(blocked(build((i, joinAt) => i >= joinAt, 's'))).toHaveLength(1);
  });
});
