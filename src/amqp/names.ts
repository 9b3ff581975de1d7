/**
 * Display names of frames, as Wireshark's Info column spells them: `Basic.Deliver`, `Content-Header`,
 * `Content-Body`, `Heartbeat`. Method names come from the frame itself (the decoder took them from spec.ts).
 */

import type { Frame } from './types.js';

export function frameName(frame: Frame): string {
  switch (frame.kind) {
    case 'method':
      return frame.name;
    case 'header':
      return 'Content-Header';
    case 'body':
      return 'Content-Body';
    case 'heartbeat':
      return 'Heartbeat';
  }
}

export { methodName, replyCodeName } from './spec.js';
