// A site stored before weeks with no open day were refused keeps its week: a patch of its other fields is taken, and
// only a patch of its hours is held to the rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestCore, type TestCore } from '../support/core';
import { removeDir, tempDataDir } from '../support/testServer';

let dir: string;
let core: TestCore;
beforeAll(async () => {
  dir = tempDataDir();
  core = await openTestCore(dir);
  // As an earlier release stored it: the service writes what it is given, the rule being the schema's.
  await core.sites.create({ id: 'closed-week', hours: {} }, null);
});
afterAll(async () => {
  await core.close();
  removeDir(dir);
});

describe('a site stored with a week that opens on no day', () => {
  it('takes a patch of its name, keeping its week', async () => {
    const { site } = await core.sites.patch('closed-week', { id: 'closed-week', name: 'Closed week' }, null);
    expect([site.name, site.hours]).toEqual(['Closed week', {}]);
  });

  it('refuses a patch of its hours that still opens on no day, naming hours', async () => {
    await expect(core.sites.patch('closed-week', { id: 'closed-week', hours: { mon: null } }, null)).rejects.toMatchObject({ kind: 'invalid', path: 'hours' });
    const { site } = await core.sites.patch('closed-week', { id: 'closed-week', hours: { mon: ['09:00-17:00'] } }, null);
    expect(site.hours).toEqual({ mon: ['09:00-17:00'] });
  });
});
