// A signed document's figures checked against the records before it is written: the rollup rows the compliance
// export and the report read (each period's whole buckets, at the document's sites and standards) are recounted from
// their judgements by the check GET /audit/verify makes of the whole store (services/audit.ts). A row changed outside
// Ringside would otherwise be signed as a figure; when any differs, the document's figures are recounted from the
// judgements (ComplianceReader's `recount`; not where some judgements cannot be read: `recounted`) and the document
// says which rows differ (docs/audit.md "The audit report").
import { MAX_LISTED_PROBLEMS, type ChainProblem } from '../../domain/verify';
import { rollupScopeProblems } from '../audit';
import { checkableRollupSpans } from '../compliance';
import type { ExportContext } from './context';
import type { ExportQuery } from './query';

/** What a document's check of its rollup rows found. */
export interface RollupCheck {
  /** Rollup rows (from the retention cutoff on) compared with their judgements. */
  checked: number;
  /** Every row that differs (a cell named), and every span of days whose judgements could not be read (none named). */
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

/** A check that found something to say: at least one problem. */
export interface DisagreeingCheck extends RollupCheck {
  problems: [ChainProblem, ...ChainProblem[]];
}

/**
 * Whether the check found anything to say: a rollup row that differs from its judgements, or days it could not read.
 * No check (none is made as of a past head) says nothing. Where it is true the caller holds a check with problems;
 * where false, still a check or none, as before.
 */
export const disagrees = (check: RollupCheck | null): check is DisagreeingCheck => check !== null && check.problems.length > 0;

/** Days whose judgements the check could not read (a record edited into text that is not JSON): no cell is named. */
const unreadableDays = (check: RollupCheck): ChainProblem[] => check.problems.filter((p) => p.cell === undefined);

/**
 * Whether the document's figures are recounted from the judgements: a rollup row differs from them, and every
 * judgement the check read could be read. A recount reads the same judgements again, so where some cannot be read it
 * would fail after the document has begun: the figures are then read from the rollup rows, and the document says
 * which rows differ and which days could not be checked.
 */
export const recounted = (check: RollupCheck | null): boolean => disagrees(check) && unreadableDays(check).length === 0;

/** The rollup rows named as differing from their judgements (the problems that name a cell). */
export const differingRows = (check: RollupCheck): number => check.problems.length - unreadableDays(check).length;

/**
 * What a compliance export says, in its first line and its manifest, when its rollup rows differ from their judgements:
 * that its figures are recounted (or, where some days could not be read, that they are not), the rows that differ and
 * the days not read (as GET /audit/verify names them), and where to see them all. Nothing when they agree, so the file
 * is the one an untouched store always gave.
 */
export function disagreementNote(check: RollupCheck | null): { rollupsDisagree?: Record<string, unknown> } {
  if (!disagrees(check)) return {};
  const figures = recounted(check)
    ? 'recounted from the judgements: the rollup rows below, which these figures are otherwise read from, differ from what their judgements give (changed outside Ringside)'
    : 'read from the rollup rows, not checked: the judgements of the days below could not be read (a record changed outside Ringside), so those days are neither checked nor recounted; any rollup row named below differs from what its judgements give';
  return {
    rollupsDisagree: {
      figures,
      rows: differingRows(check),
      problems: check.problems.slice(0, MAX_LISTED_PROBLEMS),
      moreProblems: Math.max(0, check.problems.length - MAX_LISTED_PROBLEMS),
      see: 'GET /api/v1/audit/verify and verify --data name every row of the store that differs',
    },
  };
}
