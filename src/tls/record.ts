/**
 * The TLS record layer, one direction at a time, streaming: TCP bytes in any pieces, whole records out.
 *
 * TLSPlaintext/TLSCiphertext (RFC 5246 §6.2, RFC 8446 §5.1): type(1) legacy_version(2) length(2) fragment. The
 * version field is 0x0301-0x0303 on every version (TLS 1.3 freezes it at 0x0303, and ClientHellos often say 0x0301),
 * so it is checked for a major of 3 only. A length over 2^14 + 2048 (the most RFC 5246 allows a ciphertext) or an
 * unknown content type means the bytes are not (or no longer) TLS records: the direction loses sync and stops.
 *
 * Memory: a record split across segments is gathered in one buffer per direction, at most MAX_RECORD bytes.
 */
import { CT_CHANGE_CIPHER_SPEC, CT_HEARTBEAT } from './types.js';

export const RECORD_HEADER = 5;
/** RFC 5246 §6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048. */
export const MAX_FRAGMENT = 16384 + 2048;

/** One record. `bytes[start..end)` is the whole record, header included; valid only during the callback. */
export interface TlsRecord {
  contentType: number;
  version: number;
  /** Fragment length (without the 5-byte header). */
  length: number;
  bytes: Uint8Array;
  start: number;
  end: number;
  /** Packet and time of the record's first and last byte. */
  firstPacket: number;
  packet: number;
  tsSec: number;
  tsNsec: number;
}

export interface RecordSink {
  onRecord(r: TlsRecord): void;
  /** The bytes are not TLS records (from `packet` on); nothing more is read in this direction. */
  onLostSync(reason: string, packet: number, tsSec: number, tsNsec: number): void;
}

/** Is this a plausible record header: known content type, major version 3, length within bounds? */
export function looksLikeRecordHeader(b: Uint8Array, at: number): boolean {
  const type = b[at] as number;
  if (type < CT_CHANGE_CIPHER_SPEC || type > CT_HEARTBEAT) return false;
  if (b[at + 1] !== 3 || (b[at + 2] as number) > 4) return false;
  const length = ((b[at + 3] as number) << 8) | (b[at + 4] as number);
  return length <= MAX_FRAGMENT;
}

export class RecordReader {
  private buf: Uint8Array | null = null;
  private have = 0;
  private need = RECORD_HEADER;
  private firstPacket = 0;
  private lost = false;
  private readonly record: TlsRecord = {
    contentType: 0, version: 0, length: 0, bytes: new Uint8Array(0), start: 0, end: 0, firstPacket: 0, packet: 0, tsSec: 0, tsNsec: 0,
  };

  constructor(private readonly sink: RecordSink) {}

  get synced(): boolean {
    return !this.lost;
  }

  push(bytes: Uint8Array, packet: number, tsSec: number, tsNsec: number): void {
    if (this.lost) return;
    let i = 0;
    const n = bytes.length;
    while (i < n) {
      if (this.have === 0) {
        // Whole records straight from the segment, without copying.
        if (n - i >= RECORD_HEADER) {
          if (!looksLikeRecordHeader(bytes, i)) return this.loseSync('not a TLS record', packet, tsSec, tsNsec);
          const total = RECORD_HEADER + (((bytes[i + 3] as number) << 8) | (bytes[i + 4] as number));
          if (n - i >= total) {
            this.emit(bytes, i, i + total, packet, packet, tsSec, tsNsec);
            i += total;
            continue;
          }
        }
        this.firstPacket = packet;
      }
      // Gather a record that continues in later segments.
      const buf = (this.buf ??= new Uint8Array(RECORD_HEADER + MAX_FRAGMENT));
      const take = Math.min(this.need - this.have, n - i);
      buf.set(bytes.subarray(i, i + take), this.have);
      this.have += take;
      i += take;
      if (this.have < this.need) return;
      if (this.need === RECORD_HEADER) {
        if (!looksLikeRecordHeader(buf, 0)) return this.loseSync('not a TLS record', packet, tsSec, tsNsec);
        this.need = RECORD_HEADER + (((buf[3] as number) << 8) | (buf[4] as number));
        if (this.have < this.need) continue;
      }
      const end = this.need;
      this.have = 0;
      this.need = RECORD_HEADER;
      this.emit(buf, 0, end, this.firstPacket, packet, tsSec, tsNsec);
    }
  }

  /** Bytes that were never captured: record boundaries are lost for good. */
  gap(packet: number, tsSec: number, tsNsec: number): void {
    if (!this.lost) this.loseSync('bytes missing from the capture', packet, tsSec, tsNsec);
  }

  /** Bytes of an unfinished record at the end (0 if none). */
  get pending(): number {
    return this.have;
  }

  private loseSync(reason: string, packet: number, tsSec: number, tsNsec: number): void {
    this.lost = true;
    this.buf = null;
    this.have = 0;
    this.sink.onLostSync(reason, packet, tsSec, tsNsec);
  }

  private emit(bytes: Uint8Array, start: number, end: number, firstPacket: number, packet: number, tsSec: number, tsNsec: number): void {
    const r = this.record;
    r.contentType = bytes[start] as number;
    r.version = ((bytes[start + 1] as number) << 8) | (bytes[start + 2] as number);
    r.length = end - start - RECORD_HEADER;
    r.bytes = bytes;
    r.start = start;
    r.end = end;
    r.firstPacket = firstPacket;
    r.packet = packet;
    r.tsSec = tsSec;
    r.tsNsec = tsNsec;
    this.sink.onRecord(r);
  }
}
