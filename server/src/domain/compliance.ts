// Compliance arithmetic: judgements → counts → figures. A figure is Σmet / Σcounted.
import type { ComplianceFigure, Judgement, Standard } from '../protocol';
import { bandOf } from './standards';

export interface Counts {
  total: number;
  met: number;
}

export interface FoldedCompliance extends Counts {
  missed: number;
  ratio: number | null;
}

/** met / total, or null when nothing was counted (no data is not 0 % and not 100 %). */
export function ratioOf(counts: Counts): number | null {
  return counts.total === 0 ? null : counts.met / counts.total;
}

export function foldJudgements(judgements: readonly Pick<Judgement, 'met'>[]): FoldedCompliance {
  const met = judgements.filter((j) => j.met).length;
  return withRatio({ total: judgements.length, met });
}

function withRatio(counts: Counts): FoldedCompliance {
  return { total: counts.total, met: counts.met, missed: counts.total - counts.met, ratio: ratioOf(counts) };
}

export function addCounts(a: Counts, b: Counts): Counts {
  return { total: a.total + b.total, met: a.met + b.met };
}

export function complianceFigure(standard: Standard, counts: Counts): ComplianceFigure {
  return {
    standardId: standard.id,
    standardName: standard.name,
    target: standard.target,
    formula: standard.formula,
    ...withRatio(counts),
    numerator: counts.met,
    denominator: counts.total,
    band: bandOf(ratioOf(counts), standard.bands, standard.target),
  };
}
