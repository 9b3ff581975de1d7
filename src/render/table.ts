/**
 * The one module that builds cli-table3 tables (as npm-check-updates' lib/table.ts does). Tables are borderless,
 * like a packet list: columns separated by two spaces, the header underlined.
 *
 *       Time  Source  Dest    Proto  Info                       Note
 *     ─────── ─────── ─────── ────── ────────────────────────── ──────────────────────
 *      0.006  client  broker  AMQP   Basic.Consume q=hello      client's last frame
 *
 * Every cell is sanitized here, then wrapped to its column by this module (cli-table3's own wrapping is off), and
 * only then coloured; so a wire string can neither act on the terminal nor break the layout, and cli-table3 never
 * has to truncate anything. Column widths are chosen to fit `width`: columns start at their natural width, the
 * widest shrinkable ones give way first (never below their `min`), then a refining pass moves width to where it
 * saves the most wrapped lines. Every output line is at most `width` columns as long as the minimums fit; callers
 * check and fall back to paragraphs when they do not (below 80 columns).
 */
import Table from 'cli-table3';
import { sanitize } from './sanitize.js';
import { paint, stripStyle, type Style } from './style.js';
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
    const full = natural;
    natural = columns.map((col, i) => clamp(Math.max(contentWidth[i]!, longestWord(col.header)), col));
    // Room left over goes to the wrapped headers, left to right, so that as few as possible wrap.
    let spare = budget - natural.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n && spare > 0; i++) {
      const grow = Math.min(spare, full[i]! - natural[i]!);
      natural[i]! += grow;
      spare -= grow;
    }
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
  return refine(columns, rows, widths, natural, mins);
}

/**
 * The water-fill above is blind to where lines break. This pass looks at the wrapped result and minimises the
 * table's height (each row is as tall as its tallest cell): it takes back width a column does not use (an id
 * broken before its "->" needs only its longer half), gives it where it saves the most lines, then moves width
 * between the wrapping columns while that saves lines (among equally tall tables, the one with fewer wrapped cell
 * lines wins). Bounded: a few dozen small moves.
 */
function refine(columns: readonly Column[], rows: readonly (readonly Cell[])[], start: number[], natural: number[], mins: number[]): number[] {
  const n = columns.length;
  const widths = [...start];
  const texts = columns.map((col, i) => [[sanitize(col.header)], ...rows.map((row) => (row[i] !== undefined ? paragraphs(row[i]!) : []))]);
  const cache = new Map<number, { used: number; heights: number[] }>();
  const measure = (i: number, w: number): { used: number; heights: number[] } => {
    const key = i * 100_000 + w;
    let m = cache.get(key);
    if (m === undefined) {
      const wrapper = columns[i]!.wrap ?? wrap;
      let used = 1;
      const heights = texts[i]!.map((paras) => {
        let h = 0;
        for (const p of paras) {
          const pw = displayWidth(p);
          if (pw <= w) {
            used = Math.max(used, pw);
            h++;
            continue;
          }
          const lines = wrapper(p, w);
          h += lines.length;
          for (const line of lines) used = Math.max(used, displayWidth(line));
        }
        return Math.max(1, h);
      });
      m = { used, heights };
      cache.set(key, m);
    }
    return m;
  };
  /** The table's height in lines, then (to prefer fewer broken cells among equally tall tables) its cell lines. */
  const height = (ws: readonly number[]): number => {
    const per = ws.map((w, i) => measure(i, w).heights);
    let total = 0;
    let cells = 0;
    for (let r = 0; r < texts[0]!.length; r++) {
      let h = 1;
      for (let i = 0; i < n; i++) {
        h = Math.max(h, per[i]![r]!);
        cells += per[i]![r]!;
      }
      total += h;
    }
    return total * 1_000_000 + cells;
  };
  const trim = (): number => {
    let freed = 0;
    for (let i = 0; i < n; i++) {
      const u = Math.max(mins[i]!, measure(i, widths[i]!).used);
      if (u < widths[i]!) {
        freed += widths[i]! - u;
        widths[i] = u;
      }
    }
    return freed;
  };
  const flexible = [...Array(n).keys()].filter((i) => natural[i]! > mins[i]!);
  let slack = trim();
  let current = height(widths);
  // Give the freed width where it saves the most lines per column spent.
  for (let step = 0; step < 40 && slack > 0; step++) {
    let best: { i: number; k: number; h: number } | null = null;
    for (const i of flexible) {
      for (let k = 1; k <= Math.min(slack, natural[i]! - widths[i]!, 24); k++) {
        const trial = [...widths];
        trial[i]! += k;
        const h = height(trial);
        if (h < current && (best === null || (current - h) / k > (current - best.h) / best.k)) best = { i, k, h };
      }
    }
    if (best === null) break;
    widths[best.i]! += best.k;
    slack -= best.k;
    current = best.h;
  }
  // Move width between wrapping columns while that makes the table shorter.
  for (let step = 0; step < 40; step++) {
    let best: { from: number; to: number; k: number; h: number } | null = null;
    for (const from of flexible) {
      for (const to of flexible) {
        if (from === to) continue;
        for (let k = 1; k <= 8 && widths[from]! - k >= mins[from]! && widths[to]! + k <= natural[to]!; k++) {
          const trial = [...widths];
          trial[from]! -= k;
          trial[to]! += k;
          const h = height(trial);
          if (h < (best?.h ?? current)) best = { from, to, k, h };
        }
      }
    }
    if (best === null) break;
    widths[best.from]! -= best.k;
    widths[best.to]! += best.k;
    current = best.h;
  }
  trim();
  return widths;
}

/** A laid-out table: column widths and, per row, each cell's lines (sanitized, wrapped, painted). */
export interface Layout {
  widths: number[];
  aligns: ('left' | 'right')[];
  header: string[][];
  rows: string[][][];
}

/** Sanitizes, wraps and paints every cell at the chosen widths. */
export function layoutTable(columns: readonly Column[], rows: readonly (readonly Cell[])[], opts: TableOptions): Layout {
  const widths = columnWidths(columns, rows, opts.width);
  const cellLines = (cell: Cell | undefined, i: number): string[] => {
    if (cell === undefined) return [];
    const w = widths[i]!;
    const wrapper = columns[i]!.wrap ?? wrap;
    return styledParagraphs(cell).flatMap((p) => wrapper(p.text, w).map((l) => paint(l, p.style, opts.color)));
  };
  return {
    widths,
    aligns: columns.map((c) => c.align ?? 'left'),
    header: columns.map((col, i) => cellLines({ text: col.header, style: 'bold' }, i)),
    rows: rows.map((row) => columns.map((_, i) => cellLines(row[i], i))),
  };
}

/**
 * Draws a laid-out table with cli-table3: borderless, columns separated by two spaces (a right padding and a
 * one-space separator), the header underlined by cli-table3's row separator. The last column has no right padding,
 * so that a full row is exactly as wide as the widths say.
 */
export function drawWithCliTable3(layout: Layout): string[] {
  const last = layout.widths.length - 1;
  const cellOptions = (lines: readonly string[], i: number): Table.CellOptions => ({
    content: lines.join('\n'),
    hAlign: layout.aligns[i]!,
    ...(i === last ? { style: { 'padding-right': 0 } } : {}),
  });
  const table = new Table({
    head: layout.header.map(cellOptions) as unknown as string[],
    colWidths: layout.widths.map((w, i) => (i === last ? w : w + 1)),
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
  for (const row of layout.rows) table.push(row.map(cellOptions));
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd());
}

/**
 * The same drawing without cli-table3, for long tables: cli-table3 measures every cell line several times through
 * string-width and lays rows out in quadratic time, which costs seconds on a timeline of a thousand rows. Since the
 * layout above already fixed every width and line, drawing is padding and joining; a test checks that both
 * drawers give byte-identical output.
 */
export function drawDirect(layout: Layout): string[] {
  const last = layout.widths.length - 1;
  const pad = (text: string, i: number): string => {
    const room = layout.widths[i]! - displayWidth(stripStyle(text));
    if (room <= 0) return text;
    return layout.aligns[i] === 'right' ? ' '.repeat(room) + text : text + ' '.repeat(room);
  };
  const drawRow = (cells: readonly string[][]): string[] => {
    const height = Math.max(1, ...cells.map((c) => c.length));
    const lines: string[] = [];
    for (let k = 0; k < height; k++) {
      let line = '';
      cells.forEach((c, i) => {
        line += pad(c[k] ?? '', i);
        if (i < last) line += '  ';
      });
      lines.push(line.trimEnd());
    }
    return lines;
  };
  const out = drawRow(layout.header);
  if (layout.rows.length > 0) out.push(layout.widths.map((w, i) => '─'.repeat(i === last ? w : w + 1)).join(' '));
  for (const row of layout.rows) out.push(...drawRow(row));
  return out;
}

/** Rows from which a table is drawn directly rather than by cli-table3 (see drawDirect). */
export const DIRECT_DRAW_ROWS = 120;

/** Renders a table as lines (no trailing spaces, no trailing newline). */
export function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[])[], opts: TableOptions): string[] {
  const layout = layoutTable(columns, rows, opts);
  return rows.length >= DIRECT_DRAW_ROWS ? drawDirect(layout) : drawWithCliTable3(layout);
}
