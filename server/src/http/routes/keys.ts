// /keys (admin): create (the secret shown once), list, revoke. /stats (admin): the security counters.
import { z } from 'zod';
import { DomainError, INVALID_KEY_REQUEST, notFoundById } from '../../domain/errors';
import { keyRequestSitesToLookUp, validateKeyRequest, type NewKeyRequest } from '../../services/keys';
import { keyIdOf } from '../caller';
import { refuse } from '../queryParams';
import { route, type Route } from '../route';

type KeyRequest = Omit<NewKeyRequest, 'source'>;

/**
 * The key request as the keys service validates it (the CLI's rules too), with the stored sites read first, so that a
 * site no key could write, or one that would be a second site, is named beside every other problem of the request.
 */
const keyRequest = (nowMs: number, isStoredSite: (id: string) => boolean, storedSiteIds: readonly string[]) =>
  z.unknown().transform((body, ctx): KeyRequest => {
    const v = validateKeyRequest(body, nowMs, isStoredSite, storedSiteIds);
    if (v.ok) return { name: v.name, scopes: v.scopes, sites: v.sites, expiresAtMs: v.expiresAtMs };
    for (const e of v.errors) refuse(ctx, e.message, e.path === '(body)' ? [] : e.path.split('.'));
    return z.NEVER;
  });

/** Whether a key request lists sites: only then are the stored ones read, to name a site that would be a second one. */
const hasSiteList = (body: unknown): boolean => body !== null && typeof body === 'object' && Array.isArray((body as Record<string, unknown>).sites);

// Both name the path parameter, as an unknown site or standard does.
const keyNotFound = (id: string) => notFoundById('API key', id, '', 'key-not-found');

/** Keys and counters are never cached, refusals included: a key's description, let alone its secret, stays off disks. */
const noStore = (routes: readonly Route[]): Route[] => routes.map((r) => ({ ...r, noStore: true }));

export const keyRoutes = noStore([
  route({
    method: 'GET',
    path: '/keys',
    scope: 'admin',
    handle: async (_input, app) => ({ keys: await app.core.keys.list() }),
  }),
  route<unknown, undefined, KeyRequest>({
    method: 'POST',
    path: '/keys',
    scope: 'admin',
    status: 201,
    body: { limit: '16kb', media: 'required', what: 'the key request', schema: async (req, app) => keyRequest(app.now(), await app.core.sites.stored(keyRequestSitesToLookUp(req.body)), hasSiteList(req.body) ? await app.core.sites.ids() : []), invalid: INVALID_KEY_REQUEST },
    handle: async ({ body, res }, app) => {
      // The secret is in this answer and nowhere else: it is stored only as a hash.
      const created = await app.core.keys.create({ ...body, source: 'api' }, { keyId: keyIdOf(res) });
      return { key: created.key, ...created.info };
    },
  }),
  route<{ id: string }>({
    method: 'GET',
    path: '/keys/:id',
    scope: 'admin',
    handle: async ({ params }, app) => {
      const key = await app.core.keys.get(params.id);
      if (!key) throw keyNotFound(params.id);
      return key;
    },
  }),
  route<{ id: string }>({
    method: 'DELETE',
    path: '/keys/:id',
    scope: 'admin',
    handle: async ({ params, res }, app) => {
      if (params.id === 'env') throw new DomainError('conflict', 'id', 'is the RINGSIDE_API_KEY key, which lives in the environment: restart without it', undefined, 'key-not-revocable');
      // Revoking twice answers the key again, its first revocation kept (the keys subcommand says so too).
      const revoked = await app.core.keys.revoke(params.id, { keyId: keyIdOf(res) }, true);
      if (revoked.outcome === 'unknown') throw keyNotFound(params.id);
      return revoked.key;
    },
  }),
  route({ method: 'GET', path: '/stats', scope: 'admin', handle: (_input, app) => app.stats() }),
]);
