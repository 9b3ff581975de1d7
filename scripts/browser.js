/**
 * Debian's Chromium, driven by playwright-core, for the HTML report's browser tests and `npm run screenshots`.
 * Nothing is downloaded: playwright-core carries no browser, and this launches /usr/bin/chromium (or $CHROMIUM)
 * headless, with a fresh profile directory, no background networking, no component updates, no sync.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Chromium executable, or null when it is not installed. */
export function chromiumPath() {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p) => p !== undefined && p !== '');
  return candidates.find((p) => existsSync(p)) ?? null;
}

/**
 * A launched browser, or null when Chromium is absent. `close()` also removes the profile directory.
 * @returns {Promise<{ context: import("playwright-core").BrowserContext, close: () => Promise<void> } | null>}
 */
export async function launchChromium() {
  const executablePath = chromiumPath();
  if (executablePath === null) return null;
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'amqpscope-chromium-'));
  // A persistent context is how playwright takes --user-data-dir; the browser is the context's.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
