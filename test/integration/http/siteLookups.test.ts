// How much a site in a read costs: the stored site ids are read only when a refusal may suggest one of them, not for
// every list of sites a query names.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { knownSitesOf } from '../../../server/src/http/queryParams';
import { siteDefinitionSchema } from '../../../server/src/protocol/sites';
import { openTestCore, type TestCore } from '../support/core';
import { removeDir, tempDataDir } from '../support/testServer';

let dir: string;
let core: TestCore;
beforeAll(async () => {
  dir = tempDataDir();
  core = await openTestCore(dir);
  await core.sites.create(siteDefinitionSchema.parse({ id: 'harbour' }), null);
  await core.sites.create(siteDefinitionSchema.parse({ id: 'quiet' }), null);
});
afterAll(async () => {
  await core.close();
  removeDir(dir);
});

const lookUp = async (site: string | string[]) => {
  const ids = vi.spyOn(core.sites, 'ids');
  try {
    const known = await knownSitesOf(core.sites, { site });
    return { reads: ids.mock.calls.length, stored: known.stored };
  } finally {
    ids.mockRestore();
  }
};

describe('the sites a query names', () => {
  it('are looked up without reading every stored site when each is one', async () => {
    expect(await lookUp('harbour')).toEqual({ reads: 0, stored: [] });
    expect(await lookUp('harbour,quiet')).toEqual({ reads: 0, stored: [] });
    expect(await lookUp(['harbour', ' quiet '])).toEqual({ reads: 0, stored: [] });
  });

  it('read the stored sites once when one is unknown, for the refusal to suggest', async () => {
    expect(await lookUp('harbor')).toEqual({ reads: 1, stored: ['harbour', 'quiet'] });
    expect(await lookUp('harbour,harbor')).toEqual({ reads: 1, stored: ['harbour', 'quiet'] });
    expect(await lookUp(['harbour', 'quiet,harbour'])).toEqual({ reads: 1, stored: ['harbour', 'quiet'] });
  });
});
