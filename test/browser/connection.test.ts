import { afterEach, describe, expect, it } from 'vitest';
import { formatClock } from '../../webview/src/format';
import { NOW, msg, snapshot } from './fixtures';
import { feed, mount, text, unmountAll } from './mount';

afterEach(unmountAll);

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

  it('explains a failed connection in the empty state', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.connection('disconnected', 'xhr poll error'));
    expect(text(root, '.rs-connection-label')).toBe('Disconnected');
    expect(indicator(root).title).toBe('Disconnected to http://127.0.0.1:4870: xhr poll error');
    expect(text(root, '.rs-empty-title')).toBe('No connection');
    expect(text(root, '.rs-empty-detail')).toContain('http://127.0.0.1:4870 (xhr poll error)');
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

  it('says how to pass a key when the server refuses the connection for want of one', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.connection('disconnected', 'unauthorized: an API key with scope "read" is required (auth: { token })'));
    expect(text(root, '.rs-empty-title')).toBe('An API key is needed');
    expect(text(root, '.rs-empty-detail')).toContain('?token=<key>');
  });
});
