/**
 * Capture timestamps. Nanoseconds since the epoch (~1.7e18) do not fit a double exactly (2^53 ~ 9.0e15), so a
 * moment is kept as whole seconds plus nanoseconds, both plain numbers. Relative times (seconds since the first
 * packet) are small enough to be ordinary numbers.
 */
export interface Stamp {
  /** Whole seconds since the Unix epoch. */
  sec: number;
  /** 0 .. 999_999_999. */
  nsec: number;
}

/** Seconds from `origin` to (sec, nsec), exact to the nanosecond for any span a capture can have. */
export function secondsSince(originSec: number, originNsec: number, sec: number, nsec: number): number {
  return sec - originSec + (nsec - originNsec) / 1e9;
}

/**
 * ISO-8601 UTC with `digits` decimals (6 for microsecond captures, 9 for nanosecond ones), e.g.
 * 2026-11-22T02:07:53.701121Z. The fraction is printed from the integer nanoseconds, never through a float.
 */
export function isoTime(sec: number, nsec: number, digits: number): string {
  // A report's times cluster within seconds, but a connection's (opened, last frames, end) take turns among a few:
  // the date part of each recent second is kept, by second modulo the table's size.
  const slot = sec & (BASE_SLOTS - 1);
  let base = baseText[slot]!;
  if (baseSec[slot] !== sec) {
    base =
      sec >= FIRST_4_DIGIT_YEAR && sec < PAST_4_DIGIT_YEARS
        ? new Date(sec * 1000).toISOString().slice(0, 19) // YYYY-MM-DDTHH:MM:SS
        : expandedIsoSeconds(sec);
    baseSec[slot] = sec;
    baseText[slot] = base;
  }
  if (digits <= 0) return `${base}Z`;
  const frac = String(nsec).padStart(9, '0').slice(0, Math.min(digits, 9));
  return `${base}.${frac}Z`;
}

const BASE_SLOTS = 64;
const baseSec = new Float64Array(BASE_SLOTS).fill(Number.NaN);
const baseText: string[] = new Array<string>(BASE_SLOTS).fill('');

/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: outside them ISO 8601 needs a signed, expanded year. */
const FIRST_4_DIGIT_YEAR = -62_167_219_200;
const PAST_4_DIGIT_YEARS = 253_402_300_800;

/**
 * `±YYYYYY-MM-DDTHH:MM:SS` (ISO 8601 expanded year, as Date#toISOString writes it) for any finite second, also far
 * beyond Date's range (a corrupt pcapng timestamp or if_tsoffset can say 2^64 units): civil-from-days arithmetic
 * (H. Hinnant's algorithm), which cannot throw.
 */
function expandedIsoSeconds(sec: number): string {
  const days = Math.floor(sec / 86400);
  const tod = Math.min(86_399, Math.max(0, sec - days * 86400)); // (beyond 2^53 s the subtraction is inexact)
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const two = (n: number): string => String(Math.floor(n)).padStart(2, '0');
  const y = (year < 0 ? '-' : '+') + String(Math.abs(year)).padStart(6, '0');
  return `${y}-${two(month)}-${two(day)}T${two(tod / 3600)}:${two((tod % 3600) / 60)}:${two(tod % 60)}`;
}

/**
 * The moment an ISO time written by `isoTime` stands for (any year, expanded or not; the inverse of the
 * civil-from-days arithmetic above: days-from-civil), or null when the text is not such a time. Used on JSON reports
 * read back (`--merge`), which may have been made from captures whose clocks say anything.
 */
export function parseIsoTime(text: string): Stamp | null {
  const m = /^([+-]\d{6,}|\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hh = Number(m[4]);
  const mm = Number(m[5]);
  const ss = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 59) return null;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146_097 + doe - 719_468;
  return { sec: days * 86400 + hh * 3600 + mm * 60 + ss, nsec: m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0')) };
}

/** Compare two moments: negative, zero or positive. */
export function compareStamps(aSec: number, aNsec: number, bSec: number, bNsec: number): number {
  return aSec !== bSec ? aSec - bSec : aNsec - bNsec;
}
