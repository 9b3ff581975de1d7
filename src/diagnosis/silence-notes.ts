/**
 * Notes for the rows of a client's silence, the way an expert annotates the CloudAMQP tables: each broker heartbeat
 * the client did not answer, with its number, the client kernel's ACK of each, retransmissions that got no ACK.
 * A row with a note is never folded away: this is the evidence for the verdict.
 */
import { TA_ACK_ADVANCED, TA_ANY_RETRANSMISSION } from '../tcp/types.js';
import type { ConnectionFacts, Moment } from '../timeline/types.js';
import { addNote } from './judgement.js';
import type { Judgement, RuleContext } from './types.js';

/** Where the client's silence at the end starts, and whether that is only a bound. */
export interface ClientSilenceStart {
  /** The client's last payload byte before the end, if the capture has one. */
  lastByte: Moment | null;
  /** The last byte, or the capture's start when the capture started mid-connection without one; else null. */
  since: Moment | null;
  /** `since` is the capture's start: the client's last byte is before the capture. */
  atLeast: boolean;
}

export function clientSilenceStart(ctx: RuleContext): ClientSilenceStart {
  const lastByte = ctx.atEnd.lastPayload.c2s;
  // No client byte in a capture that started mid-connection: silent at least since the capture's start.
  const atLeast = lastByte === null && !ctx.facts.info.synSeen;
  return { lastByte, since: lastByte ?? (atLeast ? ctx.facts.captureStart : null), atLeast };
}

/**
 * The rows of a client's silence: its last frame, its last byte when that is another packet, and everything
 * annotateClientSilence notes after it (from the capture's first packet when the silence is only a bound).
 */
export function annotateClientEnd(j: Judgement, ctx: RuleContext, start: ClientSilenceStart): void {
  const lastFrame = ctx.atEnd.lastFrame.c2s;
  const { lastByte, since, atLeast } = start;
  if (lastFrame !== null) addNote(j, lastFrame.packet, "client's last frame");
  if (lastByte !== null && (lastFrame === null || lastFrame.packet !== lastByte.packet)) addNote(j, lastByte.packet, "client's last byte");
  if (since !== null) annotateClientSilence(j, ctx.facts, atLeast ? since.packet - 1 : since.packet);
}

/**
 * Annotates the timeline rows after packet `after` (the client's last byte, or before the capture's first packet
 * when that byte is not in the capture) up to the end of the connection: every unanswered broker heartbeat ("heartbeat
 * 2 of 5, not answered"), the client kernel's ACK of each, and every retransmission that got no ACK.
 */
export function annotateClientSilence(j: Judgement, facts: ConnectionFacts, after: number): void {
  const heartbeats: { packet: number; ack: number }[] = [];
  for (const e of facts.timeline()) {
    if (e.packet <= after) continue;
    if (e.dir === 's2c' && e.kind === 'amqp' && e.type === 'Heartbeat') {
      heartbeats.push({ packet: e.packet, ack: -1 });
    } else if (e.dir === 's2c' && e.kind === 'tcp' && ((e.analysis ?? 0) & TA_ANY_RETRANSMISSION) !== 0) {
      addNote(j, e.packet, 'retransmitted: no TCP ACK from the client');
    } else if (e.dir === 'c2s' && e.kind === 'tcp' && ((e.analysis ?? 0) & TA_ACK_ADVANCED) !== 0) {
      const last = heartbeats[heartbeats.length - 1];
      if (last !== undefined && last.ack < 0) last.ack = e.packet;
    }
  }
  const count = heartbeats.length;
  heartbeats.forEach((h, i) => {
    addNote(j, h.packet, `heartbeat ${i + 1}${count > 1 ? ` of ${count}` : ''}, not answered`);
    if (h.ack >= 0) addNote(j, h.ack, "client's kernel ACKs, no AMQP reply");
  });
}
