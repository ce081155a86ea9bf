import { afterEach, describe, expect, it } from 'vitest';
import { formatClock } from '../../webview/src/format';
import type { Transport } from '../../webview/src/transport/transport';
import { NOW, incident, incidentChange, judgedCall, msg, snapshot } from './fixtures';
import { feed, mount, text, unmountAll } from './mount';

afterEach(unmountAll);

/** A transport that says it runs inside VS Code (what the extension's webview transport says). */
function vscodeLikeTransport(): Transport {
  return { host: 'vscode', start: () => () => {}, reportRendered: () => {} };
}

const indicator = (root: HTMLElement) => root.querySelector<HTMLElement>('.rs-connection')!;
const empty = (root: HTMLElement) => root.querySelector<HTMLElement>('.rs-empty')!;
const board = (root: HTMLElement) => root.querySelector<HTMLElement>('.rs-board')!;

describe('connection indicator and empty state', () => {
  it('says it is connecting and shows the empty state before any data', () => {
    const { root } = mount();
    expect(indicator(root).dataset['state']).toBe('connecting');
    expect(text(root, '.rs-connection-label')).toBe('Connecting…');
    expect(text(root, '.rs-connection-updated')).toBe('no data yet');
    expect(empty(root).hidden).toBe(false);
    expect(empty(root).textContent).toContain('Waiting for data');
    expect(board(root).hidden).toBe(true);
    expect(root.querySelectorAll('canvas')).toHaveLength(0);
  });

  it('explains a failed connection in plain words naming the server, never socket.io-client’s wording', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.connection('disconnected', 'xhr poll error'));
    expect(text(root, '.rs-connection-label')).toBe('Disconnected');
    expect(indicator(root).title).toBe('Cannot reach the Ringside server at http://127.0.0.1:4870: is it running?');
    expect(text(root, '.rs-empty-title')).toBe('No connection');
    expect(text(root, '.rs-empty-detail')).toBe('Cannot reach the Ringside server at http://127.0.0.1:4870: is it running? Retrying…');
    expect(root.textContent).not.toMatch(/xhr|poll error|websocket error/i);
    // In a browser there are no extension commands to offer.
    expect(root.querySelectorAll('.rs-empty-action')).toHaveLength(0);
  });

  it('inside VS Code offers the extension’s commands as buttons', () => {
    const { dashboard, root } = mount({ transport: vscodeLikeTransport() });
    feed(dashboard, msg.connection('disconnected', 'websocket error'));
    expect(text(root, '.rs-empty-detail')).toBe('Cannot reach the Ringside server at http://127.0.0.1:4870: is it running? Start the local server, or connect to another server.');
    const actions = [...root.querySelectorAll<HTMLAnchorElement>('.rs-empty-action')].map((a) => [a.textContent, a.getAttribute('href')]);
    expect(actions).toEqual([
      ['Start Local Server', 'command:ringside.startLocalServer'],
      ['Connect to a Server', 'command:ringside.connect'],
    ]);
  });

  it('goes live with the last-updated time once data arrives, and keeps the data through a disconnect', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot()));
    expect(indicator(root).dataset['state']).toBe('connected');
    expect(text(root, '.rs-connection-label')).toBe('Live');
    expect(text(root, '.rs-connection-updated')).toBe(`updated ${formatClock(NOW)}`);
    expect(empty(root).hidden).toBe(true);
    expect(board(root).hidden).toBe(false);

    feed(dashboard, msg.connection('disconnected', 'transport close'));
    expect(indicator(root).dataset['state']).toBe('disconnected');
    expect(text(root, '.rs-connection-updated')).toBe(`updated ${formatClock(NOW)}`);
    expect(board(root).hidden).toBe(false);
    // The dot's colour tells the states apart at a glance.
    const dot = root.querySelector('.rs-dot')!;
    const red = getComputedStyle(dot).backgroundColor;
    feed(dashboard, msg.connection('connected'));
    expect(getComputedStyle(dot).backgroundColor).not.toBe(red);
  });

  const refusal = 'unauthorized: an API key with scope "read" is required (auth: { token })';

  it('in a browser, says how to open the page with a key when the server refuses the connection for want of one', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.connection('disconnected', refusal));
    expect(text(root, '.rs-empty-title')).toBe('An API key is needed');
    expect(text(root, '.rs-empty-detail')).toContain('The Ringside server at http://127.0.0.1:4870 needs an API key.');
    expect(text(root, '.rs-empty-detail')).toContain('#token=<key>');
    expect(root.textContent).not.toContain('auth: { token }');
    expect(root.textContent).not.toContain('VS Code');
  });

  it('in VS Code, asks for the key with a "Set API Key" button, without browser instructions', () => {
    const { dashboard, root } = mount({ transport: vscodeLikeTransport() });
    feed(dashboard, msg.connection('disconnected', refusal));
    expect(text(root, '.rs-empty-title')).toBe('An API key is needed');
    expect(root.textContent).not.toContain('#token');
    expect(root.textContent).not.toContain('auth: { token }');
    const actions = [...root.querySelectorAll<HTMLAnchorElement>('.rs-empty-action')].map((a) => [a.textContent, a.getAttribute('href')]);
    expect(actions).toEqual([['Set API Key', 'command:ringside.setApiKey']]);
  });

  it('in VS Code, a key refused over figures on screen (revoked) is not a reconnect: it says so and offers "Set API Key"', () => {
    const { dashboard, root } = mount({ transport: vscodeLikeTransport() });
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot()));
    const stale = root.querySelector<HTMLElement>('.rs-stale')!;
    const setKey = () => stale.querySelector<HTMLAnchorElement>('a[href="command:ringside.setApiKey"]');
    // A network drop is retried by itself: no key to ask for.
    feed(dashboard, msg.connection('disconnected', 'transport close'));
    expect(text(root, '.rs-connection-label')).toBe('Reconnecting…');
    expect(setKey()?.hidden ?? true).toBe(true);
    // The extension's retry is refused: final until a new key is given.
    feed(dashboard, msg.connection('disconnected', 'unauthorized: the API key is revoked'));
    expect(text(root, '.rs-connection-label')).toBe('Disconnected');
    expect(stale.hidden).toBe(false);
    expect(stale.textContent).toMatch(/^Not live: showing figures as of .*\. The Ringside server at http:\/\/127\.0\.0\.1:4870 refused the API key \(it is revoked\)\./);
    expect(setKey()?.hidden).toBe(false);
    expect(setKey()?.textContent).toBe('Set API Key');
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot()));
    expect(stale.hidden).toBe(true);
    expect(text(root, '.rs-connection-label')).toBe('Live');
  });

  it('in VS Code, a Disconnect over figures on screen is not a reconnect: it says "Disconnected" and "Not live"', () => {
    const { dashboard, root } = mount({ transport: vscodeLikeTransport() });
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot()));
    // What the extension sends after its Disconnect command: nothing retries until the user connects again.
    feed(dashboard, msg.connection('disconnected', 'disconnected'));
    expect(text(root, '.rs-connection-label')).toBe('Disconnected');
    const stale = root.querySelector<HTMLElement>('.rs-stale')!;
    expect(stale.hidden).toBe(false);
    expect(text(stale, '.rs-stale-text')).toBe(`Not live: showing figures as of ${formatClock(NOW)}. Disconnected from http://127.0.0.1:4870.`);
    expect(stale.querySelector<HTMLElement>('a[href="command:ringside.setApiKey"]')?.hidden).toBe(true);
    expect(root.textContent).not.toContain('Reconnecting');
  });

  it('clears the previous server’s figures, feed and alerts (and their Acknowledge buttons) when the server changes', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ recent: [judgedCall()] })), incidentChange(incident({ siteName: 'Leeds' })));
    expect(root.querySelectorAll('.rs-alert-ack').length).toBeGreaterThan(0);
    expect(root.querySelectorAll('.rs-feed-row').length).toBe(1);
    dashboard.dispatch({ type: 'ui/select', selection: { window: '7d' } });
    feed(dashboard, { type: 'connection', state: 'connecting', serverUrl: 'http://127.0.0.1:4999' });
    expect(dashboard.state()).toMatchObject({ hasSnapshot: false, incidents: [], feed: [], today: {}, standards: [] });
    expect(dashboard.state().selection.window).toBe('7d');
    expect(root.querySelectorAll('.rs-alert-ack')).toHaveLength(0);
    expect(board(root).hidden).toBe(true);
    expect(text(root, '.rs-empty-detail')).toBe('Connecting to http://127.0.0.1:4999.');
  });
});
