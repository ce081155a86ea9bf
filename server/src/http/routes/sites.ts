// Sites over HTTP. A change never edits history: PUT (the whole site), PATCH (some of its settings) and DELETE add
// history rows; the service refuses what may not change (a DomainError) and writes the change to the audit log under
// the caller's key.
import { z } from 'zod';
import { siteDefinitionSchema, sitePatchSchema, siteReplacementSchema, type SiteDefinition, type SitePatch } from '../../protocol';
import { betweenFieldsIssue, unlessWrong } from '../../protocol/issues';
import { notFoundById } from '../../domain/errors';
import { caseTwinProblem, sameSiteAsUrl } from '../../services/sites';
import { keyIdOf } from '../caller';
import { route } from '../route';
import { editableBody, idParams, type IdParams, type UrlId } from './editable';

const actor = (res: Parameters<typeof keyIdOf>[0]) => ({ keyId: keyIdOf(res) });
const unknownSite = (id: string) => notFoundById('site', id);
const siteUrlId: UrlId = { what: 'site', same: sameSiteAsUrl, stored: async (id, app) => (await app.core.sites.get(id)) !== undefined };

/**
 * A new site, with the stored sites read first, so that an id differing from one of theirs only in letter case is
 * named beside every other problem of the body (the service refuses it again in its write).
 */
const newSite = (stored: readonly string[]) =>
  siteDefinitionSchema.check(
    z.superRefine<SiteDefinition>((def, ctx) => {
      const twin = caseTwinProblem(def.id, stored);
      if (twin) betweenFieldsIssue(ctx, ['id'], twin);
    }, unlessWrong('id')),
  );

export const siteRoutes = [
  route({ method: 'GET', path: '/sites', scope: 'read', handle: async (_input, app) => ({ sites: await app.core.sites.list() }) }),
  route<unknown, undefined, SiteDefinition>({
    method: 'POST',
    path: '/sites',
    scope: 'admin',
    status: 201,
    body: editableBody('the site', async (_req, app) => newSite(await app.core.sites.ids())),
    handle: async ({ body, res }, app) => (await app.core.sites.create(body, actor(res))).site,
  }),
  route<IdParams>({
    method: 'GET',
    path: '/sites/:id',
    scope: 'read',
    params: idParams,
    handle: async ({ params }, app) => {
      const site = await app.core.sites.get(params.id);
      if (!site) throw unknownSite(params.id);
      return site;
    },
  }),
  route<IdParams, undefined, SiteDefinition>({
    method: 'PUT',
    path: '/sites/:id',
    scope: 'admin',
    params: idParams,
    body: editableBody('the whole site', () => siteReplacementSchema, siteUrlId),
    handle: async ({ params, body, res }, app) => (await app.core.sites.update(params.id, body, actor(res))).site,
  }),
  route<IdParams, undefined, SitePatch>({
    method: 'PATCH',
    path: '/sites/:id',
    scope: 'admin',
    params: idParams,
    body: editableBody('the settings to change', () => sitePatchSchema, siteUrlId),
    handle: async ({ params, body, res }, app) => (await app.core.sites.patch(params.id, body, actor(res))).site,
  }),
  route<IdParams>({ method: 'DELETE', path: '/sites/:id', scope: 'admin', params: idParams, handle: ({ params, res }, app) => app.core.sites.retire(params.id, actor(res)) }),
  route<IdParams>({
    method: 'GET',
    path: '/sites/:id/history',
    scope: 'read',
    params: idParams,
    handle: async ({ params }, app) => {
      const found = await app.core.sites.history(params.id);
      if (found.history.length === 0) throw unknownSite(params.id);
      return found;
    },
  }),
];
