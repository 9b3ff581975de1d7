/**
 * TCP header (RFC 9293 §3.1) into a TcpSegment. Checksums are not verified (offloaded on the capturing host).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Source Port          |       Destination Port        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        Sequence Number                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Acknowledgment Number                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Data |       |C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *   |       |      N|R|E|G|K|H|T|N|N|                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Checksum            |         Urgent Pointer        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Options: Data Offset * 4 - 20 bytes (0 .. 40)          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Options are kind-length-value except EOL (0) and NOP (1), which are one byte:
 *
 *   MSS (2):          | 2 | 4 | MSS (2 bytes) |        only on SYN / SYN-ACK
 *   Window scale (3): | 3 | 3 | shift |                only on SYN / SYN-ACK
 *   anything else:    | kind | length >= 2 | length - 2 bytes |  (SACK, timestamps, ...): skipped
 *
 * The snap length may cut the options (`tcpdump -s 64` on Ethernet keeps 10 of timestamps' 12 option bytes): the
 * fixed header is all that is needed, so the segment is still 'tcp', options are read as far as they go, and the
 * captured payload is empty. Only the fixed 20 bytes must be there.
 */
import { u16be, u32be } from './bytes.js';
import type { PacketKind, TcpSegment } from './types.js';

export const TCP_MIN_HEADER_BYTES = 20;

const OPTION_EOL = 0;
const OPTION_NOP = 1;
const OPTION_MSS = 2;
const OPTION_WINDOW_SCALE = 3;
const OPTION_MSS_LENGTH = 4;
const OPTION_WINDOW_SCALE_LENGTH = 3;
const OPTION_SACK = 5;
/** Kind, length and one block of two sequence numbers. */
const OPTION_SACK_MIN_LENGTH = 10;
/** The payload of every segment that captured no payload bytes. */
const EMPTY_PAYLOAD = new Uint8Array(0);

/**
 * Decodes the TCP header at `offset`. `end` is where this datagram's captured bytes stop (cut at the IP length),
 * `length` is how many bytes the IP header declares for TCP header + payload. Returns 'tcp' with `out` filled, or
 * 'malformed' (header cut inside its fixed 20 bytes, data offset below 5 or beyond the declared length).
 */
export function decodeTcpHeader(
  data: Uint8Array,
  offset: number,
  end: number,
  length: number,
  out: TcpSegment,
): PacketKind {
  if (length < TCP_MIN_HEADER_BYTES || end - offset < TCP_MIN_HEADER_BYTES) return 'malformed';
  const headerLength = (data[offset + 12]! >> 4) << 2;
  if (headerLength < TCP_MIN_HEADER_BYTES || headerLength > length) return 'malformed';

  out.srcPort = u16be(data, offset);
  out.dstPort = u16be(data, offset + 2);
  out.seq = u32be(data, offset + 4);
  out.ack = u32be(data, offset + 8);
  out.flags = data[offset + 13]!;
  out.window = u16be(data, offset + 14);
  out.windowScale = -1;
  out.mss = -1;
  out.sackLeft = -1;
  out.sackRight = -1;

  const headerEnd = offset + headerLength;
  const capturedHeaderEnd = headerEnd < end ? headerEnd : end;
  if (headerLength > TCP_MIN_HEADER_BYTES) walkOptions(data, offset + TCP_MIN_HEADER_BYTES, capturedHeaderEnd, out);

  out.payloadLength = length - headerLength;
  // The one allocation per packet, so: none for the pure ACKs that are half of most captures (a zero-length
  // array cannot be written through, so sharing one is safe), and otherwise a plain Uint8Array view even when
  // `data` is a Buffer (whose subarray would be a Buffer): every consumer then sees one hidden class, and the
  // constructor skips subarray's species lookup (measured ~25% faster per packet than data.subarray here).
  out.payload =
    end > capturedHeaderEnd
      ? new Uint8Array(data.buffer, data.byteOffset + capturedHeaderEnd, end - capturedHeaderEnd)
      : EMPTY_PAYLOAD;
  return 'tcp';
}

/**
 * Reads MSS, window scale and the first SACK block from the options in [at, end). A malformed option (length < 2 or past the end) stops
 * the walk without failing the segment: the ports, sequence numbers and flags are still good, and what was read
 * before it stands.
 */
function walkOptions(data: Uint8Array, at: number, end: number, out: TcpSegment): void {
  while (at < end) {
    const kind = data[at]!;
    if (kind === OPTION_EOL) return;
    if (kind === OPTION_NOP) {
      at += 1;
      continue;
    }
    if (at + 2 > end) return;
    const optionLength = data[at + 1]!;
    if (optionLength < 2 || at + optionLength > end) return;
    if (kind === OPTION_MSS) {
      if (optionLength === OPTION_MSS_LENGTH) out.mss = u16be(data, at + 2);
    } else if (kind === OPTION_WINDOW_SCALE) {
      // Raw shift as sent. RFC 7323 §2.3: a receiver uses 14 for anything larger; that is the TCP layer's call.
      if (optionLength === OPTION_WINDOW_SCALE_LENGTH) out.windowScale = data[at + 2]!;
    } else if (kind === OPTION_SACK) {
      // Only the first block: where RFC 2883 puts a D-SACK. Its meaning against the ACK is the TCP layer's call.
      if (optionLength >= OPTION_SACK_MIN_LENGTH && (optionLength - 2) % 8 === 0) {
        out.sackLeft = u32be(data, at + 2);
        out.sackRight = u32be(data, at + 6);
      }
    }
    at += optionLength;
  }
}
