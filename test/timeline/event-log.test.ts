/**
 * The event log keeps a small connection's events as bytes: every field must come back exactly as it went in,
 * whatever the capture's clock or packet numbers do (pcapng offsets, times going backwards, fractional
 * nanoseconds from odd resolutions), and a large payload must be a copy, not a view of the caller's buffer.
 */
import { describe, expect, it } from 'vitest';
import { FrameView } from '../../src/amqp/frame-view.js';
import { FRAME_BODY, FRAME_HEADER, FRAME_METHOD } from '../../src/amqp/types.js';
import type { SegmentInfo } from '../../src/tcp/types.js';
import { EventLog, LOGGED_ENTRY, LOGGED_FRAME, LOGGED_NOTE, LOGGED_TCP, type LoggedEvent } from '../../src/timeline/event-log.js';
import type { TimelineEntry } from '../../src/timeline/types.js';

function segment(packet: number, tsSec: number, tsNsec: number, extra: Partial<SegmentInfo> = {}): SegmentInfo {
  return { packet, tsSec, tsNsec, tcpFlags: 0x10, analysis: 0, window: 64240, payloadLength: 0, ...extra } as SegmentInfo;
}

function view(type: number, channel: number, packet: number, tsSec: number, tsNsec: number, payload: Uint8Array, firstPacket = packet): FrameView {
  const v = new FrameView();
  const bytes = new Uint8Array(payload.length + 10);
  bytes.set(payload, 5);
  v.reset(type, channel, type === FRAME_BODY ? 1000 : payload.length, packet, tsSec, tsNsec, firstPacket, bytes, 5, 5 + payload.length);
  return v;
}

function read(log: EventLog): { e: Omit<LoggedEvent, 'bytes'> & { payload: number[] }; entry: TimelineEntry | null }[] {
  const out: { e: Omit<LoggedEvent, 'bytes'> & { payload: number[] }; entry: TimelineEntry | null }[] = [];
  log.forEach((e, entry) => {
    const { bytes, ...fields } = e;
    out.push({ e: { ...fields, payload: [...bytes.subarray(e.start, e.end)] }, entry });
  });
  return out;
}

describe('EventLog', () => {
  it('gives back every field of TCP events, frames and entries, in order, with the client-frame marks', () => {
    const log = new EventLog();
    const method = Uint8Array.from([0, 60, 0, 40, 1, 2, 3]);
    const big = Uint8Array.from({ length: 400 }, (_, i) => (i * 7) & 0xff);
    const entry: TimelineEntry = { ordinal: 0, packet: 3, tsSec: 1, tsNsec: 2, dir: 'c2s', kind: 'tls', type: 'ClientHello', payloadLength: 512 };
    log.addEntry(entry, 'c2s', true);
    log.markClientFrame();
    log.addTcp('s2c', segment(10, 1_700_000_000, 999_999_999, { analysis: 0x80000000 | 5, window: 0, payloadLength: 1448 }), 'ZeroWindow', true);
    log.addFrame('c2s', view(FRAME_METHOD, 1, 9, 1_700_000_001, 5, method), false); // packet number goes back
    log.markClientFrame();
    log.addFrame('s2c', view(FRAME_HEADER, 65535, 2 ** 40, 2 ** 60, 0.5, big, 2 ** 40 - 3), false); // unsafe times
    log.addFrame('s2c', view(FRAME_BODY, 1, 12, 1_600_000_000, 0, new Uint8Array(0)), false); // back to safe, and back in time
    log.addTcp('c2s', segment(13, -5, 1, { tcpFlags: 0x04 }), 'RST', true); // negative time (pcapng offset)
    expect(log.count).toBe(6);
    // A jump of more than 2^52 s (a corrupt if_tsoffset) cannot be a varint difference: zigzag would double it.
    const far = new EventLog();
    far.addTcp('c2s', segment(1, 2 ** 52 + 1, 0), 'ACK', false);
    far.addTcp('c2s', segment(2, 0, 0), 'ACK', false);
    far.addTcp('c2s', segment(3, -(2 ** 52) - 7, 999_999_999), 'ACK', false);
    expect(read(far).map((g) => [g.e.tsSec, g.e.tsNsec])).toEqual([[2 ** 52 + 1, 0], [0, 0], [-(2 ** 52) - 7, 999_999_999]]);
    const got = read(log);
    expect(got.map((g) => g.e.kind)).toEqual([LOGGED_ENTRY, LOGGED_TCP, LOGGED_FRAME, LOGGED_FRAME, LOGGED_FRAME, LOGGED_TCP]);
    expect(got[0]!.entry).toBe(entry);
    expect(got[0]!.e).toMatchObject({ ordinal: 0, notable: true, clientFrame: true, dir: 'c2s' });
    expect(got[1]!.e).toMatchObject({ ordinal: 1, dir: 's2c', notable: true, clientFrame: false, packet: 10, tsSec: 1_700_000_000, tsNsec: 999_999_999, tcpType: 'ZeroWindow', analysis: 0x80000000 | 5, window: 0, payloadLength: 1448 });
    expect(got[2]!.e).toMatchObject({ dir: 'c2s', clientFrame: true, packet: 9, tsSec: 1_700_000_001, tsNsec: 5, type: FRAME_METHOD, channel: 1, size: method.length, firstPacket: 9, payload: [...method] });
    expect(got[3]!.e).toMatchObject({ packet: 2 ** 40, tsSec: 2 ** 60, tsNsec: 0.5, type: FRAME_HEADER, channel: 65535, firstPacket: 2 ** 40 - 3, payload: [...big] });
    expect(got[4]!.e).toMatchObject({ packet: 12, tsSec: 1_600_000_000, tsNsec: 0, type: FRAME_BODY, size: 1000, payload: [] });
    expect(got[5]!.e).toMatchObject({ dir: 'c2s', packet: 13, tsSec: -5, tsNsec: 1, tcpType: 'RST', tcpFlags: 0x04 });
  });

  it('copies a large payload (the caller reuses its buffer); logs after the first that store the same bytes share one copy', () => {
    const payload = Uint8Array.from({ length: 500 }, (_, i) => (i * 13) & 0xff);
    const logs = [new EventLog(), new EventLog(), new EventLog()];
    for (const log of logs) {
      const v = view(FRAME_METHOD, 0, 1, 1, 0, payload);
      log.addFrame('s2c', v, true);
      v.bytes.fill(0); // the decoder's buffer is overwritten by the next chunk
    }
    const stored: Uint8Array[] = [];
    for (const log of logs) {
      log.forEach((e) => {
        expect([...e.bytes.subarray(e.start, e.end)]).toEqual([...payload]);
        stored.push(e.bytes);
      });
    }
    // The first log holds the bytes itself; the next two, the one shared copy (not the first log's buffer).
    expect(stored[1]).toBe(stored[2]);
    expect(stored[1]).not.toBe(stored[0]);
    expect(stored[1]!.length).toBe(payload.length);
  });

  it('keeps a bare entry (a protocol header) as fields, and gives back an equal object in its place', () => {
    const log = new EventLog();
    const header: TimelineEntry = { ordinal: 0, packet: 4, tsSec: 1_700_000_000, tsNsec: 12, dir: 'c2s', kind: 'amqp', type: 'Protocol-Header 0-9-1' };
    const tls: TimelineEntry = { ordinal: 1, packet: 5, tsSec: 1_700_000_000, tsNsec: 13, dir: 's2c', kind: 'tls', type: 'ServerHello', payloadLength: 90 };
    log.addEntry(header, 'c2s', true);
    log.addEntry(tls, 's2c', true);
    const got = read(log);
    expect(got.map((g) => g.e.kind)).toEqual([LOGGED_NOTE, LOGGED_ENTRY]);
    expect(got[0]!.entry).toBeNull();
    expect(got[1]!.entry).toBe(tls);
    expect(log.entriesInOrder()).toEqual([header, tls]);
    expect(Object.keys(log.entriesInOrder()[0]!)).toEqual(Object.keys(header)); // same key order: same JSON
  });
});
