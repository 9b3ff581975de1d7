/** The README's option table and example report are generated: they must match the program as it is. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBytes } from '../src/analyze.js';
import { CLI_OPTIONS } from '../src/cli-options.js';
import { renderTerminal } from '../src/render/terminal.js';
import { exampleBlock, optionsBlock, replaceBlock } from '../scripts/readme-blocks.js';
import { CAPTURES_DIR } from './helpers/captures.js';

const README = join(import.meta.dirname, '..', 'README.md');

describe('README', () => {
  const readme = readFileSync(README, 'utf8');
  it('lists every option exactly as --help does (npm run readme)', () => {
    expect(replaceBlock(readme, 'options', optionsBlock(CLI_OPTIONS))).toBe(readme);
  });
  it('shows the real report of captures/pika-long-callback.pcap (npm run readme)', () => {
    const block = exampleBlock(analyzeBytes as never, renderTerminal as never, join(CAPTURES_DIR, 'pika-long-callback.pcap'));
    expect(replaceBlock(readme, 'example', block)).toBe(readme);
  });
  it('gives the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
