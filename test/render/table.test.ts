import { describe, expect, it } from 'vitest';
import { columnWidths, drawDirect, drawWithCliTable3, layoutTable, renderTable, type Cell, type Column } from '../../src/render/table.js';
import { displayWidth } from '../../src/render/text.js';

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

const columns: Column[] = [
  { header: 'Time', min: 6, align: 'right' },
  { header: 'Source', min: 6 },
  { header: 'Info', min: 16 },
  { header: 'Note', min: 16 },
];

function rows(n: number): Cell[][] {
  const out: Cell[][] = [];
  for (let k = 0; k < n; k++) {
    out.push([
      (k * 1.25).toFixed(3),
      k % 2 === 0 ? 'client' : 'broker',
      { text: k % 3 === 0 ? `Basic.Deliver x= rk=orders.eu-west tag=${k} / Content-Header body=200 / Content-Body 200 bytes` : 'Heartbeat', style: k % 5 === 0 ? 'dim' : undefined },
      k % 4 === 0 ? { text: "broker closes 12.0 s after the client's last byte (3.0 x T)", style: 'yellow' } : '',
    ]);
  }
  return out;
}

describe('table', () => {
  it('fits the width, with a header and a rule', () => {
    for (const width of [60, 80, 100, 160]) {
      const lines = renderTable(columns, rows(12), { width, color: false });
      expect(lines[0]).toMatch(/^\s*Time\s+Source\s+Info\s+Note$/);
      expect(lines[1]).toMatch(/^─+ ─+ ─+ ─+$/);
      for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(width);
      expect(lines.every((l) => l === l.trimEnd())).toBe(true);
    }
  });

  it('shrinks the long columns, keeps the short ones whole and never drops below a minimum', () => {
    const widths = columnWidths(columns, rows(12), 80);
    expect(widths[0]).toBe(6);
    expect(widths[1]).toBe(6);
    expect(widths[2]!).toBeGreaterThanOrEqual(16);
    expect(widths[3]!).toBeGreaterThanOrEqual(16);
    expect(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1)).toBeLessThanOrEqual(80);
  });

  it('does not stretch a table that fits', () => {
    const widths = columnWidths(columns, [['1.000', 'client', 'Heartbeat', '']], 160);
    expect(widths).toEqual([5, 6, 9, 4]); // natural widths: "1.000" needs 5 even though the minimum says 6
  });

  it('sanitizes every cell and the headers', () => {
    const lines = renderTable([{ header: 'A\x1b[2J' }, { header: 'B' }], [['x\ry', '\u202ez']], { width: 80, color: false });
    const text = lines.join('\n');
    expect(text).toContain('A\\x1b[2J');
    expect(text).toContain('x\\ry');
    expect(text).toContain('\\u202ez');
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\u202e]/);
  });

  it('wraps a long word at punctuation instead of truncating it', () => {
    const lines = renderTable([{ header: 'Info', min: 10, max: 12 }], [['ctag=amq.ctag-n4OPAzHF8GrGaW745lCVLw']], { width: 12, color: false });
    expect(lines.slice(2).join('')).toBe('ctag=amq.ctag-n4OPAzHF8GrGaW745lCVLw');
    expect(lines.join('')).not.toContain('…');
  });

  it('colours after layout: stripping the colour gives the uncoloured table', () => {
    for (const width of [80, 120]) {
      const plain = renderTable(columns, rows(20), { width, color: false });
      const coloured = renderTable(columns, rows(20), { width, color: true });
      expect(coloured.join('\n')).toContain('\x1b[');
      expect(coloured.map(strip)).toEqual(plain);
    }
  });

  it('draws byte-identical tables with cli-table3 and directly (the path for long tables)', () => {
    for (const width of [70, 80, 100, 160]) {
      for (const color of [false, true]) {
        for (const n of [0, 1, 7, 30]) {
          const layout = layoutTable(columns, rows(n), { width, color });
          expect(drawDirect(layout)).toEqual(drawWithCliTable3(layout));
        }
      }
    }
  });

  it('draws a long table directly and still fits', () => {
    const lines = renderTable(columns, rows(400), { width: 80, color: true });
    expect(lines.length).toBeGreaterThan(400);
    for (const l of lines) expect(displayWidth(strip(l))).toBeLessThanOrEqual(80);
  });
});
