// A signed document's figures checked against the records before it is written: the rollup rows the compliance
// export and the report read (each period's whole buckets, at the document's sites and standards) are recounted from
// their judgements by the check GET /audit/verify makes of the whole store (services/audit.ts). A row changed outside
// Ringside would otherwise be signed as a figure; when any differs, the document's figures are recounted from the
// judgements (ComplianceReader's `recount`) and the document says which rows differ (docs/audit.md "The audit report").
import { MAX_LISTED_PROBLEMS, type ChainProblem } from '../../domain/verify';
import { rollupScopeProblems } from '../audit';
import { checkableRollupSpans } from '../compliance';
import type { ExportContext } from './context';
import type { ExportQuery } from './query';

/** What a document's check of its rollup rows found. */
export interface RollupCheck {
  /** Rollup rows (from the retention cutoff on) compared with their judgements. */
  checked: number;
  /** Every row that differs, or could not be read: its figures are recounted from the judgements. */
  problems: ChainProblem[];
}

/**
 * The rollup rows the document's figures are read from, checked against their judgements: those the compliance
 * reader reads for each of `ranges` (the periods of the compliance rows; the report's whole range too, for its figures
 * per version), at the document's standards and sites. None as of a past head: its figures are recomputed from the
 * judgements (Frozen periods). `chainBroken`: the document's chain verification found problems (what each problem
 * advises depends on it).
 */
export async function checkRollups(q: ExportQuery, ctx: ExportContext, standardIds: readonly string[], how: { ranges: ReadonlyArray<{ fromMs: number; toMs: number }>; chainBroken: boolean }): Promise<RollupCheck | null> {
  if (ctx.asOf) return null;
  const horizon = await ctx.snapshot.audit.horizon();
  const scope = { standardIds: q.standards.length ? q.standards : standardIds, sites: q.sites, spans: how.ranges.flatMap((r) => checkableRollupSpans(r, horizon)) };
  return rollupScopeProblems(ctx.snapshot, scope, how.chainBroken, ctx.pace);
}

/** Whether the document's figures are recounted from the judgements (its rollup rows differ from them). */
export const recounted = (check: RollupCheck | null): boolean => check !== null && check.problems.length > 0;

/**
 * What a compliance export says, in its first line and its manifest, when its rollup rows differ from their judgements:
 * that its figures are recounted, the rows that differ (as GET /audit/verify names them), and where to see them all.
 * Nothing when they agree, so the file is the one an untouched store always gave.
 */
export function disagreementNote(check: RollupCheck | null): { rollupsDisagree?: Record<string, unknown> } {
  if (!check || !recounted(check)) return {};
  return {
    rollupsDisagree: {
      figures: 'recounted from the judgements: the rollup rows below, which these figures are otherwise read from, differ from what their judgements give (changed outside Ringside)',
      rows: check.problems.length,
      problems: check.problems.slice(0, MAX_LISTED_PROBLEMS),
      moreProblems: Math.max(0, check.problems.length - MAX_LISTED_PROBLEMS),
      see: 'GET /api/v1/audit/verify and verify --data name every row of the store that differs',
    },
  };
}
