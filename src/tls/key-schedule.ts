/**
 * Traffic keys from logged secrets, with node:crypto's HMAC only.
 *
 * TLS 1.3 (RFC 8446 §7.1, §7.3): the key log gives the handshake and application traffic secrets directly; each
 * becomes a key and IV through HKDF-Expand-Label, and a KeyUpdate replaces a secret with
 * HKDF-Expand-Label(secret, "traffic upd", "", Hash.length).
 *
 * TLS 1.2 (RFC 5246 §5, §6.3): the key log gives the master secret (CLIENT_RANDOM); the key block is
 * PRF(master_secret, "key expansion", server_random + client_random), cut into MAC keys (none for AEAD),
 * write keys and IVs, client's first.
 */
import { createHmac } from 'node:crypto';
import type { CipherSuite } from './suites.js';

type Hash = 'sha256' | 'sha384';

export function hashLength(hash: Hash): number {
  return hash === 'sha256' ? 32 : 48;
}

/** HKDF-Expand (RFC 5869 §2.3). */
export function hkdfExpand(hash: Hash, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  let t: Buffer = Buffer.alloc(0);
  let have = 0;
  for (let i = 1; have < length; i++) {
    t = createHmac(hash, prk).update(t).update(info).update(Uint8Array.of(i)).digest();
    out.push(t);
    have += t.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** HKDF-Expand-Label (RFC 8446 §7.1): HkdfLabel = length(2) || "tls13 " + label (1-byte length) || context (1-byte length). */
export function hkdfExpandLabel(hash: Hash, secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([context.length]), context]);
  return hkdfExpand(hash, secret, info, length);
}

export interface TrafficKeys {
  key: Buffer;
  iv: Buffer;
}

/** RFC 8446 §7.3: [sender]_write_key and [sender]_write_iv from a traffic secret. */
export function tls13Keys(suite: CipherSuite, secret: Uint8Array): TrafficKeys {
  return {
    key: hkdfExpandLabel(suite.hash, secret, 'key', new Uint8Array(0), suite.keyLength),
    iv: hkdfExpandLabel(suite.hash, secret, 'iv', new Uint8Array(0), 12),
  };
}

/** RFC 8446 §7.2: application_traffic_secret_N+1. */
export function tls13NextSecret(suite: CipherSuite, secret: Uint8Array): Buffer {
  return hkdfExpandLabel(suite.hash, secret, 'traffic upd', new Uint8Array(0), hashLength(suite.hash));
}

/** RFC 5246 §5: P_hash(secret, seed), the TLS 1.2 PRF with the suite's hash. */
export function tls12Prf(hash: Hash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out: Buffer[] = [];
  let have = 0;
  let a: Buffer = labelSeed; // A(0)
  while (have < length) {
    a = createHmac(hash, secret).update(a).digest();
    const p = createHmac(hash, secret).update(a).update(labelSeed).digest();
    out.push(p);
    have += p.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** RFC 5246 §6.3: the client's and server's write keys and (implicit) IVs for an AEAD suite. */
export function tls12Keys(suite: CipherSuite, masterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): { client: TrafficKeys; server: TrafficKeys } {
  const k = suite.keyLength;
  const v = suite.fixedIvLength;
  const block = tls12Prf(suite.hash, masterSecret, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * k + 2 * v);
  return {
    client: { key: block.subarray(0, k), iv: block.subarray(2 * k, 2 * k + v) },
    server: { key: block.subarray(k, 2 * k), iv: block.subarray(2 * k + v, 2 * k + 2 * v) },
  };
}
