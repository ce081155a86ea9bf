// GET /staffing/erlang: the Erlang C answer for one interval (how many people reach a wait target).
// GET /staffing/forecast: a site's day hour by hour for one standard, forecast from its history.
import type { Request } from 'express';
import { z } from 'zod';
import { LOCAL_DATE_FORM, notARealDateProblem } from '../../protocol';
import { erlangAnswer, forecastStandardProblem, staffingForecast, type ForecastQuery } from '../../services/staffing';
import { givenMoreThanOnce, knownSitesOf, numberParam, refuse, spacedProblem, unknownSite, unknownStandardMessage } from '../queryParams';
import { route, type AppContext } from '../route';

const erlangQuery = z.strictObject({
  arrivalsPerHour: numberParam('must be a number ≥ 0 (arrivals per hour)', (v) => v >= 0),
  handleSeconds: numberParam('must be a number of seconds above 0 and at most 86400', (v) => v > 0 && v <= 86_400),
  thresholdSeconds: numberParam('must be a number of seconds from 0 to 86400', (v) => v >= 0 && v <= 86_400),
  target: numberParam('must be a share strictly between 0 and 1 (0.9 for 90 %)', (v) => v > 0 && v < 1),
  maxOccupancy: numberParam('must be a share above 0 and at most 1', (v) => v > 0 && v <= 1).optional(),
});

type ErlangQuery = z.infer<typeof erlangQuery>;

/** One required parameter, as sent. */
const requiredAsSent = (what: string) =>
  z.unknown().transform((v, ctx): string => {
    if (Array.isArray(v)) return refuse(ctx, givenMoreThanOnce(v));
    if (typeof v !== 'string' || v.trim() === '') return refuse(ctx, `is required (${what}), given once`);
    return v;
  });

/** One required text parameter, trimmed. */
const required = (what: string) => requiredAsSent(what).transform((v) => v.trim());

/**
 * A calendar day, YYYY-MM-DD, that exists (2026-02-30 does not); or today / tomorrow in the site's zone. A time, so
 * refused with white space around it rather than trimmed (spacedProblem).
 */
const dayParam = requiredAsSent('a day, YYYY-MM-DD').transform((v, ctx): string => {
  const spaced = spacedProblem(v);
  if (spaced !== null) return refuse(ctx, spaced);
  if (v === 'today' || v === 'tomorrow') return v;
  if (!LOCAL_DATE_FORM.test(v)) return refuse(ctx, 'must be a day as YYYY-MM-DD (e.g. 2026-11-23), today or tomorrow');
  const notReal = notARealDateProblem(v);
  if (notReal !== null) return refuse(ctx, notReal);
  // A real day, but one whose history (the weeks before it) would start before 1970.
  if (v < '1970-02-01') return refuse(ctx, 'must be 1970-02-01 or later');
  return v;
});

/**
 * The site and the standard are looked up before the query is parsed, so an unknown one, or a standard no forecast can
 * be made for, is named beside every other problem of the query, in the words the other reads use.
 */
async function forecastQuery(req: Request, app: AppContext): Promise<z.ZodType<ForecastQuery>> {
  const knownSite = await knownSitesOf(app.core.sites, req.query);
  const standardIds = app.core.standards.ids();
  return z.strictObject({
    site: required('a site name').transform((v, ctx) => knownSite(v) ?? refuse(ctx, unknownSite(knownSite, v, true))),
    standard: required('a standard id').transform((v, ctx) => {
      if (!standardIds.includes(v)) return refuse(ctx, unknownStandardMessage(v, standardIds));
      const standard = app.core.standards.get(v);
      const unforecastable = standard && forecastStandardProblem(standard);
      return unforecastable ? refuse(ctx, unforecastable) : v;
    }),
    date: dayParam,
  });
}

export const staffingRoutes = [
  route<Record<string, string>, ErlangQuery>({
    method: 'GET',
    path: '/staffing/erlang',
    scope: 'read',
    query: { schema: erlangQuery },
    handle: ({ query }) => erlangAnswer(query),
  }),
  route<Record<string, string>, ForecastQuery>({
    method: 'GET',
    path: '/staffing/forecast',
    scope: 'read',
    query: { schema: forecastQuery },
    handle: ({ query }, app) => staffingForecast(app.core, query, app.now()),
  }),
];
