// GET /incidents (+ /:id), POST /incidents/:id/ack and /incidents/ack (several at once). /alerts is gone:
// incidents replaced alerts (docs/alerts.md).
import type { Response } from 'express';
import { z } from 'zod';
import type { IncidentList, IncidentPage } from '../../protocol';
import { malformedTextProblem } from '../../protocol';
import { kindOf, notAnObjectMessage } from '../../protocol/issues';
import { quotedText } from '../../protocol/nearMiss';
import { DomainError, isDomainError } from '../../domain/errors';
import type { IncidentFilter } from '../../services/alerts/evaluation';
import { callerOf } from '../caller';
import { fromBeforeTo, knownSitesOf, oneOfParam, refuse, siteParam, standardParam, timeParam, wholeNumberParam, type KnownSite } from '../queryParams';
import { route, type BodySpec } from '../route';

const MAX_INCIDENTS = 10_000;
const DEFAULT_INCIDENTS = 1000;
/** Incidents one bulk acknowledgement may name. */
const MAX_BULK_ACK = 1000;
const MAX_BY = 200;

/** `standard` is one ever defined (retired ones too), as the incidents export and /compliance take it. */
const incidentQuery = (standardIds: readonly string[], knownSite: KnownSite) =>
  z
    .strictObject({ state: oneOfParam(['open', 'recovered', 'all'] as const), from: timeParam(), to: timeParam(), standard: standardParam(standardIds), site: siteParam(knownSite), before: wholeNumberParam(1, Number.MAX_SAFE_INTEGER), limit: wholeNumberParam(1, MAX_INCIDENTS) })
    .superRefine(...fromBeforeTo)
    .transform((p): IncidentFilter => {
      const filter: IncidentFilter = { limit: p.limit ?? DEFAULT_INCIDENTS };
      if (p.state !== undefined) filter.state = p.state;
      if (p.from !== undefined) filter.fromMs = p.from;
      if (p.to !== undefined) filter.toMs = p.to;
      if (p.standard !== undefined) filter.standardId = p.standard;
      if (p.site !== undefined) filter.site = p.site;
      if (p.before !== undefined) filter.beforeId = p.before;
      return filter;
    });

/**
 * A refused incident id as its refusal quotes it, the path's and a list's alike: text as every refusal echoes it
 * (quotedText), a number as JavaScript reads it, anything else by its kind.
 */
const sentId = (id: unknown): string => (typeof id === 'number' ? String(id) : typeof id === 'string' ? quotedText(id) : kindOf(id));

/** A whole number past the largest id an incident can have: no such incident can exist, and the bound says why. */
const beyondIds = `must be at most ${Number.MAX_SAFE_INTEGER}, the largest an incident can have`;

const incidentId = {
  schema: z.object({
    id: z.string().transform((text, ctx) => {
      if (!/^[1-9]\d*$/.test(text)) return refuse(ctx, `must be a positive whole number (got ${sentId(text)})`);
      return Number.isSafeInteger(Number(text)) ? Number(text) : refuse(ctx, `${beyondIds} (got ${sentId(text)})`);
    }),
  }),
  invalid: { slug: 'invalid-incident-id', title: 'Invalid incident id' },
};
type IncidentId = z.infer<typeof incidentId.schema>;

/** `by`: absent, or a non-empty well-formed name. */
const by = z.unknown().transform((v, ctx): string => {
  if (typeof v !== 'string' || v.trim() === '') return refuse(ctx, 'must be a non-empty string');
  const malformed = malformedTextProblem(v);
  if (malformed) return refuse(ctx, malformed);
  return v.trim().length > MAX_BY ? refuse(ctx, `must be at most ${MAX_BY} characters`) : v.trim();
});

const ids = z
  .unknown()
  .optional()
  .transform((v, ctx): number[] => {
    if (!Array.isArray(v)) return refuse(ctx, 'must be an array of incident ids');
    if (v.length === 0 || v.length > MAX_BULK_ACK) refuse(ctx, `must name from 1 to ${MAX_BULK_ACK} incidents`);
    v.forEach((id, i) => {
      if (Number.isInteger(id) && (id as number) > Number.MAX_SAFE_INTEGER) refuse(ctx, `${beyondIds} (got ${sentId(id)})`, [i]);
      else if (!Number.isSafeInteger(id) || (id as number) < 1) refuse(ctx, `must be a positive whole number (got ${sentId(id)})`, [i]);
    });
    return v as number[];
  });

/** An acknowledgement's body: a JSON object (no body reads as {}). */
function ackBody<T extends z.ZodRawShape>(shape: T, limit: string, items?: string): BodySpec<z.infer<z.ZodObject<T>>> {
  const object = z.unknown().transform((b, ctx) => (b !== null && typeof b === 'object' && !Array.isArray(b) ? b : refuse(ctx, notAnObjectMessage(b))));
  return { limit, media: 'when-present', what: 'the body', ...(items === undefined ? {} : { items }), invalid: { slug: 'invalid-body', title: 'Invalid acknowledgement' }, schema: object.pipe(z.strictObject(shape)) as never };
}

/** One incident acknowledged by its address names the path parameter `id`, not its place in a list (`ids.0`). */
function asPathId(error: unknown): never {
  if (isDomainError(error) && error.kind === 'not-found') throw new DomainError(error.kind, 'id', error.message, undefined, error.code);
  throw error;
}

/** Without a "by", an acknowledgement is recorded under the API key's name (when keys are in use). */
function keyName(res: Response): string | null {
  return callerOf(res)?.key?.name ?? null;
}

export const incidentRoutes = [
  route<unknown, IncidentFilter>({
    method: 'GET',
    path: '/incidents',
    scope: 'read',
    query: { schema: async (req, app) => incidentQuery(app.core.standards.ids(), await knownSitesOf(app.core.sites, req.query)) },
    handle: ({ query }, app): Promise<IncidentPage> => app.core.alerts.list(query),
  }),
  // Acknowledging is what someone watching the dashboard does: a read key may (the ack records the key's name).
  route<unknown, undefined, { ids: number[]; by?: string | undefined }>({
    method: 'POST',
    path: '/incidents/ack',
    scope: 'read',
    body: ackBody({ ids, by: by.optional() }, '64kb', 'ids'),
    handle: async ({ body, res }, app): Promise<IncidentList> => ({ incidents: await app.core.alerts.acknowledge(body.ids, body.by ?? keyName(res)) }),
  }),
  route<IncidentId>({
    method: 'GET',
    path: '/incidents/:id',
    scope: 'read',
    params: incidentId,
    handle: ({ params }, app) => app.core.alerts.withChanges(params.id),
  }),
  route<IncidentId, undefined, { by?: string | undefined }>({
    method: 'POST',
    path: '/incidents/:id/ack',
    scope: 'read',
    params: incidentId,
    body: ackBody({ by: by.optional() }, '16kb'),
    handle: async ({ params, body, res }, app) => (await app.core.alerts.acknowledge([params.id], body.by ?? keyName(res)).catch(asPathId))[0],
  }),
  // Replaced by /incidents: a read key learns that (410) instead of a scope refusal.
  ...['/alerts', '/alerts/*rest'].map((path) =>
    route({
      method: 'ALL',
      path,
      scope: 'read',
      handle: ({ req }) => {
        throw new DomainError('gone', '', `${req.baseUrl + req.path} was replaced by /api/v1/incidents: one incident per standard and site (docs/alerts.md)`, undefined, 'alerts-replaced');
      },
    }),
  ),
];
