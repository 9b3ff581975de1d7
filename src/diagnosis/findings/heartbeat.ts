/** Findings about the heartbeat setting and how close the connection came to a heartbeat timeout. */
import { formatSeconds } from '../client-library.js';
import { heartbeatTolerance, roundMicros } from '../heartbeat.js';
import { isKeyless } from '../tls-records.js';
import type { Moment } from '../../timeline/types.js';
import type { Finding, FindingRule } from '../types.js';

/** What RabbitMQ's documentation says of a heartbeat timeout under 5 s (also said once for a fleet: render/fleet.ts). */
export const LOW_TIMEOUT_RISK = "RabbitMQ's documentation warns that values under 5 s are likely to cause false positives";
/** What heartbeats disabled means (also said once for a fleet). */
export const NO_HEARTBEATS_RISK = 'a dead peer is only noticed by TCP keep-alives or when a write fails, possibly minutes later';

export const heartbeatSetting: FindingRule = (ctx, judgement) => {
  const f = ctx.facts;
  const out: Finding[] = [];
  // Refused at Connection.Open (a connection limit, a vhost): Tune-Ok went by, but the setting never ran.
  if (judgement.verdict === 'handshake-failed') return out;
  if (f.tuneOk !== null && f.tuneOk.heartbeat === 0) {
    out.push({
      code: 'heartbeats-disabled',
      severity: 'warning',
      at: f.tuneOk,
      message: `Heartbeats disabled (Tune-Ok heartbeat=0${f.tune !== null ? `; the broker proposed ${f.tune.heartbeat}` : ''}): ${NO_HEARTBEATS_RISK}.`,
      evidence: { proposed: f.tune?.heartbeat ?? null, negotiated: 0 },
    });
  } else if (f.tuneOk !== null && f.tuneOk.heartbeat > 0 && f.tuneOk.heartbeat < 5) {
    out.push({
      code: 'heartbeat-timeout-low',
      severity: 'warning',
      at: f.tuneOk,
      message: `Heartbeat timeout of ${f.tuneOk.heartbeat} s: ${LOW_TIMEOUT_RISK}.`,
      evidence: { negotiated: f.tuneOk.heartbeat },
    });
  }
  // The connection's first packet here, where a finding about a setting seen only midway stands.
  const first = (): Moment => ({ packet: f.info.firstPacket, tsSec: f.info.firstTsSec, tsNsec: f.info.firstTsNsec });
  if (f.tuneOk === null && f.inferredHeartbeat !== null && f.inferredHeartbeat > 0 && f.inferredHeartbeat < 5) {
    // The same setting seen through a capture that joined the connection (review 36: the full capture warned of it).
    out.push({
      code: 'heartbeat-timeout-low',
      severity: 'warning',
      at: first(),
      message: `Heartbeat timeout of about ${f.inferredHeartbeat} s (inferred from the broker's heartbeat cadence): ${LOW_TIMEOUT_RISK}.`,
      evidence: { inferred: f.inferredHeartbeat },
    });
  }
  if (f.tuneOk === null && f.inferredHeartbeat !== null) {
    out.push({
      code: 'heartbeat-inferred',
      severity: 'info',
      at: f.info.synSeen ? f.lastPacket : first(),
      message: isKeyless(f)
        ? `The AMQP handshake is encrypted (${f.tls!.keyProblem !== null ? 'not decrypted: see tls-not-decrypted' : 'no TLS keys for this connection'}); T=${f.inferredHeartbeat} s is inferred from the cadence of the broker's heartbeat-sized TLS records (every T/2).`
        : `The handshake was not captured; T=${f.inferredHeartbeat} s is inferred from the broker's heartbeat cadence (every T/2).`,
      evidence: { inferred: f.inferredHeartbeat },
    });
  }
  return out;
};

/**
 * heartbeat-near-miss: a side sent nothing for longer than T with heartbeats on, yet the connection was not
 * dropped for it (the amqplib prefetch case). One finding per direction, for its longest such silence.
 */
export const heartbeatNearMiss: FindingRule = (ctx, judgement) => {
  const t = ctx.heartbeat;
  if (t === null || t <= 0) return [];
  if (judgement.verdict === 'missed-heartbeats' || judgement.verdict === 'server-unresponsive') return [];
  const out: Finding[] = [];
  // RabbitMQ pauses a connection's heartbeat monitor while it is blocked (rabbit_reader: a resource alarm), and the
  // blocked client cannot write once the broker's window closes: a client silence during a block is no near miss.
  const blocks = ctx.facts.blocked.map((b) => ({ from: b.blocked.packet, to: b.unblocked?.packet ?? Number.POSITIVE_INFINITY }));
  const duringBlock = (s: { from: Moment; to: Moment | null }): boolean => blocks.some((b) => s.from.packet < b.to && (s.to?.packet ?? Number.POSITIVE_INFINITY) > b.from);
  for (const dir of ['c2s', 's2c'] as const) {
    const long = ctx.facts.silences.filter((s) => s.dir === dir && s.duration > t + heartbeatTolerance(t) && s.to !== null && !(dir === 'c2s' && duringBlock(s)));
    if (long.length === 0) continue;
    const worst = long.reduce((a, b) => (b.duration > a.duration ? b : a));
    const side = dir === 'c2s' ? 'client' : 'broker';
    out.push({
      code: 'heartbeat-near-miss',
      severity: 'warning',
      at: worst.from,
      message: `The ${side} sent nothing for ${formatSeconds(worst.duration)} (${(worst.duration / t).toFixed(1)} x T, T=${t} s)${long.length > 1 ? `, ${long.length} times over T in all` : ''}; ${dir === 'c2s' ? 'RabbitMQ drops a client after 2T-3T of silence' : 'clients give up after about 2T'}.`,
      evidence: { dir, silenceSeconds: roundMicros(worst.duration), until: worst.to?.packet ?? null, occurrences: long.length },
    });
  }
  return out;
};
