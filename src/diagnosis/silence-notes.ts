/**
 * Notes for the rows of a silence, the way an expert annotates the CloudAMQP tables: each broker heartbeat the
 * client did not answer, whether the client's kernel still ACKed it, retransmissions that got no ACK.
 */
import { TA_ACK_ADVANCED, TA_ANY_RETRANSMISSION } from '../tcp/types.js';
import type { ConnectionFacts, Moment } from '../timeline/types.js';
import { addNote } from './judgement.js';
import type { Judgement } from './types.js';

/**
 * Annotates the timeline rows after `from` (the client's last byte) up to the end of the connection: the first
 * and the last unanswered broker heartbeat (with the client kernel's ACK of each), so the stretch between them
 * folds into one row in the terminal, and every retransmission that got no ACK.
 */
export function annotateClientSilence(j: Judgement, facts: ConnectionFacts, from: Moment): void {
  const heartbeats: { packet: number; ack: number }[] = [];
  for (const e of facts.timeline) {
    if (e.packet <= from.packet) continue;
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
    if (i !== 0 && i !== count - 1) return;
    addNote(j, h.packet, `heartbeat ${i + 1}${i === count - 1 && count > 1 ? ` of ${count}` : ''}, not answered`);
    if (h.ack >= 0) addNote(j, h.ack, "client's kernel ACKs, no AMQP reply");
  });
}
