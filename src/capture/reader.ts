/**
 * CaptureReader: a streaming push parser for classic pcap and pcapng. Bytes go in with push() in chunks of any size
 * (one byte at a time gives exactly the same packets and warnings as the whole file at once); packets and warnings
 * come out, in file order, through a CaptureSink.
 *
 * THROUGHPUT, measured 2026-11-22 on Node 20.20, 2 vCPU AMD EPYC VM (shared with other jobs, load ~3; best of 12
 * runs; synthetic files written by test/helpers/synth-capture.ts; input in memory, pushed in 1 MiB chunks; a sink
 * that only summed the packets' lengths; the reader then made a view per packet):
 *   classic pcap, 107 MB, 133,148 packets of 60..1514 bytes ........ 3.8 - 5.1 GB/s   (5 - 6.4 Mpps)
 *   classic pcap, 107 MB, 429,525 packets of 66..400 bytes ......... 2.0 - 2.8 GB/s   (8 - 11 Mpps)
 *   the same packets as pcapng EPBs, 10^-6 / 10^-9 resolution ...... 3.0 - 3.6 GB/s / 1.4 - 1.6 GB/s
 *   captures/load-mtu1500-4x5k (xz -d: 13.4 MB, 16,095 packets) .... 8 GB/s
 *   end to end through readCaptureSource from the page cache ....... 4.0 GB/s (large packets), 2.1 GB/s (small)
 * DataView.getUint32 (one DataView per chunk) and hand-written byte arithmetic measured the same within noise
 * (2.63-2.78 vs 2.72-2.74 GB/s on the small-packet file, alternating runs), so DataView is used: one code path
 * for both byte orders. The per-packet cost was dominated by the view handed to the sink: the same loop without it
 * ran at 9.5 GB/s (38 Mpps) on the small-packet file, i.e. ~65 of ~90 ns per packet were that one allocation. The
 * reader now hands out (buffer, offset, length) instead (CapturedPacket.bytes/offset/caplen), and the view only
 * when a consumer reads `data`.
 *
 * Classic pcap (draft-ietf-opsawg-pcap). Every integer is in the writer's byte order, told by the magic:
 *
 *    0                   4                   8                   12                  16                  20                  24
 *   +-------------------+---------+---------+-------------------+-------------------+-------------------+-------------------+
 *   | magic             | major 2 | minor 4 | reserved (zone)   | reserved (sigfig) | snaplen           | FCS/flags|linktype|
 *   +-------------------+---------+---------+-------------------+-------------------+-------------------+-------------------+
 *   magic a1b2c3d4 = seconds + microseconds, a1b23c4d = seconds + nanoseconds (read in either byte order).
 *   The link-type word carries FCS information in its upper 16 bits; only the low 16 bits are the LINKTYPE_ value.
 *
 *   then records, back to back, NOT padded:
 *   +-------------------+-------------------+-------------------+-------------------+---------------------------+
 *   | ts seconds        | ts us or ns       | caplen            | origlen           | caplen bytes of packet    |
 *   +-------------------+-------------------+-------------------+-------------------+---------------------------+
 *
 * pcapng (draft-ietf-opsawg-pcapng). The file is a sequence of blocks, each
 *
 *   +-------------------+-------------------+---------------------------------------+-------------------+
 *   | block type        | total length      | body (padded to 32 bits)              | total length      |
 *   +-------------------+-------------------+---------------------------------------+-------------------+
 *   total length counts all of it (>= 12, multiple of 4) and is repeated at the end.
 *
 *   SHB 0x0A0D0D0A (palindromic, so readable before the byte order is known) starts a section:
 *     body = byte-order magic 0x1A2B3C4D, major u16, minor u16, section length i64, options.
 *     Every integer up to the next SHB is in the byte order this magic reveals; interface ids restart at 0.
 *   IDB 1: linktype u16, reserved u16, snaplen u32, options (if_tsresol 9, if_tsoffset 14, ...)
 *   EPB 6: interface id u32, timestamp hi u32, lo u32, caplen u32, origlen u32, data (padded), options
 *   SPB 3: origlen u32, data (padded): interface 0, NO timestamp, caplen implied by the block length
 *   PB  2 (obsolete): interface id u16, drops u16, timestamp hi u32, lo u32, caplen u32, origlen u32, data, options
 *   everything else (NRB 4, ISB 5, DSB 10, custom, ...) is skipped by its length.
 *   Options: code u16, length u16, value padded to 32 bits; code 0 ends the list.
 *
 * Design. The input is consumed in "units": the pcap file header, one pcap record, or one pcapng block. A unit that
 * lies wholly inside the pushed chunk is handled in place, and the packet's `bytes` are that chunk; only
 * a unit that straddles chunks is assembled in a carry buffer (one per reader, grown as needed, never shrunk). The
 * reader holds no reference to a chunk after push() returns.
 *
 * Ownership: ONE CapturedPacket object is reused for every packet, and its `bytes` are a chunk or the carry
 * buffer. Both are valid only during the sink's onPacket call; a consumer that keeps anything must copy it.
 *
 * Anomalies are warnings, not exceptions (a truncated capture still yields every whole packet before the cut);
 * only input that is not a capture at all throws AnalyzerError('not-a-capture'). Exceptions thrown by the sink
 * propagate unchanged, and the reader must not be used after one.
 */

import { AnalyzerError } from '../errors.js';
import type { CaptureFormat, CapturedPacket, CaptureSink, CaptureWarning } from './types.js';

const PCAP_HEADER_BYTES = 24;
const PCAP_RECORD_HEADER_BYTES = 16;
/** No real capture has a 16 MiB packet: a larger caplen is a corrupt length, and allocating it would be foolish. */
const MAX_CAPLEN = 16 * 1024 * 1024;
/** Writers do store records a little above their snaplen (e.g. re-snapped files); 256 KiB above it is a lie. */
const SNAPLEN_SLACK = 256 * 1024;
/** Largest pcapng block believed: a maximal packet plus generous room for options. */
const MAX_BLOCK_BYTES = MAX_CAPLEN + SNAPLEN_SLACK;
const BLOCK_HEADER_BYTES = 8; // type + total length
const MIN_BLOCK_BYTES = 12; // type + total length + trailing total length

const MAGIC_PCAP_US = 0xa1b2c3d4;
const MAGIC_PCAP_NS = 0xa1b23c4d;
const MAGIC_PCAP_US_SWAPPED = 0xd4c3b2a1;
const MAGIC_PCAP_NS_SWAPPED = 0x4d3cb2a1;
/** Alexey Kuznetsov's "modified" pcap: extra per-record fields, which this reader does not support. */
const MAGIC_PCAP_KUZNETSOV = 0xa1b2cd34;
const MAGIC_PCAP_KUZNETSOV_SWAPPED = 0x34cdb2a1;
const MAGIC_XZ = 0xfd377a58; // fd 37 7a 58 5a 00, read big-endian

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_PB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

/** Minimum total lengths of the blocks the reader interprets. */
const SHB_MIN_BYTES = 28; // 8 + BOM 4 + version 4 + section length 8 + trailing 4
const IDB_MIN_BYTES = 20; // 8 + linktype 2 + reserved 2 + snaplen 4 + trailing 4
const EPB_MIN_BYTES = 32; // 8 + 5 x u32 + trailing 4
const PB_MIN_BYTES = 32;
const SPB_MIN_BYTES = 16; // 8 + origlen 4 + trailing 4
const EPB_DATA_OFFSET = 28;
const SPB_DATA_OFFSET = 12;

const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

const TWO_32 = 4294967296;
/** A 64-bit count whose high word is below 2^21 is below 2^53 and exact as a plain number. */
const SAFE_HI = 0x200000;

const S_MAGIC = 0; // nothing known yet: waiting for 4 bytes
const S_PCAP_HEADER = 1; // pcap magic seen: waiting for the 24-byte header
const S_PCAP = 2; // pcap records
const S_PCAPNG = 3; // pcapng blocks (the first one is the SHB)
const S_STOPPED = 4; // a lying length was found: the rest of the input is ignored
const S_ENDED = 5; // end() was called
type State = typeof S_MAGIC | typeof S_PCAP_HEADER | typeof S_PCAP | typeof S_PCAPNG | typeof S_STOPPED | typeof S_ENDED;

/** A pcapng interface (IDB) with its timestamp conversion worked out once. */
interface Iface {
  linkType: number;
  snaplen: number;
  /**
   * Decimal resolutions 10^-0 .. 10^-9 take the plain-number path: units per second and nanoseconds per unit.
   * nsPerUnit 0 selects the general path (binary resolutions, and decimal ones finer than 1 ns).
   */
  unitsPerSec: number;
  nsPerUnit: number;
  /** Binary resolution 2^-n: n, or -1 for decimal. */
  shift: number;
  unitsBig: bigint;
  /** if_tsoffset: seconds to add to every timestamp. */
  offsetSec: number;
}

const EMPTY = new Uint8Array(0);

export class CaptureReader {
  readonly #sink: CaptureSink;
  readonly #name: string;
  #state: State = S_MAGIC;
  #format: CaptureFormat | null = null;
  readonly #linkTypes: number[] = [];
  #tsDigits = -1;
  #packets = 0;
  /** Bytes of whole units consumed; also the file offset of the next unit. */
  #bytes = 0;

  /** The one packet object handed to the sink (see "Ownership" above). */
  readonly #pkt = new ReadPacket();

  /** Carry buffer: the start of a unit that straddles chunks. carryLen bytes of it are valid. */
  #carry: Uint8Array = new Uint8Array(256);
  #carryView: DataView = new DataView(this.#carry.buffer);
  #carryLen = 0;

  /** Byte order of the pcap file or of the current pcapng section. */
  #le = true;

  // classic pcap
  #snaplen = 0;
  #caplenLimit = MAX_CAPLEN;
  #fracMax = 1_000_000; // ts_frac units per second
  #fracToNs = 1000;
  #pcapLinkType = 0;

  // pcapng
  #sections = 0;
  #ifaces: Iface[] = [];
  /** Interface ids already reported as unknown in this section (one warning each). */
  #unknownIfaces: number[] = [];
  #stoppedBy: string | null = null;
  #warnedNoTimestamp = false;
  #warnedResolution = false;

  constructor(sink: CaptureSink, name: string) {
    this.#sink = sink;
    this.#name = name;
  }

  /** 'pcap' or 'pcapng' once the magic has been read; null before. */
  get format(): CaptureFormat | null {
    return this.#format;
  }

  /** Distinct link types seen, in order of first appearance (pcap: the header's; pcapng: one per new IDB type). */
  get linkTypes(): number[] {
    return this.#linkTypes;
  }

  /** Fraction digits the timestamps deserve: 6 for microseconds, 9 for nanoseconds (max over interfaces). */
  get tsDigits(): number {
    return this.#tsDigits < 0 ? 6 : this.#tsDigits;
  }

  /** Packets emitted so far (also the index of the last one). */
  get packets(): number {
    return this.#packets;
  }

  /** Why reading stopped for good (a record or block with an impossible length), or null while it goes on. */
  get stoppedBy(): string | null {
    return this.#stoppedBy;
  }

  /** Bytes consumed as whole headers, records and blocks (a cut-off tail is not counted). */
  get bytes(): number {
    return this.#bytes;
  }

  push(chunk: Uint8Array): void {
    if (this.#state === S_STOPPED) return;
    if (this.#state === S_ENDED) throw new Error('CaptureReader.push() after end()');
    const end = chunk.length;
    if (end === 0) return;
    let pos = 0;
    if (this.#carryLen > 0) {
      pos = this.#completeCarry(chunk);
      if (pos < 0) return;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    pos = this.#run(chunk, view, pos, end);
    // (#run may have stopped the reader: TypeScript cannot see that, hence the cast.)
    if (pos < end && (this.#state as State) !== S_STOPPED) this.#appendCarry(chunk, pos, end);
  }

  /**
   * Input finished. Throws AnalyzerError('not-a-capture') if no complete file header was ever seen; warns
   * 'capture-truncated' if the input stopped inside a record or block.
   */
  end(): void {
    const state = this.#state;
    this.#state = S_ENDED;
    if (state === S_STOPPED || state === S_ENDED) return;
    const n = this.#carryLen;
    if (state === S_MAGIC) {
      if (n === 0) throw new AnalyzerError('not-a-capture', `${this.#name}: empty file`);
      throw new AnalyzerError('not-a-capture', `${this.#name}: not a pcap or pcapng file (only ${plural(n, 'byte')})`);
    }
    if (state === S_PCAP_HEADER) {
      throw new AnalyzerError(
        'not-a-capture',
        `${this.#name}: pcap file header cut short (${n} of ${PCAP_HEADER_BYTES} bytes)`,
      );
    }
    if (state === S_PCAPNG && this.#sections === 0) {
      throw new AnalyzerError('not-a-capture', `${this.#name}: pcapng section header block cut short (${n} bytes)`);
    }
    if (n === 0) return;
    this.#carryLen = 0;
    const what = state === S_PCAP ? 'packet record' : 'block';
    this.#sink.onWarning({
      code: 'capture-truncated',
      message:
        `${this.#name}: the capture ends in the middle of a ${what} (${plural(n, 'byte')} of it present at offset ` +
        `${this.#bytes}); the ${plural(this.#packets, 'packet')} before it were read. ` +
        `Was tcpdump killed, or the file copied while it was being written?`,
      offset: this.#bytes,
      packet: this.#packets,
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Chunk plumbing

  /** Handles whole units of buf[pos..end); returns where the first incomplete unit starts (end if none). */
  #run(buf: Uint8Array, view: DataView, pos: number, end: number): number {
    for (;;) {
      if (this.#state === S_PCAP) return this.#pcapRecords(buf, view, pos, end);
      if (this.#state === S_STOPPED) return end;
      const avail = end - pos;
      if (avail === 0) return pos;
      const size = this.#unitSize(buf, view, pos, avail);
      if (size < 0) return end;
      if (size > avail) return pos;
      this.#consume(buf, view, pos, size);
      pos += size;
    }
  }

  /**
   * Tops up the carry buffer from the chunk until the pending unit is complete, then consumes it. Returns the chunk
   * position after the unit, or -1 if the chunk ran out first (or reading stopped).
   */
  #completeCarry(chunk: Uint8Array): number {
    const end = chunk.length;
    let pos = 0;
    for (;;) {
      const size = this.#unitSize(this.#carry, this.#carryView, 0, this.#carryLen);
      if (size < 0) {
        this.#carryLen = 0;
        return -1;
      }
      if (size <= this.#carryLen) {
        // The carry holds exactly one unit: only the bytes it needed were copied in.
        this.#carryLen = 0;
        this.#consume(this.#carry, this.#carryView, 0, size);
        return this.#state === S_STOPPED ? -1 : pos;
      }
      if (pos === end) return -1;
      const take = Math.min(size - this.#carryLen, end - pos);
      this.#appendCarry(chunk, pos, pos + take);
      pos += take;
    }
  }

  #appendCarry(chunk: Uint8Array, from: number, to: number): void {
    const need = this.#carryLen + (to - from);
    if (need > this.#carry.length) {
      // Units are at most MAX_BLOCK_BYTES (lengths are validated before more bytes are awaited), so this is bounded.
      let cap = this.#carry.length * 2;
      while (cap < need) cap *= 2;
      const grown = new Uint8Array(cap);
      grown.set(this.#carry.subarray(0, this.#carryLen));
      this.#carry = grown;
      this.#carryView = new DataView(grown.buffer);
    }
    this.#carry.set(chunk.subarray(from, to), this.#carryLen);
    this.#carryLen = need;
  }

  /**
   * Size of the unit starting at buf[off], given `avail` bytes there. If avail is too short to tell, returns the
   * number of bytes needed to tell (always > avail). Returns -1 if the unit's length is a lie: a 'bad-block'
   * warning has been emitted and the reader has stopped. Throws AnalyzerError when the file is not a capture.
   */
  #unitSize(buf: Uint8Array, view: DataView, off: number, avail: number): number {
    switch (this.#state) {
      case S_MAGIC:
        if (avail < 4) return 4;
        this.#detect(buf, view, off);
        return this.#unitSize(buf, view, off, avail);
      case S_PCAP_HEADER:
        return PCAP_HEADER_BYTES;
      case S_PCAP: {
        if (avail < PCAP_RECORD_HEADER_BYTES) return PCAP_RECORD_HEADER_BYTES;
        const caplen = view.getUint32(off + 8, this.#le);
        if (caplen > this.#caplenLimit) {
          this.#badRecord(caplen);
          return -1;
        }
        return PCAP_RECORD_HEADER_BYTES + caplen;
      }
      case S_PCAPNG:
        return this.#blockSize(buf, view, off, avail);
      default:
        return -1;
    }
  }

  #consume(buf: Uint8Array, view: DataView, off: number, size: number): void {
    switch (this.#state) {
      case S_PCAP_HEADER:
        this.#pcapHeader(view, off);
        this.#bytes += size;
        return;
      case S_PCAP:
        this.#pcapRecords(buf, view, off, off + size);
        return;
      case S_PCAPNG:
        this.#block(buf, view, off, size);
        return;
    }
  }

  #detect(buf: Uint8Array, view: DataView, off: number): void {
    const magic = view.getUint32(off, false);
    switch (magic) {
      case MAGIC_PCAP_US:
      case MAGIC_PCAP_NS:
      case MAGIC_PCAP_US_SWAPPED:
      case MAGIC_PCAP_NS_SWAPPED:
        this.#format = 'pcap';
        this.#state = S_PCAP_HEADER;
        return;
      case BT_SHB:
        this.#format = 'pcapng';
        this.#state = S_PCAPNG;
        return;
    }
    let what: string;
    if (magic === MAGIC_PCAP_KUZNETSOV || magic === MAGIC_PCAP_KUZNETSOV_SWAPPED) {
      what = 'a "modified" (Kuznetsov) pcap file, which is not supported; convert it with: editcap -F pcap IN OUT';
    } else if (magic === MAGIC_XZ) {
      what = 'an xz-compressed file; decompress it first: xz -dk FILE';
    } else {
      what = `not a pcap or pcapng file (starts with ${describeBytes(buf.subarray(off, off + 4))})`;
    }
    throw new AnalyzerError('not-a-capture', `${this.#name}: ${what}`);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Classic pcap

  #pcapHeader(view: DataView, off: number): void {
    const magic = view.getUint32(off, false);
    // The magic read big-endian equals the numeric magic exactly when the writer was big-endian.
    this.#le = magic === MAGIC_PCAP_US_SWAPPED || magic === MAGIC_PCAP_NS_SWAPPED;
    const nano = magic === MAGIC_PCAP_NS || magic === MAGIC_PCAP_NS_SWAPPED;
    this.#fracMax = nano ? 1_000_000_000 : 1_000_000;
    this.#fracToNs = nano ? 1 : 1000;
    this.#tsDigits = nano ? 9 : 6;
    this.#snaplen = view.getUint32(off + 16, this.#le);
    // snaplen 0 is not valid pcap, but treat it as "unlimited" rather than condemn every record.
    this.#caplenLimit = this.#snaplen === 0 ? MAX_CAPLEN : Math.min(MAX_CAPLEN, this.#snaplen + SNAPLEN_SLACK);
    this.#pcapLinkType = view.getUint32(off + 20, this.#le) & 0xffff;
    this.#linkTypes.push(this.#pcapLinkType);
    this.#state = S_PCAP;
  }

  /**
   * The hot loop: every whole record in buf[pos..end), emitted in place. Returns where the first incomplete record
   * starts, or end if reading stopped on a lying length.
   */
  #pcapRecords(buf: Uint8Array, view: DataView, pos: number, end: number): number {
    const le = this.#le;
    const sink = this.#sink;
    const pkt = this.#pkt;
    const limit = this.#caplenLimit;
    const fracMax = this.#fracMax;
    const fracToNs = this.#fracToNs;
    const linkType = this.#pcapLinkType;
    while (end - pos >= PCAP_RECORD_HEADER_BYTES) {
      const caplen = view.getUint32(pos + 8, le);
      if (caplen > limit) {
        this.#badRecord(caplen);
        return end;
      }
      const next = pos + PCAP_RECORD_HEADER_BYTES + caplen;
      if (next > end) break;
      let sec = view.getUint32(pos, le);
      let frac = view.getUint32(pos + 4, le);
      if (frac >= fracMax) {
        // Out of range (some writers do this); carry into the seconds so that tsNsec stays below 1e9.
        sec += Math.floor(frac / fracMax);
        frac %= fracMax;
      }
      pkt.index = ++this.#packets;
      pkt.tsSec = sec;
      pkt.tsNsec = frac * fracToNs;
      pkt.linkType = linkType;
      pkt.interfaceId = 0;
      pkt.origLen = view.getUint32(pos + 12, le);
      pkt.bytes = buf;
      pkt.offset = pos + PCAP_RECORD_HEADER_BYTES;
      pkt.caplen = caplen;
      this.#bytes += next - pos;
      pos = next;
      sink.onPacket(pkt);
    }
    return pos;
  }

  #badRecord(caplen: number): void {
    this.#stop(
      `${this.#name}: the record at offset ${this.#bytes} claims ${caplen} captured bytes (snaplen ${this.#snaplen}); ` +
        `the file is corrupt from there on and reading stopped after packet ${this.#packets}`,
    );
  }

  // ---------------------------------------------------------------------------------------------------------------
  // pcapng

  #blockSize(buf: Uint8Array, view: DataView, off: number, avail: number): number {
    if (avail < BLOCK_HEADER_BYTES) return BLOCK_HEADER_BYTES;
    const type = view.getUint32(off, this.#le);
    let le = this.#le;
    if (type === BT_SHB) {
      if (avail < MIN_BLOCK_BYTES) return MIN_BLOCK_BYTES;
      const bom = view.getUint32(off + 8, true);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (bom === BYTE_ORDER_MAGIC_SWAPPED) le = false;
      else {
        const found = describeBytes(buf.subarray(off + 8, off + 12));
        this.#corrupt(`a section header block at offset ${this.#bytes} has no byte-order magic (found ${found})`);
        return -1;
      }
    }
    const len = view.getUint32(off + 4, le);
    const min = type === BT_SHB ? SHB_MIN_BYTES : MIN_BLOCK_BYTES;
    if (len < min || len % 4 !== 0 || len > MAX_BLOCK_BYTES) {
      this.#corrupt(`the block at offset ${this.#bytes} (type 0x${hex32(type)}) has an impossible length ${len}`);
      return -1;
    }
    return len;
  }

  /**
   * A broken section header or block length. Before the first section header has been read there is nothing to
   * salvage: the file is not a capture. After it, the packets read so far stand and reading stops.
   */
  #corrupt(detail: string): void {
    if (this.#sections === 0) {
      throw new AnalyzerError('not-a-capture', `${this.#name}: not a valid pcapng file: ${detail}`);
    }
    this.#stop(
      `${this.#name}: ${detail}; the file is corrupt from there on and reading stopped after packet ${this.#packets}`,
    );
  }

  #stop(message: string): void {
    this.#stoppedBy = message;
    this.#state = S_STOPPED;
    this.#carryLen = 0;
    this.#warn('bad-block', message);
  }

  /** One whole block, buf[off .. off+len). */
  #block(buf: Uint8Array, view: DataView, off: number, len: number): void {
    const type = view.getUint32(off, this.#le);
    if (type === BT_SHB) {
      this.#sectionHeader(view, off, len);
      return;
    }
    const le = this.#le;
    const at = this.#bytes;
    if (view.getUint32(off + len - 4, le) !== len) {
      this.#stop(
        `${this.#name}: the block at offset ${at} (type 0x${hex32(type)}) has a trailing length that does not ` +
          `match its leading length ${len}; the file is corrupt from there on and reading stopped after packet ` +
          `${this.#packets}`,
      );
      return;
    }
    this.#bytes += len;
    if (len < minFor(type)) {
      this.#warn(
        'bad-block',
        `${this.#name}: the block at offset ${at} (type 0x${hex32(type)}) is too short for its type (${len} bytes); skipped`,
        at,
      );
      return;
    }
    switch (type) {
      case BT_EPB:
        this.#packet(buf, view, off, len, at, view.getUint32(off + 8, le), true);
        return;
      case BT_PB:
        this.#packet(buf, view, off, len, at, view.getUint16(off + 8, le), true);
        return;
      case BT_SPB:
        this.#packet(buf, view, off, len, at, 0, false);
        return;
      case BT_IDB:
        this.#interface(buf, view, off, len, at);
        return;
      default:
      // NRB, ISB, DSB, custom and local-use blocks: nothing amqpscope needs.
    }
  }

  #sectionHeader(view: DataView, off: number, len: number): void {
    const le = view.getUint32(off + 8, true) === BYTE_ORDER_MAGIC;
    if (view.getUint32(off + len - 4, le) !== len) {
      this.#corrupt(
        `the section header block at offset ${this.#bytes} has a trailing length that does not match its ` +
          `leading length ${len}`,
      );
      return;
    }
    this.#le = le;
    this.#sections++;
    this.#ifaces = [];
    this.#unknownIfaces = [];
    this.#bytes += len;
  }

  #interface(buf: Uint8Array, view: DataView, off: number, len: number, at: number): void {
    const le = this.#le;
    const linkType = view.getUint16(off + 8, le);
    const snaplen = view.getUint32(off + 12, le);
    let tsresol = 6;
    let offsetSec = 0;
    const stop = off + len - 4;
    let p = off + 16;
    while (p + 4 <= stop) {
      const code = view.getUint16(p, le);
      const olen = view.getUint16(p + 2, le);
      p += 4;
      if (code === OPT_ENDOFOPT || p + olen > stop) break; // a malformed list: keep what was read
      if (code === OPT_IF_TSRESOL && olen >= 1) tsresol = buf[p] ?? 6;
      else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        const lo = view.getUint32(p + (le ? 0 : 4), le);
        const hi = view.getInt32(p + (le ? 4 : 0), le);
        offsetSec = hi * TWO_32 + lo;
      }
      p += (olen + 3) & ~3;
    }

    const binary = (tsresol & 0x80) !== 0;
    const n = tsresol & 0x7f;
    const iface: Iface = {
      linkType,
      snaplen,
      unitsPerSec: 0,
      nsPerUnit: 0,
      shift: binary ? n : -1,
      unitsBig: binary ? 1n << BigInt(n) : 10n ** BigInt(n),
      offsetSec,
    };
    if (!binary && n <= 9) {
      iface.unitsPerSec = 10 ** n;
      iface.nsPerUnit = 10 ** (9 - n);
    }
    this.#ifaces.push(iface);
    if (!this.#linkTypes.includes(linkType)) this.#linkTypes.push(linkType);
    // Digits worth printing: n for 10^-n (at most 9); a binary fraction has no exact decimal width, so 9.
    const digits = binary ? 9 : Math.min(n, 9);
    if (digits > this.#tsDigits) this.#tsDigits = digits;
    // 2^-30 is the first binary resolution finer than 1 ns.
    if ((binary ? n >= 30 : n > 9) && !this.#warnedResolution) {
      this.#warnedResolution = true;
      this.#warn(
        'timestamp-resolution',
        `${this.#name}: interface ${this.#ifaces.length - 1} records time in units of ${binary ? '2' : '10'}^-${n} s, ` +
          `finer than a nanosecond; times are truncated to nanoseconds`,
        at,
      );
    }
  }

  /**
   * EPB, PB (timed: ts hi/lo at +12/+16, caplen +20, origlen +24, data +28) or SPB (untimed: origlen +8, data +12).
   */
  #packet(buf: Uint8Array, view: DataView, off: number, len: number, at: number, ifid: number, timed: boolean): void {
    const le = this.#le;
    const iface = this.#ifaces[ifid];
    if (iface === undefined) {
      if (!this.#unknownIfaces.includes(ifid)) {
        this.#unknownIfaces.push(ifid);
        this.#warn(
          'unknown-interface',
          `${this.#name}: the packet block at offset ${at} names interface ${ifid}, but section ` +
            `${this.#sections} describes only ${plural(this.#ifaces.length, 'interface')}; its packets are skipped`,
          at,
        );
      }
      return;
    }
    const pkt = this.#pkt;
    let dataOff: number;
    let caplen: number;
    if (timed) {
      dataOff = EPB_DATA_OFFSET;
      caplen = view.getUint32(off + 20, le);
      if (caplen > len - EPB_MIN_BYTES) {
        this.#warn(
          'bad-block',
          `${this.#name}: the packet block at offset ${at} claims ${caplen} captured bytes but holds at most ` +
            `${len - EPB_MIN_BYTES}; skipped`,
          at,
        );
        return;
      }
      pkt.origLen = view.getUint32(off + 24, le);
      this.#setTime(iface, view.getUint32(off + 12, le), view.getUint32(off + 16, le));
    } else {
      dataOff = SPB_DATA_OFFSET;
      const origLen = view.getUint32(off + 8, le);
      // The SPB has no caplen: the spec makes it min(snaplen, origlen), bounded by what the block holds.
      caplen = Math.min(iface.snaplen === 0 ? origLen : Math.min(iface.snaplen, origLen), len - SPB_MIN_BYTES);
      pkt.origLen = origLen;
      // No timestamp: keep the previous packet's (pkt still holds it), so the timeline stays monotonic.
      if (!this.#warnedNoTimestamp) {
        this.#warnedNoTimestamp = true;
        this.#warn(
          'no-timestamp',
          `${this.#name}: simple packet blocks (from offset ${at}) carry no timestamp; each gets the time ` +
            `of the packet before it, so timings involving them are meaningless`,
          at,
        );
      }
    }
    pkt.index = ++this.#packets;
    pkt.linkType = iface.linkType;
    pkt.interfaceId = ifid;
    pkt.bytes = buf;
    pkt.offset = off + dataOff;
    pkt.caplen = caplen;
    this.#sink.onPacket(pkt);
  }

  /** Converts a 64-bit count of the interface's time units into pkt.tsSec / pkt.tsNsec, exactly (to the ns). */
  #setTime(f: Iface, hi: number, lo: number): void {
    const pkt = this.#pkt;
    if (f.nsPerUnit !== 0) {
      const u = f.unitsPerSec;
      let sec: number;
      let rem: number;
      if (hi < SAFE_HI) {
        const ts = hi * TWO_32 + lo;
        sec = Math.floor(ts / u);
        rem = ts - sec * u;
        // The float quotient can round up to the next integer; the exact remainder tells.
        if (rem < 0) {
          sec -= 1;
          rem += u;
        }
      } else {
        // Long division of hi:lo by u in 16-bit limbs: every intermediate is below u * 2^16 <= 1e9 * 2^16 < 2^53,
        // so it is exact in doubles (this is the nanosecond-pcapng case: 1.7e18 ns since 1970 is above 2^53).
        let r = hi >>> 16;
        let q = Math.floor(r / u);
        r -= q * u;
        let c = r * 65536 + (hi & 0xffff);
        let d = Math.floor(c / u);
        r = c - d * u;
        q = q * 65536 + d;
        c = r * 65536 + (lo >>> 16);
        d = Math.floor(c / u);
        r = c - d * u;
        q = q * 65536 + d;
        c = r * 65536 + (lo & 0xffff);
        d = Math.floor(c / u);
        r = c - d * u;
        sec = q * 65536 + d;
        rem = r;
      }
      pkt.tsSec = sec + f.offsetSec;
      pkt.tsNsec = rem * f.nsPerUnit;
      return;
    }
    if (f.shift >= 0 && f.shift <= 23 && hi < SAFE_HI) {
      // Binary fraction, small enough that rem * 1e9 < 2^23 * 1e9 < 2^53: plain numbers are exact.
      const u = 2 ** f.shift;
      const ts = hi * TWO_32 + lo;
      const sec = Math.floor(ts / u);
      pkt.tsSec = sec + f.offsetSec;
      pkt.tsNsec = Math.floor(((ts - sec * u) * 1e9) / u);
      return;
    }
    const ts = (BigInt(hi) << 32n) | BigInt(lo);
    const u = f.unitsBig;
    pkt.tsSec = Number(ts / u) + f.offsetSec;
    pkt.tsNsec = Number(((ts % u) * 1_000_000_000n) / u);
  }

  /** `offset` defaults to the start of the unit being read (this.#bytes has not moved past it yet). */
  #warn(code: CaptureWarning['code'], message: string, offset = this.#bytes): void {
    this.#sink.onWarning({ code, message, offset, packet: this.#packets });
  }
}

function minFor(type: number): number {
  switch (type) {
    case BT_EPB:
      return EPB_MIN_BYTES;
    case BT_PB:
      return PB_MIN_BYTES;
    case BT_SPB:
      return SPB_MIN_BYTES;
    case BT_IDB:
      return IDB_MIN_BYTES;
    default:
      return MIN_BLOCK_BYTES;
  }
}

/** `"GET "` for printable ASCII, `1f 8b 08 00` otherwise: what an operator needs to recognise the file. */
function describeBytes(b: Uint8Array): string {
  let printable = true;
  for (const x of b) if (x < 0x20 || x > 0x7e) printable = false;
  if (printable) return JSON.stringify(String.fromCharCode(...b));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The packet the reader hands on, one object reused for every packet: its bytes are a window of the chunk being read
 * (the reader's buffer or its carry buffer), and `data` is made only when read.
 */
class ReadPacket implements CapturedPacket {
  index = 0;
  tsSec = 0;
  tsNsec = 0;
  linkType = 0;
  bytes: Uint8Array = EMPTY;
  offset = 0;
  caplen = 0;
  origLen = 0;
  interfaceId = 0;

  /**
   * A plain Uint8Array view even when the chunk is a Buffer (the CLI's chunks are): a Buffer's subarray goes through
   * Node's adjustOffset and the species lookup, and returns a Buffer for chunks but a Uint8Array for the carry
   * buffer.
   */
  get data(): Uint8Array {
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + this.offset, this.caplen);
  }
}
