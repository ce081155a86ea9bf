// GET /clocks (the open cases and each standard's clock on them) and GET /event-types.
import type { Request } from 'express';
import type { z } from 'zod';
import { clocksQuerySchema, type ClocksQuery, type ClocksResponse, type EventTypesResponse } from '../../protocol/eventTypes';
import { unlessWrong } from '../../protocol/issues';
import { unknownEventTypeMessage } from '../../domain/eventTypes';
import { knownSitesOf, refuse, unknownSite } from '../queryParams';
import { route, type AppContext } from '../route';

/** The filters, with `type` checked against the event types this server knows (built-in and configured). */
async function clocksQuery(req: Request, app: AppContext): Promise<z.ZodType<ClocksQuery>> {
  const registry = app.core.ingest.registry();
  const knownSite = await knownSitesOf(app.core.sites, req.query);
  return clocksQuerySchema
    .superRefine((query, ctx) => {
      if (query.type !== undefined && !registry.get(query.type)) {
        ctx.addIssue({ code: 'custom', path: ['type'], message: unknownEventTypeMessage(registry, query.type) });
      }
    }, unlessWrong('type'))
    .superRefine((query, ctx) => {
      if (query.site !== undefined && knownSite(query.site) === undefined) refuse(ctx, unknownSite(knownSite, query.site, true), ['site']);
    }, unlessWrong('site'))
    .transform((query) => (query.site === undefined ? query : { ...query, site: knownSite(query.site)! }));
}

export const clockRoutes = [
  route<Record<string, string>, ClocksQuery>({
    method: 'GET',
    path: '/clocks',
    scope: 'read',
    query: { schema: clocksQuery },
    handle: ({ query }, app): ClocksResponse => ({ clocks: app.core.clocks.openClocks(query) }),
  }),
  route({
    method: 'GET',
    path: '/event-types',
    scope: 'read',
    handle: (_input, app): EventTypesResponse => ({ eventTypes: [...app.core.ingest.registry().all()] }),
  }),
];
