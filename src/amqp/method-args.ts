/**
 * A method's arguments as the session (session.ts) reads them: the decoder's values are JSON-safe FieldValues, so
 * they are narrowed here, and a missing or mistyped argument reads as zero, empty or null, never as an exception.
 */
import type { At, TuneValues } from './session-types.js';
import type { FieldTable, FieldValue } from './types.js';

/** A numeric argument; a 64-bit value beyond 2^53 (delivery tags never get there) loses precision. */
export function num(v: FieldValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && v.type === 'int64') return Number(v.value);
  return 0;
}

export function str(v: FieldValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** message-id / correlation-id: a string, or hex for bytes that are not text; null when absent or empty. */
export function idString(v: FieldValue | undefined): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && v.type === 'bytes' && typeof v.hex === 'string') {
    return v.length === 0 ? null : `hex:${v.hex}`;
  }
  return null;
}

export function table(v: FieldValue | undefined): FieldTable | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as FieldTable) : null;
}

/** Connection.Tune or Tune-Ok's values, stamped with the frame. */
export function tuneValues(a: Record<string, FieldValue>, f: At): TuneValues {
  return {
    channelMax: num(a['channel-max']),
    frameMax: num(a['frame-max']),
    heartbeat: num(a['heartbeat']),
    packet: f.packet,
    tsSec: f.tsSec,
    tsNsec: f.tsNsec,
  };
}
