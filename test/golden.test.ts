/**
 * Golden outputs: the JSON report and the terminal report (80 and 160 columns, no colour) of every capture in
 * captures/ are exactly the committed ones in test/golden/. A change here is a change users see: regenerate with
 * `npm run golden` and review the diff.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../src/analyze.js';
import { renderTerminal } from '../src/render/terminal.js';
import { captureBytes, smallCaptures } from './helpers/captures.js';

const GOLDEN = join(import.meta.dirname, 'golden');

describe('golden outputs', () => {
  for (const name of smallCaptures()) {
    it(name, () => {
      const analyzer = new Analyzer({ path: `captures/${name}` });
      analyzer.push(captureBytes(name));
      const text = analyzer.endJson();
      const report = analyzer.end();
      const json = join(GOLDEN, `${name}.json`);
      expect(existsSync(json), `${json} is missing: run npm run golden`).toBe(true);
      expect(`${text}\n`).toBe(readFileSync(json, 'utf8'));
      // The streamed text is the report object: pretty as JSON.stringify writes it, or one connection per line.
      expect(JSON.parse(text)).toEqual(report);
      if (report.connections.length <= 100) expect(text).toBe(JSON.stringify(report, null, 2));
      else expect(text.split('\n').filter((l) => l.startsWith('    {"id":'))).toHaveLength(report.connections.length);
      for (const width of [80, 160]) {
        const terminal = `${renderTerminal(report, { width, color: false, all: false })}\n`;
        expect(terminal, `${name} at ${width} columns`).toBe(readFileSync(join(GOLDEN, `${name}.${width}.txt`), 'utf8'));
        for (const line of terminal.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(width);
      }
    });
  }
});
