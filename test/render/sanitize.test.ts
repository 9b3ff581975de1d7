import { describe, expect, it } from 'vitest';
import { isUnsafeCodePoint, sanitize } from '../../src/render/sanitize.js';

describe('sanitize', () => {
  it('keeps ordinary text, including printable Unicode', () => {
    for (const s of ['pika-long-callback', 'queue.orders/eu-west', 'Ünïcödé café', '注文キュー', 'emoji 🐇 ok', 'a\\b', '']) {
      expect(sanitize(s)).toBe(s);
    }
  });

  it('shows ESC sequences as text', () => {
    expect(sanitize('\x1b[2J')).toBe('\\x1b[2J');
    expect(sanitize('red \x1b[31mALERT\x1b[0m')).toBe('red \\x1b[31mALERT\\x1b[0m');
    // OSC 8 hyperlink and window-title sequences, terminated by BEL or ST.
    expect(sanitize('\x1b]0;pwned\x07')).toBe('\\x1b]0;pwned\\x07');
    expect(sanitize('\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\')).toBe('\\x1b]8;;http://evil\\x1b\\link\\x1b]8;;\\x1b\\');
  });

  it('shows CR, LF and TAB by name, and other C0 controls and DEL in hex', () => {
    expect(sanitize('ok\rFAKE VERDICT')).toBe('ok\\rFAKE VERDICT');
    expect(sanitize('a\nb\tc')).toBe('a\\nb\\tc');
    expect(sanitize('\x00\x07\x08\x7f')).toBe('\\x00\\x07\\x08\\x7f');
  });

  it('escapes C1 controls (CSI U+009B acts like ESC [ on some terminals)', () => {
    expect(sanitize('\u009b2J')).toBe('\\x9b2J');
    expect(sanitize('\u0085\u0090\u009d')).toBe('\\x85\\x90\\x9d');
  });

  it('escapes bidi overrides, isolates and marks (Trojan Source)', () => {
    expect(sanitize('abc\u202edcba')).toBe('abc\\u202edcba');
    for (const cp of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c]) {
      const out = sanitize(`x${String.fromCodePoint(cp)}y`);
      expect(out).toBe(`x\\u${cp.toString(16).padStart(4, '0')}y`);
    }
  });

  it('escapes invisible characters that can disguise text, but keeps joiners used by scripts and emoji', () => {
    expect(sanitize('a\u200bb')).toBe('a\\u200bb');
    expect(sanitize('a\u2028b\u2029c')).toBe('a\\u2028b\\u2029c');
    expect(sanitize('\ufeffbom')).toBe('\\ufeffbom');
    expect(sanitize('tag\u{e0041}\u{e0042}')).toBe('tag\\u{e0041}\\u{e0042}');
    expect(sanitize('👩\u200d💻')).toBe('👩\u200d💻');
  });

  it('escapes lone surrogates but keeps pairs', () => {
    expect(sanitize('a\ud800b')).toBe('a\\ud800b');
    expect(sanitize('🐇')).toBe('🐇');
  });

  it('never returns a control, bidi or ESC character, whatever the input', () => {
    let all = '';
    for (let cp = 0; cp < 0x3000; cp++) all += String.fromCodePoint(cp);
    const out = sanitize(all);
    for (const ch of out) expect(isUnsafeCodePoint(ch.codePointAt(0)!)).toBe(false);
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });
});
