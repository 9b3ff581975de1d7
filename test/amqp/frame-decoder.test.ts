/**
 * Framing, validation, resynchronisation and gaps: the cases Wireshark's dissector gets wrong (docs wire-formats
 * §1.10) and hostile input. Every scenario is also fed at several chunkings where the outcome must not depend on it.
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder, MAX_METHOD_PAYLOAD } from '../../src/amqp/frame-decoder.js';
import { frameName } from '../../src/amqp/names.js';
import type { BodyFrame, Frame, MethodFrame } from '../../src/amqp/types.js';
import {
  PROTOCOL_HEADER_091,
  RecordingSink,
  bodyFrame,
  concat,
  feedPieces,
  frame,
  headerFrame,
  heartbeat,
  hex,
  longstr,
  methodFrame,
  outcome,
  shortstr,
  splits,
  u16,
  u32,
  u64,
  u8,
  utf8,
} from '../helpers/amqp-encode.js';

function run(bytes: Uint8Array, pieces: number[] = [bytes.length], expectProtocolHeader = true): RecordingSink {
  const sink = new RecordingSink();
  const d = new FrameDecoder(sink, { expectProtocolHeader });
  feedPieces(d, bytes, pieces);
  return sink;
}

const names = (fs: Frame[]): string[] => fs.map(frameName);
const codes = (s: RecordingSink): string[] => s.issues.map((i) => i.code);

/** Whole, every two-piece split (for short inputs), byte by byte, and 1460-byte segments: same outcome. */
function expectChunkingIndependent(bytes: Uint8Array, expectProtocolHeader = true): RecordingSink {
  const ref = run(bytes, [bytes.length], expectProtocolHeader);
  const want = outcome(ref);
  const ways = bytes.length <= 4096 ? splits(bytes.length) : [{ name: 'bytewise', pieces: new Array<number>(bytes.length).fill(1) }];
  ways.push({ name: '1460', pieces: new Array<number>(Math.ceil(bytes.length / 1460)).fill(1460) });
  for (const s of ways) expect(outcome(run(bytes, s.pieces, expectProtocolHeader)), s.name).toEqual(want);
  return ref;
}

const PUBLISH = methodFrame(1, 60, 40, u16(0), shortstr('ex'), shortstr('rk'), u8(0));
const ACK = methodFrame(1, 60, 80, u64(1), u8(0));
const HB = heartbeat();

// ---------------------------------------------------------------------------------------------------------------

describe('protocol headers', () => {
  const after = concat(HB, PUBLISH);

  it('0-9-1 from the client, and from the server (RabbitMQ refusing a header sends its own)', () => {
    for (const expect091 of [true, false]) {
      const s = expectChunkingIndependent(concat(PROTOCOL_HEADER_091, after), expect091);
      expect(s.events[0]).toEqual({ e: 'header', header: { version: '0-9-1', supported: true, packet: 1, tsSec: 0, tsNsec: 0 } });
      expect(names(s.frames)).toEqual(['Heartbeat', 'Basic.Publish']);
      expect(s.issues).toEqual([]);
    }
  });

  const others: [string, string][] = [
    ['414d5150 01010800', '0-8'],
    ['414d5150 01010901', '0-8'],
    ['414d5150 01010009', '0-9'],
    ['414d5150 0101000a', '0-10'],
    ['414d5150 00010000', '1.0'],
    ['414d5150 02010000', '1.0-tls'],
    ['414d5150 03010000', '1.0-sasl'],
    ['414d5150 00000902', 'unknown(00 00 09 02)'],
  ];
  for (const [h, version] of others) {
    it(`${version} (${h}): reported once as unsupported, then nothing`, () => {
      const s = expectChunkingIndependent(concat(hex(h), after, after));
      expect(s.events).toHaveLength(2);
      expect(s.events[0]).toMatchObject({ e: 'header', header: { version, supported: false } });
      expect(s.events[1]).toMatchObject({ e: 'issue', issue: { code: 'unsupported-version' } });
    });
  }

  const foreign: [string, Uint8Array][] = [
    ['TLS ClientHello', hex('16 0301 00c8 01 0000c4 0303 0011223344556677')],
    ['TLS 1.3 application data', hex('17 0303 0040 aabbccddeeff0011')],
    ['HTTP GET', utf8('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['HTTP POST', utf8('POST /api HTTP/1.1\r\n')],
    ['HTTP response', utf8('HTTP/1.1 400 Bad Request\r\n')],
    ['HTTP/2 preface', utf8('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
    ['SSH', utf8('SSH-2.0-OpenSSH_9.2\r\n')],
  ];
  for (const [what, bytes] of foreign) {
    it(`${what}: one not-amqp issue, no decoding of the rest`, () => {
      const s = expectChunkingIndependent(concat(bytes, PUBLISH, HB));
      expect(s.events).toHaveLength(1);
      expect(s.issues[0]?.code).toBe('not-amqp');
    });
  }
});

describe('frame validation', () => {
  it('checks the 0xCE frame-end octet and resumes at the next plausible frame', () => {
    const bad = frame(8, 0, new Uint8Array(0), 0x00);
    const s = expectChunkingIndependent(concat(PROTOCOL_HEADER_091, PUBLISH, bad, HB, ACK));
    expect(names(s.frames)).toEqual(['Basic.Publish', 'Heartbeat', 'Basic.Ack']);
    expect(s.issues.map((i) => [i.code, i.bytes])).toEqual([
      ['frame-error', undefined],
      ['resync', 7], // the bad heartbeat's bytes after its type octet
    ]);
    expect(s.issues[0]?.message).toMatch(/ends with 0x00 instead of 0xce/);
  });

  it('a method frame whose size field is wrong: the frames inside its claimed span are found again', () => {
    // Claims 40 bytes but carries 14: the 0xCE check fails 26 bytes later, inside the next frames.
    const lying = concat(hex('01 0001 00000028'), PUBLISH.subarray(7));
    const s = expectChunkingIndependent(concat(PROTOCOL_HEADER_091, lying, HB, ACK, HB, HB, ACK));
    expect(names(s.frames)).toEqual(['Heartbeat', 'Basic.Ack', 'Heartbeat', 'Heartbeat', 'Basic.Ack']);
    expect(codes(s)).toEqual(['frame-error', 'resync']);
  });

  it('a body frame with a bad end octet', () => {
    const bad = bodyFrame(1, 'hello').slice();
    bad[bad.length - 1] = 0xcf;
    const s = expectChunkingIndependent(concat(PROTOCOL_HEADER_091, headerFrame(1, 5, 0), bad, HB, ACK));
    expect(names(s.frames)).toEqual(['Content-Header', 'Heartbeat', 'Basic.Ack']);
    expect(codes(s)).toEqual(['frame-error', 'resync']);
  });

  it('a heartbeat on channel 5 (or with a payload) is a frame-error but still a heartbeat', () => {
    const s = expectChunkingIndependent(concat(PROTOCOL_HEADER_091, heartbeat(5), frame(8, 0, hex('0102')), HB));
    expect(s.frames.map((f) => [f.kind, f.channel, f.size])).toEqual([
      ['heartbeat', 5, 0],
      ['heartbeat', 0, 2],
      ['heartbeat', 0, 0],
    ]);
    expect(codes(s)).toEqual(['frame-error', 'frame-error']);
    expect(s.issues[0]?.message).toMatch(/channel 5/);
  });

  it('an unknown frame type is a frame-error, then resync', () => {
    const s = expectChunkingIndependent(concat(PROTOCOL_HEADER_091, frame(4, 1, hex('00')), HB, ACK));
    expect(names(s.frames)).toEqual(['Heartbeat', 'Basic.Ack']);
    expect(codes(s)).toEqual(['frame-error', 'resync']);
    expect(s.issues[0]?.message).toMatch(/unknown frame type 4/);
  });

  it('a method with arguments that do not parse is a frame-error; the next frame decodes', () => {
    const truncatedArgs = frame(1, 1, concat(u16(60), u16(40), u16(0), u8(200), utf8('short')));
    const s = expectChunkingIndependent(concat(PROTOCOL_HEADER_091, truncatedArgs, ACK));
    expect(names(s.frames)).toEqual(['Basic.Ack']);
    expect(codes(s)).toEqual(['frame-error']);
    expect(s.issues[0]?.message).toMatch(/^Basic\.Publish on channel 1: arguments do not parse: shortstr .exchange. of 200 bytes at payload offset 6/);
  });

  it('an unknown method is emitted as Class.Unknown(id) with a frame-error; extra bytes after arguments too', () => {
    const unknown = methodFrame(0, 10, 99, u8(1));
    const extra = methodFrame(1, 60, 80, u64(1), u8(0), hex('beef'));
    const s = expectChunkingIndependent(concat(PROTOCOL_HEADER_091, unknown, methodFrame(1, 99, 1), extra));
    expect(names(s.frames)).toEqual(['Connection.Unknown(99)', 'Unknown(99).Unknown(1)', 'Basic.Ack']);
    expect(codes(s)).toEqual(['frame-error', 'frame-error', 'frame-error']);
    expect(s.issues[2]?.message).toMatch(/2 unexpected bytes after the last argument/);
  });

  it('Connection.Update-Secret (Wireshark: Connection.Unknown (70))', () => {
    const s = expectChunkingIndependent(
      concat(PROTOCOL_HEADER_091, methodFrame(0, 10, 70, longstr('tok'), shortstr('refresh')), hex('01 0000 00000004 000a 0047 ce')),
    );
    expect(s.issues).toEqual([]);
    expect(s.frames.map((f) => [frameName(f), (f as MethodFrame).args])).toEqual([
      ['Connection.Update-Secret', { 'new-secret': 'tok', reason: 'refresh' }],
      ['Connection.Update-Secret-Ok', {}],
    ]);
  });

  it('reports frames larger than the negotiated frame-max (RabbitMQ: 501 frame_too_large) but decodes them', () => {
    const sink = new RecordingSink();
    const d = new FrameDecoder(sink, { expectProtocolHeader: true });
    d.push(PROTOCOL_HEADER_091, 1, 0, 0);
    d.setFrameMax(4096);
    d.push(concat(bodyFrame(1, new Uint8Array(4088)), bodyFrame(1, new Uint8Array(5000))), 2, 0, 0);
    expect(sink.frames.map((f) => f.size)).toEqual([4088, 5000]);
    expect(codes(sink)).toEqual(['frame-error']);
    expect(sink.issues[0]?.message).toMatch(/5000 payload bytes, more than the negotiated frame-max 4096/);
  });
});

describe('sizes', () => {
  it('a 2 MiB body frame (beyond Wireshark 1 MiB clamp) is streamed, never buffered', () => {
    const body = new Uint8Array(2 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    const bytes = concat(PROTOCOL_HEADER_091, PUBLISH, headerFrame(1, body.length, 0), bodyFrame(1, body), HB, ACK);
    for (const seg of [bytes.length, 1460, 65536, 1]) {
      const sink = new RecordingSink();
      const d = new FrameDecoder(sink);
      const pieces = new Array<number>(Math.ceil(bytes.length / seg)).fill(seg);
      feedPieces(d, bytes, pieces);
      expect(names(sink.frames)).toEqual(['Basic.Publish', 'Content-Header', 'Content-Body', 'Heartbeat', 'Basic.Ack']);
      expect(sink.frames[2]?.size).toBe(body.length);
      expect(Buffer.compare(sink.body(1), body)).toBe(0); // (toEqual on 2 MiB arrays takes seconds)
      expect(sink.issues).toEqual([]);
      // The carry buffer (method/header payloads straddling pushes) never grew to body size.
      expect((Reflect.get(d, 'carry') as Uint8Array).length).toBeLessThanOrEqual(4096);
      if (seg === 1460) expect(sink.bodyCalls).toBeGreaterThan(1000);
    }
  });

  it('a method frame declaring 4 GB is a frame-error, with no allocation and resync after it', () => {
    const huge = hex('01 0001 ffffffff 003c 0028');
    const s = expectChunkingIndependent(concat(PROTOCOL_HEADER_091, huge, HB, ACK));
    expect(names(s.frames)).toEqual(['Heartbeat', 'Basic.Ack']);
    expect(codes(s)).toEqual(['frame-error', 'resync']);
    expect(s.issues[0]?.message).toMatch(/declares 4294967295 bytes/);
  });

  it('a longstr argument declaring 4 GB inside a small frame is a frame-error, checked before any allocation', () => {
    const lying = methodFrame(0, 10, 70, u32(0xffffffff), utf8('tok'), shortstr('refresh'));
    const s = expectChunkingIndependent(concat(PROTOCOL_HEADER_091, lying, HB));
    expect(names(s.frames)).toEqual(['Heartbeat']);
    expect(codes(s)).toEqual(['frame-error']);
    expect(s.issues[0]?.message).toMatch(/^Connection\.Update-Secret on channel 0: arguments do not parse: longstr declares 4294967295 bytes/);
  });

  it('a body frame declaring 4 GB is a frame-error (beyond max(16 MiB, frame-max)), then resync', () => {
    const s = expectChunkingIndependent(concat(PROTOCOL_HEADER_091, hex('03 0001 ffffffff 6869'), HB, ACK));
    expect(names(s.frames)).toEqual(['Heartbeat', 'Basic.Ack']);
    expect(codes(s)).toEqual(['frame-error', 'resync']);
  });

  it('a method frame just over the 16 MiB buffering limit is refused before buffering', () => {
    const s = run(concat(PROTOCOL_HEADER_091, frame(1, 1, new Uint8Array(0)).subarray(0, 3), u32(MAX_METHOD_PAYLOAD + 1), hex('003c0028'), HB));
    expect(codes(s)).toEqual(['frame-error', 'resync']);
    expect(names(s.frames)).toEqual(['Heartbeat']);
  });

  it('a header frame with a huge but allowed size buffers only the bytes that arrive', () => {
    const sink = new RecordingSink();
    const d = new FrameDecoder(sink);
    d.push(PROTOCOL_HEADER_091, 1, 0, 0);
    d.push(hex('02 0001 00f00000 003c 0000'), 2, 0, 0); // declares 15 MiB, sends 4 bytes
    expect((Reflect.get(d, 'carry') as Uint8Array).length).toBeLessThanOrEqual(4096);
    d.end(3, 0, 0);
    expect(codes(sink)).toEqual(['truncated']);
  });
});

describe('garbage', () => {
  function prng(seed: number): () => number {
    let x = seed;
    return () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) & 0xff;
    };
  }

  it('1 MiB of random bytes in random pushes and gaps: nothing throws, memory stays bounded', () => {
    for (const seed of [1, 2, 3]) {
      const next = prng(seed);
      const junk = new Uint8Array(1 << 20);
      for (let i = 0; i < junk.length; i++) junk[i] = next();
      const sink = new RecordingSink();
      const d = new FrameDecoder(sink, { expectProtocolHeader: seed === 1 });
      let o = 0;
      while (o < junk.length) {
        const n = 1 + ((next() << 4) | next());
        d.push(junk.subarray(o, o + n), o, 0, 0);
        if (next() === 0) d.gap(1 + next(), o, 0, 0);
        o += n;
      }
      d.end(o, 0, 0);
      const rs = Reflect.get(d, 'rsBuf') as Uint8Array | null;
      expect(rs === null || rs.length < 512 * 1024).toBe(true);
      for (const i of sink.issues) expect(typeof i.message).toBe('string');
    }
  });

  it('garbage followed by real frames: resync finds them and reports the skipped bytes', () => {
    const next = prng(7);
    const junk = new Uint8Array(5000);
    for (let i = 0; i < junk.length; i++) junk[i] = next() | 0x80; // no frame-type octets
    const s = expectChunkingIndependent(concat(junk, HB, PUBLISH, headerFrame(1, 3, 0), bodyFrame(1, 'abc'), ACK), false);
    expect(names(s.frames)).toEqual(['Heartbeat', 'Basic.Publish', 'Content-Header', 'Content-Body', 'Basic.Ack']);
    expect(s.issues.map((i) => [i.code, i.bytes])).toEqual([['resync', 5000]]);
  });

  it('every single-byte corruption of a stream: no throw, and the frames after the damage still decode', () => {
    const tail = concat(HB, ACK, HB);
    const stream = concat(PROTOCOL_HEADER_091, PUBLISH, headerFrame(1, 5, 0x8000, shortstr('text')), bodyFrame(1, 'hello'), ACK, tail);
    // Padding after the tail lets a corrupted size field (up to the 16 MiB buffering limit) run out, as a longer
    // capture would: the decoder then finds the frame-end octet wrong and rescans everything it buffered.
    const padding = new Uint8Array(16 * 1024 * 1024 + 64).fill(0x55);
    let swallowed = 0;
    for (let i = 8; i < stream.length - tail.length; i++) {
      for (const v of [0x00, 0xce, 0xff, stream[i]! ^ 0x01]) {
        const b = stream.slice();
        b[i] = v;
        const sink = new RecordingSink();
        const d = new FrameDecoder(sink);
        d.push(b, 1, 0, 0);
        if (sink.frames.length < 3 || frameName(sink.frames[sink.frames.length - 1]!) !== 'Heartbeat') {
          swallowed++;
          console.log(i, v);
          d.push(padding, 2, 0, 0);
        }
        d.end(3, 0, 0);
        const got = names(sink.frames.filter((f) => f.packet === 1 || f.firstPacket === 1));
        expect(got.slice(-3), `byte ${i} = ${v}`).toEqual(['Heartbeat', 'Basic.Ack', 'Heartbeat']);
      }
    }
    expect(swallowed).toBeGreaterThan(0);
  });
});

describe('a capture that starts mid-connection', () => {
  // A realistic server->client stream: deliveries with headers and bodies, heartbeats, acks, a declare-ok.
  const frames: Uint8Array[] = [
    methodFrame(1, 60, 60, shortstr('ctag-1'), u64(1), u8(0), shortstr('amq.topic'), shortstr('orders.new')),
    headerFrame(1, 11, 0x9000, shortstr('text/plain'), u8(2)),
    bodyFrame(1, 'hello world'),
    HB,
    methodFrame(1, 60, 60, shortstr('ctag-1'), u64(2), u8(1), shortstr('amq.topic'), shortstr('orders.new')),
    headerFrame(1, 20, 0x0000),
    bodyFrame(1, 'abcdefghij'),
    bodyFrame(1, 'klmnopqrst'),
    methodFrame(2, 50, 11, shortstr('q'), u32(0), u32(1)),
    HB,
    methodFrame(1, 60, 60, shortstr('ctag-1'), u64(3), u8(0), shortstr(''), shortstr('q')),
    headerFrame(1, 0, 0x0000),
    HB,
  ];
  const stream = concat(...frames);
  const starts: number[] = [];
  frames.reduce((o, f) => (starts.push(o), o + f.length), 0);
  const reference = run(stream, [stream.length], false);

  it('decodes the whole stream without issues', () => {
    expect(reference.issues).toEqual([]);
    expect(reference.frames).toHaveLength(frames.length);
    expect(stream.length).toBeGreaterThan(100);
  });

  it('sliced at every offset in the first 100 bytes: after resync every later frame decodes exactly', () => {
    for (let k = 0; k < 100; k++) {
      const firstWhole = starts.findIndex((s) => s >= k);
      const want = reference.frames.slice(firstWhole);
      const skipped = (starts[firstWhole] as number) - k;
      for (const pieces of [[stream.length - k], new Array<number>(stream.length - k).fill(1), [3, 5, 7, 1000]]) {
        const s = run(stream.subarray(k), pieces, k % 2 === 0);
        expect(s.frames, `offset ${k}`).toEqual(want);
        expect(s.issues.map((i) => [i.code, i.bytes]), `offset ${k}`).toEqual(skipped === 0 ? [] : [['resync', skipped]]);
      }
    }
  });
});

describe('the start of a stream decided in place', () => {
  // The first frame of a stream without a protocol header (every broker side) is normally complete in the first push
  // and accepted there without the resync buffer; when it is not, the resync search buffers it. Either way the search's
  // lifetime budget (RESYNC_BUDGET_BASE, 256 KiB of candidate sizes) is charged for it exactly once: a later body-frame
  // candidate whose size straddles what is left shows a missing or a double charge.
  const first = methodFrame(1, 60, 60, shortstr('ctag-1'), u64(1), u8(0), shortstr('amq.topic'), shortstr('orders.new'));
  const edge = 256 * 1024 - 6 - first.length; // the largest candidate body the budget still pays for
  const decode = (size: number, pieces: number[]) => {
    const stream = concat(first, u8(0x55), bodyFrame(1, new Uint8Array(size)), HB);
    const sink = new RecordingSink();
    const d = new FrameDecoder(sink, { expectProtocolHeader: false });
    d.setFrameMax(1 << 20); // candidates of 256 KiB are plausible
    feedPieces(d, stream, pieces);
    d.end(2, 0, 0);
    return sink;
  };

  it('charges the first frame to the resync budget once, whether decided in place or by the search', () => {
    for (const size of [edge - 1, edge, edge + 1, edge + 2]) {
      const whole = decode(size, [1 << 30]); // decided in place
      expect(whole.frames.some((f) => f.kind === 'body'), `body of ${size}`).toBe(size <= edge);
      // 3 bytes: the search from the start; 8 and 20: in place tried, first frame incomplete, then the search.
      for (const firstPush of [3, 8, 20, first.length - 1]) expect(outcome(decode(size, [firstPush])), `${size}, ${firstPush}`).toEqual(outcome(whole));
    }
  });
});

describe('capture gaps', () => {
  function decodeWithGap(before: Uint8Array, lost: number, after: Uint8Array, chunk = 0): RecordingSink {
    const sink = new RecordingSink();
    const d = new FrameDecoder(sink);
    if (chunk === 0) d.push(before, 1, 1, 0);
    else for (let o = 0; o < before.length; o += chunk) d.push(before.subarray(o, o + chunk), 1, 1, 0);
    d.gap(lost, 2, 2, 0);
    if (chunk === 0) d.push(after, 3, 3, 0);
    else for (let o = 0; o < after.length; o += chunk) d.push(after.subarray(o, o + chunk), 3, 3, 0);
    return sink;
  }
  /** Cuts `stream` at [from, to) and decodes with a gap there, at two chunkings; returns the whole-push result. */
  function cut(stream: Uint8Array, from: number, to: number): RecordingSink {
    const a = decodeWithGap(stream.subarray(0, from), to - from, stream.subarray(to));
    const b = decodeWithGap(stream.subarray(0, from), to - from, stream.subarray(to), 1);
    expect(outcome(b)).toEqual(outcome(a));
    return a;
  }

  const body = bodyFrame(1, '0123456789abcdefghij'); // 28 bytes: 7 header, 20 payload, 1 end
  const pub = PUBLISH;
  const stream = concat(PROTOCOL_HEADER_091, pub, headerFrame(1, 20, 0), body, HB, ACK, HB);
  const bodyAt = 8 + pub.length + 22;

  it('inside a body frame: the frame is kept with `lost`, later bytes still streamed, decoding carries on', () => {
    const s = cut(stream, bodyAt + 7 + 5, bodyAt + 7 + 9);
    expect(names(s.frames)).toEqual(['Basic.Publish', 'Content-Header', 'Content-Body', 'Heartbeat', 'Basic.Ack', 'Heartbeat']);
    const b = s.frames[2] as BodyFrame;
    expect(b.lost).toBe(4);
    expect(b.size).toBe(20);
    expect(new TextDecoder().decode(s.body(1))).toBe('01234' + '9abcdefghij');
    expect(s.issues).toMatchObject([{ code: 'capture-gap', bytes: 4, packet: 2 }]);
    expect(s.issues[0]?.message).toMatch(/inside a content body frame \(channel 1, 20 bytes\)/);
  });

  it('inside a method frame: kept with the arguments that lie before the cut, `lost` set, no resync needed', () => {
    const s = cut(stream, 8 + 7 + 10, 8 + 7 + 12); // Basic.Publish payload bytes 10-11: inside the routing-key
    expect(names(s.frames)).toEqual(['Basic.Publish', 'Content-Header', 'Content-Body', 'Heartbeat', 'Basic.Ack', 'Heartbeat']);
    expect(s.frames[0]).toMatchObject({ kind: 'method', size: 13, lost: 2, args: { ticket: 0, exchange: 'ex' } });
    expect(Object.keys((s.frames[0] as MethodFrame).args)).toEqual(['ticket', 'exchange']);
    expect(codes(s)).toEqual(['capture-gap']);
    expect(s.issues[0]?.message).toMatch(/Basic\.Publish frame \(channel 1, 13 bytes\); frame kept with what its first 10 payload bytes decode to/);
  });

  it('inside a method frame before its ids: dropped', () => {
    const s = cut(stream, 8 + 7 + 1, 8 + 7 + 3);
    expect(names(s.frames)).toEqual(['Content-Header', 'Content-Body', 'Heartbeat', 'Basic.Ack', 'Heartbeat']);
    expect(s.issues[0]?.message).toMatch(/frame dropped/);
  });

  it('inside a content header: kept with body-size and the properties before the cut', () => {
    const withProps = concat(PROTOCOL_HEADER_091, headerFrame(1, 3, 0x9000, shortstr('text/plain'), u8(2)), bodyFrame(1, 'abc'), HB);
    const s = cut(withProps, 8 + 7 + 14 + 5, 8 + 7 + 14 + 8); // inside content-type
    expect(s.frames[0]).toMatchObject({ kind: 'header', bodySize: 3, lost: 3, properties: {} });
    const t = cut(withProps, 8 + 7 + 14 + 11, 8 + 7 + 14 + 12); // the delivery-mode octet
    expect(t.frames[0]).toMatchObject({ kind: 'header', bodySize: 3, lost: 1, properties: { 'content-type': 'text/plain' } });
    expect(names(t.frames)).toEqual(['Content-Header', 'Content-Body', 'Heartbeat']);
  });

  it('covering exactly the end of a frame: no resync', () => {
    const s = cut(stream, bodyAt + 20, bodyAt + 28); // the last 7 payload bytes and the end octet
    expect(names(s.frames)).toEqual(['Basic.Publish', 'Content-Header', 'Content-Body', 'Heartbeat', 'Basic.Ack', 'Heartbeat']);
    expect((s.frames[2] as BodyFrame).lost).toBe(7);
    expect(codes(s)).toEqual(['capture-gap']);
  });

  it('across a frame boundary: resync at the next plausible frame, reporting the bytes skipped', () => {
    const s = cut(stream, bodyAt + 10, bodyAt + 28 + 3); // end of the body, and the heartbeat's first 3 bytes
    expect(names(s.frames)).toEqual(['Basic.Publish', 'Content-Header', 'Content-Body', 'Basic.Ack', 'Heartbeat']);
    expect(s.issues.map((i) => [i.code, i.bytes])).toEqual([
      ['capture-gap', 21],
      ['resync', 5], // the rest of the heartbeat
    ]);
  });

  it('exactly on a frame boundary: resync at offset 0 of what follows, no bytes skipped', () => {
    const s = cut(stream, bodyAt, bodyAt + 28); // the whole body frame
    expect(names(s.frames)).toEqual(['Basic.Publish', 'Content-Header', 'Heartbeat', 'Basic.Ack', 'Heartbeat']);
    expect(s.issues.map((i) => [i.code, i.bytes])).toEqual([['capture-gap', 28]]);
  });

  it('inside a frame header', () => {
    const s = cut(stream, bodyAt + 3, bodyAt + 5);
    expect(names(s.frames)).toEqual(['Basic.Publish', 'Content-Header', 'Heartbeat', 'Basic.Ack', 'Heartbeat']);
    expect(s.issues.map((i) => [i.code, i.bytes])).toEqual([
      ['capture-gap', 2],
      ['resync', 3 + 23],
    ]);
  });

  it('losing only the frame-end octet keeps the frame', () => {
    const s = cut(stream, 8 + pub.length - 1, 8 + pub.length);
    expect(names(s.frames)).toEqual(['Basic.Publish', 'Content-Header', 'Content-Body', 'Heartbeat', 'Basic.Ack', 'Heartbeat']);
    expect(codes(s)).toEqual(['capture-gap']);
  });

  it('snap length: every segment cut after 40 bytes, starting mid-connection; every frame whose header was captured is reported', () => {
    const body = new Uint8Array(300).fill(0x61);
    const segments = [
      concat(bodyFrame(1, body.subarray(0, 120)), HB), // mid-connection: the capture starts on a body frame
      concat(methodFrame(1, 60, 40, u16(0), shortstr('exchange-with-a-long-name'), shortstr('rk'), u8(0)), headerFrame(1, 300, 0)),
      bodyFrame(1, body),
      concat(ACK, HB, ACK),
    ];
    const sink = new RecordingSink();
    const d = new FrameDecoder(sink, { expectProtocolHeader: true });
    segments.forEach((seg, i) => {
      d.push(seg.subarray(0, 40), 10 + i, 0, 0);
      if (seg.length > 40) d.gap(seg.length - 40, 10 + i, 0, 0);
    });
    expect(sink.frames.map((f) => [frameName(f), f.lost ?? 0])).toEqual([
      ['Content-Body', 87], // 40 - 7 header bytes of its 120 captured
      ['Basic.Publish', 3], // 33 of its 36 payload bytes: ticket and exchange decode, routing-key does not
      ['Content-Body', 267], // (the content header was entirely in the cut)
      ['Basic.Ack', 0],
      ['Heartbeat', 0],
      ['Basic.Ack', 9], // only its class and method ids were captured
    ]);
    expect((sink.frames[1] as MethodFrame).args).toEqual({ ticket: 0, exchange: 'exchange-with-a-long-name' });
    expect((sink.frames[5] as MethodFrame).args).toEqual({});
  });

  it('at the start of the stream', () => {
    const sink = new RecordingSink();
    const d = new FrameDecoder(sink);
    d.gap(100, 1, 0, 0);
    d.push(concat(hex('0000'), HB, ACK), 2, 0, 0);
    expect(names(sink.frames)).toEqual(['Heartbeat', 'Basic.Ack']);
    expect(sink.issues.map((i) => [i.code, i.bytes])).toEqual([
      ['capture-gap', 100],
      ['resync', 2],
    ]);
  });
});

describe('attribution', () => {
  it('packet/time of the push with the frame-end octet; firstPacket of the push with the first byte', () => {
    const sink = new RecordingSink();
    const d = new FrameDecoder(sink);
    const b = concat(PROTOCOL_HEADER_091, PUBLISH, headerFrame(1, 3, 0), bodyFrame(1, 'abc'), HB);
    // Packet 10: protocol header and the first 5 bytes of Basic.Publish; 11: rest of it and half the content header;
    // 12: the rest.
    d.push(b.subarray(0, 13), 10, 100, 1);
    d.push(b.subarray(13, 8 + PUBLISH.length + 10), 11, 101, 2);
    d.push(b.subarray(8 + PUBLISH.length + 10), 12, 102, 3);
    expect(sink.events[0]).toMatchObject({ e: 'header', header: { packet: 10, tsSec: 100, tsNsec: 1 } });
    expect(sink.frames.map((f) => [frameName(f), f.firstPacket, f.packet, f.tsSec, f.tsNsec])).toEqual([
      ['Basic.Publish', 10, 11, 101, 2],
      ['Content-Header', 11, 12, 102, 3],
      ['Content-Body', 12, 12, 102, 3],
      ['Heartbeat', 12, 12, 102, 3],
    ]);
    expect(d.frames).toBe(4);
  });

  it('frames found by resync keep the packets that carried them', () => {
    const sink = new RecordingSink();
    const d = new FrameDecoder(sink);
    const b = concat(hex('ff ff ff'), HB, HB);
    for (let i = 0; i < b.length; i++) d.push(b.subarray(i, i + 1), 100 + i, 0, 0);
    expect(sink.frames.map((f) => [f.firstPacket, f.packet])).toEqual([
      [103, 110],
      [111, 118],
    ]);
    expect(sink.issues).toMatchObject([{ code: 'resync', bytes: 3, packet: 103 }]);
  });
});

describe('end of stream', () => {
  it('reports a frame cut by the end of the capture', () => {
    const sink = new RecordingSink();
    const d = new FrameDecoder(sink);
    d.push(concat(PROTOCOL_HEADER_091, HB, PUBLISH.subarray(0, 10)), 1, 0, 0);
    d.end(2, 0, 0);
    expect(sink.issues).toMatchObject([{ code: 'truncated', packet: 2 }]);
    expect(sink.issues[0]?.message).toMatch(/inside a method frame \(channel 1, 13 bytes\) \(3 of 13 payload bytes\)/);
    d.push(HB, 3, 0, 0); // ignored after end()
    expect(sink.frames).toHaveLength(1);
  });

  it('a direction with no AMQP at all (unknown protocol) is reported at the end', () => {
    const sink = new RecordingSink();
    const d = new FrameDecoder(sink);
    d.push(new Uint8Array(300).fill(0x55), 1, 0, 0);
    d.end(2, 0, 0);
    expect(sink.issues).toMatchObject([{ code: 'not-amqp', bytes: 300 }]);
  });

  it('a protocol header cut short', () => {
    const sink = new RecordingSink();
    const d = new FrameDecoder(sink);
    d.push(utf8('AMQ'), 1, 0, 0);
    d.end(2, 0, 0);
    expect(sink.issues).toMatchObject([{ code: 'truncated', bytes: 3 }]);
  });
});
