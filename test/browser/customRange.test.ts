// The custom range form: date and time pickers when it shows (asked for by the address at mount), plain hidden inputs otherwise.
import { afterEach, expect, it } from 'vitest';
import { answering, fakeTransport, msg, settle, snapshot } from './fixtures';
import { feed, mount, unmountAll } from './mount';

afterEach(unmountAll);

it('a custom window at mount: date-time inputs with the range; another window keeps plain hidden inputs', async () => {
  const fake = fakeTransport(answering({}));
  const { root, dashboard } = mount({ transport: fake.transport, selection: { window: 'custom', from: '2026-11-01T08:00:00.000Z', to: '2026-11-08T08:00:00.000Z' } });
  feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot()));
  await settle();
  dashboard.flush();
  const form = root.querySelector<HTMLFormElement>('.rs-custom')!;
  expect(form.hidden).toBe(false);
  const [from, to] = [...form.querySelectorAll('input')];
  expect([from!.type, to!.type]).toEqual(['datetime-local', 'datetime-local']);
  const local = (iso: string) => { const d = new Date(iso); const two = (n: number) => String(n).padStart(2, '0'); return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`; };
  expect([from!.value, to!.value]).toEqual([local('2026-11-01T08:00:00.000Z'), local('2026-11-08T08:00:00.000Z')]);
  // The pickers read the device's clock, and the form says whose it is.
  expect(form.querySelector('.rs-custom-zone')!.textContent).toBe(`your time (${Intl.DateTimeFormat().resolvedOptions().timeZone})`);
});

it('a hidden form keeps plain inputs', async () => {
  const fake = fakeTransport(answering({}));
  const { root, dashboard } = mount({ transport: fake.transport, selection: { window: '7d' } });
  feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot()));
  await settle();
  dashboard.flush();
  const form = root.querySelector<HTMLFormElement>('.rs-custom')!;
  expect(form.hidden).toBe(true);
  expect([...form.querySelectorAll('input')].map((i) => i.type)).toEqual(['text', 'text']);
});
