/** Whether a connection stands blocked by the broker (Connection.Blocked, no Unblocked since), from its facts. */
import type { BlockedEpisode, ConnectionFacts } from './types.js';

/** Its Connection.Blocked episode still in force (the last one, without an Unblocked), or null. */
export function blockedNow(f: Pick<ConnectionFacts, 'blocked'>): BlockedEpisode | null {
  const last = f.blocked[f.blocked.length - 1];
  return last !== undefined && last.unblocked === null ? last : null;
}
