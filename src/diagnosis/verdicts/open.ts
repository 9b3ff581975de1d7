/** open: the connection was still open when the capture ended. */
import { judgement } from '../judgement.js';
import type { Judgement, RuleContext } from '../types.js';

export function stillOpen(ctx: RuleContext): Judgement {
  const f = ctx.facts;
  const quiet = f.lastPayload.c2s !== null ? ctx.seconds(f.lastPayload.c2s, f.lastPacket) : null;
  return judgement('open', f.lastPacket, {
    severity: 'info',
    by: null,
    how: null,
    explanation:
      'Still open when the capture ended.' +
      (quiet !== null && ctx.heartbeat !== null && ctx.heartbeat > 0 && quiet > ctx.heartbeat
        ? ` The client had sent nothing for the last ${quiet.toFixed(1)} s (more than T=${ctx.heartbeat} s).`
        : ''),
  });
}
