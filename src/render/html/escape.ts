/**
 * Escaping for the HTML report. Every string that reaches the page (wire strings above all: connection names,
 * queue names, reply texts, client properties) goes through one of these, so a connection_name of
 * `<img src=x onerror=alert(1)>` is shown as those characters and runs nothing.
 *
 * - `text`: for element content and attribute values (always double-quoted here): `& < > " '` as entities, after
 *   `sanitize` has shown control, bidi and invisible characters as escapes (the same rules as the terminal).
 * - `scriptJson`: data for the page's script, in `<script type="application/json">`. The HTML parser ends a script
 *   element at the first `</script` whatever the JSON says, so `<`, `>` and `&` become \u escapes (JSON.parse gives
 *   them back), as do U+2028/U+2029. The page's script puts these strings into the DOM with textContent only.
 */
import { sanitize } from '../sanitize.js';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Raw text (wire strings included) as HTML text or a double-quoted attribute value. */
export function text(s: string): string {
  return sanitize(s).replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}

/** A value as JSON that is safe inside a `<script type="application/json">` element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A number for SVG coordinates: at most `digits` decimals, no trailing zeros ("12.5", "3"). */
export function num(n: number, digits = 1): string {
  const s = n.toFixed(digits);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
