/**
 * What the TLS layer learns about one connection, in the clear or after decryption. The layers above judge from
 * these facts; no key material is ever stored here (secrets stay inside the decryption state in stream.ts).
 */
import type { Dir } from '../tcp/types.js';

/** TLSPlaintext.type (RFC 8446 §5.1, RFC 5246 §6.2.1). */
export const CT_CHANGE_CIPHER_SPEC = 20;
export const CT_ALERT = 21;
export const CT_HANDSHAKE = 22;
export const CT_APPLICATION_DATA = 23;
export const CT_HEARTBEAT = 24;

/** HandshakeType (RFC 8446 §4). */
export const HS_CLIENT_HELLO = 1;
export const HS_SERVER_HELLO = 2;
export const HS_NEW_SESSION_TICKET = 4;
export const HS_FINISHED = 20;
export const HS_KEY_UPDATE = 24;

export interface TlsMoment {
  packet: number;
  tsSec: number;
  tsNsec: number;
}

export interface TlsAlert extends TlsMoment {
  dir: Dir;
  /** 1 warning, 2 fatal; null when the alert was encrypted and could not be read. */
  level: number | null;
  description: number | null;
  /** `close_notify`, `bad_certificate`, ...; 'encrypted alert' when unreadable. */
  name: string;
}

export interface TlsRecordStats {
  /** Application data records (TLS 1.3: every encrypted record after the ServerHello). */
  applicationRecords: number;
  applicationBytes: number;
  /** Records whose size is exactly that of an encrypted 8-byte AMQP frame (a heartbeat, or the protocol header). */
  heartbeatSized: number;
  firstApplication: TlsMoment | null;
  lastApplication: TlsMoment | null;
  /** Size (header included) of the last application record. */
  lastApplicationSize: number;
}

export interface TlsFacts {
  /**
   * What the client's first bytes were: a TLS ClientHello, the AMQP protocol header (plain AMQP), or something
   * else. null: the client sent nothing.
   */
  clientOpened: 'tls' | 'amqp' | 'other' | null;
  /** The server's first bytes were a TLS record although the client spoke plain AMQP (plain AMQP to a TLS port). */
  serverAnsweredTls: TlsMoment | null;
  /** The server's first bytes were the AMQP protocol header although the client sent a ClientHello (TLS to a plain port). */
  serverAnsweredAmqp: TlsMoment | null;
  /** '1.3', '1.2', ...: the ServerHello's choice (supported_versions for 1.3); before it, null. */
  version: string | null;
  cipherSuite: number | null;
  cipher: string | null;
  sni: string | null;
  alpn: string[] | null;
  clientHello: TlsMoment | null;
  serverHello: TlsMoment | null;
  helloRetryRequest: TlsMoment | null;
  /**
   * The handshake finished: with keys, both Finished messages were read; without, the client sent application data
   * after the server's first encrypted flight (TLS 1.3) or both sides changed cipher spec and sent a record (1.2).
   */
  handshakeDone: TlsMoment | null;
  /** The AMQP inside was decrypted (every record of both directions so far). */
  decrypted: boolean;
  /** Why it was not decrypted, when keys were given (no keys for this connection, wrong keys, unsupported cipher). */
  keyProblem: string | null;
  /** Where that was found, when it was a record that did not decrypt (else the finding stands at the handshake). */
  keyProblemAt: TlsMoment | null;
  alerts: TlsAlert[];
  closeNotify: Record<Dir, TlsMoment | null>;
  records: Record<Dir, TlsRecordStats>;
  /** Size of an encrypted heartbeat record for the negotiated version and cipher, or null if unknown. */
  heartbeatRecordSize: number | null;
  /** Bytes in a direction stopped being TLS records (garbage, a gap): from there on they are not read. */
  lostSync: Record<Dir, TlsMoment | null>;
}

export function newRecordStats(): TlsRecordStats {
  return { applicationRecords: 0, applicationBytes: 0, heartbeatSized: 0, firstApplication: null, lastApplication: null, lastApplicationSize: 0 };
}

export function newTlsFacts(): TlsFacts {
  return {
    clientOpened: null,
    serverAnsweredTls: null,
    serverAnsweredAmqp: null,
    version: null,
    cipherSuite: null,
    cipher: null,
    sni: null,
    alpn: null,
    clientHello: null,
    serverHello: null,
    helloRetryRequest: null,
    handshakeDone: null,
    decrypted: false,
    keyProblem: null,
    keyProblemAt: null,
    alerts: [],
    closeNotify: { c2s: null, s2c: null },
    records: { c2s: newRecordStats(), s2c: newRecordStats() },
    heartbeatRecordSize: null,
    lostSync: { c2s: null, s2c: null },
  };
}

/**
 * What the layer above learns from a TLS connection besides decrypted bytes: one call per record it cannot read
 * (no keys) and per handshake event, for its timeline. Implemented by the timeline recorder.
 */
export interface TlsObserver {
  /** The TLS facts object of this connection (filled in as the connection goes; final at onEnd). */
  attachTls(facts: TlsFacts): void;
  /**
   * A TLS event for the timeline: a hello, an alert, or an application record that could not be decrypted.
   * `size` is the whole record's size (header included); `heartbeatSized` when it is an encrypted 8-byte frame.
   */
  onTlsEvent(dir: Dir, event: TlsEvent): void;
}

export interface TlsEvent extends TlsMoment {
  kind: 'client-hello' | 'server-hello' | 'hello-retry' | 'alert' | 'application' | 'change-cipher-spec' | 'handshake';
  /** Short description for the timeline (already free of key material; wire strings still need escaping). */
  text: string;
  size: number;
  heartbeatSized: boolean;
  /** Application records: the layer above treats it as one frame-like unit of activity. */
  notable: boolean;
}
