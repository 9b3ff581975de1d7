/**
 * --follow's terminal output: one line per live event (src/live/types.ts), printed as capture time passes, and
 * the one-line status shown on stderr when it is a terminal. Wire strings (connection names, client library
 * names inside explanations) go through `sanitize`: a line is always one line.
 */
import type { LiveEvent, LiveStatus } from '../live/types.js';
import { replyCodeName } from '../amqp/names.js';
import { refusalOf, refusalReason } from '../diagnosis/refusal.js';
import { verdictWithCause } from './phrases.js';
import { sanitize } from './sanitize.js';
import { formatT, groupDigits } from './text.js';

/** `02:10:17.626676 +6.006 #29`: the capture time of day, seconds since the first packet, the packet. */
function stamp(e: { t: number; at: string; packet: number }): string {
  const time = /T([0-9:.]+)Z$/.exec(e.at)?.[1] ?? e.at;
  return `${time} +${formatT(e.t)} #${e.packet}`;
}

export function liveLine(e: LiveEvent): string {
  switch (e.type) {
    case 'opened':
      return `${stamp(e)}  opened   ${e.connection}${e.midStream ? ' (opened before the capture started)' : ''}`;
    case 'unanswered':
      return `${stamp(e)}  NO START ${e.connection}  ${sanitize(e.message)}`;
    case 'refused':
      return `${stamp(e)}  ${e.how === 'rst' ? 'REFUSED ' : 'NO REPLY'} ${e.connection}  ${sanitize(e.message)}`;
    case 'silence':
      return `${stamp(e)}  SILENCE  ${e.connection}${e.name !== null ? ` (${sanitize(e.name)})` : ''}  ${sanitize(e.message)}`;
    case 'no-ack':
      return `${stamp(e)}  NO ACK   ${e.connection}${e.name !== null ? ` (${sanitize(e.name)})` : ''}  ${sanitize(e.message)}`;
    case 'ended': {
      const c = e.connection;
      const name = c.name !== null ? ` (${sanitize(c.name)})` : '';
      const verdict = verdictWithCause(c);
      const again = e.refusedAgain;
      if (again !== undefined) {
        // The first refusal for this reason said why and what to do; a storm's repeats say how it goes on.
        const hosts = `${groupDigits(again.hosts)} host${again.hosts === 1 ? '' : 's'}`;
        const code = c.end.replyCode ?? 0;
        const r = refusalOf(code, c.end.replyText);
        const reason = sanitize(r.reason === 'login' && c.user !== null ? `the login of user '${c.user}' was refused` : refusalReason(r, c.end.replyText));
        return `${stamp(e)}  ENDED    ${c.id}${name}  ${c.severity}: ${verdict}: ${code} ${replyCodeName(code)} again (${reason}): refusal ${groupDigits(again.count)} since +${formatT(again.since)} s, from ${hosts}`;
      }
      return `${stamp(e)}  ENDED    ${c.id}${name}  ${c.severity}: ${verdict}: ${sanitize(c.end.explanation)}`;
    }
    case 'status':
      return `${stamp(e)}  status   ${statusText(e)}`;
  }
}

/**
 * A live event as its NDJSON line's object. report-contract.md fixes the event types (opened, silence, ended,
 * status): the alerts that came later (a broker leaving first bytes unanswered, attempts refused with RST, keep-alive
 * probes or retransmissions unanswered) are
 * written as a `status` event at the alert's capture time, with its counts as they stand and the alert under
 * `alert`, so that a consumer of the contract sees only the types it knows.
 */
export function liveJson(e: LiveEvent, status: LiveStatus | null): object {
  if (e.type !== 'unanswered' && e.type !== 'refused' && e.type !== 'no-ack') return e;
  const counts = status ?? { type: 'status', open: 0, ended: 0, packets: 0, bytes: 0, alerts: 0, blocked: 0, refused: 0, unanswered: 0, attemptsRefused: 0, attemptsUnanswered: 0 };
  return { ...counts, t: e.t, at: e.at, packet: e.packet, alert: e };
}

/** The counts of a status event, for the line on stderr and the status rows. */
export function statusText(s: LiveStatus): string {
  const time = s.at !== '' ? `capture time ${/T([0-9:]+)/.exec(s.at)?.[1] ?? s.at} · ` : '';
  const blocked = s.blocked > 0 ? ` · ${groupDigits(s.blocked)} blocked by a resource alarm` : '';
  const refused =
    (s.attemptsRefused > 0 ? ` · ${groupDigits(s.attemptsRefused)} attempt(s) refused with RST` : '') +
    (s.attemptsUnanswered > 0 ? ` · ${groupDigits(s.attemptsUnanswered)} attempt(s) unanswered` : '') +
    (s.refused > 0 ? ` · ${groupDigits(s.refused)} refused during the handshake` : '');
  const unanswered = s.unanswered > 0 ? ` · ${groupDigits(s.unanswered)} waiting for the broker's first byte` : '';
  return `${time}${groupDigits(s.open)} open${blocked}${unanswered} · ${groupDigits(s.ended)} ended${refused} · ${groupDigits(s.alerts)} silence alert(s) · ${groupDigits(s.packets)} packets · ${(s.bytes / 1e6).toFixed(1)} MB`;
}
