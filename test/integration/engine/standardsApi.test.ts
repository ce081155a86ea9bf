// Standards and sites over HTTP: CRUD, versions with validity periods, judging by the version in force
// when the event happened, unknown-site refusal, live snapshot after a change.
import { describe, expect, it } from 'vitest';
import { removeDir } from '../support/testServer';
import { wholeStandard } from '../support/standards';
import { startEngineServer, useEngineServer } from './support';

const server = useEngineServer();

// Every field named: a PUT replaces the whole definition.
const custom = wholeStandard({
  id: 'call-answer-15s',
  name: 'Calls answered within 15 seconds',
  eventType: 'call',
  measure: 'answerSeconds',
  operator: '<=',
  threshold: 15,
  target: 0.8,
  formula: 'F5',
  shortAbandonSeconds: 5,
  scope: { sites: ['api-site'] },
});

describe('standards API', () => {
  it('lists the defaults with every field explicit', async () => {
    const res = await server().send('GET', '/api/v1/standards');
    expect(res.status).toBe(200);
    const ids = res.body.standards.map((s: any) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['call-answer-2-rings', 'visit-greet-30s']));
    const call = res.body.standards.find((s: any) => s.id === 'call-answer-2-rings');
    expect(call).toMatchObject({ version: 1, operator: '<=', formula: 'F3', bands: { green: 0.9, amber: 0.85 }, countOutsideHours: false, validFrom: null, retired: false });
  });

  it('creates (201), reads, refuses a duplicate (409) and lists every problem of a bad body (400)', async () => {
    const created = await server().send('POST', '/api/v1/standards', custom);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'call-answer-15s', version: 1, formula: 'F5', shortAbandonSeconds: 5, validFrom: null, validTo: null });
    expect((await server().send('GET', '/api/v1/standards/call-answer-15s')).body).toMatchObject({ version: 1, threshold: 15 });
    const dup = await server().send('POST', '/api/v1/standards', custom);
    expect(dup.status).toBe(409);
    expect(dup.contentType).toMatch(/application\/problem\+json/);
    const bad = await server().send('POST', '/api/v1/standards', { id: 'x y', eventType: 'visit', measure: 'rings', operator: '==', threshold: -1, target: 1.5, colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.contentType).toMatch(/application\/problem\+json/);
    const paths = bad.body.errors.map((e: any) => e.path).sort();
    // The measure that is no field of a visit is named in the same answer, a rule between fields.
    expect(paths).toEqual(['colour', 'id', 'measure', 'name', 'operator', 'target', 'threshold'].sort());
    const wrongMeasure = await server().send('POST', '/api/v1/standards', { ...custom, id: 'v', eventType: 'visit', measure: 'rings' });
    expect(wrongMeasure.body.errors).toEqual([{ path: 'measure', message: expect.stringMatching(/not a measure of a visit/) }]);
    // A window listed twice is a slip, refused naming where and what it repeats (POST and PUT alike).
    const twice = { ...custom, id: 'twice', windows: ['1h', 'today', '1h', 'today'] };
    for (const [method, path] of [['POST', '/api/v1/standards'], ['PUT', '/api/v1/standards/call-answer-15s']] as const) {
      const repeated = await server().send(method, path, method === 'PUT' ? { ...twice, id: 'call-answer-15s' } : twice);
      expect(repeated.status, method).toBe(400);
      expect(repeated.body.errors, method).toEqual([
        { path: 'windows.2', message: 'repeats "1h", already windows.0: list each window once' },
        { path: 'windows.3', message: 'repeats "today", already windows.1: list each window once' },
      ]);
    }
    expect((await server().send('GET', '/api/v1/standards/twice')).status).toBe(404);
    expect((await server().send('GET', '/api/v1/standards/nope')).status).toBe(404);
    expect((await server().send('PUT', '/api/v1/standards/nope', custom)).status).toBe(404);
  });

  it('PUT creates a new version (history kept), an identical PUT does not; DELETE is a retirement version', async () => {
    const same = await server().send('PUT', '/api/v1/standards/call-answer-15s', custom);
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(1);
    const current = (await server().send('GET', '/api/v1/standards/call-answer-15s')).body;
    const changed = await server().send('PUT', '/api/v1/standards/call-answer-15s', { ...current, threshold: 20 }); // GET, edit, PUT back
    expect(changed.body).toMatchObject({ version: 2, threshold: 20 });
    const badWhen = await server().send('DELETE', '/api/v1/standards/call-answer-15s?validFrom=soon');
    expect(badWhen.status).toBe(400);
    expect(badWhen.body.errors[0].path).toBe('validFrom');
    // A date that does not exist is refused, not rolled over to 2 March.
    const noSuchDay = await server().send('PUT', '/api/v1/standards/call-answer-15s', { ...current, threshold: 25, validFrom: '2026-02-30T00:00:00Z' });
    expect(noSuchDay.status).toBe(400);
    expect(noSuchDay.body.errors).toEqual([expect.objectContaining({ path: 'validFrom', message: expect.stringContaining('is not a real date and time') })]);
    const retired = await server().send('DELETE', '/api/v1/standards/call-answer-15s');
    expect(retired.body).toMatchObject({ version: 3, retired: true });
    expect((await server().send('DELETE', '/api/v1/standards/call-answer-15s')).status).toBe(409);
    const list = (await server().send('GET', '/api/v1/standards')).body.standards.map((s: any) => s.id);
    expect(list).not.toContain('call-answer-15s');
    const versions = (await server().send('GET', '/api/v1/standards/call-answer-15s/versions')).body.versions;
    expect(versions.map((v: any) => [v.version, v.threshold, v.retired])).toEqual([
      [1, 15, false],
      [2, 20, false],
      [3, 20, true],
    ]);
    expect(versions[0].validFrom).toBeNull();
    expect(versions[0].validTo).toBe(versions[1].validFrom);
    expect(versions[1].validTo).toBe(versions[2].validFrom);
    expect(versions[2].validTo).toBeNull();
    // Re-creating a retired id is a new version, not an edit.
    const revived = await server().send('POST', '/api/v1/standards', { ...custom, threshold: 25 });
    expect(revived.body).toMatchObject({ version: 4, threshold: 25, retired: false });
  });
});

describe('versioning by occurredAt', () => {
  it('a threshold changed mid-day: events before and after are judged by their own version; the day lists both', async () => {
    const base = { id: 'greet-mid-day', name: 'Greeted within 30 s', eventType: 'visit', measure: 'greetSeconds', threshold: 30, target: 0.9, scope: { sites: ['mid'] } };
    expect((await server().send('POST', '/api/v1/standards', base)).status).toBe(201);
    // Morning events, stored before the change.
    const morning = await server().postEvents({
      events: [
        { type: 'visit', site: 'mid', occurredAt: '2026-02-02T08:00:00Z', outcome: 'greeted', greetSeconds: 20 },
        { type: 'visit', site: 'mid', occurredAt: '2026-02-02T09:00:00Z', outcome: 'greeted', greetSeconds: 25 },
      ],
    });
    expect(morning.body.results.map((r: any) => r.judgements[0].standardVersion)).toEqual([1, 1]);
    // From noon the threshold is 15 s. Events already judged before noon are fine; one judged after noon would refuse.
    const refused = await server().send('PATCH', '/api/v1/standards/greet-mid-day', { threshold: 15, validFrom: '2026-02-02T08:30:00Z' });
    expect(refused.status).toBe(409);
    expect(refused.body.errors[0].path).toBe('validFrom');
    const v2 = await server().send('PATCH', '/api/v1/standards/greet-mid-day', { threshold: 15, validFrom: '2026-02-02T12:00:00Z' });
    expect(v2.body).toMatchObject({ version: 2, validFrom: '2026-02-02T12:00:00.000Z' });
    // Back-dated events posted after the change: each judged by the version in force when it happened.
    const later = await server().postEvents({
      events: [
        { type: 'visit', site: 'mid', occurredAt: '2026-02-02T11:59:59.999Z', outcome: 'greeted', greetSeconds: 20 }, // v1: met
        { type: 'visit', site: 'mid', occurredAt: '2026-02-02T12:00:00Z', outcome: 'greeted', greetSeconds: 20 }, // v2: missed
        { type: 'visit', site: 'mid', occurredAt: '2026-02-02T13:00:00Z', outcome: 'greeted', greetSeconds: 15 }, // v2: met
      ],
    });
    expect(later.body.results.map((r: any) => [r.judgements[0].standardVersion, r.judgements[0].threshold, r.judgements[0].met])).toEqual([
      [1, 30, true],
      [2, 15, false],
      [2, 15, true],
    ]);
    const day = await server().getJson('/api/v1/compliance?standard=greet-mid-day&from=2026-02-02T00:00:00Z&to=2026-02-03T00:00:00Z');
    const fig = day.body.standards[0];
    expect([fig.numerator, fig.denominator, fig.total, fig.met, fig.missed]).toEqual([4, 5, 5, 4, 1]);
    // Each version with its own rule, target and start: what the dashboard needs to say the day spans two thresholds.
    expect(fig.versions).toEqual([
      { version: 1, formula: 'F3', operator: '<=', threshold: 30, shortAbandonSeconds: null, numerator: 3, denominator: 3, target: 0.9, validFrom: null, name: 'Greeted within 30 s' },
      { version: 2, formula: 'F3', operator: '<=', threshold: 15, shortAbandonSeconds: null, numerator: 1, denominator: 2, target: 0.9, validFrom: '2026-02-02T12:00:00.000Z', name: 'Greeted within 30 s' },
    ]);
    const versions = (await server().send('GET', '/api/v1/standards/greet-mid-day/versions')).body.versions;
    expect(versions.map((v: any) => [v.version, v.validFrom, v.validTo])).toEqual([
      [1, null, '2026-02-02T12:00:00.000Z'],
      [2, '2026-02-02T12:00:00.000Z', null],
    ]);
  });
});

describe('PUT with the definition of the latest version and another validFrom', () => {
  const base = wholeStandard({ id: 'greet-reschedule', name: 'Greeted within 30 s', eventType: 'visit', measure: 'greetSeconds', threshold: 30, target: 0.9, scope: { sites: ['resched'] } });
  const put = (body: object) => server().send('PUT', '/api/v1/standards/greet-reschedule', { ...base, ...body });
  const versions = async () => (await server().send('GET', '/api/v1/standards/greet-reschedule/versions')).body.versions.map((v: any) => [v.version, v.validFrom, v.threshold]);

  it('refuses a past validFrom over judged events with 409, makes a version from a valid one, and answers a repeat unchanged', async () => {
    expect((await server().send('POST', '/api/v1/standards', base)).status).toBe(201);
    const judged = await server().postEvents({ type: 'visit', site: 'resched', occurredAt: '2026-02-02T10:00:00Z', outcome: 'greeted', greetSeconds: 20 });
    expect(judged.body.results[0].judgements[0]).toMatchObject({ standardId: 'greet-reschedule', standardVersion: 1 });

    // Backdated over an event version 1 judged: the same 409 as any backdated change, not a silent 200.
    const backdated = await put({ validFrom: '2026-02-02T09:00:00Z' });
    expect(backdated.status).toBe(409);
    expect(backdated.body.errors[0].path).toBe('validFrom');
    // The same definition sent again without validFrom: nothing to do.
    expect((await put({})).body).toMatchObject({ version: 1, validFrom: null });

    // A validFrom that may be honoured: a new version with the same definition, from then on.
    const scheduled = await put({ validFrom: '2099-01-01T00:00:00Z' });
    expect(scheduled.status).toBe(200);
    expect(scheduled.body).toMatchObject({ version: 2, validFrom: '2099-01-01T00:00:00.000Z', threshold: 30 });
    // Sent again (the same instant, in any offset), or with no validFrom: unchanged.
    expect((await put({ validFrom: '2099-01-01T00:00:00Z' })).body).toMatchObject({ version: 2 });
    expect((await put({ validFrom: '2099-01-01T01:00:00+01:00' })).body).toMatchObject({ version: 2 });
    expect((await put({})).body).toMatchObject({ version: 2 });
    // Not before the latest version's own start: history of versions is not reordered.
    const earlier = await put({ validFrom: '2098-06-01T00:00:00Z' });
    expect(earlier.status).toBe(409);
    expect(earlier.body.errors[0]).toMatchObject({ path: 'validFrom', message: expect.stringContaining('later than the validity start of version 2') });

    expect(await versions()).toEqual([
      [1, null, 30],
      [2, '2099-01-01T00:00:00.000Z', 30],
    ]);
  });
});

describe('sites API', () => {
  it('creates, reads, updates, lists every problem, deletes; events use the site cadence and business hours', async () => {
    const bad = await server().send('POST', '/api/v1/sites', { id: 'berlin', timeZone: 'Mars/Olympus', ringCycleSeconds: 0, hours: { mon: ['18:00-09:00'], funday: ['09:00-10:00'] }, holidays: ['2026-02-30'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.path).sort()).toEqual(['holidays.0', 'hours.funday', 'hours.mon.0', 'ringCycleSeconds', 'timeZone'].sort());
    const created = await server().send('POST', '/api/v1/sites', { id: 'berlin', name: 'Berlin Mitte', timeZone: 'Europe/Berlin', country: 'DE', hours: { mon: ['09:00-17:00'] }, holidays: ['2026-02-09'] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 'berlin', name: 'Berlin Mitte', timeZone: 'Europe/Berlin', ringCycleSeconds: 5, hours: { mon: ['09:00-17:00'] }, holidays: ['2026-02-09'], autoCreated: false });
    expect((await server().send('POST', '/api/v1/sites', { id: 'berlin' })).status).toBe(409);
    const posted = await server().postEvents({
      events: [
        { type: 'call', site: 'berlin', occurredAt: '2026-02-02T09:00:00+01:00', outcome: 'answered', answerSeconds: 9.9 }, // Mon 09:00: open, ring 2 at 5 s cadence
        { type: 'call', site: 'berlin', occurredAt: '2026-02-02T08:59:59+01:00', outcome: 'answered', answerSeconds: 1 }, // before opening
        { type: 'call', site: 'berlin', occurredAt: '2026-02-02T17:00:00+01:00', outcome: 'answered', answerSeconds: 1 }, // closing time is exclusive
        { type: 'call', site: 'berlin', occurredAt: '2026-02-09T10:00:00+01:00', outcome: 'answered', answerSeconds: 1 }, // holiday
        { type: 'call', site: 'berlin', occurredAt: '2026-02-03T10:00:00+01:00', outcome: 'answered', answerSeconds: 1 }, // Tuesday: closed
      ],
    });
    const js = posted.body.results.map((r: any) => r.judgements.find((j: any) => j.standardId === 'call-answer-2-rings'));
    expect(posted.body.results[0].event).toMatchObject({ rings: 2, derived: ['rings'] });
    expect(js.map((j: any) => [j.counted, j.met, j.reason])).toEqual([
      [true, true, null],
      [false, false, 'outside-hours'],
      [false, false, 'outside-hours'],
      [false, false, 'outside-hours'],
      [false, false, 'outside-hours'],
    ]);
    const updated = await server().send('PUT', '/api/v1/sites/berlin', { name: 'Berlin', timeZone: 'Europe/Berlin', ringCycleSeconds: 3, hours: null, holidays: [] });
    expect(updated.body).toMatchObject({ ringCycleSeconds: 3, hours: null });
    const history = (await server().send('GET', '/api/v1/sites/berlin/history')).body.history;
    expect(history.map((h: any) => h.change)).toEqual(['created', 'updated']);
    expect((await server().send('DELETE', '/api/v1/sites/berlin')).status).toBe(200);
    expect((await server().send('GET', '/api/v1/sites/berlin')).status).toBe(404);
    expect((await server().send('GET', '/api/v1/sites')).body.sites.map((s: any) => s.id)).not.toContain('berlin');
  });

  it('refuses a ring cycle outside 1–30 s, naming ringCycleSeconds (POST and PATCH)', async () => {
    for (const ringCycleSeconds of [0.001, 0.5, 30.5, 60]) {
      const posted = await server().send('POST', '/api/v1/sites', { id: 'cadence', ringCycleSeconds });
      expect(posted.status, String(ringCycleSeconds)).toBe(400);
      expect(posted.body.errors).toEqual([{ path: 'ringCycleSeconds', message: 'must be between 1 and 30 seconds' }]);
    }
    expect((await server().send('POST', '/api/v1/sites', { id: 'cadence', ringCycleSeconds: 1 })).status).toBe(201);
    expect((await server().send('PATCH', '/api/v1/sites/cadence', { ringCycleSeconds: 30 })).body).toMatchObject({ ringCycleSeconds: 30 });
    const patched = await server().send('PATCH', '/api/v1/sites/cadence', { ringCycleSeconds: 0.001 });
    expect(patched.status).toBe(400);
    expect(patched.body.errors).toEqual([{ path: 'ringCycleSeconds', message: 'must be between 1 and 30 seconds' }]);
  });

  it('derives rings exactly, beyond the 0–100 bound of posted rings, and marks them derived', async () => {
    const res = await server().postEvents({ type: 'call', site: 'long-wait', occurredAt: '2026-02-02T09:00:00Z', outcome: 'abandoned', answerSeconds: 86_400 });
    expect(res.status).toBe(201);
    expect(res.body.results[0].event).toMatchObject({ rings: 14_401, answerSeconds: 86_400, derived: ['rings'] }); // floor(86400 / 6) + 1
    const posted = await server().postEvents({ type: 'call', site: 'long-wait', occurredAt: '2026-02-02T09:00:00Z', outcome: 'abandoned', rings: 101 });
    expect(posted.status).toBe(400);
    expect(posted.body.errors[0]).toEqual({ path: 'rings', message: 'must be at most 100' });
  });

  it('auto-creates unknown sites with defaults', async () => {
    await server().postEvents({ type: 'call', site: 'brand-new', occurredAt: '2026-02-02T09:00:00Z', outcome: 'answered', rings: 1 });
    const site = (await server().send('GET', '/api/v1/sites/brand-new')).body;
    expect(site).toMatchObject({ id: 'brand-new', ringCycleSeconds: 6, hours: null, holidays: [], autoCreated: true });
    expect(site.timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});

describe('a server that rejects unknown sites', () => {
  it('answers 400 naming `site` (events.N.site in a batch) and stores nothing', async () => {
    const strict = await startEngineServer({ rejectUnknownSites: true });
    try {
      expect((await strict.send('POST', '/api/v1/sites', { id: 'known', timeZone: 'UTC' })).status).toBe(201);
      const one = await strict.postEvents({ type: 'call', site: 'stranger', occurredAt: '2026-02-02T09:00:00Z', outcome: 'answered', rings: 1 });
      expect(one.status).toBe(400);
      expect(one.body.errors).toEqual([{ path: 'site', message: expect.stringMatching(/unknown site "stranger"/) }]);
      const batch = await strict.postEvents({
        events: [
          { type: 'call', site: 'known', occurredAt: '2026-02-02T09:00:00Z', outcome: 'answered', rings: 1 },
          { type: 'call', site: 'stranger', occurredAt: '2026-02-02T09:00:00Z', outcome: 'answered', rings: 1 },
        ],
      });
      expect(batch.status).toBe(400);
      expect(batch.body.errors.map((e: any) => e.path)).toEqual(['events.1.site']);
      const fig = (await strict.getJson('/api/v1/compliance?from=2026-02-02T00:00:00Z&to=2026-02-03T00:00:00Z&standard=call-answer-2-rings')).body.standards[0];
      expect(fig.denominator).toBe(0);
      expect((await strict.postEvents({ type: 'call', site: 'known', occurredAt: '2026-02-02T09:00:00Z', outcome: 'answered', rings: 1 })).status).toBe(201);
    } finally {
      await strict.close();
      removeDir(strict.dataDir);
    }
  });
});
