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
    noteRows: new Map(),
    evidence: fields.evidence ?? {},
  };
}

/**
 * Notes `packet`'s row. `row`, the type of the frame the note is about, puts this note on that frame's row; without
 * it, the note goes on the packet's first row (or the client's last frame).
 */
export function addNote(j: Judgement, packet: number, note: string, row?: string): void {
  if (row !== undefined) {
    let byNote = j.noteRows.get(packet);
    if (byNote === undefined) j.noteRows.set(packet, (byNote = new Map()));
    if (!byNote.has(note)) byNote.set(note, row);
  }
  const list = j.notes.get(packet);
  if (list === undefined) j.notes.set(packet, [note]);
  else if (!list.includes(note)) list.push(note);
}
