/**
 * Phrases every renderer (terminal, HTML, Markdown) says the same way: the heartbeat T, how a connection ended,
 * findings counted by severity, and which connections are problems. Pure; raw wire text in, raw text out: each
 * renderer escapes for its own medium.
 */
import { replyCodeName } from '../amqp/names.js';
import type { Report, ReportAlarm, ReportConnection, ReportFinding, ReportFleet, ReportHandshakeRefusal } from '../report/types.js';
import { formatT, groupDigits } from './text.js';

export function heartbeatText(c: ReportConnection): string {
  const hb = c.heartbeat;
  if (hb.negotiated !== null) return hb.negotiated === 0 ? 'off' : `${hb.negotiated} s`;
  if (hb.inferred !== null) return `~${hb.inferred} s`;
  return '-';
}

/** Keys were given but did not open this connection (review 37: "no TLS keys" beside a warning about the keys). */
function keysFailed(c: ReportConnection): boolean {
  return c.findings.some((f) => f.code === 'tls-not-decrypted');
}

/** Frames each way; a TLS connection read without keys has records, not frames. */
export function framesText(c: ReportConnection): string {
  if (c.frames.clientToServer === null) return keysFailed(c) ? 'TLS, not decrypted' : 'TLS, no keys';
  return `${c.frames.clientToServer}/${c.frames.serverToClient}`;
}

export function heartbeatPhrase(c: ReportConnection): string {
  const hb = c.heartbeat;
  if (hb.negotiated !== null) {
    if (hb.negotiated === 0) return `heartbeats off${hb.proposed !== null && hb.proposed !== 0 ? ` (broker proposed ${hb.proposed} s)` : ''}`;
    const proposed = hb.proposed !== null && hb.proposed !== hb.negotiated ? `, broker proposed ${hb.proposed} s` : '';
    return `heartbeat T = ${hb.negotiated} s (negotiated${proposed})`;
  }
  if (hb.inferred !== null) {
    const from = hb.inferredFrom === 'tls-records' ? "the broker's heartbeat-sized TLS records" : "the broker's heartbeats";
    return `heartbeat T ~ ${hb.inferred} s (inferred from ${from})`;
  }
  if (c.frames.clientToServer === null) return `heartbeat T unknown (the AMQP handshake is encrypted: ${keysFailed(c) ? 'not decrypted' : 'no TLS keys'})`;
  return c.handshakeSeen ? 'no heartbeat negotiated' : 'heartbeat T unknown (handshake not captured)';
}

function who(by: 'client' | 'server' | null): string {
  return by === 'server' ? 'broker' : by === 'client' ? 'client' : '';
}

/**
 * What the verdict line and the table show beside the verdict: its cause, or for a connection whose broker stopped
 * answering or went silent (no cause code says the broker is gone), that in words; null for neither. Review 35: four
 * connections with errors read "open" in the table, like healthy ones.
 */
export function causeLabel(c: ReportConnection): string | null {
  if (c.end.cause !== null) return c.end.cause;
  const end = c.end as Record<string, unknown>;
  if (end['brokerUnreachable'] === true) return 'broker not answering';
  if (end['notAccepted'] === true && c.end.verdict === 'open' && c.end.severity === 'error') return 'no Connection.Start';
  return end['silentSide'] === 'server' ? 'broker silent' : null;
}

/** "missed-heartbeats (client-stalled)", "open (broker not answering)", "closed-by-client". */
export function verdictWithCause(c: ReportConnection): string {
  const cause = causeLabel(c);
  return cause !== null ? `${c.end.verdict} (${cause})` : c.end.verdict;
}

/** "broker RST at 12.016 s", "broker Connection.Close at 3.900 s: 320 CONNECTION_FORCED - ...". */
export function endPhrase(c: ReportConnection): string {
  const e = c.end;
  const at = `at ${formatT(e.t)} s`;
  const sender = who(e.by);
  const s = (what: string): string => `${sender !== '' ? `${sender} ` : ''}${what} ${at}`;
  switch (e.how) {
    case 'amqp-close': {
      const reply = [e.replyCode !== null ? String(e.replyCode) : '', e.replyText ?? ''].filter((x) => x !== '').join(' ');
      return `${s('Connection.Close')}${reply !== '' ? `: ${reply}` : ''}`;
    }
    case 'fin':
      return s('FIN');
    case 'rst':
      // Forged by a middlebox (reset.ts: another TTL than the side's own packets): sent in that side's name only.
      return (e as { middlebox?: unknown }).middlebox === true ? `RST in the ${sender}'s name (a middlebox) ${at}` : s('RST');
    case 'timeout':
      return s('timeout');
    default:
      // end.t of an open connection is its own last packet, which can be long before the capture's end
      // (netns-broker-unreachable-keepalive: an idle consumer's last packet at 0.170 s of a 31.3 s capture).
      return e.verdict === 'open' ? `still open at the capture's end (its last packet at ${formatT(e.t)} s)` : `ended ${at}`;
  }
}

export function countBySeverity(findings: readonly ReportFinding[]): string {
  const parts: string[] = [];
  for (const sev of ['error', 'warning'] as const) {
    const n = findings.filter((f) => f.severity === sev).length;
    if (n > 0) parts.push(`+${n} ${sev}${n > 1 ? 's' : ''}`);
  }
  return parts.join(', ');
}

/** A connection with a warning or an error, in its verdict or its findings. */
export function isProblem(c: ReportConnection): boolean {
  return c.severity !== 'info';
}

/**
 * The heading's facts: T, the client's last frame and byte, the broker's last frame when the broker went quiet,
 * and the deliveries still unacked when the capture ended on an open connection.
 */
export function connectionFacts(c: ReportConnection): string[] {
  const facts: string[] = [heartbeatPhrase(c)];
  const lf = c.lastClientFrame;
  if (lf !== null) facts.push(`client's last frame: ${lf.type} at ${formatT(lf.t)} s (packet ${lf.packet})`);
  const lb = c.lastClientByte;
  if (lb !== null && (lf === null || lb.packet !== lf.packet)) facts.push(`client's last byte at ${formatT(lb.t)} s (packet ${lb.packet})`);
  const serverSide = c.end.verdict === 'server-unresponsive' || c.end.cause === 'server-stalled';
  if (serverSide && c.lastServerFrame !== null) {
    facts.push(`broker's last frame: ${c.lastServerFrame.type} at ${formatT(c.lastServerFrame.t)} s (packet ${c.lastServerFrame.packet})`);
  }
  // An ended connection's unacked deliveries are its unacked-at-close finding. An open one's are what the broker
  // requeues if it closes the connection (a stalled consumer's prefetch): said here, or only the JSON had them.
  // Joined midway, deliveries from before the capture may be unacked too: the count is a minimum.
  const { unacked } = c;
  const atLeast = c.handshakeSeen ? '' : 'at least ';
  if (c.end.verdict === 'open' && unacked > 0) facts.push(`${atLeast}${groupDigits(unacked)} ${unacked === 1 ? 'delivery' : 'deliveries'} unacked at the end`);
  return facts;
}

/** When a connection starts on the chart: its first packet, else its first timeline event, else its end. */
export function openedAt(c: ReportConnection): number {
  return c.opened?.t ?? c.timeline[0]?.t ?? c.lastClientByte?.t ?? c.end.t;
}

/**
 * A resource alarm's span on the run's clock, "5.549-23.850 s": from its first Blocked to the last moment a connection
 * was known blocked (the last Unblocked, or a later end of one never unblocked).
 */
export function alarmSpanText(a: ReportAlarm): string {
  return `${formatT(a.t)}-${formatT(a.endT)} s`;
}

/** "7 blocked (low on memory)"; without a Blocked frame in the capture, no reason is known. */
export function alarmCountText(a: ReportAlarm): string {
  return `${groupDigits(a.count)} blocked${a.reasons.length > 0 ? ` (${a.reasons.join('; ')})` : ''}`;
}

/**
 * "… 25 more resource alarms (15 listed in the JSON report, 10 only counted there)" after `shown` of the `kept` the
 * report lists (it counts `omitted` others), or null when none is left.
 */
function moreListedText(noun: string, kept: number, omitted: number, shown: number): string | null {
  const listed = Math.max(0, kept - shown);
  const more = listed + omitted;
  if (more === 0) return null;
  const where = omitted === 0 ? 'in the JSON report' : listed === 0 ? 'counted in the JSON report' : `${groupDigits(listed)} listed in the JSON report, ${groupDigits(omitted)} only counted there`;
  return `… ${groupDigits(more)} more ${noun}${more === 1 ? '' : 's'} (${where})`;
}

/** The resource alarms past the first `shown` (the report lists the largest 20 and counts the others), or null. */
export function moreAlarmsText(fleet: Pick<ReportFleet, 'alarms' | 'alarmsOmitted'>, shown: number): string | null {
  return moreListedText('resource alarm', fleet.alarms.length, fleet.alarmsOmitted, shown);
}

/** The handshake refusals past the first `shown` (the report lists the largest 10 and counts the others), or null. */
export function moreRefusalsText(fleet: Pick<ReportFleet, 'handshakeRefusals' | 'handshakeRefusalsOmitted'>, shown: number): string | null {
  return moreListedText('handshake refusal', fleet.handshakeRefusals.length, fleet.handshakeRefusalsOmitted, shown);
}

/** A handshake refusal's span on the run's clock, "1.213-14.346 s": from the first refused connection's end to the last's. */
export function refusalSpanText(r: ReportHandshakeRefusal): string {
  return `${formatT(r.t)}-${formatT(r.endT)} s`;
}

/** "53 refused (530 NOT_ALLOWED)". */
export function refusalCountText(r: ReportHandshakeRefusal): string {
  return `${groupDigits(r.count)} refused (${r.replyCode} ${replyCodeName(r.replyCode)})`;
}

/**
 * "narrowed by --since 20: 7 of 16 AMQP connections listed; the summary covers all 16", for a report narrowed by
 * the filters (report.narrowed); null otherwise.
 */
export function narrowedText(report: Report): string | null {
  const n = report.narrowed;
  if (n === undefined) return null;
  const settings = n.settingsOnly !== undefined ? `; ${groupDigits(n.settingsOnly)} whose only warning is a setting (a low heartbeat timeout, heartbeats off) left out` : '';
  const unnamed = n.unnamed !== undefined ? `; ${groupDigits(n.unnamed)} left out had no name in the capture (it joined them after their Start-Ok), so a name could not match them: narrow by host or port to see them` : '';
  return `narrowed by ${n.filters.join(' ')}: ${groupDigits(report.connections.length)} of ${groupDigits(n.connections)} AMQP connection${n.connections === 1 ? '' : 's'} listed; the summary covers all ${groupDigits(n.connections)}${settings}${unnamed}`;
}
