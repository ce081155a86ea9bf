// Compliance figures as the API returns them and the dashboard shows them.
import type { Band } from './pure/bands';
import type { FormulaVariant, Judgement, Operator, ReportWindow } from './standards';
import type { StoredEvent } from './events';
import type { Incomplete } from './retention';

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
  // Always sent by this server; optional so that older senders stay valid:
  /** = met: events in the numerator. */
  numerator?: number;
  /** = total: events in the denominator. */
  denominator?: number;
  /** Band of `ratio` against the standard's bands (null when nothing was counted). */
  band?: Band | null;
  /** Every standard version that contributed, with its own counts, so the figure can be reproduced. */
  versions?: VersionContribution[];
  companions?: Companions;
  /**
   * Only when some of this figure's parts lack events that retention pruned (docs/audit.md "Retention"):
   * queue/agent groups, or an edge of the range that starts or ends off the rollup grid before the cutoff.
   */
  incomplete?: Incomplete;
}

export interface VersionContribution {
  version: number;
  formula: FormulaVariant;
  operator: Operator;
  threshold: number;
  shortAbandonSeconds: number | null;
  numerator: number;
  denominator: number;
  // Always sent by this server; optional so older senders stay valid. With them a reader can say which rule and
  // target judged which part of a range (the dashboard names a change of threshold or target inside its window).
  /** The version's target (0..1). */
  target?: number;
  /** When the version took effect on occurredAt, ISO UTC; null = since the beginning. */
  validFrom?: string | null;
  /** The version's name: a figure over a past range is titled by the name of the version its rule is (ruleWording). */
  name?: string;
}

/** Operational figures over the judged events in range (docs/standards.md, "Companions"). */
export interface Companions {
  measure: string;
  /** Events judged by the standard in range, outside-hours ones excluded unless the standard counts them. */
  considered: number;
  /** Of those, abandoned calls / visitors who left. */
  abandoned: number;
  /** abandoned / considered, null when nothing was considered. */
  abandonRate: number | null;
  /** Mean of the measure over answered calls / greeted visitors (null when none). */
  average: number | null;
  /** 90th percentile (nearest rank) of the measure over answered calls / greeted visitors. */
  p90: number | null;
  /** Longest wait in seconds (answerSeconds / greetSeconds, abandons included). */
  longestWaitSeconds: number | null;
}

export type GroupBy = 'site' | 'queue' | 'agent';

/** One site / queue / agent of a figure: the same counts and band as the figure itself. */
export interface GroupFigure {
  /** The site / queue / agent; null for events without a queue / agent. */
  key: string | null;
  numerator: number;
  denominator: number;
  ratio: number | null;
  companions: Companions;
  // Always sent by this server; optional so older senders stay valid.
  /** = numerator. */
  met?: number;
  /** = denominator. */
  total?: number;
  /** denominator − numerator. */
  missed?: number;
  /** Band of `ratio` against the standard's bands (null when nothing was counted). */
  band?: Band | null;
  /**
   * The part of the report's range these figures cover ([from, to), ISO UTC); sent only when it is shorter than
   * the report's range: queue/agent groups are read from raw events, which retention pruned before `from`.
   */
  from?: string;
  to?: string;
}

export interface SeriesPoint {
  /** Bucket start, ISO UTC. */
  start: string;
  total: number;
  met: number;
  ratio: number | null;
  /** Bucket end (exclusive), ISO UTC; a local day can be 23 or 25 hours long. Always sent by this server. */
  end?: string;
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
  standards: Array<ComplianceFigure & { series?: SeriesPoint[]; groups?: GroupFigure[] }>;
  bucket: Bucket | null;
  // Always sent by this server:
  window?: ReportWindow | null;
  /** Zone used for today/month windows and hour/day buckets. */
  timeZone?: string;
  /**
   * That zone's offsets from UTC at `from` and at the range's last instant ("+10:00"): whose clock the buckets keep,
   * which a client compares with its own without a zone database. Always sent by this server.
   */
  utcOffsets?: { from: string; to: string };
  groupBy?: GroupBy | null;
  /** Raw events before this instant (ISO UTC) were pruned by retention; null = none were. Always sent by this server. */
  prunedBefore?: string | null;
}

export interface JudgedEvent {
  event: StoredEvent;
  judgements: Judgement[];
}
