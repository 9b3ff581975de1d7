/**
 * The one module that builds cli-table3 tables (as npm-check-updates' lib/table.ts does). Tables are borderless,
 * like a packet list: columns separated by two spaces, the header underlined.
 *
 *     Time    Source  Dest    Proto  Info                       Note
 *     ─────── ─────── ─────── ────── ────────────────────────── ──────────────────
 *       0.006 client  broker  AMQP   Basic.Consume q=hello      client's last frame
 *
 * Every cell is sanitized here, then wrapped to its column by this module (cli-table3's own wrapping is off), and
 * only then coloured; so a wire string can neither act on the terminal nor break the layout. Column widths are
 * chosen to fit `width`: columns start at their natural width and the widest shrinkable ones give way first, never
 * below their `min`. Every output line is at most `width` columns as long as the minimums fit.
 */
import Table from 'cli-table3';
import { sanitize } from './sanitize.js';
import { paint, type Style } from './style.js';
import { displayWidth, wrap } from './text.js';

export interface Column {
  header: string;
  /** Narrowest the column may become; default: the header's longest word. */
  min?: number;
  /**
   * A soft minimum: when space is short, the other columns give way down to their own `keep` (or `min`) before this
   * one goes below it. For columns that read badly when wrapped (notes).
   */
  keep?: number;
  /** Widest it may become; default: unlimited. */
  max?: number;
  align?: 'left' | 'right';
  /** How to break content that does not fit (default: word wrap, long words broken at punctuation). */
  wrap?: (text: string, width: number) => string[];
}

/** A paragraph of a cell with its own style. */
export interface StyledText {
  text: string;
  style?: Style;
}

/** A cell: one paragraph, several (each wrapped on its own), optionally styled (as a whole or per paragraph). */
export interface CellSpec {
  text: string | readonly (string | StyledText)[];
  style?: Style;
}
export type Cell = string | CellSpec;

export interface TableOptions {
  width: number;
  color: boolean;
}

/** Space between two columns: the right padding of one and the separator. */
export const COLUMN_GAP = 2;

function longestWord(text: string): number {
  return Math.max(1, ...sanitize(text).split(' ').map(displayWidth));
}

/** The cell's paragraphs, sanitized, each with its style. */
function styledParagraphs(cell: Cell): { text: string; style: Style | undefined }[] {
  if (typeof cell === 'string') return [{ text: sanitize(cell), style: undefined }];
  const list = typeof cell.text === 'string' ? [cell.text] : cell.text;
  return list.map((p) =>
    typeof p === 'string' ? { text: sanitize(p), style: cell.style } : { text: sanitize(p.text), style: p.style ?? cell.style },
  );
}

function paragraphs(cell: Cell): string[] {
  return styledParagraphs(cell).map((p) => p.text);
}

/**
 * Content widths for the columns: natural widths, shrunk (widest first) until the row fits `width`.
 * Exported for tests.
 */
export function columnWidths(columns: readonly Column[], rows: readonly (readonly Cell[])[], width: number): number[] {
  const n = columns.length;
  const budget = width - COLUMN_GAP * (n - 1);
  const contentWidth = columns.map((_, i) => {
    let w = 1;
    for (const row of rows) {
      const cell = row[i];
      if (cell === undefined) continue;
      for (const p of paragraphs(cell)) w = Math.max(w, displayWidth(p));
    }
    return w;
  });
  const clamp = (w: number, col: Column): number => Math.max(1, Math.min(w, col.max ?? Infinity));
  // Headers stay on one line when everything fits; otherwise they wrap before any content does.
  let natural = columns.map((col, i) => clamp(Math.max(contentWidth[i]!, displayWidth(sanitize(col.header))), col));
  if (natural.reduce((a, b) => a + b, 0) > budget) {
    natural = columns.map((col, i) => clamp(Math.max(contentWidth[i]!, longestWord(col.header)), col));
  }
  // A header word is never broken: its longest word is a floor too.
  const mins = columns.map((col, i) => Math.min(natural[i]!, Math.max(col.min ?? 1, longestWord(col.header))));
  const widths = [...natural];
  let excess = widths.reduce((a, b) => a + b, 0) - budget;
  const soft = columns.map((col, i) => Math.min(natural[i]!, Math.max(mins[i]!, col.keep ?? 0)));
  for (const floors of [soft, mins]) {
    while (excess > 0) {
      // The column with the most room above its floor gives one column; ties go to the rightmost.
      let pick = -1;
      let room = 0;
      for (let i = 0; i < n; i++) {
        const r = widths[i]! - floors[i]!;
        if (r > 0 && r >= room) {
          room = r;
          pick = i;
        }
      }
      if (pick < 0) break; // every column is at its floor
      widths[pick]!--;
      excess--;
    }
  }
  return widths;
}

/** Renders a table as lines (no trailing spaces, no trailing newline). */
export function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[])[], opts: TableOptions): string[] {
  const widths = columnWidths(columns, rows, opts.width);
  const last = columns.length - 1;
  const layout = (cell: Cell | undefined, i: number): string => {
    if (cell === undefined) return '';
    const col = columns[i]!;
    const w = widths[i]!;
    return styledParagraphs(cell)
      .flatMap((p) => (col.wrap ?? wrap)(p.text, w).map((l) => paint(l, p.style, opts.color)))
      .join('\n');
  };
  const cellOptions = (content: string, i: number): Table.CellOptions => ({
    content,
    hAlign: columns[i]!.align ?? 'left',
    // The last column has no right padding, so that a full row is exactly `width` columns.
    ...(i === last ? { style: { 'padding-right': 0 } } : {}),
  });
  const table = new Table({
    head: columns.map((col, i) => cellOptions(layout({ text: col.header, style: 'bold' }, i), i)) as unknown as string[],
    colWidths: widths.map((w, i) => (i === last ? w : w + 1)),
    wordWrap: false,
    truncate: '…',
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', right: '', 'right-mid': '',
      mid: '─', 'mid-mid': ' ', middle: ' ',
    },
    style: { 'padding-left': 0, 'padding-right': 1, head: [], border: [], compact: true },
  });
  for (const row of rows) table.push(columns.map((_, i) => cellOptions(layout(row[i], i), i)));
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd());
}
