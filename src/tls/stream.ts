/**
 * The TLS layer of one connection: a StreamHandler between the TCP tracker and the AMQP recorder.
 *
 * TCP events pass through unchanged. The client's first bytes decide the mode: a TLS record → TLS; anything else →
 * plain, and every byte passes through (only the server's first bytes are looked at, to notice a TLS server
 * answering plain AMQP). In TLS mode the bytes of each direction are cut into records (record.ts); the clear
 * handshake and alerts are read; with the connection's secrets from a key log, records are decrypted and their
 * AMQP bytes handed upward as `onData`, stamped with the packet and time of the record's last byte; without, each
 * record the layer cannot read is reported upward as a TLS event (size and time are still evidence).
 *
 * Keys per connection: TLS 1.3 needs the four traffic secrets of its client random; TLS 1.2 its master secret
 * (CLIENT_RANDOM). A connection whose keys are missing or do not authenticate its records is analysed keyless
 * from that record on, with `keyProblem` saying why: never an exception.
 */
import type { ConnectionInfo, Dir, EndReason, GapReason, HandlerSlot, SegmentInfo, StreamHandler } from '../tcp/types.js';
import { ALERT_CLOSE_NOTIFY, alertName } from './alerts.js';
import { RecordDecrypter, type Decrypted } from './decrypt.js';
import { HandshakeReader, handshakeTypeName, parseClientHello, parseServerHello, versionName, type HandshakeMessage } from './handshake.js';
import { tls12Keys, tls13Keys, tls13NextSecret } from './key-schedule.js';
import type { KeyLog } from './keylog.js';
import { RecordReader, looksLikeRecordHeader, type TlsRecord } from './record.js';
import { cipherSuite, cipherSuiteName, heartbeatRecordSize, type CipherSuite } from './suites.js';
import {
  CT_ALERT,
  CT_APPLICATION_DATA,
  CT_CHANGE_CIPHER_SPEC,
  CT_HANDSHAKE,
  HS_CLIENT_HELLO,
  HS_FINISHED,
  HS_KEY_UPDATE,
  HS_SERVER_HELLO,
  newTlsFacts,
  type TlsEvent,
  type TlsFacts,
  type TlsMoment,
  type TlsObserver,
} from './types.js';

const MAX_ALERTS = 16;
/** TLS 1.3: an encrypted alert is 2 bytes + 1 type byte + 16-byte tag: a record size no AMQP frame can have. */
const TLS13_ALERT_RECORD = 5 + 2 + 1 + 16;

/** TLS 1.2 AES-GCM: an encrypted heartbeat (5-byte header, 8-byte explicit nonce, 8-byte frame, 16-byte tag). */
const TLS12_GCM_HEARTBEAT_RECORD = 5 + 8 + 8 + 16;
/** TLS 1.3: the smallest encrypted Finished (SHA-256: 4-byte header + 32-byte MAC, type byte, 16-byte tag). */
const TLS13_MIN_FINISHED_RECORD = 5 + 4 + 32 + 1 + 16;
/**
 * The encrypted heartbeat's record size where the capture joined after the ServerHello: 30 bytes is an 8-byte frame
 * under TLS 1.3 (a 1.2 GCM record is at least 29 + content; under 1.2 ChaCha20 it would be a 9-byte frame, a body of
 * one byte sent in a record of its own, which clients do not do in practice), 29 an 8-byte frame under 1.2
 * ChaCha20-Poly1305 (7 bytes under 1.3, no frame). A 1.2 AES-GCM heartbeat (37 bytes) is also a 6-byte body under
 * 1.3: not taken.
 */
const UNAMBIGUOUS_HEARTBEAT_RECORDS: ReadonlySet<number> = new Set([30, 29]);

const AMQP = [0x41, 0x4d, 0x51, 0x50];

type Phase = 'clear' | 'handshake' | 'application';

interface Side {
  reader: RecordReader;
  clearHandshake: HandshakeReader;
  /** Handshake messages inside decrypted records (TLS 1.3 handshake, TLS 1.2 Finished, KeyUpdate). */
  innerHandshake: HandshakeReader;
  phase: Phase;
  /** TLS 1.2: this side sent ChangeCipherSpec; its records are protected from here on. */
  changedCipher: boolean;
  decrypter: RecordDecrypter | null;
  /** TLS 1.3: the secret for the next phase (application_traffic_secret_0), then the current one (KeyUpdate). */
  appSecret: Uint8Array | null;
  /** Decryption failed or was impossible: records of this side are reported as they are, not read. */
  keyless: boolean;
  /** Packet of this side's first record in the handshake phase (TLS 1.3 keyless: one flight). */
  firstFlightPacket: number;
  keyUpdatePending: boolean;
  /** Protected records this side sent (a TLS 1.2 side whose keys came late starts at this sequence number). */
  protectedRecords: number;
  /** Joined without the ServerHello: the last record's first 8 bytes (a TLS 1.2 GCM explicit nonce?) and how many
   * records in a row counted up by one from the one before. */
  lastNonce: bigint | null;
  noncesCounting: number;
  /** The record being processed (for stamps of messages found inside it). */
  current: TlsRecord | null;
}

export interface TlsStreamOptions {
  keyLog: KeyLog | null;
  /**
   * Where the tracker keeps this handler, when nothing wraps it: once both sides have spoken plain AMQP, every call
   * is passed on unchanged, so the inner handler takes this one's place there.
   */
  slot?: HandlerSlot | null;
}

export class TlsStream implements StreamHandler {
  /** What the client's first bytes were; kept here until `facts` is made. */
  private opened: TlsFacts['clientOpened'] = null;
  /** Made when the connection turns out to involve TLS (or is asked for): a plain AMQP connection never needs them. */
  #facts: TlsFacts | null = null;
  private mode: 'sniff' | 'plain' | 'tls' = 'sniff';
  private serverSpoke = false;
  /** Made when the connection turns out to carry TLS: a plain AMQP connection (most of a fleet) never needs them. */
  #sides: Record<Dir, Side> | null = null;
  private clientRandom: Uint8Array | null = null;
  private suite: CipherSuite | null = null;

  constructor(
    private readonly inner: StreamHandler & TlsObserver,
    private readonly options: TlsStreamOptions,
    readonly info: ConnectionInfo,
  ) {}

  get facts(): TlsFacts {
    if (this.#facts === null) {
      this.#facts = newTlsFacts();
      this.#facts.clientOpened = this.opened;
    }
    return this.#facts;
  }

  private get sides(): Record<Dir, Side> {
    return (this.#sides ??= { c2s: this.newSide('c2s'), s2c: this.newSide('s2c') });
  }

  /** True once the connection is known to carry TLS. */
  get isTls(): boolean {
    return this.mode === 'tls';
  }

  onSegment(segment: SegmentInfo): void {
    this.inner.onSegment(segment);
  }

  onData(dir: Dir, bytes: Uint8Array, packet: number, tsSec: number, tsNsec: number): void {
    if (this.mode === 'plain') {
      if (dir === 's2c' && !this.serverSpoke) this.noteServerFirstBytes(bytes, packet, tsSec, tsNsec);
      this.inner.onData(dir, bytes, packet, tsSec, tsNsec);
      // Plain on both sides: nothing more to look at (onSegment, onGap and onEnd of a plain stream pass through).
      if (this.serverSpoke && this.options.slot?.handler === this) this.options.slot.handler = this.inner;
      return;
    }
    if (this.mode === 'sniff') {
      const hello = dir === 'c2s' && isClientHelloStart(bytes);
      const record = bytes.length >= 5 && looksLikeRecordHeader(bytes, 0);
      // A ClientHello; or any record from the client, or from the broker of a connection whose SYN is not in the
      // capture: a capture that started after the TLS handshake.
      if (hello || (record && (dir === 'c2s' || !this.info.synSeen))) {
        this.mode = 'tls';
        this.opened = 'tls';
        this.facts.clientOpened = 'tls';
        this.inner.attachTls(this.facts);
        if (!hello) this.joinedAfterHandshake({ packet, tsSec, tsNsec });
      } else if (dir === 'c2s') {
        this.mode = 'plain';
        this.opened = startsWith(bytes, AMQP) ? 'amqp' : 'other';
      } else {
        // The server spoke first: not a TLS client. Plain from here on.
        this.mode = 'plain';
      }
      this.onData(dir, bytes, packet, tsSec, tsNsec);
      return;
    }
    if (dir === 's2c' && !this.serverSpoke) {
      this.serverSpoke = true;
      if (startsWith(bytes, AMQP)) this.facts.serverAnsweredAmqp = { packet, tsSec, tsNsec };
    }
    // A plain AMQP broker answering a ClientHello: its bytes are AMQP (its protocol header), shown as such.
    if (dir === 's2c' && this.facts.serverAnsweredAmqp !== null) {
      this.inner.onData(dir, bytes, packet, tsSec, tsNsec);
      return;
    }
    this.sides[dir].reader.push(bytes, packet, tsSec, tsNsec);
  }

  onGap(dir: Dir, length: number, reason: GapReason, packet: number, tsSec: number, tsNsec: number): void {
    if (this.mode !== 'tls') {
      this.inner.onGap(dir, length, reason, packet, tsSec, tsNsec);
      return;
    }
    const side = this.sides[dir];
    side.reader.gap(packet, tsSec, tsNsec);
    // The AMQP bytes those records carried are lost too.
    if (side.decrypter !== null && !side.keyless) this.inner.onGap(dir, length, reason, packet, tsSec, tsNsec);
  }

  onEnd(reason: EndReason): void {
    if (this.mode === 'tls') {
      const f = this.facts;
      f.decrypted = f.keyProblem === null && !this.sides.c2s.keyless && !this.sides.s2c.keyless && this.sides.c2s.decrypter !== null && this.sides.s2c.decrypter !== null;
    }
    this.inner.onEnd(reason);
  }

  /**
   * The capture joined the connection after its TLS handshake: every record from here on is protected, alerts
   * included (a TLS 1.2 close_notify read as a plaintext alert said "alert 63"), and there is no handshake to judge,
   * nor keys to find (a key log is indexed by the ClientHello's random). The records are read as a keyless
   * connection's: sizes and times.
   */
  private joinedAfterHandshake(at: TlsMoment): void {
    for (const dir of ['c2s', 's2c'] as const) {
      const side = this.sides[dir];
      side.changedCipher = true;
      side.phase = 'application';
      side.keyless = true;
    }
    this.facts.handshakeDone ??= at;
    if (this.options.keyLog !== null) this.facts.keyProblem ??= 'the capture started after the TLS handshake: its keys cannot be found without the ClientHello';
  }

  // ---- records -------------------------------------------------------------------------------------------------

  private newSide(dir: Dir): Side {
    const side: Side = {
      reader: new RecordReader({
        onRecord: (r) => this.onRecord(dir, r),
        onLostSync: (reason, packet, tsSec, tsNsec) => this.onLostSync(dir, reason, { packet, tsSec, tsNsec }),
      }),
      clearHandshake: new HandshakeReader((m) => this.onClearHandshake(dir, m)),
      innerHandshake: new HandshakeReader((m) => this.onInnerHandshake(dir, m)),
      phase: 'clear',
      changedCipher: false,
      decrypter: null,
      appSecret: null,
      keyless: this.options.keyLog === null,
      firstFlightPacket: -1,
      keyUpdatePending: false,
      protectedRecords: 0,
      lastNonce: null,
      noncesCounting: 0,
      current: null,
    };
    return side;
  }

  private onLostSync(dir: Dir, reason: string, at: TlsMoment): void {
    this.facts.lostSync[dir] = at;
    this.event(dir, { ...at, kind: 'handshake', text: `not TLS records from here on (${reason})`, size: 0, heartbeatSized: false, notable: true });
  }

  private onRecord(dir: Dir, r: TlsRecord): void {
    const side = this.sides[dir];
    side.current = r;
    const f = this.facts;
    const size = r.end - r.start;
    const at: TlsMoment = { packet: r.packet, tsSec: r.tsSec, tsNsec: r.tsNsec };
    const tls13 = f.version === '1.3';
    switch (r.contentType) {
      case CT_HANDSHAKE:
        if (side.phase === 'clear' && !(tls13 && f.serverHello !== null && dir === 's2c') && !side.changedCipher) {
          side.clearHandshake.push(r.bytes, r.start + 5, r.end);
        } else {
          this.protectedRecord(dir, side, r, at, size);
        }
        return;
      case CT_CHANGE_CIPHER_SPEC:
        // TLS 1.3 sends it only for middlebox compatibility (RFC 8446 §D.4): meaningless. Also after a
        // HelloRetryRequest, before the real ServerHello says 1.3: both sides may send one there (review 38: the second
        // ClientHello was then read as encrypted, and the handshake as failed).
        if (!tls13 && !(f.helloRetryRequest !== null && f.serverHello === null)) {
          side.changedCipher = true;
          side.phase = 'handshake';
          this.startTls12Decryption(dir, side);
          this.event(dir, { ...at, kind: 'change-cipher-spec', text: 'TLS ChangeCipherSpec', size, heartbeatSized: false, notable: false });
        }
        return;
      case CT_ALERT:
        if (side.changedCipher || (tls13 && side.phase !== 'clear')) {
          this.protectedRecord(dir, side, r, at, size);
        } else if (r.length >= 2) {
          this.alert(dir, r.bytes[r.start + 5] as number, r.bytes[r.start + 6] as number, at, size);
        }
        return;
      case CT_APPLICATION_DATA:
        this.protectedRecord(dir, side, r, at, size);
        return;
      default:
        // Heartbeat (RFC 6520) records: nothing for the layers above.
        return;
    }
  }

  /** A record protected by the record layer's keys (or that should be). */
  private protectedRecord(dir: Dir, side: Side, r: TlsRecord, at: TlsMoment, size: number): void {
    const f = this.facts;
    if (this.keysPending !== null && dir === 'c2s') this.retryKeys();
    side.protectedRecords++;
    if (f.version === '1.3' && side.phase === 'clear') side.phase = 'handshake';
    if (!side.keyless && side.decrypter !== null) {
      let d = side.decrypter.decrypt(r.bytes, r.start, r.end);
      if (d === null && f.version === '1.3' && side.phase === 'handshake' && side.appSecret !== null) {
        // A Finished we could not see (it never reached the capture whole): try the application keys.
        this.toApplicationKeys(side);
        d = side.decrypter!.decrypt(r.bytes, r.start, r.end);
      }
      if (d !== null) {
        this.decrypted(dir, side, d, r, at, size);
        return;
      }
      side.keyless = true;
      if (f.keyProblem === null) f.keyProblemAt = at;
      f.keyProblem ??= `records from the ${dir === 'c2s' ? 'client' : 'server'} at packet ${r.packet} do not decrypt with the logged keys (a key log of another session?)`;
    }
    this.keylessRecord(dir, side, r, at, size);
  }

  private decrypted(dir: Dir, side: Side, d: Decrypted, r: TlsRecord, at: TlsMoment, size: number): void {
    const f = this.facts;
    switch (d.contentType) {
      case CT_APPLICATION_DATA:
        this.noteApplication(dir, at, size);
        if (d.plaintext.length > 0) this.inner.onData(dir, d.plaintext, r.packet, r.tsSec, r.tsNsec);
        return;
      case CT_HANDSHAKE:
        side.innerHandshake.push(d.plaintext, 0, d.plaintext.length);
        if (side.keyUpdatePending) {
          side.keyUpdatePending = false;
          if (side.appSecret !== null && this.suite !== null) {
            side.appSecret = tls13NextSecret(this.suite, side.appSecret);
            side.decrypter = new RecordDecrypter(this.suite, tls13Keys(this.suite, side.appSecret));
          }
        }
        return;
      case CT_ALERT:
        if (d.plaintext.length >= 2) this.alert(dir, d.plaintext[0] as number, d.plaintext[1] as number, at, size);
        return;
      default:
        void f;
        return;
    }
  }

  /** A protected record we cannot read: its size and time are what we know. */
  private keylessRecord(dir: Dir, side: Side, r: TlsRecord, at: TlsMoment, size: number): void {
    const f = this.facts;
    if (f.version === '1.3') {
      // The handshake flights: the server's first encrypted records (EncryptedExtensions ... Finished) and the
      // client's first flight (its Finished, with Certificate/CertificateVerify if asked for one) are handshake.
      if (side.phase === 'handshake') {
        if (dir === 's2c') {
          if (f.handshakeDone === null) {
            this.event(dir, { ...at, kind: 'handshake', text: `TLS encrypted handshake ${size} B`, size, heartbeatSized: false, notable: false });
            return;
          }
        } else if (side.firstFlightPacket < 0 || (side.firstFlightPacket === r.firstPacket && size >= TLS13_MIN_FINISHED_RECORD)) {
          // A smaller record in the same packet is past the flight: the AMQP protocol header (amqps13-load, packet 94).
          side.firstFlightPacket = r.firstPacket;
          f.handshakeDone ??= at;
          this.event(dir, { ...at, kind: 'handshake', text: `TLS encrypted handshake ${size} B (client Finished)`, size, heartbeatSized: false, notable: false });
          return;
        }
        side.phase = 'application';
        if (dir === 'c2s') this.sides.s2c.phase = 'application';
      }
      if (size === TLS13_ALERT_RECORD) {
        this.encryptedAlert(dir, at, size);
        return;
      }
    } else {
      // TLS 1.2: after ChangeCipherSpec, the first handshake record is Finished.
      if (f.version !== null && r.contentType === CT_HANDSHAKE) {
        this.noteFinished(dir, side, at);
        this.event(dir, { ...at, kind: 'handshake', text: `TLS encrypted handshake ${size} B (Finished)`, size, heartbeatSized: false, notable: false });
        return;
      }
      // An alert's content type shows before 1.3, also when the capture joined after the handshake (version unknown).
      if (r.contentType === CT_ALERT) {
        this.encryptedAlert(dir, at, size);
        return;
      }
      if (f.serverHello === null && f.heartbeatRecordSize === null && r.contentType === CT_APPLICATION_DATA) this.noteExplicitNonce(side, r);
      // Joined after the handshake, the version is unknown: a 1.3 alert hides in an application_data record of 24
      // bytes, a size that holds no AMQP frame under any suite RabbitMQ offers (1.3 with a 16-byte tag: 7 bytes of
      // content, under the 8 of the smallest frame, a heartbeat; 1.2 GCM needs 29 bytes for an empty record, 1.2
      // ChaCha20 would leave 3, CBC at least 37). Review 37: a late start's clean closes read as killed clients.
      if (f.version === null && f.serverHello === null && size === TLS13_ALERT_RECORD) {
        this.encryptedAlert(dir, at, size);
        return;
      }
    }
    if (f.heartbeatRecordSize === null && f.serverHello === null && UNAMBIGUOUS_HEARTBEAT_RECORDS.has(size)) f.heartbeatRecordSize = size;
    // The client's first record after a handshake seen from its start carries the AMQP protocol header, 8 bytes like
    // a heartbeat: counted as one, a stalled client "sent a heartbeat" (review 37).
    const header = dir === 'c2s' && f.clientHello !== null && f.records.c2s.applicationRecords === 0 && size === f.heartbeatRecordSize;
    this.noteApplication(dir, at, size);
    const hb = !header && f.heartbeatRecordSize !== null && size === f.heartbeatRecordSize;
    if (hb) f.records[dir].heartbeatSized++;
    const what = header ? ' (AMQP protocol header, by its place)' : hb ? ', heartbeat-sized' : '';
    this.event(dir, { ...at, kind: 'application', text: `TLS application data ${size} B${what}`, size, heartbeatSized: hb, notable: false });
  }

  /**
   * Joined after the handshake, with the version unknown: TLS 1.2 AES-GCM records begin with their 8-byte explicit
   * nonce, which OpenSSL and Erlang's ssl (RabbitMQ) both send as a counter, one up per record (amqps12-long-callback:
   * e7f73f653f829e15, ...16, ...17 from the client, 493fbbfc3766d94b, ...4c from the broker); TLS 1.3 ciphertext
   * counts up by chance once in 2^64. Three records in a row counting up make the connection TLS 1.2 AES-GCM, whose
   * heartbeat record is 37 bytes (5 header + 8 nonce + 8 frame + 16 tag): T and the Close-Ok size follow.
   */
  private noteExplicitNonce(side: Side, r: TlsRecord): void {
    if (r.length < 8 + 16) return;
    let n = 0n;
    for (let i = 0; i < 8; i++) n = (n << 8n) | BigInt(r.bytes[r.start + 5 + i] as number);
    side.noncesCounting = side.lastNonce !== null && n === side.lastNonce + 1n ? side.noncesCounting + 1 : 0;
    side.lastNonce = n;
    if (side.noncesCounting >= 2) this.facts.heartbeatRecordSize = TLS12_GCM_HEARTBEAT_RECORD;
  }

  private noteApplication(dir: Dir, at: TlsMoment, size: number): void {
    const s = this.facts.records[dir];
    s.applicationRecords++;
    s.applicationBytes += size;
    s.firstApplication ??= at;
    s.lastApplication = at;
    s.lastApplicationSize = size;
  }

  // ---- handshake -----------------------------------------------------------------------------------------------

  private onClearHandshake(dir: Dir, m: HandshakeMessage): void {
    const f = this.facts;
    const r = this.sides[dir].current!;
    const at: TlsMoment = { packet: r.packet, tsSec: r.tsSec, tsNsec: r.tsNsec };
    const size = r.end - r.start;
    if (m.type === HS_CLIENT_HELLO && dir === 'c2s') {
      const hello = m.body === null ? null : parseClientHello(m.body);
      f.clientHello ??= at;
      if (hello === null) {
        this.event(dir, { ...at, kind: 'client-hello', text: 'TLS ClientHello (malformed)', size, heartbeatSized: false, notable: true });
        return;
      }
      this.clientRandom ??= hello.random;
      f.sni ??= hello.sni;
      f.alpn ??= hello.alpn;
      const parts = ['TLS ClientHello'];
      if (hello.sni !== null) parts.push(`SNI=${hello.sni}`);
      if (hello.alpn !== null) parts.push(`ALPN=${hello.alpn.join(',')}`);
      const top = hello.versions.length > 0 ? Math.max(...hello.versions.filter((v) => (v & 0x0f0f) !== 0x0a0a)) : null;
      if (top !== null && Number.isFinite(top)) parts.push(`up to TLS ${versionName(top)}`);
      this.event(dir, { ...at, kind: 'client-hello', text: parts.join(' '), size, heartbeatSized: false, notable: true });
      return;
    }
    if (m.type === HS_SERVER_HELLO && dir === 's2c') {
      const hello = m.body === null ? null : parseServerHello(m.body);
      if (hello === null) {
        this.event(dir, { ...at, kind: 'server-hello', text: 'TLS ServerHello (malformed)', size, heartbeatSized: false, notable: true });
        return;
      }
      const name = cipherSuiteName(hello.cipherSuite);
      if (hello.helloRetry) {
        f.helloRetryRequest ??= at;
        this.event(dir, { ...at, kind: 'hello-retry', text: `TLS HelloRetryRequest ${name}`, size, heartbeatSized: false, notable: true });
        return;
      }
      f.serverHello ??= at;
      f.version = versionName(hello.version);
      f.cipherSuite = hello.cipherSuite;
      f.cipher = name;
      f.heartbeatRecordSize = hello.version === 0x0304 || hello.version === 0x0303 ? heartbeatRecordSize(hello.cipherSuite) : null;
      this.suite = cipherSuite(hello.cipherSuite);
      this.event(dir, { ...at, kind: 'server-hello', text: `TLS ServerHello TLS ${f.version} ${name}`, size, heartbeatSized: false, notable: true });
      this.startDecryption(hello.random);
      return;
    }
    // Other messages in the clear (TLS 1.2: Certificate, ServerKeyExchange, ServerHelloDone, ClientKeyExchange...).
    this.event(dir, { ...at, kind: 'handshake', text: `TLS ${handshakeTypeName(m.type)}`, size, heartbeatSized: false, notable: false });
  }

  private onInnerHandshake(dir: Dir, m: HandshakeMessage): void {
    const side = this.sides[dir];
    const r = side.current!;
    const at: TlsMoment = { packet: r.packet, tsSec: r.tsSec, tsNsec: r.tsNsec };
    if (m.type === HS_FINISHED) {
      this.noteFinished(dir, side, at);
      if (this.facts.version === '1.3') this.toApplicationKeys(side);
    } else if (m.type === HS_KEY_UPDATE) {
      // The sender's next record uses the next secret (RFC 8446 §4.6.3).
      side.keyUpdatePending = true;
      this.event(dir, { ...at, kind: 'handshake', text: 'TLS KeyUpdate', size: r.end - r.start, heartbeatSized: false, notable: false });
    }
  }

  private noteFinished(dir: Dir, side: Side, at: TlsMoment): void {
    side.phase = 'application';
    const f = this.facts;
    // The handshake is done when the second side has sent Finished (the client's, in a full TLS 1.3 handshake).
    if (this.sides[dir === 'c2s' ? 's2c' : 'c2s'].phase === 'application' || dir === 'c2s') f.handshakeDone ??= at;
  }

  private toApplicationKeys(side: Side): void {
    side.phase = 'application';
    if (this.suite !== null && side.appSecret !== null && !side.keyless) {
      side.decrypter = new RecordDecrypter(this.suite, tls13Keys(this.suite, side.appSecret));
    }
  }

  // ---- keys ----------------------------------------------------------------------------------------------------

  /** After the ServerHello: find this connection's secrets. */
  private startDecryption(serverRandom: Uint8Array): void {
    const log = this.options.keyLog;
    if (log === null) return;
    const why = this.findKeys(serverRandom);
    if (why === null) return;
    // A key log still being written (--follow) may get this session's lines only once the client has read the
    // ServerHello: looked up again at the client's first protected record, its Finished (review 37).
    // Never looked up again when the client sends no protected record (a failed handshake, a cut): nothing to decrypt.
    if (why.missing && log.grow !== null) this.keysPending = serverRandom;
    else this.failKeys(why.text);
  }

  /** The server random of a session whose secrets were not in the key log yet (see startDecryption). */
  private keysPending: Uint8Array | null = null;

  private failKeys(why: string): void {
    // A key log that never held a secret (--follow on a file no client has written to yet, SSLKEYLOGFILE set for
    // something else) gave no keys: no warning that they failed (review 38).
    if (this.options.keyLog!.entries > 0) this.facts.keyProblem ??= why;
    this.sides.c2s.keyless = true;
    this.sides.s2c.keyless = true;
  }

  /** Sets up the decrypters from the key log; null on success, else why not (`missing`: no lines for the session). */
  private findKeys(serverRandom: Uint8Array): { text: string; missing: boolean } | null {
    const f = this.facts;
    const log = this.options.keyLog!;
    const suite = this.suite;
    if (suite === null) return { text: `cipher suite ${f.cipher ?? '?'} is not one amqpscope decrypts (AES-GCM and ChaCha20-Poly1305 only)`, missing: false };
    const cr = this.clientRandom;
    if (cr === null) return { text: 'the ClientHello was not captured, so its keys cannot be found in the key log', missing: false };
    // A key log still being written is read again once per lookup that misses.
    const find = <T>(look: () => T | null): T | null => look() ?? (log.grow?.() === true ? look() : null);
    if (suite.tls13) {
      const secrets = find(() => {
        const s = [log.secret('CLIENT_HANDSHAKE_TRAFFIC_SECRET', cr), log.secret('SERVER_HANDSHAKE_TRAFFIC_SECRET', cr), log.secret('CLIENT_TRAFFIC_SECRET_0', cr), log.secret('SERVER_TRAFFIC_SECRET_0', cr)];
        return s.every((x) => x !== null) ? (s as Uint8Array[]) : null;
      });
      if (secrets === null) return { text: 'the key log has no TLS 1.3 secrets for this connection', missing: true };
      const [chs, shs, cap, sap] = secrets as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
      log.used(cr);
      this.sides.c2s.decrypter = new RecordDecrypter(suite, tls13Keys(suite, chs));
      this.sides.s2c.decrypter = new RecordDecrypter(suite, tls13Keys(suite, shs));
      this.sides.c2s.appSecret = cap;
      this.sides.s2c.appSecret = sap;
    } else {
      const master = find(() => {
        const m = log.secret('CLIENT_RANDOM', cr);
        return m !== null && m.length === 48 ? m : null;
      });
      if (master === null) return { text: 'the key log has no master secret (CLIENT_RANDOM) for this connection', missing: true };
      log.used(cr);
      this.tls12 = tls12Keys(suite, master, cr, serverRandom);
    }
    return null;
  }

  /**
   * The client's first protected record, with the session's secrets not found at the ServerHello: look again. Found,
   * the client's side starts here (its Finished is its first record under these keys); the server's encrypted
   * handshake flight (TLS 1.3) went by unread, so its side starts at the application keys, which RabbitMQ first
   * uses after the client's Finished.
   */
  private retryKeys(): void {
    const serverRandom = this.keysPending!;
    this.keysPending = null;
    const why = this.findKeys(serverRandom);
    if (why !== null) return this.failKeys(why.text);
    if (this.suite!.tls13) {
      this.toApplicationKeys(this.sides.s2c);
      return;
    }
    this.startTls12Decryption('c2s', this.sides.c2s);
    // A resumed session: the server changed cipher and sent its Finished before the client's (RFC 5246 §7.3).
    const s2c = this.sides.s2c;
    if (s2c.changedCipher) {
      this.startTls12Decryption('s2c', s2c);
      if (s2c.decrypter !== null) s2c.decrypter.seq = BigInt(s2c.protectedRecords);
    }
  }

  private tls12: ReturnType<typeof tls12Keys> | null = null;

  private startTls12Decryption(dir: Dir, side: Side): void {
    if (this.tls12 === null || this.suite === null || side.keyless) return;
    side.decrypter = new RecordDecrypter(this.suite, dir === 'c2s' ? this.tls12.client : this.tls12.server);
  }

  // ---- alerts and events ---------------------------------------------------------------------------------------

  private alert(dir: Dir, level: number, description: number, at: TlsMoment, size: number): void {
    const f = this.facts;
    const name = alertName(description);
    if (f.alerts.length < MAX_ALERTS) f.alerts.push({ dir, level, description, name, ...at });
    if (description === ALERT_CLOSE_NOTIFY) f.closeNotify[dir] ??= at;
    const text = `TLS alert ${level === 2 ? 'fatal' : level === 1 ? 'warning' : `level ${level}`} ${name}`;
    this.event(dir, { ...at, kind: 'alert', text, size, heartbeatSized: false, notable: true });
  }

  private encryptedAlert(dir: Dir, at: TlsMoment, size: number): void {
    const f = this.facts;
    if (f.alerts.length < MAX_ALERTS) f.alerts.push({ dir, level: null, description: null, name: 'encrypted alert', ...at });
    this.event(dir, { ...at, kind: 'alert', text: `TLS encrypted alert ${size} B (close_notify-sized)`, size, heartbeatSized: false, notable: true });
  }

  private event(dir: Dir, e: TlsEvent): void {
    this.inner.onTlsEvent(dir, e);
  }

  private noteServerFirstBytes(bytes: Uint8Array, packet: number, tsSec: number, tsNsec: number): void {
    this.serverSpoke = true;
    if (this.opened !== 'tls' && bytes.length >= 5 && looksLikeRecordHeader(bytes, 0)) {
      this.facts.serverAnsweredTls = { packet, tsSec, tsNsec };
      this.inner.attachTls(this.facts);
    }
  }
}

/** A TLS handshake record whose first message is a ClientHello (as much of it as these bytes show). */
export function isClientHelloStart(b: Uint8Array): boolean {
  if (b.length < 1 || b[0] !== CT_HANDSHAKE) return false;
  if (b.length >= 2 && b[1] !== 3) return false;
  if (b.length >= 3 && (b[2] as number) > 4) return false;
  if (b.length >= 6 && b[5] !== HS_CLIENT_HELLO) return false;
  return true;
}

function startsWith(b: Uint8Array, prefix: readonly number[]): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}
