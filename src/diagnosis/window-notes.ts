/**
 * Notes for a side's receive window going to zero and coming back: an application that stopped reading its socket
 * (failure-modes.md F8, F11, the sigstop captures) shows there, so both rows always stay visible.
 */
import { TCP_RST, TCP_SYN } from '../net/types.js';
import { TA_ZERO_WINDOW } from '../tcp/types.js';
import type { Dir } from '../tcp/types.js';
import type { ConnectionFacts, TimelineEntry } from '../timeline/types.js';
import { formatSeconds } from './client-library.js';
import { secondsBetween } from './heartbeat.js';
import { addNote } from './judgement.js';
import type { Judgement } from './types.js';

export function annotateWindows(j: Judgement, facts: ConnectionFacts): void {
  const zeroSince: Record<Dir, TimelineEntry | null> = { c2s: null, s2c: null };
  for (const e of facts.timeline()) {
    if (e.kind !== 'tcp' || e.window === undefined) continue;
    const who = e.dir === 'c2s' ? 'client' : 'broker';
    const since = zeroSince[e.dir];
    if (((e.analysis ?? 0) & TA_ZERO_WINDOW) !== 0) {
      if (since === null) addNote(j, e.packet, `${who}'s receive window is zero`);
      zeroSince[e.dir] ??= e;
    } else if (since !== null && e.window > 0 && ((e.tcpFlags ?? 0) & (TCP_SYN | TCP_RST)) === 0) {
      const zero = secondsBetween(since, e);
      addNote(j, e.packet, `${who}'s window open again after ${zero < 0.1 ? `${(zero * 1000).toFixed(1)} ms` : formatSeconds(zero)} at zero`);
      zeroSince[e.dir] = null;
    }
  }
}
