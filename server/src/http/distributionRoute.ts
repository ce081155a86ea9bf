// The query of GET /api/v1/distribution?standard=&site=&tz=&from=&to= | window= (the dashboard's distribution chart).
import type { FieldProblem, Standard } from '../protocol';
import type { DistributionQuery } from '../services/distribution';
import { paramReader, readRange, type ZoneContext } from './complianceQuery';

const KNOWN = ['standard', 'site', 'from', 'to', 'window', 'tz'] as const;

export type ParsedDistributionQuery = { ok: true; query: DistributionQuery } | { ok: false; errors: FieldProblem[] };

/** The range parameters read exactly as GET /compliance reads them (http/complianceQuery.ts). */
export function parseDistributionQuery(raw: Record<string, unknown>, standards: readonly Standard[], ctx: ZoneContext, nowMs: number): ParsedDistributionQuery {
  const params = paramReader(raw, KNOWN);
  const { errors, fail, text } = params;
  const standardId = text('standard');
  if (standardId !== null && !standards.some((s) => s.id === standardId)) {
    fail('standard', `unknown standard "${standardId}" (known: ${standards.map((s) => s.id).join(', ')})`);
  }
  const { fromMs, toMs, site, timeZone } = readRange(params, raw, ctx, nowMs);
  if (errors.length > 0 || fromMs === null || toMs === null) return { ok: false, errors };
  return { ok: true, query: { fromMs, toMs, site, standardId, timeZone } };
}
