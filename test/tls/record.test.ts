import { describe, expect, it } from 'vitest';
import { parseClientHello, parseServerHello } from '../../src/tls/handshake.js';
import { RecordReader } from '../../src/tls/record.js';
import { mayBeAmqpsClientHello } from '../../src/tls/sniff.js';

function record(type: number, body: number[]): number[] {
  return [type, 3, 3, body.length >> 8, body.length & 0xff, ...body];
}

function read(chunks: Uint8Array[]): { records: string[]; lost: string | null } {
  const records: string[] = [];
  let lost: string | null = null;
  const r = new RecordReader({
    onRecord: (x) => records.push(`${x.contentType}:${x.length}:${x.firstPacket}-${x.packet}:${Buffer.from(x.bytes.subarray(x.start, x.end)).toString('hex')}`),
    onLostSync: (reason, packet) => (lost = `${reason} @${packet}`),
  });
  chunks.forEach((c, i) => r.push(c, i + 1, 0, 0));
  return { records, lost };
}

describe('record reader', () => {
  const stream = Uint8Array.from([...record(22, [1, 2, 3]), ...record(23, Array.from({ length: 300 }, (_, i) => i & 0xff)), ...record(21, [1, 0])]);
  it('gives the same records however the bytes are cut, stamped with the packets of their first and last byte', () => {
    const whole = read([stream]);
    expect(whole.records).toHaveLength(3);
    expect(whole.lost).toBeNull();
    for (let cut = 1; cut < stream.length; cut++) {
      const split = read([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(split.records.map((r) => r.replace(/:\d-\d:/, ':')), `cut at ${cut}`).toEqual(whole.records.map((r) => r.replace(/:\d-\d:/, ':')));
    }
    const bytewise = read([...stream].map((b) => Uint8Array.of(b)));
    expect(bytewise.records[1]!.split(':')[2]).toBe('9-313');
  });
  it('loses sync on bytes that are not records, and on lengths beyond 2^14 + 2048', () => {
    expect(read([Uint8Array.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1])]).lost).toBe('not a TLS record @1');
    expect(read([Uint8Array.from([23, 3, 3, 0x48, 0x01])]).lost).toBe('not a TLS record @1');
    expect(read([Uint8Array.from([23, 3, 3, 0x48, 0x00])]).lost).toBeNull();
  });
});

// RFC 8448 §3: the ClientHello and ServerHello handshake messages.
const CH =
  '010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001';
const SH =
  '020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304';

describe('hellos', () => {
  it('ClientHello: random, SNI, suites, supported versions (RFC 8448)', () => {
    const h = parseClientHello(Buffer.from(CH, 'hex').subarray(4))!;
    expect(h.sni).toBe('server');
    expect(h.alpn).toBeNull();
    expect(h.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(h.versions).toEqual([0x0304]);
    expect(Buffer.from(h.random).toString('hex')).toBe('cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7');
  });
  it('ServerHello: version from supported_versions, suite, not a HelloRetryRequest (RFC 8448)', () => {
    const h = parseServerHello(Buffer.from(SH, 'hex').subarray(4))!;
    expect(h.version).toBe(0x0304);
    expect(h.cipherSuite).toBe(0x1301);
    expect(h.helloRetry).toBe(false);
    const hrr = Buffer.from(SH, 'hex').subarray(4);
    Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex').copy(hrr, 2);
    expect(parseServerHello(hrr)!.helloRetry).toBe(true);
  });
  it('every truncation of a hello is null or a hello, never an exception', () => {
    const body = Buffer.from(CH, 'hex').subarray(4);
    for (let n = 0; n < body.length; n++) expect(() => parseClientHello(body.subarray(0, n))).not.toThrow();
    expect(parseClientHello(body.subarray(0, 20))).toBeNull();
  });
  it('a ClientHello offering only HTTP in ALPN is not taken for AMQPS on other ports', () => {
    const ch = Buffer.from(CH, 'hex');
    const rec = (msg: Buffer) => Buffer.concat([Buffer.from([22, 3, 1, msg.length >> 8, msg.length & 0xff]), msg]);
    expect(mayBeAmqpsClientHello(rec(ch))).toBe(true);
    // Add an ALPN extension "h2" at the end of the extensions.
    const alpn = Buffer.from([0, 16, 0, 5, 0, 3, 2, 0x68, 0x32]);
    const body = Buffer.concat([ch.subarray(4), alpn]);
    const extLenAt = 2 + 32 + 1 + 2 + 6 + 1 + 1; // version, random, sid len (0), suites len + 3 suites, comp len + 1
    body.writeUInt16BE(body.readUInt16BE(extLenAt) + alpn.length, extLenAt);
    const msg = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body]);
    expect(parseClientHello(body)!.alpn).toEqual(['h2']);
    expect(mayBeAmqpsClientHello(rec(msg))).toBe(false);
    expect(mayBeAmqpsClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toBe(false);
  });
});
