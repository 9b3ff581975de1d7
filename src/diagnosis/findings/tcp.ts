/** Findings from TCP-level evidence: zero windows, retransmissions, keep-alive probes, capture gaps. */
import { roundMicros } from '../heartbeat.js';
import type { Finding, FindingRule } from '../types.js';
import type { GapReason } from '../../tcp/types.js';

const SIDE = { c2s: 'client', s2c: 'broker' } as const;
/** A zero window that reopens within this many seconds is flow, not a stall. */
const BRIEF_ZERO_WINDOW = 1.0;

/**
 * Retransmissions under this share of a side's data segments, on a connection that ended well, are information:
 * a busy loopback or LAN shows 1-2% (the 8x20k load capture) without anything failing.
 */
const NOISE_RETRANSMISSION_SHARE = 0.05;

export const tcpFindings: FindingRule = (ctx, judgement) => {
  const endedWell = judgement.verdict === 'closed-by-client' || (judgement.verdict === 'open' && judgement.cause === null);
  const f = ctx.facts;
  const out: Finding[] = [];
  for (const dir of ['c2s', 's2c'] as const) {
    const st = f.stats[dir];
    const side = SIDE[dir];
    if (st.zeroWindows > 0 && st.firstZeroWindow !== null) {
      // A consumer of large messages can briefly advertise zero while it catches up: that is flow, not a fault.
      const serious = st.zeroWindowAtEnd || st.longestZeroWindow >= BRIEF_ZERO_WINDOW;
      const span = `${st.zeroWindowEpisodes} time(s), the longest for ${st.longestZeroWindow.toFixed(1)} s${st.zeroWindowAtEnd ? ', still zero at the end' : ''}`;
      const peer = f.stats[dir === 'c2s' ? 's2c' : 'c2s'];
      out.push({
        code: 'zero-window',
        severity: serious ? 'warning' : 'info',
        at: st.firstZeroWindow,
        message:
          dir === 'c2s'
            ? `The client advertised a zero receive window ${span}: ${serious ? 'its application stopped reading the socket' : 'it caught up quickly'}.`
            : `The broker advertised a zero receive window ${span}: ${serious ? 'it stopped reading from this client (resource alarm or flow control)' : 'brief flow control'}.`,
        evidence: {
          dir, count: st.zeroWindows, episodes: st.zeroWindowEpisodes, longestSeconds: roundMicros(st.longestZeroWindow),
          atEnd: st.zeroWindowAtEnd, last: st.lastZeroWindow?.packet ?? null, probes: peer.zeroWindowProbes + peer.keepAlivesIntoZeroWindow,
        },
      });
    }
    if (st.retransmissions > 0) {
      // Retransmissions the peer reported as duplicates (D-SACK) lost nothing: an ACK came late (a delayed ACK, a
      // broker that stopped reading under a resource alarm while its kernel still took the bytes).
      const spurious = st.spuriousRetransmissions;
      const needed = st.retransmissions - spurious;
      const noise = needed === 0 || (endedWell && needed <= NOISE_RETRANSMISSION_SHARE * Math.max(st.payloadSegments, 1));
      const peerName = SIDE[dir === 'c2s' ? 's2c' : 'c2s'];
      const why =
        needed === 0
          ? `${st.retransmissions === 1 ? 'it was' : 'all were'} spurious: the ${peerName} reported ${st.retransmissions === 1 ? 'it' : 'each'} as a duplicate (D-SACK), so the data had arrived and only its acknowledgement was late.`
          : `segments went unacknowledged (loss, or the peer stopped answering)${spurious > 0 ? `; ${spurious} of them spurious (the ${peerName} reported them as duplicates, D-SACK)` : ''}.`;
      out.push({
        code: 'retransmissions',
        severity: noise ? 'info' : 'warning',
        at: f.lastPacket,
        message: `${st.retransmissions} retransmission(s) from the ${side}: ${why}`,
        evidence: { dir, count: st.retransmissions, dataSegments: st.payloadSegments, spurious },
      });
    }
    const probes = st.keepAlives - st.keepAlivesIntoZeroWindow;
    if (probes > 0) {
      const answered = Math.min(probes, f.stats[dir === 'c2s' ? 's2c' : 'c2s'].keepAliveAcks);
      out.push({
        code: 'keepalive-probes',
        severity: answered < probes ? 'warning' : 'info',
        at: f.lastPacket,
        message: `${probes} TCP keep-alive probe(s) from the ${side}, ${answered} answered.`,
        evidence: { dir, count: probes, answered },
      });
    }
    if (st.gaps > 0) {
      const gap = f.decodeProblems.find((p) => p.dir === dir && p.code === 'capture-gap');
      out.push({
        code: 'capture-gap',
        severity: 'warning',
        at: gap ?? f.lastPacket,
        message: `${st.gapBytes} byte(s) from the ${side} are missing from the capture: ${gapReasons(st.gapsByReason)}; decoding resumed after each.`,
        evidence: { dir, gaps: st.gaps, bytes: st.gapBytes, reasons: Object.fromEntries(Object.entries(st.gapsByReason).filter(([, n]) => n > 0)) },
      });
    }
  }
  if (!f.info.synSeen && f.start === null) {
    out.push({
      code: 'capture-started-midstream',
      severity: 'info',
      at: { packet: f.info.firstPacket, tsSec: f.info.firstTsSec, tsNsec: f.info.firstTsNsec },
      message: 'The capture started after this connection was opened: the handshake (and the negotiated heartbeat) were not captured.',
      evidence: {},
    });
  }
  return out;
};

/** Why bytes are missing, as the TCP layer saw it: "3 gap(s) cut by the capture's snap length", ... */
function gapReasons(by: Record<GapReason, number>): string {
  const why: Record<GapReason, string> = {
    'snap-length': "cut off by the capture's snap length (tcpdump -s 0 keeps whole packets)",
    'not-captured': 'in segments the peer acknowledged but the capture never got (dropped by the capturing host)',
    'connection-end': 'held out of order until the connection ended, the bytes before them never captured',
  };
  const parts = (Object.keys(why) as GapReason[]).filter((r) => by[r] > 0).map((r) => `${by[r]} gap(s) ${why[r]}`);
  return parts.join('; ');
}
