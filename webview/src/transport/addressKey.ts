// The browser page's key from its address. A link carries it after '#' (`#token=rs_…`, the form the server prints):
// a browser sends no fragment to the server, so no reverse proxy's access log, no server log and no Referer holds it
// (the kiosk's `#key=` does the same). The older `?token=` still opens the page, though the request for the page
// carried the key into every log on its way. Either way the page takes the key out of its address at once, so a
// link copied from the address bar, a bookmark or the selection's shareable address carries none, and keeps it in
// this tab's sessionStorage, so a reload (F5, a wallboard's timed reload) stays live and a closed tab forgets it.

import { linkKey } from '@ringside/server/protocol/pure';

/** Where the page's address and the tab's storage are (the page's own by default; tests pass their own). */
export interface AddressKeySources {
  location: Pick<Location, 'pathname' | 'search' | 'hash'>;
  history: Pick<History, 'replaceState' | 'state'>;
  /** This tab's storage; null where the browser refuses it (then a reload asks for the key again). */
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
}

export interface AddressKey {
  /** The key the page uses: the address's (its fragment before its query), else the one this tab kept. */
  key: string | null;
  /**
   * Whether the key is the one the server saw in the request for the page (its `?token=`, or none at all): only then
   * is what the server wrote into the page about that key (its refusal, http/firstPaint.ts) about this one.
   */
  seenByServer: boolean;
  /**
   * Whether the server saw another key in the request for the page: a link with both `?token=A` and `#token=B` uses
   * B (the '#' one, the form the server prints; A is the deprecated form, likely an older link's), and what the
   * server wrote into the page for A (its first paint or its refusal) is about no key this page uses.
   */
  serverSawAnother: boolean;
}

const PARAM = 'token';

/** The tab's storage entry, one per server (two servers behind one origin's prefixes keep a key each). */
const storageName = (serverUrl: string) => `ringside:key:${serverUrl}`;

/** The key the page will use, read without changing the address or the tab's storage (takeAddressKey's reading). */
export function readAddressKey(serverUrl: string, sources: Pick<AddressKeySources, 'location' | 'storage'>): AddressKey {
  const fromQuery = new URLSearchParams(sources.location.search).get(PARAM) || null;
  const fromAddress = linkKey(sources.location.search, sources.location.hash);
  const key = fromAddress ?? kept(sources.storage, serverUrl);
  return { key, seenByServer: key === fromQuery, serverSawAnother: fromQuery !== null && key !== fromQuery };
}

/**
 * The page's query without its key (as takeAddressKey leaves it, written the same way): what the page sends of its
 * address (GET first-paint's selection). The head's script, which reads the address before the key is taken out,
 * and the dashboard, after, so ask for the same address, and never with a key in it.
 */
export function withoutAddressKey(search: string): string {
  return without(new URLSearchParams(search), '?');
}

/** Reads the key from the address, takes it out of the address (history.replaceState) and keeps it for this tab. */
export function takeAddressKey(serverUrl: string, sources: AddressKeySources): AddressKey {
  const { location, history, storage } = sources;
  const read = readAddressKey(serverUrl, sources);
  const query = new URLSearchParams(location.search);
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromAddress = fragment.get(PARAM) || query.get(PARAM);
  if (query.has(PARAM) || fragment.has(PARAM)) {
    // Only what held the key is rewritten: the rest of the address stays as it was.
    const search = query.has(PARAM) ? withoutAddressKey(location.search) : location.search;
    const hash = fragment.has(PARAM) ? without(fragment, '#') : location.hash;
    history.replaceState(history.state, '', `${location.pathname}${search}${hash}`);
  }
  if (fromAddress) keep(storage, serverUrl, fromAddress);
  return read;
}

/** The parameters without the key, after `mark` (`?` or `#`); nothing at all when nothing is left. */
function without(params: URLSearchParams, mark: string): string {
  params.delete(PARAM);
  const text = params.toString();
  return text ? `${mark}${text}` : '';
}

function keep(storage: AddressKeySources['storage'], serverUrl: string, key: string): void {
  try {
    storage?.setItem(storageName(serverUrl), key);
  } catch {
    // Storage full or refused: the key still serves this page, only a reload will ask for it.
  }
}

function kept(storage: AddressKeySources['storage'], serverUrl: string): string | null {
  try {
    return storage?.getItem(storageName(serverUrl)) || null;
  } catch {
    return null;
  }
}

/** This page's own address, history and tab storage (sessionStorage may throw where storage is disabled). */
export function pageAddressSources(): AddressKeySources {
  return { location: window.location, history: window.history, storage: tabStorage() };
}

function tabStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
