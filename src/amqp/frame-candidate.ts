/**
 * Whether a resync candidate is a plausible AMQP frame: the test the frame decoder's search applies at each offset
 * (frame-decoder.ts, resynchronisation), and at the start of a stream that has no protocol header.
 */
import { BASIC_CLASS_ID, methodInfo } from './spec.js';
import { CodecError, decodeBasicHeader, readU16, readU32, skipArgs } from './codec.js';
import * as wire from './types.js';

// Module-local copies of the frame constants (see frame-decoder.ts: a getter call each under vitest's runner).
const FRAME_METHOD: number = wire.FRAME_METHOD;
const FRAME_HEADER: number = wire.FRAME_HEADER;
const FRAME_BODY: number = wire.FRAME_BODY;
const FRAME_HEARTBEAT: number = wire.FRAME_HEARTBEAT;
const FRAME_END: number = wire.FRAME_END;

/** plausibleFrame's answers. */
export const REJECT = 0;
export const NEED_MORE = 1;
export const ACCEPT = 2;

/** The search's lifetime budget on candidate sizes (RESYNC_BUDGET_* in frame-decoder.ts). */
export interface CandidateBudget {
  /** Charges trying the candidate buf[p, e] to the budget, once; false if the budget cannot pay for it. */
  affordable(p: number, e: number): boolean;
}

/**
 * Is there a plausible frame at buf[p]? Cheap tests first: type 1/2/3/8; heartbeat channel 0 and size 0;
 * payload within `limit`; method: a known class/method, Connection methods on channel 0 and no others;
 * content header: class 60, weight 0, channel != 0; body: channel != 0. Then 0xCE exactly at the end, and for
 * method and header frames, a payload that decodes completely. NEED_MORE if the answer depends on bytes not yet
 * here (never more than limit + 8 of them).
 */
export function plausibleFrame(buf: Uint8Array, p: number, len: number, limit: number, budget: CandidateBudget): number {
  const type = buf[p] as number;
  if (type !== FRAME_METHOD && type !== FRAME_HEADER && type !== FRAME_BODY && type !== FRAME_HEARTBEAT) return REJECT;
  const channel = ((buf[p + 1] as number) << 8) | (buf[p + 2] as number);
  const size = readU32(buf, p + 3);
  const e = p + 7 + size;
  if (type === FRAME_HEARTBEAT) {
    if (channel !== 0 || size !== 0) return REJECT;
    if (e >= len) return NEED_MORE;
    return buf[e] === FRAME_END ? ACCEPT : REJECT;
  }
  if (size > limit) return REJECT;
  if (type === FRAME_BODY) {
    if (channel === 0 || !budget.affordable(p, e)) return REJECT;
    if (e >= len) return NEED_MORE;
    return buf[e] === FRAME_END ? ACCEPT : REJECT;
  }
  if (type === FRAME_METHOD) {
    if (size < 4) return REJECT;
    if (p + 11 > len) return NEED_MORE;
    const info = methodInfo(readU16(buf, p + 7), readU16(buf, p + 9));
    if (info === undefined || (info.classId === 10) !== (channel === 0) || !budget.affordable(p, e)) return REJECT;
    if (e >= len) return NEED_MORE;
    if (buf[e] !== FRAME_END) return REJECT;
    // Checked without building the values (skipArgs accepts exactly what decodeArgs does: test/amqp/frame-view.test.ts).
    return skipArgs(buf, p + 11, e, info.argTypes) === e ? ACCEPT : REJECT;
  }
  // Content header.
  if (size < 14 || channel === 0) return REJECT;
  if (p + 11 > len) return NEED_MORE;
  if (readU16(buf, p + 7) !== BASIC_CLASS_ID || readU16(buf, p + 9) !== 0 || !budget.affordable(p, e)) return REJECT;
  if (e >= len) return NEED_MORE;
  if (buf[e] !== FRAME_END) return REJECT;
  const r = decodeBasicHeader(buf, p + 11, e);
  return !(r instanceof CodecError) && r[1] === e ? ACCEPT : REJECT;
}
