// Changing a standard over HTTP: PUT replaces the whole definition and refuses a body that leaves a field out (it
// would take its default in the new version without a word); PATCH changes the fields it names (JSON merge patch) and
// keeps the rest, validated, versioned, audited and chained as a PUT is; DELETE retires it from now. A real server,
// real HTTP, on SQLite and on PostgreSQL (the integration-postgres project), on a test clock: changes "now" and
// versions scheduled ahead are dated by it, never by the real clock.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../server/src/protocol';
import { connected } from '../clocks/support';
import { testClock } from '../support/testClock';
import { useEngineServer } from './support';

const clock = testClock(Date.parse('2026-03-02T09:00:00Z'));
const iso = (ms: number) => new Date(ms).toISOString();
const server = useEngineServer({ clock });

/** A one-site, one-queue F5 standard: every field away from its default but `clock` (a call's is always the wall clock). */
const SALES = {
  name: 'Sales calls answered within 20 s',
  eventType: 'call',
  measure: 'answerSeconds',
  operator: '<',
  threshold: 20,
  target: 0.8,
  formula: 'F5',
  shortAbandonSeconds: 8,
  scope: { sites: ['ldn'], queues: ['sales'] },
  bands: { green: 0.85, amber: 0.7 },
  windows: ['1h', 'today'],
  countOutsideHours: true,
  clock: 'wall',
};
const MISSING = 'PUT replaces the whole standard (GET it, edit, PUT it back); use PATCH to change only some fields';
const READ_ONLY = ['version', 'validFrom', 'validTo', 'createdAt', 'retired'];

const versions = async (id: string) => (await server().send('GET', `/api/v1/standards/${id}/versions`)).body.versions as Array<Record<string, unknown>>;
const latest = async (id: string) => (await versions(id)).at(-1)!;
const auditHead = async () => (await server().send('GET', '/api/v1/audit/head')).body;
/** The audit log's entries about a standard, up to this instant (the clock stands still: "to" defaults to it, exclusive). */
const standardEntries = async (id: string) =>
  ((await server().send('GET', `/api/v1/export/audit-log?from=2000-01-01T00:00:00Z&to=${iso(clock.now() + 1)}&format=json`)).body.rows as Array<{ action: string; target: string; details: string }>).filter((r) => r.target === id && r.action.startsWith('standard.'));
/** A version's definition: what a change may keep or alter (not its number, validity or creation). */
const definition = (version: Record<string, unknown>) => Object.fromEntries(Object.entries(version).filter(([key]) => !READ_ONLY.includes(key)));

async function createStandard(id: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const created = await server().send('POST', '/api/v1/standards', { ...SALES, id, ...fields });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

/** Which versions of `id` judged a call at `site` in queue `queue` (none when it is out of the standard's scope). */
async function judgedBy(id: string, site: string, queue: string): Promise<number[]> {
  const res = await server().postEvents({ type: 'call', site, queue, occurredAt: iso(clock.now()), outcome: 'answered', answerSeconds: 5 });
  expect(res.status).toBe(201);
  return res.body.results[0].judgements.filter((j: { standardId: string }) => j.standardId === id).map((j: { standardVersion: number }) => j.standardVersion);
}

describe('PUT /standards/:id replaces the whole definition', () => {
  it('refuses a body that leaves fields out, naming each and pointing to PATCH, and writes nothing: no version, no audit entry, the same judging', async () => {
    await createStandard('put-partial');
    const head = await auditHead();
    const put = await server().send('PUT', '/api/v1/standards/put-partial', { name: SALES.name, eventType: 'call', measure: 'answerSeconds', threshold: 25, target: 0.8 });
    expect(put.status).toBe(400);
    expect(put.body.errors).toEqual(['operator', 'formula', 'shortAbandonSeconds', 'scope', 'bands', 'windows', 'countOutsideHours', 'clock'].map((path) => ({ path, message: `is missing: ${MISSING}` })));
    // Missing fields and wrong ones, a rule between fields included, in one answer.
    const both = await server().send('PUT', '/api/v1/standards/put-partial', { name: 7, eventType: 'visit', measure: 'answerSeconds', threshold: -1, target: 0.8, bands: { green: 0.5, amber: 0.6 } });
    expect(both.body.errors.map((e: { path: string }) => e.path)).toEqual(['name', 'threshold', 'measure', 'bands.amber', 'operator', 'formula', 'shortAbandonSeconds', 'scope', 'windows', 'countOutsideHours', 'clock']);

    expect((await versions('put-partial')).map((v) => v.version)).toEqual([1]);
    expect(await auditHead()).toEqual(head);
    expect(await judgedBy('put-partial', 'nyc', 'sales')).toEqual([]); // still one site
  });

  it('takes what GET answers, edited: GET names every field (clock too), so GET, edit, PUT replaces it; the same definition back changes nothing', async () => {
    await createStandard('put-whole', { clock: 'wall' });
    const read = (await server().send('GET', '/api/v1/standards/put-whole')).body;
    expect(read).toMatchObject({ clock: 'wall', scope: SALES.scope, shortAbandonSeconds: 8 });
    const head = await auditHead();
    expect((await server().send('PUT', '/api/v1/standards/put-whole', read)).body).toEqual(read);
    expect(await auditHead()).toEqual(head);
    const replaced = await server().send('PUT', '/api/v1/standards/put-whole', { ...read, threshold: 25 });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ ...definition(read), threshold: 25, version: 2 });
  });
});

describe('PATCH /standards/:id changes the fields it names', () => {
  it('keeps every other field (scope, formula, short abandons …) in a new version; versioned, audited, chained and judged as a PUT', async () => {
    const before = await createStandard('patch-threshold');
    const patched = await server().send('PATCH', '/api/v1/standards/patch-threshold', { threshold: 25 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ version: 2, validTo: null });
    expect(definition(patched.body)).toEqual({ ...definition(before), threshold: 25 });
    expect((await server().send('GET', '/api/v1/standards/patch-threshold')).body).toEqual(patched.body);
    expect((await versions('patch-threshold')).map((v) => [v.version, v.threshold, v.formula])).toEqual([
      [1, 20, 'F5'],
      [2, 25, 'F5'],
    ]);
    const entries = await standardEntries('patch-threshold');
    expect(entries.map((e) => e.action)).toEqual(['standard.create', 'standard.update']);
    expect(JSON.parse(entries[1]!.details)).toEqual({ version: 2, method: 'PATCH', body: { id: 'patch-threshold', threshold: 25 } });
    expect((await server().send('GET', '/api/v1/audit/verify')).body).toMatchObject({ intact: true });
    expect(await judgedBy('patch-threshold', 'nyc', 'sales')).toEqual([]);
    expect(await judgedBy('patch-threshold', 'ldn', 'sales')).toEqual([2]);

    // The same patch again, or one naming nothing, changes nothing: no version, no audit entry.
    const head = await auditHead();
    expect((await server().send('PATCH', '/api/v1/standards/patch-threshold', { threshold: 25 })).body).toEqual(patched.body);
    expect((await server().send('PATCH', '/api/v1/standards/patch-threshold', {})).body).toEqual(patched.body);
    // Read-only fields of a GET answer are ignored, as PUT ignores them.
    expect((await server().send('PATCH', '/api/v1/standards/patch-threshold', { version: 9, validTo: null, createdAt: 'x', retired: true, validFrom: null })).body).toEqual(patched.body);
    expect(await auditHead()).toEqual(head);
    expect((await versions('patch-threshold')).length).toBe(2);
  });

  it('is a JSON merge patch: null puts a field back to its default, objects merge member by member', async () => {
    await createStandard('patch-merge');
    const patch = (body: unknown, contentType = 'application/json') =>
      fetch(`${server().url}/api/v1/standards/patch-merge`, { method: 'PATCH', headers: { authorization: `Bearer ${server().apiKey}`, 'content-type': contentType }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const nested = await patch({ scope: { queues: ['support'] }, bands: { amber: 0.6 } }, 'application/merge-patch+json');
    expect(nested.status).toBe(200);
    expect(nested.body).toMatchObject({ scope: { sites: ['ldn'], queues: ['support'] }, bands: { green: 0.85, amber: 0.6 }, formula: 'F5', version: 2 });
    expect((await patch({ scope: { queues: null } })).body.scope).toEqual({ sites: ['ldn'] });
    // F5 without its own short-abandon limit takes the default 5 s, as a definition does.
    expect((await patch({ shortAbandonSeconds: null })).body).toMatchObject({ formula: 'F5', shortAbandonSeconds: 5 });
    const reset = await patch({ operator: null, formula: null, shortAbandonSeconds: null, scope: null, bands: null, windows: null, countOutsideHours: null, clock: null, target: 0.9 });
    expect(reset.status).toBe(200);
    expect(definition(reset.body)).toEqual({
      id: 'patch-merge',
      name: SALES.name,
      eventType: 'call',
      measure: 'answerSeconds',
      operator: '<=',
      threshold: 20,
      target: 0.9,
      formula: 'F3',
      shortAbandonSeconds: null,
      scope: {},
      bands: { green: 0.9, amber: 0.85 },
      windows: ['15m', '1h', 'today'],
      countOutsideHours: false,
      clock: 'wall',
    });
    expect((await versions('patch-merge')).map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses what the merged definition breaks, naming every field (400), and writes nothing', async () => {
    await createStandard('patch-bad');
    const head = await auditHead();
    // A rule between a field the patch names and one it keeps: a visit has no answerSeconds.
    const visit = await server().send('PATCH', '/api/v1/standards/patch-bad', { eventType: 'visit' });
    expect([visit.status, visit.body.errors]).toEqual([400, [{ path: 'measure', message: 'is not a measure of a visit: must be greetSeconds (got "answerSeconds")' }]]);
    expect((await server().send('PATCH', '/api/v1/standards/patch-bad', { bands: { amber: 0.9 } })).body.errors).toEqual([{ path: 'bands.amber', message: 'must not be above bands.green' }]);
    const bad = await server().send('PATCH', '/api/v1/standards/patch-bad', { threshold: -1, colour: 'red', name: null, windows: ['1h', '1h'], formula: 'F9' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: expect.stringMatching(/invalid-body$/), title: 'Invalid request body' });
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['colour', 'name', 'threshold', 'formula', 'windows.1']);
    expect(bad.body.detail).toBe(bad.body.errors.map((e: { path: string; message: string }) => `${e.path} ${e.message}`).join('; '));
    // A "__proto__" member is a field like any other: not known, not the prototype of what is merged.
    expect((await server().send('PATCH', '/api/v1/standards/patch-bad', JSON.parse('{"__proto__": {"threshold": 1}}'))).body.errors).toEqual([{ path: '__proto__', message: 'is not a known field' }]);
    expect((await server().send('PATCH', '/api/v1/standards/patch-bad', { id: 'other' })).body.errors).toEqual([{ path: 'id', message: 'must match the standard in the URL ("patch-bad")' }]);
    expect(await auditHead()).toEqual(head);
    expect((await versions('patch-bad')).map((v) => v.version)).toEqual([1]);

    const unknown = await server().send('PATCH', '/api/v1/standards/nowhere', { threshold: 5 });
    expect([unknown.status, unknown.body.errors]).toEqual([404, [{ path: 'id', message: 'no standard with id "nowhere"' }]]);
    const notJson = await fetch(`${server().url}/api/v1/standards/patch-bad`, { method: 'PATCH', headers: { authorization: `Bearer ${server().apiKey}`, 'content-type': 'text/plain' }, body: 'threshold=5' });
    expect(notJson.status).toBe(415);
    await notJson.body?.cancel();
  });

  it('follows the validFrom rules of any change: a backdated one over judged events is 409, a later one a version from then', async () => {
    await createStandard('patch-when');
    expect(await judgedBy('patch-when', 'ldn', 'sales')).toEqual([1]);
    const backdated = await server().send('PATCH', '/api/v1/standards/patch-when', { threshold: 30, validFrom: '2000-01-01T00:00:00Z' });
    expect([backdated.status, backdated.body.errors[0].path]).toEqual([409, 'validFrom']);
    const scheduled = await server().send('PATCH', '/api/v1/standards/patch-when', { threshold: 30, validFrom: '2099-01-01T00:00:00Z' });
    expect(scheduled.body).toMatchObject({ version: 2, threshold: 30, validFrom: '2099-01-01T00:00:00.000Z', formula: 'F5' });
  });

  it('refuses a change or retirement without validFrom after a scheduled version (409 validFrom), rather than answering 200 with one that starts after it', async () => {
    await createStandard('patch-after-scheduled');
    const scheduled = await server().send('PATCH', '/api/v1/standards/patch-after-scheduled', { threshold: 30, validFrom: '2099-01-01T00:00:00Z' });
    expect(scheduled.status).toBe(200);
    const head = await auditHead();
    const message = 'is required: version 2 is scheduled to take effect at 2099-01-01T00:00:00.000Z, so no change can take effect before it; send a validFrom after that instant';
    for (const [method, body] of [['PATCH', { threshold: 10 }], ['PUT', { ...SALES, threshold: 10 }], ['DELETE', undefined]] as const) {
      const refused = await server().send(method, '/api/v1/standards/patch-after-scheduled', body);
      expect([method, refused.status, refused.body.errors]).toEqual([method, 409, [{ path: 'validFrom', message }]]);
    }
    expect((await versions('patch-after-scheduled')).map((v) => v.version)).toEqual([1, 2]);
    expect(await auditHead()).toEqual(head);
    // A definition that names the scheduled version's own validFrom (a standards file edited, its date kept) edits that
    // version: it is withdrawn and the new one takes effect at the same instant, not 1 ms after it (which left the old
    // one in force for that millisecond). PATCH does the same, and the audit entry names the version replaced.
    const echoed = await server().send('PUT', '/api/v1/standards/patch-after-scheduled', { ...SALES, threshold: 31, validFrom: '2099-01-01T00:00:00Z' });
    expect([echoed.status, echoed.body]).toEqual([200, expect.objectContaining({ version: 3, threshold: 31, validFrom: '2099-01-01T00:00:00.000Z' })]);
    const patched = await server().send('PATCH', '/api/v1/standards/patch-after-scheduled', { threshold: 32, validFrom: '2099-01-01T00:00:00.000Z' });
    expect(patched.body).toMatchObject({ version: 4, threshold: 32, validFrom: '2099-01-01T00:00:00.000Z' });
    expect((await versions('patch-after-scheduled')).map((v) => [v.version, v.threshold, v.validFrom])).toEqual([
      [1, 20, null],
      [4, 32, '2099-01-01T00:00:00.000Z'],
    ]);
    const updates = (await standardEntries('patch-after-scheduled')).filter((r) => r.action === 'standard.update').map((r) => JSON.parse(r.details));
    expect(updates.slice(-2).map((d) => [d.version, d.replaced])).toEqual([
      [3, 2],
      [4, 3],
    ]);
    const withdrawals = (await standardEntries('patch-after-scheduled')).filter((r) => r.action === 'standard.withdraw').map((r) => JSON.parse(r.details));
    expect(withdrawals).toEqual([
      { version: 2, validFrom: '2099-01-01T00:00:00.000Z' },
      { version: 3, validFrom: '2099-01-01T00:00:00.000Z' },
    ]);
    expect((await server().send('GET', '/api/v1/audit/verify')).body).toMatchObject({ intact: true });
    // After the scheduled version, a change is a version from then, as ever.
    const later = await server().send('PATCH', '/api/v1/standards/patch-after-scheduled', { threshold: 10, validFrom: '2099-02-01T00:00:00Z' });
    expect(later.body).toMatchObject({ version: 5, threshold: 10, validFrom: '2099-02-01T00:00:00.000Z' });
  });

  it('merges concurrent patches of different fields: each keeps the other', async () => {
    await createStandard('patch-both');
    const [a, b] = await Promise.all([server().send('PATCH', '/api/v1/standards/patch-both', { name: 'Sales, renamed' }), server().send('PATCH', '/api/v1/standards/patch-both', { threshold: 15 })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await latest('patch-both')).toMatchObject({ version: 3, name: 'Sales, renamed', threshold: 15 });
  });

  it('pushes a fresh snapshot to live clients', async () => {
    await createStandard('patch-live');
    const { client } = await connected(server());
    try {
      const pushed = new Promise<Snapshot>((resolve) => {
        client.on('snapshot', (s: Snapshot) => {
          if (s.standards.some((st) => st.id === 'patch-live' && st.threshold === 12)) resolve(s);
        });
      });
      expect((await server().send('PATCH', '/api/v1/standards/patch-live', { threshold: 12 })).status).toBe(200);
      expect((await pushed).standards.find((st) => st.id === 'patch-live')).toMatchObject({ version: 2, scope: SALES.scope });
    } finally {
      client.close();
    }
  });

  it('needs an admin key, as PUT does', async () => {
    await createStandard('patch-auth');
    const readKey = (await server().send('POST', '/api/v1/keys', { name: 'reader', scopes: ['read'] })).body.key as string;
    const patchWith = (headers: Record<string, string>) =>
      fetch(`${server().url}/api/v1/standards/patch-auth`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ threshold: 5 }) }).then(async (r) => (await r.body?.cancel(), r.status));
    expect(await patchWith({})).toBe(401);
    expect(await patchWith({ authorization: `Bearer ${readKey}` })).toBe(403);
    expect((await versions('patch-auth')).map((v) => v.version)).toEqual([1]);
    expect(await patchWith({ authorization: `Bearer ${server().apiKey}` })).toBe(200);
    expect((await versions('patch-auth')).map((v) => v.version)).toEqual([1, 2]);
  });
});

describe('DELETE /standards/:id/versions/:version withdraws a version scheduled ahead', () => {
  it('takes back a scheduled version, so a change without validFrom takes effect now again; recorded, chained, never renumbered', async () => {
    await createStandard('withdraw-scheduled');
    expect((await server().send('PATCH', '/api/v1/standards/withdraw-scheduled', { threshold: 30, validFrom: '2099-01-01T00:00:00Z' })).status).toBe(200);
    expect((await server().send('PATCH', '/api/v1/standards/withdraw-scheduled', { threshold: 10 })).status).toBe(409);

    // An export as of a link before the withdrawal is the same after it (version 2 was scheduled then).
    const asOf = (await auditHead()).seq as number;
    const frozen = async () => {
      const res = await fetch(`${server().url}/api/v1/export/report?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&standard=withdraw-scheduled&format=html&asOf=${asOf}`, { headers: { authorization: `Bearer ${server().apiKey}` } });
      const text = await res.text();
      expect(res.status, text).toBe(200);
      return text;
    };
    const before = await frozen();
    expect(before).toContain('2099-01-01');
    const withdrawn = await server().send('DELETE', '/api/v1/standards/withdraw-scheduled/versions/2');
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
    expect(withdrawn.body).toMatchObject({ id: 'withdraw-scheduled', versions: [{ version: 1, threshold: 20, validTo: null }] });
    expect(withdrawn.body.versions).toHaveLength(1);
    expect(await versions('withdraw-scheduled')).toEqual(withdrawn.body.versions);
    expect(await frozen()).toBe(before);
    expect(await judgedBy('withdraw-scheduled', 'ldn', 'sales')).toEqual([1]);
    const [entry] = (await standardEntries('withdraw-scheduled')).filter((r) => r.action === 'standard.withdraw');
    expect(JSON.parse(entry!.details)).toEqual({ version: 2, validFrom: '2099-01-01T00:00:00.000Z' });

    // The change refused while version 2 was scheduled now takes effect now, numbered after the withdrawn one.
    const changed = await server().send('PATCH', '/api/v1/standards/withdraw-scheduled', { threshold: 10 });
    expect([changed.status, changed.body.version, changed.body.threshold]).toEqual([200, 3, 10]);
    expect((await versions('withdraw-scheduled')).map((v) => v.version)).toEqual([1, 3]);
    const again = await server().send('DELETE', '/api/v1/standards/withdraw-scheduled/versions/2');
    expect([again.status, again.body.errors]).toEqual([404, [{ path: 'version', message: expect.stringMatching(/^2 does not exist for standard "withdraw-scheduled" \(it was withdrawn at \S+\)/) }]]);
    // The withdrawn version's row stays as it was chained: the chain is intact.
    expect((await server().send('GET', '/api/v1/audit/verify')).body).toMatchObject({ intact: true });
  });

  it('refuses a version in force or past (409 naming when it took effect), one that judged events, an unknown or malformed one', async () => {
    await createStandard('withdraw-refused');
    const head = await auditHead();
    const inForce = await server().send('DELETE', '/api/v1/standards/withdraw-refused/versions/1');
    expect([inForce.status, inForce.body.errors]).toEqual([
      409,
      [{ path: 'version', message: '1 took effect at the beginning: only a version not yet in force can be withdrawn (history is not rewritten); change the standard with PATCH or PUT instead' }],
    ]);
    const unknown = await server().send('DELETE', '/api/v1/standards/withdraw-refused/versions/7');
    expect([unknown.status, unknown.body.errors]).toEqual([404, [{ path: 'version', message: '7 does not exist for standard "withdraw-refused"; GET /api/v1/standards/withdraw-refused/versions lists them' }]]);
    for (const bad of ['0', 'two', '1.5', '9007199254740992']) {
      const malformed = await server().send('DELETE', `/api/v1/standards/withdraw-refused/versions/${bad}`);
      expect([bad, malformed.status, malformed.body.errors]).toEqual([bad, 400, [{ path: 'version', message: 'must be a whole number from 1 to 9007199254740991' }]]);
    }
    expect((await server().send('DELETE', '/api/v1/standards/nowhere/versions/1')).status).toBe(404);
    expect(await auditHead()).toEqual(head);

    // Scheduled two minutes ahead, then judging an event dated three minutes ahead (ingest accepts some clock skew):
    // that judgement names version 2, so version 2 is history already.
    const soon = clock.now() + 120_000;
    expect((await server().send('PATCH', '/api/v1/standards/withdraw-refused', { threshold: 30, validFrom: iso(soon) })).status).toBe(200);
    const ahead = await server().postEvents({ type: 'call', site: 'ldn', queue: 'sales', occurredAt: iso(soon + 60_000), outcome: 'answered', answerSeconds: 5 });
    expect(ahead.body.results[0].judgements.find((j: { standardId: string }) => j.standardId === 'withdraw-refused')).toMatchObject({ standardVersion: 2 });
    const judged = await server().send('DELETE', '/api/v1/standards/withdraw-refused/versions/2');
    expect([judged.status, judged.body.errors[0].path, judged.body.errors[0].message]).toEqual([409, 'version', `2 already judged events on or after ${iso(soon)}; history is not rewritten`]);
    expect((await versions('withdraw-refused')).map((v) => v.version)).toEqual([1, 2]);
    // A change naming that version's own validFrom cannot replace it either: it follows it, from just after the
    // event it judged, as a change "now" would.
    const followed = await server().send('PATCH', '/api/v1/standards/withdraw-refused', { threshold: 31, validFrom: iso(soon) });
    expect([followed.status, followed.body.version, followed.body.validFrom]).toEqual([200, 3, iso(soon + 60_001)]);
    expect((await versions('withdraw-refused')).map((v) => v.version)).toEqual([1, 2, 3]);
  });
});

describe('DELETE /standards/:id retires a standard', () => {
  it('takes effect now even when an event dated a few minutes ahead was already judged by it', async () => {
    await createStandard('retire-now', { scope: { sites: ['skewed'] } });
    // A site whose clock runs four minutes fast (within the five minutes of skew ingest accepts, by the server's clock).
    const ahead = clock.now() + 4 * 60_000;
    const posted = await server().postEvents({ type: 'call', site: 'skewed', queue: 'sales', occurredAt: iso(ahead), outcome: 'answered', answerSeconds: 5 });
    expect(posted.body.results[0].judgements.map((j: { standardId: string }) => j.standardId)).toContain('retire-now');

    await clock.advance(1_000);
    const retiredAt = clock.now();
    const retired = await server().send('DELETE', '/api/v1/standards/retire-now');
    expect(retired.status).toBe(200);
    // Now, not after the event judged ahead (a change would follow it: its judgement must stay the version's).
    expect(retired.body).toMatchObject({ version: 2, retired: true, validFrom: iso(retiredAt) });
    expect((await server().send('GET', '/api/v1/standards')).body.standards.map((s: { id: string }) => s.id)).not.toContain('retire-now');
    expect((await server().send('GET', '/api/v1/standards/retire-now')).body).toMatchObject({ version: 2, retired: true });
    // An event after the retirement, yet before the one judged ahead, is not judged by it.
    expect(await judgedBy('retire-now', 'skewed', 'sales')).toEqual([]);
    // The event judged before the retirement keeps its judgement (events are never re-judged).
    const fig = (await server().send('GET', `/api/v1/compliance?standard=retire-now&from=${iso(retiredAt - 60_000)}&to=${iso(ahead + 1)}`)).body.standards[0];
    expect([fig.numerator, fig.denominator]).toEqual([1, 1]);
  });
});
