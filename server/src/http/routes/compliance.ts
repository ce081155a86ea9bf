// GET /compliance and GET /distribution: both read their range with reportRange (one "today", in the zone the
// compliance reader uses), both answer from the one compliance reader.
import type { Request } from 'express';
import { z } from 'zod';
import type { Bucket, ComplianceReport, GroupBy, Standard } from '../../protocol';
import type { ReportQuery } from '../../services/compliance';
import type { Core } from '../../services/core';
import type { DistributionQuery } from '../../services/distribution';
import { unlessWrong } from '../../protocol/issues';
import { bucketLimit, knownSitesOf, oneOfParam, RANGE_PARAMS, rangeRule, rangeShape, reportRange, standardParam, windowAlone, fromBeforeTo, type SiteContext } from '../queryParams';
import { route, type AppContext } from '../route';
import { parseQuery } from '../validate';

const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export interface QueryContext extends SiteContext {
  /** Every standard id ever defined (retired ones can still be reported). */
  standardIds: readonly string[];
}

function complianceQuery(ctx: QueryContext, nowMs: number) {
  return z
    .strictObject({ standard: standardParam(ctx.standardIds), ...rangeShape(ctx.knownSite), bucket: oneOfParam(['minute', 'hour', 'day'] as const), groupBy: oneOfParam<GroupBy>(['site', 'queue', 'agent']) })
    .superRefine(...windowAlone)
    .superRefine(...fromBeforeTo)
    .superRefine(...rangeRule(ctx, nowMs))
    .superRefine((p, zctx) => {
      if (p.bucket) bucketLimit(zctx, reportRange(p, ctx, nowMs, zctx), BUCKET_MS[p.bucket], `${p.bucket} buckets`, ['bucket'], 'choose a coarser bucket or a shorter range');
    }, unlessWrong(...RANGE_PARAMS, 'bucket'))
    .transform((p, zctx): ReportQuery => ({ ...reportRange(p, ctx, nowMs, zctx), standardId: p.standard ?? null, bucket: p.bucket ?? null, groupBy: p.groupBy ?? null }));
}

function distributionQuery(standards: readonly Standard[], zones: SiteContext, nowMs: number) {
  return z
    .strictObject({ standard: standardParam(standards.map((s) => s.id)), ...rangeShape(zones.knownSite) })
    .superRefine(...windowAlone)
    .superRefine(...fromBeforeTo)
    .superRefine(...rangeRule(zones, nowMs))
    .transform((p, zctx): DistributionQuery => {
      const { fromMs, toMs, site, timeZone } = reportRange(p, zones, nowMs, zctx);
      return { fromMs, toMs, site, standardId: p.standard ?? null, timeZone, nowMs };
    });
}

/** GET /compliance's query read outside a request (tests compare it with the distribution's). */
export const parseComplianceQuery = (raw: Record<string, unknown>, ctx: QueryContext, nowMs: number) => asParsed(parseQuery(complianceQuery(ctx, nowMs), raw));
export const parseDistributionQuery = (raw: Record<string, unknown>, standards: readonly Standard[], zones: SiteContext, nowMs: number) =>
  asParsed(parseQuery(distributionQuery(standards, zones, nowMs), raw));
const asParsed = <T>(p: ReturnType<typeof parseQuery<T>>) => (p.ok ? { ok: true as const, query: p.value } : p);

/**
 * GET /compliance's answer for these query parameters outside a request (the dashboard page's first report,
 * http/firstPaint.ts): the same parsing and reader, or null where the route would refuse them.
 */
export async function readComplianceReport(core: Pick<Core, 'compliance' | 'standards' | 'sites' | 'serverZone'>, raw: Record<string, unknown>, nowMs: number): Promise<ComplianceReport | null> {
  const parsed = parseQuery(complianceQuery({ ...(await sitesFor(core, raw)), standardIds: core.standards.ids() }, nowMs), raw);
  return parsed.ok ? core.compliance.report(parsed.value) : null;
}

/** What a query needs of sites, looked up before parsing: whether the asked site is known, its zone; the server's zone. */
async function sitesFor(core: Pick<Core, 'sites' | 'serverZone'>, query: Request['query'] | Record<string, unknown>): Promise<SiteContext> {
  const knownSite = await knownSitesOf(core.sites, query);
  const site = typeof query['site'] === 'string' ? knownSite(query['site'].trim()) : undefined;
  const zone = site ? (await core.sites.get(site))?.timeZone : undefined;
  return { knownSite, siteZone: (s) => (s === site ? zone : undefined), serverZone: core.serverZone() };
}

export const complianceRoutes = [
  route<unknown, ReportQuery>({
    method: 'GET',
    path: '/compliance',
    scope: 'read',
    query: { schema: async (req, app: AppContext) => complianceQuery({ ...(await sitesFor(app.core, req.query)), standardIds: app.core.standards.ids() }, app.now()) },
    handle: ({ query }, app) => app.core.compliance.report(query),
  }),
  route<unknown, DistributionQuery>({
    method: 'GET',
    path: '/distribution',
    scope: 'read',
    query: { schema: async (req, app: AppContext) => distributionQuery(app.core.standards.current(), await sitesFor(app.core, req.query), app.now()) },
    handle: ({ query }, app) => app.core.compliance.distribution(query),
  }),
];
