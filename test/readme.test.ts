/** The README's option table and example report are generated: they must match the program as it is. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer, analyzeBytes } from '../src/analyze.js';
import { CLI_OPTIONS } from '../src/cli-options.js';
import { liveLine } from '../src/render/live.js';
import { renderTerminal } from '../src/render/terminal.js';
import { exampleBlock, liveBlock, optionsBlock, replaceBlock } from '../scripts/readme-blocks.js';
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
  it('shows what --follow printed live while captures/pika-live-follow.pcap was recorded (npm run readme)', () => {
    const block = liveBlock(Analyzer as never, liveLine as never, join(CAPTURES_DIR, 'pika-live-follow.pcap'));
    expect(block).toContain('SILENCE');
    expect(replaceBlock(readme, 'live', block)).toBe(readme);
  });
  it('states one time for each program on the 107 MB capture: the performance table\'s', () => {
    const perf = readme.slice(readme.indexOf('## Performance'), readme.indexOf('\n## ', readme.indexOf('## Performance') + 1));
    const row = perf.split('\n').find((l) => l.startsWith('| `load-mtu1500-8x20k` (real) |'))!.split('|').map((c) => c.trim());
    const [ours, tshark] = [row[5], row[6]]; // | capture | size | packets | frames | amqpscope | tshark | ...
    expect([ours, tshark]).toEqual([expect.stringMatching(/^\d+\.\d+ s$/), expect.stringMatching(/^\d+\.\d+ s$/)]);
    // amqpscope takes 1-2 s on it: any such figure (to the hundredth) in the prose is that time, said again.
    const prose = perf.split('\n').filter((l) => !l.startsWith('|')).join('\n');
    const aroundOurs = [...prose.matchAll(/\b(1\.\d\d) s\b/g)].map((m) => `${m[1]} s`);
    expect(aroundOurs.length).toBeGreaterThan(0);
    expect(new Set(aroundOurs)).toEqual(new Set([ours]));
    expect([...perf.matchAll(/tshark's (\d+\.\d+) s/g)].map((m) => `${m[1]} s`)).toEqual([tshark]);
  });

  it('gives the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
