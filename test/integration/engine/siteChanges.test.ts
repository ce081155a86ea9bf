// Changing a site over HTTP: PUT replaces the whole site and refuses a body that leaves a setting out (it would go
// back to its default without a word); PATCH changes the settings it names (JSON merge patch) and keeps the rest,
// validated, audited and chained as a PUT is. A real server, real SQLite file, real HTTP.
import { describe, expect, it } from 'vitest';
import { useEngineServer } from './support';

const server = useEngineServer();

const LONDON = { id: 'ldn', name: 'London', timeZone: 'Europe/London', hours: { mon: ['09:00-17:30'] }, holidays: ['2026-12-25'] };
const AS_CREATED = { ...LONDON, ringCycleSeconds: 6, autoCreated: false };
const SERVER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

const history = async (id: string) => (await server().send('GET', `/api/v1/sites/${id}/history`)).body.history as Array<{ change: string; definition: unknown }>;
const auditHead = async () => (await server().send('GET', '/api/v1/audit/head')).body;
const siteEntries = async (id: string) =>
  ((await server().send('GET', '/api/v1/export/audit-log?from=2000-01-01T00:00:00Z&format=json')).body.rows as Array<{ action: string; target: string; details: string }>).filter((r) => r.target === id && r.action.startsWith('site.'));

/** Whether the 2-ring standard counted a call at `occurredAt` at `site`, and why not. */
async function counted(site: string, occurredAt: string): Promise<[boolean, string | null]> {
  const res = await server().postEvents({ type: 'call', site, occurredAt, outcome: 'answered', rings: 1 });
  expect(res.status).toBe(201);
  const judgement = res.body.results[0].judgements.find((j: { standardId: string }) => j.standardId === 'call-answer-2-rings');
  return [judgement.counted, judgement.reason];
}

async function createSite(site: Record<string, unknown>): Promise<void> {
  expect((await server().send('POST', '/api/v1/sites', site)).status).toBe(201);
}

describe('PUT /sites/:id replaces the whole site', () => {
  it('refuses a body that leaves settings out, naming each and pointing to PATCH, and keeps the site, its history and its judging; a whole site replaces it', async () => {
    await createSite(LONDON);
    const head = await auditHead();
    const put = await server().send('PUT', '/api/v1/sites/ldn', { name: 'London Bridge' });
    expect(put.status).toBe(400);
    const missing = 'PUT replaces the whole site (GET it, edit, PUT it back); use PATCH to change only some settings';
    expect(put.body.errors).toEqual([
      { path: 'timeZone', message: `is missing: ${missing}` },
      { path: 'ringCycleSeconds', message: `is missing (or name country): ${missing}` },
      { path: 'hours', message: `is missing: ${missing}` },
      { path: 'holidays', message: `is missing: ${missing}` },
    ]);
    // Missing settings and wrong ones in one answer.
    const both = await server().send('PUT', '/api/v1/sites/ldn', { name: 7, timeZone: 'Mars/Olympus', country: 'UK', hours: null });
    expect(both.body.errors.map((e: { path: string }) => e.path)).toEqual(['name', 'timeZone', 'holidays']);

    expect((await server().send('GET', '/api/v1/sites/ldn')).body).toEqual(AS_CREATED);
    expect((await history('ldn')).map((h) => h.change)).toEqual(['created']);
    expect(await auditHead()).toEqual(head);
    expect(await counted('ldn', '2026-11-30T08:59:00Z')).toEqual([false, 'outside-hours']); // Monday before opening, GMT
    expect(await counted('ldn', '2026-11-30T10:00:00Z')).toEqual([true, null]);

    // What GET answers, edited, is a whole site: it replaces the site; country names the ring cycle.
    const read = (await server().send('GET', '/api/v1/sites/ldn')).body;
    const replaced = await server().send('PUT', '/api/v1/sites/ldn', { ...read, name: 'London Bridge', hours: null });
    expect([replaced.status, replaced.body]).toEqual([200, { ...AS_CREATED, name: 'London Bridge', hours: null }]);
    const { ringCycleSeconds: _r, ...withoutCycle } = read;
    expect((await server().send('PUT', '/api/v1/sites/ldn', { ...withoutCycle, country: 'UK' })).body).toMatchObject({ ringCycleSeconds: 3, hours: { mon: ['09:00-17:30'] } });
    expect((await history('ldn')).map((h) => h.change)).toEqual(['created', 'updated', 'updated']);
  });
});

describe('PATCH /sites/:id changes the settings it names', () => {
  it('keeps every other setting; the change is in the site history, the audit log and the chain, and later events are judged by the kept hours', async () => {
    await createSite({ ...LONDON, id: 'ldn-patch' });
    const patched = await server().send('PATCH', '/api/v1/sites/ldn-patch', { name: 'London Bridge' });
    expect(patched.status).toBe(200);
    const expected = { ...AS_CREATED, id: 'ldn-patch', name: 'London Bridge' };
    expect(patched.body).toEqual(expected);
    expect((await server().send('GET', '/api/v1/sites/ldn-patch')).body).toEqual(expected);
    const changes = await history('ldn-patch');
    expect(changes.map((h) => h.change)).toEqual(['created', 'updated']);
    expect(changes[1]!.definition).toEqual(expected);
    const entries = await siteEntries('ldn-patch');
    expect(entries.map((e) => e.action)).toEqual(['site.create', 'site.update']);
    expect(JSON.parse(entries[1]!.details)).toEqual({ method: 'PATCH', body: { id: 'ldn-patch', name: 'London Bridge' } });
    expect((await server().send('GET', '/api/v1/audit/verify')).body).toMatchObject({ intact: true });

    expect(await counted('ldn-patch', '2026-11-30T08:59:00Z')).toEqual([false, 'outside-hours']);
    expect(await counted('ldn-patch', '2026-12-01T10:00:00Z')).toEqual([false, 'outside-hours']); // Tuesday: closed

    // The same patch again changes nothing: no history row, no audit entry.
    const head = await auditHead();
    expect((await server().send('PATCH', '/api/v1/sites/ldn-patch', { name: 'London Bridge' })).body).toEqual(expected);
    expect(await auditHead()).toEqual(head);
  });

  it('is a JSON merge patch: null puts a setting back to its default, hours merge per weekday, country sets the ring cycle', async () => {
    await createSite({ ...LONDON, id: 'ldn-merge' });
    const patch = (body: unknown, contentType = 'application/json') =>
      fetch(`${server().url}/api/v1/sites/ldn-merge`, { method: 'PATCH', headers: { authorization: `Bearer ${server().apiKey}`, 'content-type': contentType }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const weekend = await patch({ hours: { sat: ['10:00-14:00'] }, country: 'UK' }, 'application/merge-patch+json');
    expect(weekend).toEqual({ status: 200, body: { ...AS_CREATED, id: 'ldn-merge', ringCycleSeconds: 3, hours: { mon: ['09:00-17:30'], sat: ['10:00-14:00'] } } });
    expect((await patch({ hours: { mon: null }, holidays: null, name: null })).body).toMatchObject({ name: 'ldn-merge', hours: { sat: ['10:00-14:00'] }, holidays: [], ringCycleSeconds: 3, timeZone: 'Europe/London' });
    expect((await patch({ hours: null, ringCycleSeconds: null, timeZone: null })).body).toMatchObject({ hours: null, ringCycleSeconds: 6, timeZone: SERVER_ZONE });
    // Open around the clock is open all day every day: closing one day keeps the others open.
    const allDay = ['00:00-24:00'];
    expect((await patch({ hours: { sun: null } })).body.hours).toEqual({ mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay });
    expect((await history('ldn-merge')).map((h) => h.change)).toEqual(['created', 'updated', 'updated', 'updated', 'updated']);
  });

  it('merges concurrent patches of different settings: each keeps the other', async () => {
    await createSite({ ...LONDON, id: 'ldn-both' });
    const [a, b] = await Promise.all([server().send('PATCH', '/api/v1/sites/ldn-both', { name: 'London Bridge' }), server().send('PATCH', '/api/v1/sites/ldn-both', { holidays: ['2026-12-26'] })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await server().send('GET', '/api/v1/sites/ldn-both')).body).toEqual({ ...AS_CREATED, id: 'ldn-both', name: 'London Bridge', holidays: ['2026-12-26'] });
  });

  it('refuses what a definition refuses, naming every field (400), and writes nothing; an unknown site is 404, another id 400', async () => {
    await createSite({ ...LONDON, id: 'ldn-bad' });
    const head = await auditHead();
    const bad = await server().send('PATCH', '/api/v1/sites/ldn-bad', { timeZone: 'Mars/Olympus', ringCycleSeconds: 0, country: null, hours: { mon: ['18:00-09:00'], funday: [] }, holidays: ['2026-02-30'], colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['colour', 'country', 'holidays.0', 'hours.funday', 'hours.mon.0', 'ringCycleSeconds', 'timeZone']);
    expect((await server().send('PATCH', '/api/v1/sites/ldn-bad', { name: '' })).body.errors).toEqual([{ path: 'name', message: 'must not be empty' }]);
    // A calendar mistake is told as one, not as the wrong form; overlapping hours name the interval they overlap.
    const unclear = await server().send('PATCH', '/api/v1/sites/ldn-bad', { holidays: ['2026-12-25', '2026-02-30', '25/12/2026'], hours: { mon: ['09:00-12:00', '13:00-17:00', '11:00-13:30'], tue: ['09:00-12:00', '12:00-17:00'] } });
    expect(unclear.status).toBe(400);
    expect(unclear.body.errors).toEqual([
      { path: 'hours.mon.2', message: 'overlaps "09:00-12:00" (item 0): a day\'s intervals may not overlap' },
      { path: 'holidays.1', message: 'is not a real date (got "2026-02-30")' },
      { path: 'holidays.2', message: 'must be a date YYYY-MM-DD' },
    ]);
    expect((await server().send('PATCH', '/api/v1/sites/ldn-bad', { id: 'other', name: 'Other' })).body.errors).toEqual([{ path: 'id', message: 'must match the site in the URL ("ldn-bad")' }]);
    expect((await server().send('GET', '/api/v1/sites/ldn-bad')).body).toEqual({ ...AS_CREATED, id: 'ldn-bad' });
    expect(await auditHead()).toEqual(head);
    const unknown = await server().send('PATCH', '/api/v1/sites/nowhere', { name: 'Nowhere' });
    expect([unknown.status, unknown.body.errors]).toEqual([404, [{ path: 'id', message: 'no site with id "nowhere"' }]]);
    const notJson = await fetch(`${server().url}/api/v1/sites/ldn-bad`, { method: 'PATCH', headers: { authorization: `Bearer ${server().apiKey}`, 'content-type': 'text/plain' }, body: 'name=x' });
    expect(notJson.status).toBe(415);
  });

  it('refuses hours that open on no weekday, in a new site, a replacement and a patch that closes the last open day', async () => {
    const never = 'opens on no weekday, so the site would never be open and nothing there would be counted: give at least one weekday its intervals, or null for open around the clock (close single dates with holidays)';
    for (const hours of [{}, { mon: [], sat: [] }]) {
      const created = await server().send('POST', '/api/v1/sites', { id: 'closed-week', timeZone: 'Asia/Kathmandu', hours });
      expect([created.status, created.body.errors]).toEqual([400, [{ path: 'hours', message: never }]]);
    }
    expect((await server().send('GET', '/api/v1/sites/closed-week')).status).toBe(404);
    await createSite({ ...LONDON, id: 'ldn-week' });
    const head = await auditHead();
    const put = await server().send('PUT', '/api/v1/sites/ldn-week', { name: 'London', timeZone: 'Europe/London', ringCycleSeconds: 6, hours: {}, holidays: [] });
    expect([put.status, put.body.errors]).toEqual([400, [{ path: 'hours', message: never }]]);
    // Each day of the patch is fine alone; closing Monday, the site's only open day, leaves a week that never opens.
    const patch = await server().send('PATCH', '/api/v1/sites/ldn-week', { hours: { mon: null } });
    expect([patch.status, patch.body.errors]).toEqual([400, [{ path: 'hours', message: never }]]);
    expect((await server().send('GET', '/api/v1/sites/ldn-week')).body).toEqual({ ...AS_CREATED, id: 'ldn-week' });
    expect(await auditHead()).toEqual(head);
    // Moving the open day is fine, and so is a site open around the clock.
    expect((await server().send('PATCH', '/api/v1/sites/ldn-week', { hours: { mon: null, tue: ['09:00-17:00'] } })).body.hours).toEqual({ tue: ['09:00-17:00'] });
    expect((await server().send('PATCH', '/api/v1/sites/ldn-week', { hours: null })).body.hours).toBeNull();
  });

  it('says what is wrong with an opening interval, and how hours past midnight are written', async () => {
    const hours = { mon: ['9am-5pm', '09:00-25:00', '09:60-10:00', '24:00-24:00', '22:00-02:00', '09:00-09:00', '09:00 - 17:00', '08:00-09:00'] };
    const res = await server().send('POST', '/api/v1/sites', { id: 'night-desk', timeZone: 'Asia/Kathmandu', hours });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'hours.mon.0', message: 'must be "HH:MM-HH:MM", 24-hour with two digits each, e.g. "09:00-17:30" (got "9am-5pm")' },
      { path: 'hours.mon.1', message: 'has "25:00", no time of day: hours run from 00 to 23 and minutes from 00 to 59, with 24:00 allowed as an end (got "09:00-25:00")' },
      { path: 'hours.mon.2', message: 'has "09:60", no time of day: hours run from 00 to 23 and minutes from 00 to 59, with 24:00 allowed as an end (got "09:60-10:00")' },
      { path: 'hours.mon.3', message: 'has "24:00", no time of day: hours run from 00 to 23 and minutes from 00 to 59, with 24:00 allowed as an end (got "24:00-24:00")' },
      { path: 'hours.mon.4', message: 'ends before it starts: hours past midnight are two intervals, "22:00-24:00" on this day and "00:00-02:00" on the next (got "22:00-02:00")' },
      { path: 'hours.mon.5', message: 'is empty: it starts and ends at 09:00 (got "09:00-09:00")' },
      { path: 'hours.mon.6', message: 'must be "HH:MM-HH:MM", 24-hour with two digits each, e.g. "09:00-17:30" (got "09:00 - 17:00")' },
    ]);
    // Written as the answer says, the night opens.
    const night = await server().send('POST', '/api/v1/sites', { id: 'night-desk', timeZone: 'Asia/Kathmandu', hours: { mon: ['22:00-24:00'], tue: ['00:00-02:00'] } });
    expect(night.status).toBe(201);
  });

  it('tells a mistyped time zone the zone it most likely means, in a site and in a query, as other refused values are', async () => {
    const zone = 'is not an IANA time zone known to this server (e.g. "Europe/Berlin")';
    const site = await server().send('POST', '/api/v1/sites', { id: 'kolkata', timeZone: 'Asia/Calcuta' });
    expect([site.status, site.body.errors]).toEqual([400, [{ path: 'timeZone', message: `${zone} (did you mean "Asia/Calcutta"?)` }]]);
    await createSite({ ...LONDON, id: 'ldn-zone' });
    const patch = await server().send('PATCH', '/api/v1/sites/ldn-zone', { timeZone: 'Europe/Londn' });
    expect(patch.body.errors).toEqual([{ path: 'timeZone', message: `${zone} (did you mean "Europe/London"?)` }]);
    const query = await server().send('GET', '/api/v1/compliance?tz=Pacific/Chatam');
    expect([query.status, query.body.errors]).toEqual([400, [{ path: 'tz', message: `${zone} (did you mean "Pacific/Chatham"?)` }]]);
    // Nothing near: the message alone, no guess.
    expect((await server().send('GET', '/api/v1/compliance?tz=Mars/Olympus')).body.errors).toEqual([{ path: 'tz', message: zone }]);
  });
});
