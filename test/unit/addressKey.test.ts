// The browser page's key from its address (webview/src/transport/addressKey.ts): read after '#' (the printed link's
// form) or from the deprecated ?token=, taken out of the address at once with the rest of it kept, and kept in the
// tab's storage per server so that a reload stays live. Whether the server saw the key decides whether its refusal
// written into the page is about it.
import { describe, expect, it } from 'vitest';
import { takeAddressKey, type AddressKeySources } from '../../webview/src/transport/addressKey';

const SERVER = 'https://ops.example/ringside';

/** A page at `address` (path, query and fragment), with its history and a tab storage that outlives "reloads". */
function page(address: string, storage: Map<string, string> | null = new Map()) {
  const url = new URL(address, 'https://ops.example');
  const location = { pathname: url.pathname, search: url.search, hash: url.hash };
  const replaced: string[] = [];
  const sources: AddressKeySources = {
    location,
    history: {
      state: { kept: true },
      replaceState: (state: unknown, _unused: string, to?: string | URL | null) => {
        expect(state).toEqual({ kept: true });
        replaced.push(String(to));
      },
    },
    storage: storage && { getItem: (name) => storage.get(name) ?? null, setItem: (name, value) => void storage.set(name, value) },
  };
  return { sources, replaced, storage };
}

describe('the page’s key from its address', () => {
  it('takes a key after # and leaves the rest of the address as it was', () => {
    const p = page('/ringside/?window=7d&site=harbour#token=rs_k-_0');
    expect(takeAddressKey(SERVER, p.sources)).toEqual({ key: 'rs_k-_0', seenByServer: false, serverSawAnother: false });
    expect(p.replaced).toEqual(['/ringside/?window=7d&site=harbour']);
    const other = page('/ringside/#x=1&token=rs_k');
    expect(takeAddressKey(SERVER, other.sources).key).toBe('rs_k');
    expect(other.replaced).toEqual(['/ringside/#x=1']);
  });

  it('still takes the deprecated ?token=, which the server saw, and takes it out of the address', () => {
    const p = page('/ringside/?token=rs_old&window=7d#top');
    expect(takeAddressKey(SERVER, p.sources)).toEqual({ key: 'rs_old', seenByServer: true, serverSawAnother: false });
    expect(p.replaced).toEqual(['/ringside/?window=7d#top']);
    const alone = page('/ringside/?token=rs_old');
    takeAddressKey(SERVER, alone.sources);
    expect(alone.replaced).toEqual(['/ringside/']);
  });

  it('prefers the key after # to one in the query (the server saw the other), and takes both out', () => {
    const p = page('/?token=rs_query#token=rs_fragment');
    expect(takeAddressKey(SERVER, p.sources)).toEqual({ key: 'rs_fragment', seenByServer: false, serverSawAnother: true });
    expect(p.replaced).toEqual(['/']);
  });

  it('keeps the key for the tab: a reload without it in the address uses it, per server', () => {
    const storage = new Map<string, string>();
    takeAddressKey(SERVER, page('/ringside/#token=rs_k', storage).sources);
    const reload = page('/ringside/?window=7d', storage);
    expect(takeAddressKey(SERVER, reload.sources)).toEqual({ key: 'rs_k', seenByServer: false, serverSawAnother: false });
    expect(reload.replaced).toEqual([]);
    expect(takeAddressKey('https://ops.example/other', page('/other/', storage).sources)).toEqual({ key: null, seenByServer: true, serverSawAnother: false });
    // A new link's key replaces the one kept.
    takeAddressKey(SERVER, page('/ringside/#token=rs_new', storage).sources);
    expect(takeAddressKey(SERVER, page('/ringside/', storage).sources).key).toBe('rs_new');
  });

  it('without a key anywhere has none, which is what the server saw', () => {
    const p = page('/?window=7d');
    expect(takeAddressKey(SERVER, p.sources)).toEqual({ key: null, seenByServer: true, serverSawAnother: false });
    expect(p.replaced).toEqual([]);
    // An empty ?token= is no key, and is taken out too.
    const empty = page('/?token=&window=7d');
    expect(takeAddressKey(SERVER, empty.sources)).toEqual({ key: null, seenByServer: true, serverSawAnother: false });
    expect(empty.replaced).toEqual(['/?window=7d']);
  });

  it('uses the address’s key where the tab refuses storage', () => {
    const p = page('/#token=rs_k', null);
    expect(takeAddressKey(SERVER, p.sources).key).toBe('rs_k');
    const throwing: AddressKeySources = {
      ...p.sources,
      storage: {
        getItem: () => {
          throw new Error('SecurityError');
        },
        setItem: () => {
          throw new Error('QuotaExceededError');
        },
      },
    };
    expect(takeAddressKey(SERVER, { ...throwing, location: { pathname: '/', search: '', hash: '#token=rs_k' } }).key).toBe('rs_k');
    expect(takeAddressKey(SERVER, { ...throwing, location: { pathname: '/', search: '', hash: '' } }).key).toBeNull();
  });
});
