/**
 * What the capture layer hands to the layers above. Nothing here knows about IP, TCP or AMQP.
 */

export type CaptureFormat = 'pcap' | 'pcapng';

/**
 * One captured packet. OWNERSHIP: the reader reuses one CapturedPacket object and `bytes` is its own buffer; both
 * are valid only during the `onPacket` call. A consumer that keeps anything must copy it (gopacket's tcpassembly
 * makes the same rule for the same reason: no per-packet allocation on the hot path).
 */
export interface CapturedPacket {
  /** 1-based packet number, as Wireshark shows it. */
  index: number;
  /** Capture time: whole seconds since the epoch. */
  tsSec: number;
  /** Capture time: nanoseconds within the second. */
  tsNsec: number;
  /** LINKTYPE_* value of the interface that captured it (pcap: low 16 bits of the header's link-type word). */
  linkType: number;
  /**
   * The captured bytes are bytes[offset, offset + caplen): a window of the reader's buffer, so that reading makes
   * nothing per packet.
   */
  bytes: Uint8Array;
  offset: number;
  caplen: number;
  /** The captured bytes as a view of their own, made at each read (for consumers that want one array). */
  readonly data: Uint8Array;
  /** Length of the packet on the wire (>= caplen when the snap length cut it). */
  origLen: number;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
}

export type CaptureWarningCode =
  | 'capture-truncated' // the file ends in the middle of a record or block (tcpdump killed, copy cut short)
  | 'no-timestamp' // pcapng Simple Packet Blocks carry no time; the previous packet's time is used
  | 'bad-block' // a pcapng block or pcap record with an impossible length; reading stopped or skipped it
  | 'unknown-interface' // an EPB names an interface no IDB described
  | 'gzip-truncated' // the gzip stream ended early or is corrupt; what was decompressed is analysed
  | 'timestamp-resolution' // if_tsresol finer than 1 ns: times are truncated to nanoseconds
  | 'connections-not-listed' // --follow: ended connections counted in the fleet section, not listed (a budget)
  | 'connections-folded'; // --follow: the oldest ended connections kept in the fleet section as counts (a budget)

export interface CaptureWarning {
  code: CaptureWarningCode;
  message: string;
  /** Byte offset in the (decompressed) capture where the problem is. */
  offset?: number;
  /** Number of the last packet read before the problem, when that helps the user find it. */
  packet?: number;
}

/** Receives what the reader finds, in file order. */
export interface CaptureSink {
  onPacket(packet: CapturedPacket): void;
  onWarning(warning: CaptureWarning): void;
}
