/** Findings from TCP-level evidence: zero windows, retransmissions, keep-alive probes, capture gaps. */
import type { Finding, FindingRule } from '../types.js';

const SIDE = { c2s: 'client', s2c: 'broker' } as const;

export const tcpFindings: FindingRule = (ctx) => {
  const f = ctx.facts;
  const out: Finding[] = [];
  for (const dir of ['c2s', 's2c'] as const) {
    const st = f.stats[dir];
    const side = SIDE[dir];
    if (st.zeroWindows > 0 && st.firstZeroWindow !== null) {
      out.push({
        code: 'zero-window',
        severity: 'warning',
        at: st.firstZeroWindow,
        message:
          dir === 'c2s'
            ? `The client advertised a zero receive window ${st.zeroWindows} time(s): its application stopped reading the socket.`
            : `The broker advertised a zero receive window ${st.zeroWindows} time(s): it stopped reading from this client (resource alarm or flow control).`,
        evidence: { dir, count: st.zeroWindows, last: st.lastZeroWindow?.packet ?? null, probes: f.stats[dir === 'c2s' ? 's2c' : 'c2s'].zeroWindowProbes },
      });
    }
    if (st.retransmissions > 0) {
      out.push({
        code: 'retransmissions',
        severity: 'warning',
        at: f.lastPacket,
        message: `${st.retransmissions} retransmission(s) from the ${side}: segments went unacknowledged (loss, or the peer stopped answering).`,
        evidence: { dir, count: st.retransmissions },
      });
    }
    if (st.keepAlives > 0) {
      const answered = f.stats[dir === 'c2s' ? 's2c' : 'c2s'].keepAliveAcks;
      out.push({
        code: 'keepalive-probes',
        severity: answered < st.keepAlives ? 'warning' : 'info',
        at: f.lastPacket,
        message: `${st.keepAlives} TCP keep-alive probe(s) from the ${side}, ${answered} answered.`,
        evidence: { dir, count: st.keepAlives, answered },
      });
    }
    if (st.gaps > 0) {
      const gap = f.decodeProblems.find((p) => p.dir === dir && p.code === 'capture-gap');
      out.push({
        code: 'capture-gap',
        severity: 'warning',
        at: gap ?? f.lastPacket,
        message: `${st.gapBytes} byte(s) from the ${side} are missing from the capture (${st.gaps} gap(s): snap length or dropped packets); decoding resumed after each.`,
        evidence: { dir, gaps: st.gaps, bytes: st.gapBytes },
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
