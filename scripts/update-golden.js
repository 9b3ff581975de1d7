#!/usr/bin/env node
// Regenerates the golden outputs in test/golden/ from the built amqpscope (run `npm run build` first, or use
// `npm run golden`): for every capture in captures/, the JSON report and the terminal report at 80 and 160
// columns without colour. Review the diff (`git diff test/golden`) before committing: it is the change a user sees.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Analyzer } from '../dist/analyze.js';
import { renderTerminal } from '../dist/render/terminal.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test', 'golden');
mkdirSync(out, { recursive: true });
const captures = readdirSync(join(root, 'captures')).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
for (const name of captures) {
  const analyzer = new Analyzer({ path: `captures/${name}` });
  analyzer.push(readFileSync(join(root, 'captures', name)));
  // The bytes `amqpscope --json` prints (a run of more than 100 connections writes each on one line).
  writeFileSync(join(out, `${name}.json`), `${analyzer.endJson()}\n`);
  const report = analyzer.end();
  for (const width of [80, 160]) {
    writeFileSync(join(out, `${name}.${width}.txt`), `${renderTerminal(report, { width, color: false, all: false })}\n`);
  }
  console.log(`golden: ${name}`);
}
