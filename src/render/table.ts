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
  /** Narrowest the column may become; default: the header's width. */
  min?: number;
  /** Widest it may become; default: unlimited. */
  max?: number;
  align?: 'left' | 'right';
  /** How to break content that does not fit (default: word wrap, long words broken at punctuation). */
  wrap?: (text: string, width: number) => string[];
}

/** A cell: one paragraph, several (each wrapped on its own), optionally styled. */
export interface CellSpec {
  text: string | readonly string[];
  style?: Style;
}
export type Cell = string | CellSpec;

export interface TableOptions {
  width: number;
  color: boolean;
}

/** Space between two columns: the right padding of one and the separator. */
export const COLUMN_GAP = 2;

function paragraphs(cell: Cell): string[] {
  const text = typeof cell === 'string' ? [cell] : typeof cell.text === 'string' ? [cell.text] : [...cell.text];
  return text.map(sanitize);
}

/**
 * Content widths for the columns: natural widths, shrunk (widest first) until the row fits `width`.
 * Exported for tests.
 */
export function columnWidths(columns: readonly Column[], rows: readonly (readonly Cell[])[], width: number): number[] {
  const n = columns.length;
  const budget = width - COLUMN_GAP * (n - 1);
  const natural = columns.map((col, i) => {
    let w = displayWidth(col.header);
    for (const row of rows) {
      const cell = row[i];
      if (cell === undefined) continue;
      for (const p of paragraphs(cell)) w = Math.max(w, displayWidth(p));
    }
    return Math.max(1, Math.min(w, col.max ?? Infinity));
  });
  const mins = columns.map((col, i) => Math.min(natural[i]!, Math.max(1, col.min ?? displayWidth(col.header))));
  const widths = [...natural];
  let excess = widths.reduce((a, b) => a + b, 0) - budget;
  while (excess > 0) {
    // The column with the most room above its minimum gives one column; ties go to the rightmost (notes, info).
    let pick = -1;
    let room = 0;
    for (let i = 0; i < n; i++) {
      const r = widths[i]! - mins[i]!;
      if (r > 0 && r >= room) {
        room = r;
        pick = i;
      }
    }
    if (pick < 0) break; // every column is at its minimum: the caller's minimums do not fit
    widths[pick]!--;
    excess--;
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
    const style = typeof cell === 'string' ? undefined : cell.style;
    const lines = paragraphs(cell).flatMap((p) => (col.wrap ?? wrap)(p, w));
    return lines.map((l) => paint(l, style, opts.color)).join('\n');
  };
  const cellOptions = (content: string, i: number): Table.CellOptions => ({
    content,
    hAlign: columns[i]!.align ?? 'left',
    // The last column has no right padding, so that a full row is exactly `width` columns.
    ...(i === last ? { style: { 'padding-right': 0 } } : {}),
  });
  const table = new Table({
    head: columns.map((col, i) => cellOptions(paint(sanitize(col.header), 'bold', opts.color), i)) as unknown as string[],
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
