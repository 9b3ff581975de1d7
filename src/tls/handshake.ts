/**
 * Handshake messages (RFC 8446 §4, RFC 5246 §7.4): reassembled from the handshake records of one direction
 * (a message may span records, a record may hold several), and the two hellos parsed for what the report shows.
 *
 * Messages other than the hellos are only named; a message larger than MAX_KEPT_MESSAGE (certificate chains) is
 * skipped without being kept, so memory stays bounded whatever the peer claims.
 */
import { HS_CLIENT_HELLO, HS_SERVER_HELLO } from './types.js';

const MAX_KEPT_MESSAGE = 64 * 1024;

/** RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest (SHA-256 of "HelloRetryRequest"). */
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

export interface ClientHello {
  random: Uint8Array;
  sni: string | null;
  alpn: string[] | null;
  /** supported_versions offered, highest first as sent (0x0304 = TLS 1.3). */
  versions: number[];
  cipherSuites: number[];
}

export interface ServerHello {
  random: Uint8Array;
  /** The negotiated version: supported_versions if present (TLS 1.3), else legacy_version. */
  version: number;
  cipherSuite: number;
  helloRetry: boolean;
}

export interface HandshakeMessage {
  type: number;
  /** The body, or null for a message too large to keep (skipped). Valid only during the callback. */
  body: Uint8Array | null;
}

/** Reassembles handshake messages from the fragments of consecutive handshake records of one direction. */
export class HandshakeReader {
  private header = new Uint8Array(4);
  private headerHave = 0;
  private body: Uint8Array | null = null;
  private bodyHave = 0;
  private bodyNeed = 0;
  private type = 0;

  constructor(private readonly onMessage: (m: HandshakeMessage) => void) {}

  push(bytes: Uint8Array, start: number, end: number): void {
    let i = start;
    while (i < end) {
      if (this.headerHave < 4) {
        this.header[this.headerHave++] = bytes[i++] as number;
        if (this.headerHave < 4) continue;
        this.type = this.header[0] as number;
        this.bodyNeed = ((this.header[1] as number) << 16) | ((this.header[2] as number) << 8) | (this.header[3] as number);
        this.bodyHave = 0;
        this.body = this.bodyNeed <= MAX_KEPT_MESSAGE ? new Uint8Array(this.bodyNeed) : null;
        if (this.bodyNeed === 0) this.complete();
        continue;
      }
      const take = Math.min(this.bodyNeed - this.bodyHave, end - i);
      if (this.body !== null) this.body.set(bytes.subarray(i, i + take), this.bodyHave);
      this.bodyHave += take;
      i += take;
      if (this.bodyHave === this.bodyNeed) this.complete();
    }
  }

  private complete(): void {
    const m: HandshakeMessage = { type: this.type, body: this.body };
    this.headerHave = 0;
    this.body = null;
    this.onMessage(m);
  }
}

/** A bounds-checked reader; every read past the end throws Truncated, which the parsers turn into null. */
class Cursor {
  constructor(
    readonly b: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}
  u8(): number {
    if (this.at + 1 > this.end) throw TRUNCATED;
    return this.b[this.at++] as number;
  }
  u16(): number {
    if (this.at + 2 > this.end) throw TRUNCATED;
    const v = ((this.b[this.at] as number) << 8) | (this.b[this.at + 1] as number);
    this.at += 2;
    return v;
  }
  bytes(n: number): Uint8Array {
    if (this.at + n > this.end) throw TRUNCATED;
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  /** A sub-cursor over the next n bytes. */
  sub(n: number): Cursor {
    if (this.at + n > this.end) throw TRUNCATED;
    const c = new Cursor(this.b, this.at, this.at + n);
    this.at += n;
    return c;
  }
  get left(): number {
    return this.end - this.at;
  }
}

const TRUNCATED = new Error('truncated');

const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;

/** Parses a ClientHello body; null if it is malformed. */
export function parseClientHello(body: Uint8Array): ClientHello | null {
  try {
    const c = new Cursor(body, 0, body.length);
    c.u16(); // legacy_version
    const random = Uint8Array.from(c.bytes(32));
    c.bytes(c.u8()); // legacy_session_id
    const suites = c.sub(c.u16());
    const cipherSuites: number[] = [];
    while (suites.left >= 2) cipherSuites.push(suites.u16());
    c.bytes(c.u8()); // legacy_compression_methods
    const hello: ClientHello = { random, sni: null, alpn: null, versions: [], cipherSuites };
    if (c.left === 0) return hello; // no extensions (SSL 3.0 / early TLS style)
    const exts = c.sub(c.u16());
    while (exts.left >= 4) {
      const type = exts.u16();
      const e = exts.sub(exts.u16());
      if (type === EXT_SERVER_NAME && e.left > 0) {
        const list = e.sub(e.u16());
        while (list.left >= 3) {
          const nameType = list.u8();
          const name = list.bytes(list.u16());
          if (nameType === 0 && hello.sni === null) hello.sni = latin1(name);
        }
      } else if (type === EXT_ALPN && e.left > 0) {
        const list = e.sub(e.u16());
        const protocols: string[] = [];
        while (list.left >= 1) protocols.push(latin1(list.bytes(list.u8())));
        hello.alpn = protocols;
      } else if (type === EXT_SUPPORTED_VERSIONS && e.left > 0) {
        const list = e.sub(e.u8());
        while (list.left >= 2) hello.versions.push(list.u16());
      }
    }
    return hello;
  } catch (e) {
    if (e === TRUNCATED) return null;
    throw e;
  }
}

/** Parses a ServerHello body (or HelloRetryRequest); null if it is malformed. */
export function parseServerHello(body: Uint8Array): ServerHello | null {
  try {
    const c = new Cursor(body, 0, body.length);
    let version = c.u16();
    const random = Uint8Array.from(c.bytes(32));
    c.bytes(c.u8()); // legacy_session_id_echo
    const cipherSuite = c.u16();
    c.u8(); // legacy_compression_method
    if (c.left >= 2) {
      const exts = c.sub(c.u16());
      while (exts.left >= 4) {
        const type = exts.u16();
        const e = exts.sub(exts.u16());
        if (type === EXT_SUPPORTED_VERSIONS && e.left >= 2) version = e.u16();
      }
    }
    return { random, version, cipherSuite, helloRetry: hex(random) === HRR_RANDOM };
  } catch (e) {
    if (e === TRUNCATED) return null;
    throw e;
  }
}

/** '1.3' for 0x0304, ..., 'SSL 3.0' for 0x0300. */
export function versionName(v: number): string {
  if (v === 0x0300) return 'SSL 3.0';
  if (v >= 0x0301 && v <= 0x0304) return `1.${v - 0x0301}`;
  return `0x${v.toString(16).padStart(4, '0')}`;
}

export function handshakeTypeName(t: number): string {
  return HANDSHAKE_NAMES[t] ?? `handshake type ${t}`;
}

const HANDSHAKE_NAMES: Record<number, string> = {
  0: 'HelloRequest', [HS_CLIENT_HELLO]: 'ClientHello', [HS_SERVER_HELLO]: 'ServerHello', 4: 'NewSessionTicket',
  5: 'EndOfEarlyData', 8: 'EncryptedExtensions', 11: 'Certificate', 12: 'ServerKeyExchange', 13: 'CertificateRequest',
  14: 'ServerHelloDone', 15: 'CertificateVerify', 16: 'ClientKeyExchange', 20: 'Finished', 24: 'KeyUpdate',
};

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Wire strings stay as received (one char per byte); the renderers escape them. */
function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}
