/**
 * The TLS key schedule against published values: RFC 8448 §3 (TLS 1.3 traffic secrets -> keys and IVs) and the
 * TLS 1.2 PRF; AEAD record decryption round trips with node:crypto's encryption, including the ways a record fails.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RecordDecrypter } from '../../src/tls/decrypt.js';
import { tls12Keys, tls12Prf, tls13Keys, tls13NextSecret } from '../../src/tls/key-schedule.js';
import { cipherSuite, heartbeatRecordSize } from '../../src/tls/suites.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const AES128 = cipherSuite(0x1301)!;

describe('TLS 1.3 key schedule (RFC 8448 §3, simple 1-RTT handshake)', () => {
  it('derives the server handshake write key and IV', () => {
    const k = tls13Keys(AES128, hex('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38'));
    expect(k.key.toString('hex')).toBe('3fce516009c21727d0f2e4e86ee403bc');
    expect(k.iv.toString('hex')).toBe('5d313eb2671276ee13000b30');
  });
  it('derives the client handshake write key and IV', () => {
    const k = tls13Keys(AES128, hex('b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21'));
    expect(k.key.toString('hex')).toBe('dbfaa693d1762c5b666af5d950258d01');
    expect(k.iv.toString('hex')).toBe('5bd3c71b836e0b76bb73265f');
  });
  it('derives the server application write key and IV', () => {
    const k = tls13Keys(AES128, hex('a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643'));
    expect(k.key.toString('hex')).toBe('9f02283b6c9c07efc26bb9f2ac92e356');
    expect(k.iv.toString('hex')).toBe('cf782b88dd83549aadf1e984');
  });
  it('a KeyUpdate gives a different secret of the hash length', () => {
    const s0 = hex('a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643');
    const s1 = tls13NextSecret(AES128, s0);
    expect(s1.length).toBe(32);
    expect(s1.equals(s0)).toBe(false);
  });
});

describe('TLS 1.2 PRF', () => {
  it('P_SHA256 matches the widely used test vector (secret 9bbe436b..., label "test label")', () => {
    const out = tls12Prf('sha256', hex('9bbe436ba940f017b17652849a71db35'), 'test label', hex('a0ba9f936cda311827a6f796ffd5198c'), 100);
    expect(out.subarray(0, 32).toString('hex')).toBe('e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a');
    expect(out.length).toBe(100);
  });
  it('cuts the key block client key, server key, client IV, server IV (AES-256-GCM: 32+32+4+4)', () => {
    const suite = cipherSuite(0xc030)!;
    const master = Buffer.alloc(48, 7);
    const cr = Buffer.alloc(32, 1);
    const sr = Buffer.alloc(32, 2);
    const k = tls12Keys(suite, master, cr, sr);
    const block = tls12Prf('sha384', master, 'key expansion', Buffer.concat([sr, cr]), 72);
    expect(k.client.key.equals(block.subarray(0, 32))).toBe(true);
    expect(k.server.key.equals(block.subarray(32, 64))).toBe(true);
    expect(k.client.iv.equals(block.subarray(64, 68))).toBe(true);
    expect(k.server.iv.equals(block.subarray(68, 72))).toBe(true);
  });
});

/** Encrypts one record as a peer would (the test's own, independent construction from the RFC text). */
function sealTls13(suiteId: number, key: Buffer, iv: Buffer, seq: number, inner: Buffer): Buffer {
  const s = cipherSuite(suiteId)!;
  const nonce = Buffer.from(iv);
  nonce.writeUInt32BE(nonce.readUInt32BE(8) ^ seq, 8);
  const len = inner.length + 16;
  const header = Buffer.from([23, 3, 3, len >> 8, len & 0xff]);
  const c = createCipheriv(s.aead, key, nonce, { authTagLength: 16 } as never) as unknown as {
    setAAD(b: Buffer, o?: object): void; update(b: Buffer): Buffer; final(): Buffer; getAuthTag(): Buffer;
  };
  c.setAAD(header, { plaintextLength: inner.length });
  const ct = Buffer.concat([c.update(inner), c.final()]);
  return Buffer.concat([header, ct, c.getAuthTag()]);
}

function sealTls12Gcm(suiteId: number, key: Buffer, iv4: Buffer, seq: number, explicit: Buffer, plain: Buffer): Buffer {
  const s = cipherSuite(suiteId)!;
  const nonce = Buffer.concat([iv4, explicit]);
  const aad = Buffer.alloc(13);
  aad.writeBigUInt64BE(BigInt(seq), 0);
  aad[8] = 23; aad[9] = 3; aad[10] = 3;
  aad.writeUInt16BE(plain.length, 11);
  const c = createCipheriv(s.aead, key, nonce, { authTagLength: 16 } as never) as unknown as {
    setAAD(b: Buffer, o?: object): void; update(b: Buffer): Buffer; final(): Buffer; getAuthTag(): Buffer;
  };
  c.setAAD(aad, { plaintextLength: plain.length });
  const ct = Buffer.concat([c.update(plain), c.final()]);
  const len = 8 + ct.length + 16;
  return Buffer.concat([Buffer.from([23, 3, 3, len >> 8, len & 0xff]), explicit, ct, c.getAuthTag()]);
}

const HEARTBEAT = Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce]);

describe('record decryption', () => {
  for (const id of [0x1301, 0x1302, 0x1303]) {
    it(`TLS 1.3 ${cipherSuite(id)!.name}: sequence numbers, padding, inner type, heartbeat record size`, () => {
      const s = cipherSuite(id)!;
      const key = Buffer.alloc(s.keyLength, 0x11);
      const iv = Buffer.alloc(12, 0x22);
      const d = new RecordDecrypter(s, { key, iv });
      const r0 = sealTls13(id, key, iv, 0, Buffer.concat([HEARTBEAT, Buffer.from([23])]));
      expect(r0.length).toBe(heartbeatRecordSize(id));
      const r1 = sealTls13(id, key, iv, 1, Buffer.concat([Buffer.from([1, 0]), Buffer.from([21]), Buffer.alloc(5)]));
      const a = d.decrypt(r0, 0, r0.length)!;
      expect(a.contentType).toBe(23);
      expect(a.plaintext.equals(HEARTBEAT)).toBe(true);
      const b = d.decrypt(r1, 0, r1.length)!;
      expect(b.contentType).toBe(21);
      expect([...b.plaintext]).toEqual([1, 0]);
      // Replayed out of sequence, a record no longer authenticates.
      expect(d.decrypt(r0, 0, r0.length)).toBeNull();
    });
  }
  it('TLS 1.3: a flipped bit or a wrong key fails authentication (null, no exception)', () => {
    const key = Buffer.alloc(16, 1);
    const iv = Buffer.alloc(12, 2);
    const r = sealTls13(0x1301, key, iv, 0, Buffer.concat([HEARTBEAT, Buffer.from([23])]));
    const bad = Buffer.from(r);
    bad[10] = bad[10]! ^ 1;
    expect(new RecordDecrypter(AES128, { key, iv }).decrypt(bad, 0, bad.length)).toBeNull();
    expect(new RecordDecrypter(AES128, { key: Buffer.alloc(16, 9), iv }).decrypt(r, 0, r.length)).toBeNull();
    expect(new RecordDecrypter(AES128, { key, iv }).decrypt(r, 0, 12)).toBeNull(); // shorter than a tag
  });
  it('TLS 1.2 AES-GCM: explicit nonce, sequence number in the additional data, 37-byte heartbeat record', () => {
    const s = cipherSuite(0xc02f)!;
    const key = Buffer.alloc(16, 3);
    const iv = Buffer.alloc(4, 4);
    const d = new RecordDecrypter(s, { key, iv });
    const r0 = sealTls12Gcm(0xc02f, key, iv, 0, Buffer.alloc(8, 0xaa), HEARTBEAT);
    const r1 = sealTls12Gcm(0xc02f, key, iv, 1, Buffer.alloc(8, 0xab), HEARTBEAT);
    expect(r0.length).toBe(37);
    expect(heartbeatRecordSize(0xc02f)).toBe(37);
    expect(d.decrypt(r0, 0, r0.length)!.plaintext.equals(HEARTBEAT)).toBe(true);
    expect(d.decrypt(r1, 0, r1.length)!.plaintext.equals(HEARTBEAT)).toBe(true);
  });
  it('TLS 1.2 ChaCha20-Poly1305 (RFC 7905): 12-byte IV xor sequence number, no explicit nonce, 29-byte heartbeat record', () => {
    expect(heartbeatRecordSize(0xcca8)).toBe(29);
    const s = cipherSuite(0xcca8)!;
    const key = Buffer.alloc(32, 5);
    const iv = Buffer.alloc(12, 6);
    const nonce = Buffer.from(iv);
    nonce[11] = nonce[11]! ^ 1; // sequence number 1
    const aad = Buffer.alloc(13);
    aad.writeBigUInt64BE(1n, 0);
    aad[8] = 23; aad[9] = 3; aad[10] = 3;
    aad.writeUInt16BE(8, 11);
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 } as never) as unknown as {
      setAAD(b: Buffer, o?: object): void; update(b: Buffer): Buffer; final(): Buffer; getAuthTag(): Buffer;
    };
    c.setAAD(aad, { plaintextLength: 8 });
    const ct = Buffer.concat([c.update(HEARTBEAT), c.final()]);
    const rec = Buffer.concat([Buffer.from([23, 3, 3, 0, 24]), ct, c.getAuthTag()]);
    const d = new RecordDecrypter(s, { key, iv });
    d.seq = 1n;
    expect(d.decrypt(rec, 0, rec.length)!.plaintext.equals(HEARTBEAT)).toBe(true);
  });
});
