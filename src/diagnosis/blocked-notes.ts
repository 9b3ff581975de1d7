/**
 * Notes on a connection's Connection.Blocked and Unblocked rows: what a resource alarm does to it (the broker stops
 * reading it until the alarm clears; failure-modes.md §1.5), so that the rows between read as waiting, not stalling.
 */
import type { ConnectionFacts } from '../timeline/types.js';
import { addNote } from './judgement.js';
import type { Judgement } from './types.js';

export function annotateBlocks(j: Judgement, facts: Pick<ConnectionFacts, 'blocked'>): void {
  for (const b of facts.blocked) {
    // An episode blocked before the capture has no Blocked row: its packet is the capture's first one.
    // On the frame's own row: the broker's segment that carries it often reopens or still shows a zero window,
    // a TCP row of the same packet listed first.
    if (!b.beforeCapture && !b.lostInGap) addNote(j, b.blocked.packet, 'resource alarm: the broker stops reading', 'Connection.Blocked');
    if (b.unblocked !== null) {
      const cleared = b.beforeCapture ? 'alarm cleared (blocked before the capture)' : b.lostInGap ? 'alarm cleared (its Connection.Blocked lost in a capture gap)' : 'alarm cleared: the broker reads again';
      addNote(j, b.unblocked.packet, cleared, 'Connection.Unblocked');
    }
  }
}
