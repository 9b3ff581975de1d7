/**
 * Making wire strings safe to print. Connection names, queue names, reply texts and client properties come from
 * untrusted packets: a connection_name of "\x1b[2J" would clear the operator's screen, a "\r" would overwrite the
 * line already printed (a fake verdict over the real one), and U+202E would reverse what follows on the line. So
 * every string the terminal renderer prints goes through `sanitize` first, and colour codes are added after.
 *
 * What is escaped (shown as text, never passed through):
 * - C0 controls U+0000-001F (`\t`, `\n`, `\r` by name, the others as `\x1b`-style hex), DEL U+007F, C1 U+0080-009F;
 * - bidirectional controls: embeddings and overrides U+202A-202E, isolates U+2066-2069, the marks U+200E, U+200F
 *   and U+061C (the Trojan Source characters);
 * - other invisible characters that can disguise text: U+200B zero-width space, U+2028/U+2029 line and paragraph
 *   separators, U+2060-2064, U+FEFF, U+FFF9-FFFB, the tag characters U+E0000-E007F, and lone surrogates.
 * Everything else (printable Unicode, including CJK, emoji and the joiners U+200C/U+200D) is kept. Backslashes are
 * kept as they are: the JSON report (`--json`) is the unambiguous record.
 *
 * The result contains no character below U+0020, so it is one line and can be measured and wrapped safely.
 */

const NAMED: Readonly<Record<number, string>> = { 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r' };

function hex2(cp: number): string {
  return cp.toString(16).padStart(2, '0');
}

/** Whether a code point must be shown escaped. */
export function isUnsafeCodePoint(cp: number): boolean {
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return true;
  if (cp === 0x061c || cp === 0x200b || cp === 0x200e || cp === 0x200f) return true;
  if (cp >= 0x2028 && cp <= 0x202e) return true;
  if (cp >= 0x2060 && cp <= 0x2069) return true;
  if (cp === 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb)) return true;
  if (cp >= 0xd800 && cp <= 0xdfff) return true; // only lone surrogates reach here: pairs are read as one code point
  if (cp >= 0xe0000 && cp <= 0xe007f) return true;
  return false;
}

function escapeCodePoint(cp: number): string {
  const named = NAMED[cp];
  if (named !== undefined) return named;
  if (cp <= 0xff) return `\\x${hex2(cp)}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\u{${cp.toString(16)}}`;
}

// Fast path: nothing in the string needs escaping (the common case for our own text and most wire strings).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]/;

/** The string with every control, bidi and invisible formatting character shown as an escape. */
export function sanitize(s: string): string {
  if (!UNSAFE.test(s)) return s;
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += isUnsafeCodePoint(cp) ? escapeCodePoint(cp) : ch;
  }
  return out;
}
