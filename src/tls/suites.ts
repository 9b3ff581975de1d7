/**
 * Cipher suites amqpscope can decrypt (AEAD only: RFC 8446 §B.4, RFC 5288, RFC 5289, RFC 7905) and names for
 * the others. CBC suites are named but not decrypted (MAC-then-encrypt needs more than node:crypto's AEAD API
 * gives for free, and RabbitMQ's defaults prefer AEAD).
 */
export type Aead = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

export interface CipherSuite {
  id: number;
  name: string;
  /** True for the TLS 1.3 suites. */
  tls13: boolean;
  aead: Aead;
  hash: 'sha256' | 'sha384';
  keyLength: number;
  /** TLS 1.2 GCM: the 4-byte implicit part of the nonce (the other 8 travel in each record); otherwise 12. */
  fixedIvLength: number;
  /** Bytes each record adds to its plaintext besides the header: explicit nonce + tag (+ 1 inner type byte in 1.3). */
  overhead: number;
}

function suite(id: number, name: string, tls13: boolean, aead: Aead, hash: 'sha256' | 'sha384'): CipherSuite {
  const keyLength = aead === 'aes-128-gcm' ? 16 : 32;
  const gcm12 = !tls13 && aead !== 'chacha20-poly1305';
  return { id, name, tls13, aead, hash, keyLength, fixedIvLength: gcm12 ? 4 : 12, overhead: (gcm12 ? 8 : 0) + 16 + (tls13 ? 1 : 0) };
}

const SUITES: CipherSuite[] = [
  suite(0x1301, 'TLS_AES_128_GCM_SHA256', true, 'aes-128-gcm', 'sha256'),
  suite(0x1302, 'TLS_AES_256_GCM_SHA384', true, 'aes-256-gcm', 'sha384'),
  suite(0x1303, 'TLS_CHACHA20_POLY1305_SHA256', true, 'chacha20-poly1305', 'sha256'),
  suite(0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256', false, 'aes-128-gcm', 'sha256'),
  suite(0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384', false, 'aes-256-gcm', 'sha384'),
  suite(0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', false, 'aes-128-gcm', 'sha256'),
  suite(0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', false, 'aes-256-gcm', 'sha384'),
  suite(0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', false, 'aes-128-gcm', 'sha256'),
  suite(0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', false, 'aes-256-gcm', 'sha384'),
  suite(0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', false, 'aes-128-gcm', 'sha256'),
  suite(0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', false, 'aes-256-gcm', 'sha384'),
  suite(0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', false, 'chacha20-poly1305', 'sha256'),
  suite(0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', false, 'chacha20-poly1305', 'sha256'),
  suite(0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', false, 'chacha20-poly1305', 'sha256'),
];

const BY_ID = new Map(SUITES.map((s) => [s.id, s]));

/** Suites we name but cannot decrypt. */
const OTHER_NAMES: Record<number, string> = {
  0x002f: 'TLS_RSA_WITH_AES_128_CBC_SHA', 0x0035: 'TLS_RSA_WITH_AES_256_CBC_SHA',
  0x003c: 'TLS_RSA_WITH_AES_128_CBC_SHA256', 0x003d: 'TLS_RSA_WITH_AES_256_CBC_SHA256',
  0xc009: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 0xc00a: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  0xc013: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 0xc014: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  0xc023: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 0xc024: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
  0xc027: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 0xc028: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384',
  0x1304: 'TLS_AES_128_CCM_SHA256', 0x1305: 'TLS_AES_128_CCM_8_SHA256',
};

export function cipherSuite(id: number): CipherSuite | null {
  return BY_ID.get(id) ?? null;
}

export function cipherSuiteName(id: number): string {
  return BY_ID.get(id)?.name ?? OTHER_NAMES[id] ?? `0x${id.toString(16).padStart(4, '0')}`;
}

/** Size of the record that carries an 8-byte AMQP frame (a heartbeat) under this suite and version. */
export function heartbeatRecordSize(id: number): number | null {
  const s = BY_ID.get(id);
  return s === undefined ? null : 5 + 8 + s.overhead;
}
