#!/usr/bin/env node
// Rewrites the README's generated blocks from the built program (npm run readme).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Analyzer, analyzeBytes } from '../dist/analyze.js';
import { CLI_OPTIONS } from '../dist/cli-options.js';
import { liveLine } from '../dist/render/live.js';
import { renderTerminal } from '../dist/render/terminal.js';
import { exampleBlock, liveBlock, optionsBlock, replaceBlock } from './readme-blocks.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const path = join(root, 'README.md');
let readme = readFileSync(path, 'utf8');
readme = replaceBlock(readme, 'options', optionsBlock(CLI_OPTIONS));
readme = replaceBlock(readme, 'example', exampleBlock(analyzeBytes, renderTerminal, join(root, 'captures', 'pika-long-callback.pcap')));
readme = replaceBlock(readme, 'live', liveBlock(Analyzer, liveLine, join(root, 'captures', 'pika-live-follow.pcap')));
writeFileSync(path, readme);
console.log('README.md blocks updated');
