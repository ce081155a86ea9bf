// The custom range form: date and time pickers when it shows (asked for by the address at mount), plain hidden
// inputs otherwise; a range being chosen is not shown (nor pressed) until Apply.
import { afterEach, expect, it } from 'vitest';
import type { MountOptions } from '../../webview/src/app';
import { windowPhrase } from '../../webview/src/selection';
import { answering, fakeTransport, msg, settle, snapshot } from './fixtures';
import { feed, mount, unmountAll } from './mount';

afterEach(unmountAll);

/** A connected dashboard on the selection, its queries answered and drawn, and its range form. */
async function mountOn(selection: MountOptions['selection']) {
  const { root, dashboard } = mount({ transport: fakeTransport(answering({})).transport, selection });
  feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot()));
  await settle();
  dashboard.flush();
  return { root, dashboard, form: root.querySelector<HTMLFormElement>('.rs-custom')! };
}

it('a custom window at mount: date-time inputs with the range; another window keeps plain hidden inputs', async () => {
  const { form } = await mountOn({ window: 'custom', from: '2026-11-01T08:00:00.000Z', to: '2026-11-08T08:00:00.000Z' });
  expect(form.hidden).toBe(false);
  const [from, to] = [...form.querySelectorAll('input')];
  expect([from!.type, to!.type]).toEqual(['datetime-local', 'datetime-local']);
  const local = (iso: string) => { const d = new Date(iso); const two = (n: number) => String(n).padStart(2, '0'); return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`; };
  expect([from!.value, to!.value]).toEqual([local('2026-11-01T08:00:00.000Z'), local('2026-11-08T08:00:00.000Z')]);
  // The pickers read the device's clock, and the form says whose it is.
  expect(form.querySelector('.rs-custom-zone')!.textContent).toBe(`your time (${Intl.DateTimeFormat().resolvedOptions().timeZone})`);
});

it('a hidden form keeps plain inputs', async () => {
  const { form } = await mountOn({ window: '7d' });
  expect(form.hidden).toBe(true);
  expect([...form.querySelectorAll('input')].map((i) => i.type)).toEqual(['text', 'text']);
});

it('Custom opens the form without claiming the board: the window on screen stays pressed and named until Apply', async () => {
  const { root, dashboard, form } = await mountOn({ window: '1h' });
  const segment = (w: string) => root.querySelector<HTMLButtonElement>(`.rs-segment[data-window="${w}"]`)!;
  const subtitle = () => root.querySelector('.rs-subtitle')!.textContent;
  const pending = form.querySelector<HTMLElement>('.rs-custom-pending')!;
  expect(segment('custom').getAttribute('aria-expanded')).toBe('false');

  segment('custom').click();
  dashboard.flush();
  expect(form.hidden).toBe(false);
  expect(segment('custom').getAttribute('aria-expanded')).toBe('true');
  // The board still shows the last hour: that button stays pressed, Custom does not look selected, and both the
  // subtitle and the form say so.
  expect(segment('1h').getAttribute('aria-pressed')).toBe('true');
  expect(segment('custom').getAttribute('aria-pressed')).toBe('false');
  expect(getComputedStyle(segment('custom')).backgroundColor).not.toBe(getComputedStyle(segment('1h')).backgroundColor);
  expect(subtitle()).toBe('Service standards · last hour');
  expect(pending.hidden).toBe(false);
  expect(pending.textContent).toBe('Still showing last hour until Apply');

  // Escape leaves the range unapplied and closes the form.
  form.querySelector('input')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
  expect(form.hidden).toBe(true);
  expect(document.activeElement).toBe(segment('custom'));

  segment('custom').click();
  form.requestSubmit();
  await settle();
  dashboard.flush();
  const selection = dashboard.state().selection;
  expect(selection.window).toBe('custom');
  expect(segment('custom').getAttribute('aria-pressed')).toBe('true');
  expect(segment('1h').getAttribute('aria-pressed')).toBe('false');
  expect(pending.hidden).toBe(true);
  expect(subtitle()).toBe(`Service standards · ${windowPhrase(selection)}`);
});
