// The request for a page's first paint (GET first-paint, the key in a header), started by whichever script runs
// first. The page's head carries a tiny script of its own (prefetch.ts) that starts it while the dashboard's ~300 KB
// script is still on its way; the dashboard then takes that request's answer instead of asking again.

import { withoutAddressKey } from './addressKey';

/** The request the head's script started, for the dashboard to take (once). */
interface Started {
  url: string;
  key: string;
  response: Promise<Response>;
}

const STARTED = Symbol.for('ringside.firstPaintRequest');
type WithStarted = typeof globalThis & { [STARTED]?: Started };

/**
 * The address of the first paint for a page whose selection is `search` (the page's own query): without a `?token=`
 * it may still hold (the head's script reads the address before the dashboard takes the key out), so the head's
 * request and the dashboard's are for the same address, and no key goes into a URL.
 */
export const firstPaintUrl = (serverUrl: string, search: string) => `${serverUrl}/first-paint${withoutAddressKey(search)}`;

const init = (key: string): RequestInit => ({ headers: { accept: 'application/json', authorization: `Bearer ${key}` }, cache: 'no-store' });

/** Starts the request and leaves it for firstPaintResponse. */
export function startFirstPaintRequest(url: string, key: string, doFetch: typeof fetch): void {
  const response = doFetch(url, init(key));
  // Handled here too, so a failure nobody takes (the dashboard's script never ran) is no unhandled rejection.
  response.catch(() => {});
  (globalThis as WithStarted)[STARTED] = { url, key, response };
}

/** The answer to the request started for this address and key, or a new request where none was. */
export function firstPaintResponse(url: string, key: string, doFetch: typeof fetch): Promise<Response> {
  const holder = globalThis as WithStarted;
  const started = holder[STARTED];
  delete holder[STARTED];
  return started && started.url === url && started.key === key ? started.response : doFetch(url, init(key));
}
