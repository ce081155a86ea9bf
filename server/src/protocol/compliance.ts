// Compliance figures as the API returns them and the dashboard shows them.
import type { FormulaVariant } from './standards';
import type { Judgement, StoredEvent } from './index';

export type Bucket = 'minute' | 'hour' | 'day';

export interface ComplianceFigure {
  standardId: string;
  standardName: string;
  target: number;
  formula: FormulaVariant;
  /** Events counted in the denominator. */
  total: number;
  /** Events that met the standard (numerator). */
  met: number;
  missed: number;
  /** met / total, or null when nothing was counted. */
  ratio: number | null;
}

export interface SeriesPoint {
  /** Bucket start, ISO UTC. */
  start: string;
  total: number;
  met: number;
  ratio: number | null;
}

export interface ComplianceSeries {
  standardId: string;
  bucket: Bucket;
  points: SeriesPoint[];
}

/** GET /api/v1/compliance */
export interface ComplianceReport {
  from: string;
  to: string;
  site: string | null;
  standards: Array<ComplianceFigure & { series?: SeriesPoint[] }>;
  bucket: Bucket | null;
}

export interface JudgedEvent {
  event: StoredEvent;
  judgements: Judgement[];
}
