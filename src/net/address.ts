/**
 * Text form of the four-word addresses in TcpSegment (types.ts): IPv6 as 128 bits big-endian in a0..a3, IPv4 in
 * a3 (a0..a2 hold the ::ffff: mapping prefix and are ignored when ipVersion is 4). Not on the per-packet path:
 * the report formats each connection's endpoints once.
 */

/** '127.0.0.1' for IPv4; RFC 5952 canonical text ('::1', '2001:db8::1', 'fe80::1:0:0:1') for IPv6. */
export function formatAddress(ipVersion: 4 | 6, a0: number, a1: number, a2: number, a3: number): string {
  if (ipVersion === 4) return dottedQuad(a3);
  // RFC 5952 §5: an IPv4-mapped address keeps its IPv4 part dotted.
  if (a0 === 0 && a1 === 0 && a2 >>> 0 === 0xffff) return `::ffff:${dottedQuad(a3)}`;

  const groups = [a0 >>> 16, a0 & 0xffff, a1 >>> 16, a1 & 0xffff, a2 >>> 16, a2 & 0xffff, a3 >>> 16, a3 & 0xffff];
  // RFC 5952 §4.2: "::" replaces the longest run of two or more zero groups, the first one on a tie; a single
  // zero group is written as 0.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  // RFC 5952 §4.3: lowercase hex, no leading zeros (toString(16) gives both).
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

function dottedQuad(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}
