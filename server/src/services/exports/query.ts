// What an export is asked for: its range, filters, format, zone and period.
import type { ExportFormat } from './format';

// `alerts` is the alert history before incidents replaced alerts (read-only since migration 10).
export const EXPORT_KINDS = ['events', 'milestones', 'compliance', 'incidents', 'alerts', 'audit-log'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export const PERIODS = ['day', 'week', 'month'] as const;
export type Period = (typeof PERIODS)[number];
const DAY_MS = 86_400_000;
/** Each period's shortest nominal length (a local day 24 h, a month 28 days): what a range is counted in against the limit on periods. */
export const PERIOD_MS: Record<Period, number> = { day: DAY_MS, week: 7 * DAY_MS, month: 28 * DAY_MS };
/**
 * The query parameters each export takes (docs/api.md "Audit and exports"): a parameter the export would not apply
 * is refused rather than ignored, so no manifest names a filter that was not applied. `tz` is every kind's: each
 * states its zone (`timeZone` in its first line and manifest); only compliance and the report have periods in it.
 */
export const EXPORT_PARAMETERS = {
  events: ['from', 'to', 'site', 'standard', 'outcome', 'format', 'tz', 'proof', 'asOf'],
  milestones: ['from', 'to', 'site', 'format', 'tz', 'since', 'asOf'],
  compliance: ['from', 'to', 'site', 'standard', 'format', 'tz', 'period', 'since', 'asOf'],
  incidents: ['from', 'to', 'site', 'standard', 'format', 'tz', 'since', 'asOf'],
  alerts: ['from', 'to', 'site', 'standard', 'format', 'tz', 'since', 'asOf'],
  'audit-log': ['from', 'to', 'format', 'tz', 'proof', 'since', 'asOf'],
  report: ['from', 'to', 'site', 'standard', 'format', 'tz', 'period', 'asOf'],
} as const satisfies Record<ExportKind | 'report', readonly string[]>;

export const RESULT_OUTCOMES = ['met', 'missed', 'not-counted', 'voided'] as const;
export const EVENT_OUTCOMES = ['answered', 'abandoned', 'greeted', 'left'] as const;

export interface ExportQuery {
  fromMs: number;
  toMs: number;
  sites: string[];
  standards: string[];
  outcomes: string[];
  format: ExportFormat | 'html';
  timeZone: string;
  period: Period;
  /** Event exports: include the chain links from the first exported row to the head ("chain", default) or not. */
  proof: 'chain' | 'none';
  /**
   * The other kinds: the seq of a chain head the auditor published; the export then lists the chain links from it
   * to the export's head, so the verifier can show the export's head descends from it. null: no such proof.
   */
  since: number | null;
  /**
   * Every kind: reproduce the export as it was when the chain head was this link (records chained after it left out,
   * corrections after it ignored, generatedAt = that link's time). null: the store as it is now.
   */
  asOf: number | null;
}

/** Whether an export of `kind` takes query parameter `name` (EXPORT_PARAMETERS). */
export const takes = (kind: ExportKind | 'report', name: string): boolean => (EXPORT_PARAMETERS[kind] as readonly string[]).includes(name);

/**
 * The filters an export applied: its range and each list filter its kind takes (EXPORT_PARAMETERS; an empty list is
 * all of them). The one definition of what `filters` holds, in the first line and manifest and in the export's audit
 * entry: a filter the kind does not take is refused when asked, so it is never named, not even empty.
 */
export function filtersOf(kind: ExportKind | 'report', q: ExportQuery): Record<string, unknown> {
  return {
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    ...(takes(kind, 'site') ? { sites: q.sites } : {}),
    ...(takes(kind, 'standard') ? { standards: q.standards } : {}),
    ...(takes(kind, 'outcome') ? { outcomes: q.outcomes } : {}),
  };
}

/**
 * What an export's audit entry records, the same shape for every kind and the report: the format, the filters as its
 * manifest names them (filtersOf), the zone (`timeZone`, as in the manifest), and each other parameter the kind takes
 * as applied: `period` (compliance, the report), `proof` (events, the audit log), `since` and `asOf` when given.
 */
export function auditedRequest(kind: ExportKind | 'report', q: ExportQuery): Record<string, unknown> {
  return {
    format: q.format,
    filters: filtersOf(kind, q),
    timeZone: q.timeZone,
    ...(takes(kind, 'period') ? { period: q.period } : {}),
    ...(takes(kind, 'proof') ? { proof: q.proof } : {}),
    ...(q.since !== null && takes(kind, 'since') ? { since: q.since } : {}),
    ...(q.asOf !== null && takes(kind, 'asOf') ? { asOf: q.asOf } : {}),
  };
}
