/**
 * Paragraphs made of styled segments, word-wrapped to the terminal's width: the terminal report's one way to lay
 * out prose (headings, explanations, findings, the fleet headline).
 */
import { sanitize } from './sanitize.js';
import { paint, type Style } from './style.js';
import { displayWidth, wrap } from './text.js';

// ---- lines made of styled segments -------------------------------------------------------------------------------

export interface Segment {
  /** Raw text: sanitized here. */
  text: string;
  style?: Style;
  /** Keep the segment's spaces: it is one unbreakable word (for aligned labels). */
  nowrap?: boolean;
}

type Piece = { text: string; style: Style | undefined };

/**
 * Sanitizes, word-wraps and paints a paragraph made of styled segments. Words may span segments ("error:" with
 * "error" red); a word wider than the line is broken. Continuation lines start with `indent`.
 */
export function paragraph(segments: readonly Segment[], width: number, color: boolean, indent = '', firstIndent = ''): string[] {
  // Split into words, each a list of styled pieces.
  const words: Piece[][] = [];
  let word: Piece[] = [];
  for (const seg of segments) {
    const text = sanitize(seg.text);
    if (seg.nowrap === true) {
      // A word of its own (unless it is wider than the line: then it is broken like any long word).
      if (word.length > 0) words.push(word);
      words.push([{ text, style: seg.style }]);
      word = [];
      continue;
    }
    let buf = '';
    for (const ch of text) {
      if (ch === ' ') {
        if (buf !== '') word.push({ text: buf, style: seg.style });
        buf = '';
        if (word.length > 0) words.push(word);
        word = [];
      } else buf += ch;
    }
    if (buf !== '') word.push({ text: buf, style: seg.style });
  }
  if (word.length > 0) words.push(word);

  const lines: Piece[][] = [];
  let line: Piece[] = [];
  let used = 0;
  const avail = (): number => Math.max(10, width - displayWidth(lines.length > 0 ? indent : firstIndent));
  const flush = (): void => {
    lines.push(line);
    line = [];
    used = 0;
  };
  for (const w of words) {
    const ww = w.reduce((a, p) => a + displayWidth(p.text), 0);
    if (used > 0 && used + 1 + ww <= avail()) {
      line.push({ text: ' ', style: undefined }, ...w);
      used += 1 + ww;
      continue;
    }
    if (used > 0) flush();
    if (ww <= avail()) {
      line.push(...w);
      used = ww;
      continue;
    }
    // A word wider than the line: break it (its pieces keep the first piece's style).
    const pieces = wrap(w.map((p) => p.text).join(''), avail());
    for (let k = 0; k < pieces.length; k++) {
      line.push({ text: pieces[k]!, style: w[0]!.style });
      used = displayWidth(pieces[k]!);
      if (k < pieces.length - 1) flush();
    }
  }
  if (line.length > 0 || lines.length === 0) flush();
  return lines.map((pieces, i) => {
    // Merge neighbours of one style (and the spaces between them) so that a coloured phrase is one code pair.
    let out = i > 0 ? indent : firstIndent;
    let runText = '';
    let runStyle: Style | undefined;
    const emit = (): void => {
      out += paint(runText, runStyle, color);
      runText = '';
    };
    for (const p of pieces) {
      const style = p.text === ' ' ? runStyle : p.style;
      if (style !== runStyle) {
        emit();
        runStyle = style;
      }
      runText += p.text;
    }
    emit();
    return out;
  });
}

export function plain(text: string, style?: Style): Segment {
  return style === undefined ? { text } : { text, style };
}

