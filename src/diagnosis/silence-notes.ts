/**
 * Notes for the rows of a silence, the way an expert annotates the CloudAMQP tables: each broker heartbeat the
 * client did not answer, whether the client's kernel still ACKed it, retransmissions that got no ACK.
 */
import { TA_ACK_ADVANCED, TA_ANY_RETRANSMISSION } from '../tcp/types.js';
import type { ConnectionFacts, Moment } from '../timeline/types.js';
import { addNote } from './judgement.js';
import type { Judgement } from './types.js';

/** Annotates the timeline rows after `from` (the client's last byte) up to the end of the connection. */
export function annotateClientSilence(j: Judgement, facts: ConnectionFacts, from: Moment): void {
  let heartbeats = 0;
  let pendingServerPacket = -1; // a broker segment waiting for the client's kernel to ACK it
  for (const e of facts.timeline) {
    if (e.packet <= from.packet) continue;
    if (e.dir === 's2c' && e.kind === 'amqp' && e.type === 'Heartbeat') {
      heartbeats++;
      addNote(j, e.packet, `heartbeat ${heartbeats}, not answered`);
      pendingServerPacket = e.packet;
    } else if (e.dir === 's2c' && e.kind === 'tcp' && ((e.analysis ?? 0) & TA_ANY_RETRANSMISSION) !== 0) {
      addNote(j, e.packet, 'retransmitted: no TCP ACK from the client');
    } else if (e.dir === 'c2s' && e.kind === 'tcp' && ((e.analysis ?? 0) & TA_ACK_ADVANCED) !== 0 && pendingServerPacket >= 0) {
      addNote(j, e.packet, "client's kernel ACKs, no AMQP reply");
      pendingServerPacket = -1;
    }
  }
}
