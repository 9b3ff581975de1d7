/**
 * Fleet members from connections already in a report: what `--merge` and the renderers' test fixtures feed the fleet
 * layer with, when the packets are gone. The analyzer builds its members from its diagnoses (fleet/member.ts);
 * this is the same member read back from the report's fields.
 */
import { applicationName, instanceName } from '../fleet/application.js';
import { blockedSpan, eventErrors, eventWarnings, handshakeThrough, middleboxOf, NOT_BLOCKED, silenceStart } from '../fleet/member.js';
import { emptyNonAmqpCounts, runClock, summarizeFleet, type Fleet, type FleetMember, type FleetRedelivery, type Instant, type NonAmqpCounts } from '../fleet/index.js';
import { parseIsoTime } from '../capture/timestamp.js';
import { plusSeconds, type BlockedSpan } from '../fleet/types.js';
import type { Report, ReportConnection, When } from './types.js';

/** "2026-12-05T09:13:54.799497123Z" → whole seconds and nanoseconds, exactly (Date keeps only milliseconds); 0 if unreadable. */
export function instantOf(w: When): Instant {
  const stamp = parseIsoTime(w.at);
  return stamp === null ? { sec: 0, nsec: 0, packet: w.packet } : { sec: stamp.sec, nsec: stamp.nsec, packet: w.packet };
}

export function memberFromReport(c: ReportConnection, capture: string | null): FleetMember {
  const hb = c.heartbeat.negotiated ?? c.heartbeat.inferred;
  const end = c.end as Record<string, unknown>;
  const brokerUnreachable = end['brokerUnreachable'] === true;
  const brokerSilent = end['silentSide'] === 'server';
  return {
    id: c.id,
    capture,
    host: c.client.address,
    application: applicationName(c.name, c.library),
    instance: instanceName(c.name),
    // Reports made before the field existed have no user.
    user: c.user ?? null,
    middlebox: middleboxOf(c.end.verdict, c.end.how, (c.end as { middlebox?: unknown }).middlebox, (c.end as { usualTtl?: unknown }).usualTtl),
    handshakeDone: handshakeThrough(c.handshakeSeen, c.end.verdict, c.lastServerFrame?.type ?? null),
    opened: instantOf(c.opened),
    ended: c.end.verdict === 'open' ? null : instantOf(c.end),
    verdict: c.end.verdict,
    cause: c.end.cause,
    severity: c.end.severity,
    by: c.end.by,
    how: c.end.how,
    replyCode: c.end.replyCode,
    replyText: c.end.replyText,
    heartbeat: hb !== null && hb > 0 ? hb : null,
    explanation: c.end.explanation,
    warnings: eventWarnings(c.findings),
    warningsInclude: eventErrors(c.findings) ? 'errors' : 'warnings',
    unanswered: c.end.notAccepted === true,
    ...(c.end.notAccepted === true && end['elapsedAtLeast'] === true ? { headerBeforeCapture: true as const } : {}),
    beginningSeen: c.handshakeSeen,
    blocked: blockedSpans(c),
    silentSince: silenceStart(c.end.verdict, c.end.cause, brokerSilent, c.lastClientByte, brokerLastPacket(end) ?? c.lastServerByte, instantOf),
    brokerUnreachable,
    brokerSilent,
    broker: c.server.address,
    heartbeatsOff: hb === 0,
  };
}

/** The fleet's redeliveries, from a report's redelivered-after-close findings. */
export function redeliveriesOf(findings: Report['findings']): FleetRedelivery[] {
  return findings.filter((f) => f.code === 'redelivered-after-close').map((f) => ({ from: f.from, to: f.to, count: f.count, at: instantOf(f) }));
}

/** A broker gone's last packet (`end.brokerLastPacket`), absent from reports made before the field existed. */
function brokerLastPacket(end: Record<string, unknown>): When | null {
  const w = end['brokerLastPacket'];
  return typeof w === 'object' && w !== null && typeof (w as When).at === 'string' && typeof (w as When).packet === 'number' ? (w as When) : null;
}

/**
 * Its Connection.Blocked episodes, from its connection-blocked findings: the Blocked frame's moment (or the capture's
 * start, blocked before it) and the Unblocked one (`unblocked`, `unblockedAt`: exact, also to the nanosecond; a report
 * written before `unblockedAt` existed gives it as the Blocked moment plus `durationSeconds`, to the microsecond).
 */
function blockedSpans(c: ReportConnection): readonly BlockedSpan[] {
  const spans: BlockedSpan[] = [];
  for (const f of c.findings) {
    if (f.code !== 'connection-blocked') continue;
    const from = instantOf(f);
    const unblocked = typeof f['unblocked'] === 'number' ? f['unblocked'] : null;
    const unblockedAt = typeof f['unblockedAt'] === 'string' ? f['unblockedAt'] : null;
    const duration = typeof f['durationSeconds'] === 'number' ? f['durationSeconds'] : 0;
    const until = unblocked === null ? null : unblockedAt !== null ? instantOf({ t: 0, at: unblockedAt, packet: unblocked }) : plusSeconds(from, duration, unblocked);
    spans.push(blockedSpan(from, until, typeof f['reason'] === 'string' ? f['reason'] : null, f['beforeCapture'] === true, instantOf(c.end)));
  }
  return spans.length === 0 ? NOT_BLOCKED : spans;
}

/**
 * The fleet section of a report's connections, read back from the report (its start, duration and packet count
 * give the run's clock); the counts of connections without AMQP are carried over from `nonAmqp`.
 */
export function fleetFromReport(r: Pick<Report, 'capture' | 'connections'> & Partial<Pick<Report, 'findings'>>, nonAmqp: NonAmqpCounts = emptyNonAmqpCounts()): Fleet {
  const start = r.capture.start ?? r.connections[0]?.opened.at ?? '1970-01-01T00:00:00Z';
  const digits = /\.(\d+)Z$/.exec(start)?.[1]?.length ?? 6;
  const origin = instantOf({ t: 0, at: start, packet: r.capture.packets > 0 ? 1 : 0 });
  const end = plusSeconds(origin, r.capture.durationSeconds, r.capture.packets);
  const members = r.connections.map((c) => memberFromReport(c, c.capture ?? null));
  return summarizeFleet({ members, nonAmqp, origin, end, clock: runClock(origin, digits), redeliveries: redeliveriesOf(r.findings ?? []) });
}
