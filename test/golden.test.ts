/**
 * Golden outputs: the JSON report and the terminal report (80 and 160 columns, no colour) of every capture in
 * captures/ are exactly the committed ones in test/golden/. A change here is a change users see: regenerate with
 * `npm run golden` and review the diff.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBytes } from '../src/analyze.js';
import { renderTerminal } from '../src/render/terminal.js';
import { captureBytes, smallCaptures } from './helpers/captures.js';

const GOLDEN = join(import.meta.dirname, 'golden');

describe('golden outputs', () => {
  for (const name of smallCaptures()) {
    it(name, () => {
      const report = analyzeBytes(captureBytes(name), { path: `captures/${name}` });
      const json = join(GOLDEN, `${name}.json`);
      expect(existsSync(json), `${json} is missing: run npm run golden`).toBe(true);
      expect(`${JSON.stringify(report, null, 2)}\n`).toBe(readFileSync(json, 'utf8'));
      for (const width of [80, 160]) {
        const text = `${renderTerminal(report, { width, color: false, all: false })}\n`;
        expect(text, `${name} at ${width} columns`).toBe(readFileSync(join(GOLDEN, `${name}.${width}.txt`), 'utf8'));
        for (const line of text.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(width);
      }
    });
  }
});
