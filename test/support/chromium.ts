// One Chromium (launchChromium: Debian's, through playwright-core) for the tests of a file: launched before them,
// and after them every context a test opened closed, then the browser. A describe whose server closes after its
// tests closes its contexts first (closeContexts), so no page is left talking to a server that has gone.
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from '../vscode/harness/chromium';

export interface ChromiumUse {
  /** The file's browser (launched in beforeAll). */
  browser: () => Browser;
  /** A new context of it, closed after the file's tests (or by closeContexts). */
  newContext: (options?: BrowserContextOptions) => Promise<BrowserContext>;
  /** Closes the contexts opened so far. */
  closeContexts: () => Promise<void>;
}

export function useChromium(): ChromiumUse {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const closeContexts = async () => void (await Promise.all(contexts.splice(0).map((c) => c.close())));
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await closeContexts();
    await browser?.close();
  });
  const launched = () => {
    if (!browser) throw new Error('useChromium: the browser is launched in beforeAll; use it inside a test or hook');
    return browser;
  };
  return {
    browser: launched,
    newContext: async (options) => {
      const context = await launched().newContext(options);
      contexts.push(context);
      return context;
    },
    closeContexts,
  };
}
