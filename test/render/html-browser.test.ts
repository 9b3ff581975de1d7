/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The HTML report in a real browser: Debian's Chromium driven by playwright-core (scripts/browser.js; nothing
 * downloaded). Opens the report of real captures and of a capture whose connection_name is markup, and checks: no
 * console error, no request leaves the page, the bars and swimlane ticks are there in the numbers the report
 * implies, hover and click work, zoom rewrites the viewBox, and the injected name is inert (no dialog, no <img>).
 * Skipped where Chromium is absent, except in CI (CI is set), where that is a failure.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '../../scripts/browser.js';
import { Analyzer } from '../../src/analyze.js';
import { renderHtml } from '../../src/render/html/page.js';
import { tickCounts } from '../../src/render/html/swimlane.js';
import type { Report } from '../../src/report/types.js';
import { analyzeCapture, CAPTURES_DIR } from '../helpers/captures.js';
import { INJECTED_NAME, injectionCapture } from '../helpers/injection-capture.js';

const available = chromiumPath() !== null;
if (!available && process.env['CI'] !== undefined && process.env['CI'] !== '') {
  throw new Error('Chromium is required in CI for the HTML report tests: .ci/run installs it (apt-get install chromium)');
}
if (!available) console.warn('html-browser.test.ts: skipped, Chromium not found (apt-get install chromium, or set CHROMIUM)');

/** The real injection capture when it has been recorded, else the synthetic one. */
function injectionReport(): Report {
  if (existsSync(join(CAPTURES_DIR, 'pika-injection-name.pcap'))) return analyzeCapture('pika-injection-name.pcap').report;
  const a = new Analyzer({ path: 'injection.pcap' });
  a.push(injectionCapture());
  return a.end();
}

function expectedTicks(r: Report): number {
  return r.connections
    .filter((c) => c.severity !== 'info')
    .reduce((n, c) => n + [...tickCounts(c.timeline).values()].reduce((a, b) => a + b, 0), 0);
}

describe.skipIf(!available)('HTML report in Chromium', () => {
  let launched: Awaited<ReturnType<typeof launchChromium>>;
  const dir = mkdtempSync(join(tmpdir(), 'amqpscope-html-'));

  beforeAll(async () => {
    launched = await launchChromium();
  });
  afterAll(async () => {
    await launched?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string, report: Report) {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, renderHtml(report));
    const page = await launched!.context.newPage();
    const errors: string[] = [];
    const dialogs: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`file://${file}`);
    const counts = await page.evaluate(() => {
      const subpaths = (sel: string) =>
        [...document.querySelectorAll(sel)].reduce((n, p) => n + (p.getAttribute('d') ?? '').split('M').length - 1, 0);
      return {
        bars: subpaths('svg.fleet path.bars'),
        ticks: subpaths('svg.swimlane path.tick'),
        sections: document.querySelectorAll('section.connection').length,
        buttons: document.querySelectorAll('.zoom button').length,
        images: document.querySelectorAll('img').length,
      };
    });
    return { page, errors, dialogs, requests, counts };
  }

  const cases: [string, () => Report][] = [
    ['pika-long-callback.pcap', () => analyzeCapture('pika-long-callback.pcap').report],
    ['pika-sigstop-consumer.pcap', () => analyzeCapture('pika-sigstop-consumer.pcap').report],
    ['injection', injectionReport],
  ];
  for (const [name, make] of cases) {
    it(`${name}: no console error, no request, the bars and swimlane ticks of the report`, async () => {
      const report = make();
      const { page, errors, requests, counts } = await open(name, report);
      const problems = report.connections.filter((c) => c.severity !== 'info').length;
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(counts.bars).toBe(report.connections.length);
      expect(counts.sections).toBe(problems);
      expect(counts.ticks).toBe(expectedTicks(report));
      expect(counts.ticks).toBeGreaterThan(10);
      expect(counts.buttons).toBe(6 * problems);
      await page.close();
    });
  }

  it('fits every bar label in the gutter of the fleet chart (long connection names are shortened to fit)', async () => {
    const report = analyzeCapture('fleet-fd-limit.pcap').report; // nova-compute:29698:b32e2342-... names
    const { page } = await open('fleet-fd-limit', report);
    const overflow = await page.evaluate(() => {
      const svg = document.querySelector('svg.fleet')!.getBoundingClientRect();
      return [...document.querySelectorAll('svg.fleet text.rowlabel')].map((t) => t.getBoundingClientRect().left - svg.left).filter((x) => x < 0);
    });
    expect(overflow).toEqual([]);
    expect(await page.evaluate(() => document.querySelectorAll('svg.fleet text.rowlabel').length)).toBe(report.connections.length);
    await page.close();
  });

  it('the injected connection name is shown as text and runs nothing, even when hovered and clicked', async () => {
    const report = injectionReport();
    const { page, errors, dialogs, counts } = await open('injection-hover', report);
    expect(counts.images).toBe(0);
    expect(await page.locator('section.connection h2').first().textContent()).toContain(INJECTED_NAME);
    const plot = (await page.locator('svg.bars-plot').boundingBox())!;
    await page.mouse.move(plot.x + plot.width / 2, plot.y + plot.height / 2);
    const tip = page.locator('.tooltip');
    expect(await tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toContain(INJECTED_NAME);
    await page.mouse.click(plot.x + plot.width / 2, plot.y + plot.height / 2);
    expect(await page.evaluate(() => location.hash)).toBe('#c1');
    // Zoom: the plot's viewBox narrows, and the axis is rebuilt.
    const before = await page.locator('svg.plot').first().getAttribute('viewBox');
    await page.locator('.zoom button[data-zoom="in"]').first().click();
    const after = await page.locator('svg.plot').first().getAttribute('viewBox');
    expect(Number(after!.split(' ')[2])).toBeCloseTo(Number(before!.split(' ')[2]) / 2, 5);
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
