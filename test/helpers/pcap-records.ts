/**
 * A classic little-endian pcap cut at its record boundaries, for feeding a real capture packet by packet (live mode
 * tests) or cutting it (a capture that starts mid-connection, as `editcap -r` would).
 */
export interface PcapRecords {
  /** The 24-byte file header. */
  header: Uint8Array;
  /** Each record: its 16-byte header and its captured bytes. */
  records: Uint8Array[];
}

export function pcapRecords(bytes: Uint8Array): PcapRecords {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error('pcapRecords: not a little-endian classic pcap');
  const records: Uint8Array[] = [];
  let at = 24;
  while (at + 16 <= bytes.length) {
    const end = at + 16 + view.getUint32(at + 8, true);
    records.push(bytes.subarray(at, end));
    at = end;
  }
  return { header: bytes.subarray(0, 24), records };
}

/** The capture from packet `first` (1-based) on, as `editcap -r in out first-`. */
export function fromPacket(bytes: Uint8Array, first: number): Uint8Array {
  return packets(bytes, first, Infinity);
}

/** The capture up to packet `last` (1-based) included: a capture stopped there. */
export function untilPacket(bytes: Uint8Array, last: number): Uint8Array {
  return packets(bytes, 1, last);
}

function packets(bytes: Uint8Array, first: number, last: number): Uint8Array {
  const { header, records } = pcapRecords(bytes);
  const rest = records.slice(first - 1, last);
  const out = new Uint8Array(header.length + rest.reduce((n, r) => n + r.length, 0));
  out.set(header, 0);
  let at = header.length;
  for (const r of rest) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}
