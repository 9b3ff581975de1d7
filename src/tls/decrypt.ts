/**
 * AEAD record protection, one direction (RFC 8446 §5.2-5.3, RFC 5288 §3, RFC 7905 §2), with node:crypto.
 *
 * - TLS 1.3: nonce = IV xor the 64-bit record sequence number (left-padded to 12 bytes); additional data = the
 *   5-byte record header; the plaintext is TLSInnerPlaintext: content, then the real content type, then zero
 *   padding, which is stripped from the end.
 * - TLS 1.2 AES-GCM: nonce = 4-byte implicit IV || the record's 8-byte explicit nonce (the first 8 bytes of the
 *   fragment); additional data = seq_num(8) || type(1) || version(2) || plaintext length(2).
 * - TLS 1.2 ChaCha20-Poly1305: nonce as in TLS 1.3 (12-byte IV xor sequence number), additional data as in 1.2.
 *
 * The sequence number counts every record under the current keys, from 0.
 */
import { createDecipheriv } from 'node:crypto';
import type { TrafficKeys } from './key-schedule.js';
import type { CipherSuite } from './suites.js';

const TAG = 16;

export interface Decrypted {
  /** The real content type (TLS 1.3: from the inner plaintext; 1.2: the record's). */
  contentType: number;
  plaintext: Buffer;
}

export class RecordDecrypter {
  /** Records decrypted with these keys (the next record's sequence number). */
  seq = 0n;
  private readonly nonce = Buffer.alloc(12);
  private readonly aad12 = Buffer.alloc(13);

  constructor(
    readonly suite: CipherSuite,
    private readonly keys: TrafficKeys,
  ) {}

  /** Decrypts the record `bytes[start..end)` (header included); null if it does not authenticate. */
  decrypt(bytes: Uint8Array, start: number, end: number): Decrypted | null {
    const s = this.suite;
    const header = bytes.subarray(start, start + 5);
    let body = bytes.subarray(start + 5, end);
    const nonce = this.nonce;
    let aad: Uint8Array;
    const seq = this.seq;
    if (s.fixedIvLength === 4) {
      // TLS 1.2 GCM: explicit nonce first.
      if (body.length < 8 + TAG) return null;
      this.keys.iv.copy(nonce, 0, 0, 4);
      nonce.set(body.subarray(0, 8), 4);
      body = body.subarray(8);
    } else {
      if (body.length < TAG + (s.tls13 ? 1 : 0)) return null;
      this.keys.iv.copy(nonce, 0, 0, 12);
      let v = seq;
      for (let i = 11; i >= 4; i--) {
        nonce[i] = (nonce[i] as number) ^ Number(v & 0xffn);
        v >>= 8n;
      }
    }
    const ciphertext = body.subarray(0, body.length - TAG);
    const tag = body.subarray(body.length - TAG);
    if (s.tls13) {
      aad = header;
    } else {
      const a = this.aad12;
      a.writeBigUInt64BE(seq, 0);
      a[8] = header[0] as number;
      a[9] = header[1] as number;
      a[10] = header[2] as number;
      a.writeUInt16BE(ciphertext.length, 11);
      aad = a;
    }
    let plaintext: Buffer;
    try {
      const d = createDecipheriv(s.aead, this.keys.key, nonce, { authTagLength: TAG } as never) as unknown as {
        setAAD(b: Uint8Array, o?: object): void;
        setAuthTag(b: Uint8Array): void;
        update(b: Uint8Array): Buffer;
        final(): Buffer;
      };
      d.setAAD(aad, { plaintextLength: ciphertext.length });
      d.setAuthTag(tag);
      const out = d.update(ciphertext);
      const fin = d.final();
      plaintext = fin.length === 0 ? out : Buffer.concat([out, fin]);
    } catch {
      return null;
    }
    this.seq = seq + 1n;
    if (!s.tls13) return { contentType: header[0] as number, plaintext };
    // TLSInnerPlaintext: strip the zero padding; the last non-zero byte is the content type.
    let i = plaintext.length - 1;
    while (i >= 0 && plaintext[i] === 0) i--;
    if (i < 0) return null; // all padding: RFC 8446 §5.4 makes this an unexpected_message
    return { contentType: plaintext[i] as number, plaintext: plaintext.subarray(0, i) };
  }
}
