/** Small constructors shared by the verdict rules. */
import type { Moment } from '../timeline/types.js';
import type { Cause, EndHow, Judgement, Severity, Verdict } from './types.js';

export function judgement(
  verdict: Verdict,
  at: Moment,
  fields: {
    cause?: Cause | null;
    severity: Severity;
    by: 'client' | 'server' | null;
    how: EndHow;
    replyCode?: number | null;
    replyText?: string | null;
    explanation: string;
    evidence?: Record<string, unknown>;
  },
): Judgement {
  return {
    verdict,
    cause: fields.cause ?? null,
    severity: fields.severity,
    at,
    by: fields.by,
    how: fields.how,
    replyCode: fields.replyCode ?? null,
    replyText: fields.replyText ?? null,
    explanation: fields.explanation,
    notes: new Map(),
    evidence: fields.evidence ?? {},
  };
}

export function addNote(j: Judgement, packet: number, note: string): void {
  const list = j.notes.get(packet);
  if (list === undefined) j.notes.set(packet, [note]);
  else if (!list.includes(note)) list.push(note);
}
