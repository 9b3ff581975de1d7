#!/usr/bin/env node
/**
 * `npm run screenshots`: PNGs of the HTML report (`amqpscope --html`) in headless Chromium (scripts/browser.js),
 * for the README and for looking at the report without a desktop.
 *
 *   node scripts/screenshots.js [--out docs/img] [--pages DIR] [--cli dist/cli.js]
 *
 * Writes OUT/fleet-chart.png (the fleet chart of captures/pika-sigstop-consumer.pcap: three clients, one frozen)
 * and OUT/swimlane.png (the swimlane of captures/pika-long-callback.pcap). With --pages, also a full-page PNG of
 * the report of every capture named in PAGES below, into DIR. Exits 2 when Chromium is absent.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from './browser.js';

const ROOT = resolve(import.meta.dirname, '..');
const PAGES = ['pika-long-callback.pcap', 'pika-sigstop-consumer.pcap', 'netns-blackhole-heartbeat.pcap', 'pika-forced-close.pcap'];

const { values } = parseArgs({
  options: { out: { type: 'string', default: join(ROOT, 'docs', 'img') }, pages: { type: 'string' }, cli: { type: 'string', default: join(ROOT, 'dist', 'cli.js') } },
});

const work = mkdtempSync(join(tmpdir(), 'amqpscope-shots-'));
function htmlOf(capture) {
  const file = join(work, `${capture}.html`);
  execFileSync(process.execPath, [values.cli, join('captures', capture), '--html', file], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return file;
}

const launched = await launchChromium();
if (launched === null) {
  process.stderr.write('screenshots: Chromium not found (apt-get install chromium, or set CHROMIUM)\n');
  process.exit(2);
}
try {
  const page = await launched.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  mkdirSync(values.out, { recursive: true });
  await page.goto(`file://${htmlOf('pika-sigstop-consumer.pcap')}`);
  // Hover the frozen client's bar, as an operator would, so the picture shows the tooltip too.
  const plot = await page.locator('svg.bars-plot').boundingBox();
  if (plot !== null) await page.mouse.move(plot.x + plot.width * 0.08, plot.y + plot.height / 6);
  // The chart with its heading, legend and the tooltip (which may hang below the chart).
  const top = await page.locator('h2', { hasText: 'Connections over capture time' }).boundingBox();
  const legend = await page.locator('ul.legend').first().boundingBox();
  const tip = await page.locator('.tooltip').boundingBox();
  if (top === null || legend === null) throw new Error('screenshots: no fleet chart in the page');
  const bottom = Math.max(legend.y + legend.height, tip !== null ? tip.y + tip.height : 0) + 8;
  await page.screenshot({ path: join(values.out, 'fleet-chart.png'), clip: { x: 0, y: top.y - 8, width: 1280, height: bottom - top.y + 8 } });
  await page.goto(`file://${htmlOf('pika-long-callback.pcap')}`);
  await page.locator('section.connection .swimlane-wrap').first().screenshot({ path: join(values.out, 'swimlane.png') });
  process.stdout.write(`wrote ${join(values.out, 'fleet-chart.png')} and ${join(values.out, 'swimlane.png')}\n`);
  if (values.pages !== undefined) {
    mkdirSync(values.pages, { recursive: true });
    for (const capture of PAGES) {
      await page.goto(`file://${htmlOf(capture)}`);
      const path = join(values.pages, `${capture.replace(/\.pcap$/, '')}.png`);
      await page.screenshot({ path, fullPage: true });
      process.stdout.write(`wrote ${path}\n`);
    }
  }
} finally {
  await launched.close();
  rmSync(work, { recursive: true, force: true });
}
