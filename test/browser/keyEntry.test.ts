// The browser page's key field: where the server wrote into the page that it would refuse the page's key (none, or
// a bad one), the page opens no socket and sends no query, shows a key field instead of controls that would act on
// nothing, and connects with the key typed (kept in memory only); a key refused later, over figures already shown,
// brings the field back under the stale notice. The real dashboard and socket transport, a socket played by hand.
import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { DashboardSocket } from '../../webview/src/transport/socket';
import { socketTransport } from '../../webview/src/transport/socket';
import { STANDARDS, settle, snapshot } from './fixtures';
import { countingFetch } from './handTransport';
import { mount, text, unmountAll } from './mount';

afterEach(unmountAll);

const SERVER = 'http://127.0.0.1:4870';
const MISSING = 'unauthorized: an API key with scope "read" is required (auth: { token })';

/** Sockets the transport opens, each with the key it was opened with, their events fired by the test. */
function handSockets() {
  const opened: Array<{ token: string | null; fire: (event: string, ...args: unknown[]) => void }> = [];
  const connect = (_url: string, token: string | null) => {
    const handlers = new Map<string, (...args: unknown[]) => void>();
    const socket = {
      on: (event: string, handler: (...args: unknown[]) => void) => (handlers.set(event, handler), socket),
      // socket.io-client's own retries are its business: this one says it makes none.
      io: { on: () => undefined, removeAllListeners: () => undefined, reconnection: () => false },
      removeAllListeners: () => socket,
      disconnect: () => socket,
    };
    opened.push({ token, fire: (event, ...args) => handlers.get(event)?.(...args) });
    return socket as unknown as DashboardSocket;
  };
  return { opened, connect };
}

function mountRefused(keyRefused: string | null = MISSING) {
  const sockets = handSockets();
  const queries = countingFetch();
  const transport = socketTransport(SERVER, {
    keyRefused,
    connect: sockets.connect,
    fetch: queries.fetch,
    location: { search: '', pathname: '/', hash: '' },
    history: { pushState: () => undefined, replaceState: () => undefined, state: null },
  });
  const { dashboard, root } = mount({ transport });
  dashboard.flush();
  return { dashboard, root, sockets, queries, transport };
}

const shown = (node: Element | null) => node instanceof HTMLElement && node.checkVisibility();

describe('the browser page’s key field', () => {
  it('asks for a key, sending nothing, where the page says its key would be refused; the key typed connects', async () => {
    const { dashboard, root, sockets, queries, transport } = mountRefused();
    await settle();
    dashboard.flush();
    // Nothing went out: no socket, no query.
    expect(sockets.opened).toEqual([]);
    expect(queries.asked).toEqual([]);
    // The key field, with the server's reason, in place of the empty state's words; ready to type in.
    const entry = root.querySelector<HTMLElement>('.rs-key')!;
    expect(shown(entry)).toBe(true);
    expect(text(root, '.rs-key-title')).toBe('An API key is needed');
    expect(text(root, '.rs-key-detail')).toBe('The Ringside server at http://127.0.0.1:4870 needs an API key.');
    expect(text(root, '.rs-key-note')).toMatch(/stays in this page only/);
    expect(shown(root.querySelector('.rs-empty'))).toBe(false);
    const input = root.querySelector<HTMLInputElement>('.rs-key-input')!;
    expect(input.type).toBe('password');
    expect(document.activeElement).toBe(input);
    // The board's controls would act on nothing yet.
    expect(shown(root.querySelector('.rs-controls'))).toBe(false);

    await userEvent.type(input, '  rs_typed-key  ');
    await userEvent.click(root.querySelector<HTMLButtonElement>('.rs-key-connect')!);
    expect(sockets.opened.map((s) => s.token)).toEqual(['rs_typed-key']);
    expect(transport.key()).toBe('rs_typed-key');
    dashboard.flush();
    expect(shown(entry)).toBe(false);
    expect(text(root, '.rs-empty-title')).toBe('Waiting for data…');
    // The handshake accepts it: the snapshot draws the board, its controls appear, the queries go with the key.
    sockets.opened[0]!.fire('connect');
    sockets.opened[0]!.fire('snapshot', snapshot({ standards: STANDARDS }));
    await settle();
    dashboard.flush();
    expect(shown(root.querySelector('.rs-board'))).toBe(true);
    expect(shown(root.querySelector('.rs-controls'))).toBe(true);
    expect(queries.asked.length).toBeGreaterThan(0);
  });

  it('says why a key typed was refused, keeps it in the field to correct, and sends no query with it', async () => {
    const { dashboard, root, sockets, queries } = mountRefused('unauthorized: the API key is not recognised');
    expect(text(root, '.rs-key-detail')).toBe('The Ringside server at http://127.0.0.1:4870 refused the API key (it is not recognised).');
    const input = root.querySelector<HTMLInputElement>('.rs-key-input')!;
    await userEvent.type(input, 'rs_mistyped{Enter}');
    expect(sockets.opened.map((s) => s.token)).toEqual(['rs_mistyped']);
    sockets.opened[0]!.fire('connect_error', new Error('unauthorized: the API key is not recognised'));
    await settle();
    dashboard.flush();
    expect(shown(root.querySelector('.rs-key'))).toBe(true);
    expect(input.value).toBe('rs_mistyped');
    expect(document.activeElement).toBe(input);
    // A screen reader hears why with the field the focus is on.
    const description = (input.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent).join(' ');
    expect(description).toBe('The Ringside server at http://127.0.0.1:4870 refused the API key (it is not recognised).');
    expect(queries.asked).toEqual([]);
  });

  it('comes back under the stale notice when the key is refused over figures on screen (revoked)', async () => {
    const { dashboard, root, sockets } = mountRefused();
    await userEvent.type(root.querySelector<HTMLInputElement>('.rs-key-input')!, 'rs_soon-revoked{Enter}');
    sockets.opened[0]!.fire('connect');
    sockets.opened[0]!.fire('snapshot', snapshot({ standards: STANDARDS }));
    await settle();
    dashboard.flush();
    sockets.opened[0]!.fire('disconnect', 'transport close');
    sockets.opened[0]!.fire('connect_error', new Error('unauthorized: the API key is revoked'));
    dashboard.flush();
    const entry = root.querySelector<HTMLElement>('.rs-key')!;
    expect(shown(entry)).toBe(true);
    expect(entry.dataset['placement']).toBe('board');
    expect(shown(root.querySelector('.rs-key-title'))).toBe(false);
    expect(text(root, '.rs-key-detail')).toBe('The Ringside server at http://127.0.0.1:4870 refused the API key (it is revoked).');
    // Right under the stale notice, above the figures kept on screen.
    const stale = root.querySelector<HTMLElement>('.rs-stale')!;
    expect(shown(stale)).toBe(true);
    expect(entry.getBoundingClientRect().top).toBeGreaterThanOrEqual(stale.getBoundingClientRect().bottom);
    expect(entry.getBoundingClientRect().bottom).toBeLessThanOrEqual(root.querySelector('.rs-board')!.getBoundingClientRect().top);
    await userEvent.fill(root.querySelector<HTMLInputElement>('.rs-key-input')!, 'rs_new-key');
    await userEvent.keyboard('{Enter}');
    expect(sockets.opened.map((s) => s.token)).toEqual(['rs_soon-revoked', 'rs_new-key']);
  });

  it('a page the server paints connects at once, without any key field (a --no-auth server, or a good ?token=)', async () => {
    const { dashboard, root, sockets } = mountRefused(null);
    await settle();
    dashboard.flush();
    expect(sockets.opened.map((s) => s.token)).toEqual([null]);
    expect(shown(root.querySelector('.rs-key'))).toBe(false);
  });
});
