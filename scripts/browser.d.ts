import type { BrowserContext } from 'playwright-core';
export function chromiumPath(): string | null;
export function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> } | null>;
