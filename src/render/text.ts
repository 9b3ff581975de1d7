/**
 * Measuring, wrapping and shortening text for the terminal, in display columns. The input is already sanitized
 * (one line, no control characters) and carries no colour codes: colour is added after layout.
 *
 * Widths follow cli-table3's own measure (string-width 4) closely, and never fall below it: East Asian wide and
 * fullwidth characters and emoji take two columns, U+0300-036F combining marks none, everything else one. Counting a
 * character wider than cli-table3 does only leaves a column a little under-filled; counting it narrower would make
 * cli-table3 truncate the cell, so where the two could disagree this module errs on the wide side.
 */

function isWide(cp: number): boolean {
  return (
    cp >= 0x1100 &&
    (cp <= 0x115f ||
      cp === 0x2329 ||
      cp === 0x232a ||
      (cp >= 0x2e80 && cp <= 0x3247 && cp !== 0x303f) ||
      (cp >= 0x3250 && cp <= 0x4dbf) ||
      (cp >= 0x4e00 && cp <= 0xa4c6) ||
      (cp >= 0xa960 && cp <= 0xa97c) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe10 && cp <= 0xfe19) ||
      (cp >= 0xfe30 && cp <= 0xfe6b) ||
      (cp >= 0xff01 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1b000 && cp <= 0x1b001) ||
      (cp >= 0x1f200 && cp <= 0x1f251) ||
      (cp >= 0x1f300 && cp <= 0x1faff) || // emoji and pictographs
      (cp >= 0x20000 && cp <= 0x3fffd))
  );
}

const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;

/** Display columns of one code point. */
export function charWidth(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp >= 0x300 && cp <= 0x36f) return 0;
  if (cp < 0x7f) return 1;
  if (isWide(cp)) return 2;
  if (cp >= 0xa9 && PICTOGRAPHIC.test(ch)) return 2;
  return 1;
}

/** Display columns of a sanitized string without colour codes. */
export function displayWidth(s: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x20-\x7e]*$/.test(s)) return s.length;
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w;
}

/** The longest prefix of `s` that fits in `width` columns (whole code points). */
function fitPrefix(s: string, width: number): string {
  let w = 0;
  let end = 0;
  for (const ch of s) {
    const cw = charWidth(ch);
    if (w + cw > width) break;
    w += cw;
    end += ch.length;
  }
  return s.slice(0, end);
}

/** Characters after which a long word may be broken without hurting it much. */
const SOFT_BREAK = new Set(['-', '/', ':', '.', ',', '>', '=', '_', ')', ']', ';', '|', '&', '?']);

/** Breaks one word wider than `width` into pieces, preferring to break after punctuation. */
function breakWord(word: string, width: number): string[] {
  const pieces: string[] = [];
  let rest = word;
  while (displayWidth(rest) > width) {
    let head = fitPrefix(rest, width);
    if (head.length === 0) head = String.fromCodePoint(rest.codePointAt(0)!); // a wide char in a 1-column cell
    // Look back for a soft break point, but not so far that the piece becomes tiny.
    const minKeep = Math.max(1, Math.floor(head.length / 2));
    for (let i = head.length - 1; i >= minKeep; i--) {
      if (SOFT_BREAK.has(head[i]!)) {
        head = head.slice(0, i + 1);
        break;
      }
    }
    pieces.push(head);
    rest = rest.slice(head.length);
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

/**
 * Word-wraps one line of text to `width` columns. Words are broken only when a single word is wider than the line.
 * Runs of spaces collapse to one. Always returns at least one line (possibly empty).
 */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  if (displayWidth(text) <= w) return [text];
  const lines: string[] = [];
  let line = '';
  let lineWidth = 0;
  for (const word of text.split(/ +/)) {
    if (word === '') continue;
    const ww = displayWidth(word);
    if (lineWidth > 0 && lineWidth + 1 + ww <= w) {
      line += ` ${word}`;
      lineWidth += 1 + ww;
      continue;
    }
    if (lineWidth > 0) lines.push(line);
    if (ww <= w) {
      line = word;
      lineWidth = ww;
      continue;
    }
    const pieces = breakWord(word, w);
    lines.push(...pieces.slice(0, -1));
    line = pieces[pieces.length - 1] ?? '';
    lineWidth = displayWidth(line);
  }
  if (lineWidth > 0 || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Wraps with a first-line prefix and a hanging indent for the following lines (`prefix` and `indent` count in the
 * width).
 */
export function wrapHanging(text: string, width: number, prefix: string, indent: string): string[] {
  const avail = Math.max(10, width - Math.max(displayWidth(prefix), displayWidth(indent)));
  return wrap(text, avail).map((l, i) => (i === 0 ? prefix : indent) + l);
}

/** Shortens to `width` columns, ending with '…' at a word boundary when one is near. */
export function shorten(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
  let head = fitPrefix(text, width - 1);
  const space = head.lastIndexOf(' ');
  if (space >= Math.floor(head.length * 0.6)) head = head.slice(0, space);
  return `${head.replace(/[ ,;:.]+$/, '')}…`;
}

/** `1234567` as `1,234,567`. */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Seconds since the capture start, with milliseconds. */
export function formatT(t: number): string {
  return t.toFixed(3);
}

/** A duration for prose: `0.4 s`, `12.0 s`, `2 min 5 s`, `3 h 2 min`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 10) return `${seconds.toFixed(seconds < 0.1 ? 3 : 1)} s`;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
