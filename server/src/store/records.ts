// The records and queries of the store port (port.ts): what backends store and answer, in domain terms. Kept apart
// from the port's interfaces only for size; import them from port.ts.
import type { EffectiveJudgement } from '../domain/corrections';
import type { VersionRecord } from '../domain/standardVersions';
import type { PlacedValue } from '../domain/derivedChecks';
import type { JudgementGroup, Sums } from '../domain/rollups';
import type { JudgedEvent, Judgement, Site, StoredEvent } from '../protocol';
import type { ClockJudgement, StoredMilestone } from '../protocol/eventTypes';

// ------------------------------------------------------------------------------------------------ records

/** An event ready to store: validated, completed and judged, not yet numbered. */
export interface NewEvent {
  event: Omit<StoredEvent, 'seq' | 'receivedAt'>;
  occurredAtMs: number;
  receivedAtMs: number;
  /** Canonical JSON of what was posted; equal content ⇔ an idempotent retry. */
  content: string;
  judgements: Judgement[];
  /** Used to create the site on first sight. */
  siteDefaults: { timeZone: string; ringCycleSeconds: number };
  /**
   * The id was made on receipt (the event came without one; services/ingest/eventId.ts): no event stored before has
   * it, so a backend need not look it up among the stored ids.
   */
  idMadeHere?: true;
}

export interface WriteOutcome {
  judged: JudgedEvent;
  duplicate: boolean;
}

/** A standard version as stored: the definition exactly as judged with; `withdrawnAtMs` and its link if it was withdrawn. */
export type StoredStandardVersion = VersionRecord;

/** A version to store: not withdrawn (that is a later write), stamped with the store's time. */
export type NewStandardVersion = Omit<VersionRecord, 'createdAtMs' | 'withdrawnAtMs' | 'withdrawnLinkSeq'>;

/** A site's stored configuration; a retired site is unknown to everything but its history. */
export interface SiteRecord extends Site {
  retired: boolean;
}

export interface SiteHistoryEntry {
  change: string;
  definition: Site;
  changedAt: string;
}

/** A site history row as stored, with the seq of its chain link (null: unchained), which an export as of a link goes by. */
export interface StoredSiteChange extends SiteHistoryEntry {
  linkSeq: number | null;
}

export interface AuditEntry {
  keyId: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

export interface CorrectionRecord {
  eventSeq: number;
  action: 'void' | 'amend';
  changes: Record<string, unknown>;
  rejudged: Record<string, EffectiveJudgement>;
  reason: string;
  keyId: string;
  atMs: number;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** Raw events before `prunedBeforeMs` are gone (the latest checkpoint's cutoff, on the quarter-hour grid). */
export interface RetentionHorizon {
  prunedBeforeMs: number;
  checkpointSeq: number;
}

export interface PruneCounts {
  events: number;
  judgements: number;
  /** The highest pruned event seq (null: nothing pruned). */
  lastEventSeq: number | null;
  /** Milestones of closed cases pruned. */
  milestones: number;
}

export interface StoredKey {
  id: string;
  name: string;
  scopes: string[];
  /** The sites the key may write (null: every site). */
  sites: string[] | null;
  hash: string;
  prefix: string;
  source: 'api' | 'cli' | 'auto';
  createdAtMs: number;
  expiresAtMs: number | null;
  revokedAtMs: number | null;
  lastUsedAtMs: number | null;
}

export interface IncidentFilter {
  /** 'all' (default), 'open' or 'recovered'. */
  state?: 'open' | 'recovered' | 'all';
  /** Incidents open at some time in [fromMs, toMs): opened before toMs, not recovered before fromMs. */
  fromMs?: number;
  toMs?: number;
  standardId?: string;
  site?: string;
  /** Only incidents with a smaller id (opened earlier): the next page of a list cut at `limit`. */
  beforeId?: number;
  /** The most recently opened `limit` (returned oldest first). */
  limit: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: number;
  /** The incident change it delivers. */
  changeSeq: number;
  /** The incident of that change: its deliveries to one URL go in change order. */
  incidentId: number;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAtMs: number;
  lastError: string | null;
  createdAtMs: number;
  finishedAtMs: number | null;
}

export interface DeliveryAttempt {
  deliveryId: number;
  attempt: number;
  atMs: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export interface DeliveryUpdate {
  status: DeliveryStatus;
  nextAttemptAtMs: number;
  lastError: string | null;
  finishedAtMs: number | null;
}

// --------------------------------------------------------------------------------------- figure reads

/** Judgements of events that occurred in [fromMs, toMs), of some standards, at some sites (empty = all sites). */
export interface JudgementRange {
  standardIds: readonly string[];
  fromMs: number;
  toMs: number;
  sites: readonly string[];
}

type RollupGrainName = 'minute' | 'quarter' | 'hour';

/**
 * Rollup sums over a range on the grain's grid. 'totals': per (standard, version, site), t = the range's first
 * bucket with data; 'series': per (standard, cell of `cellMs`, version), all sites together (site ''); 'detail':
 * per stored row.
 */
export interface RollupQuery extends JudgementRange {
  grain: RollupGrainName;
  shape: 'totals' | 'series' | 'detail';
  cellMs?: number;
}

export interface SumsRow extends Sums {
  /** Bucket or cell start (rollups), or the events' instant (raw groups by instant). */
  t: number;
  standardId: string;
  version: number;
  site: string;
}

/**
 * Raw judgements, in their effective state, grouped by everything the arithmetic depends on: the caller computes
 * the contributions (domain/rollups.ts contributionOfGroup). Optionally by the events' instant and queue/agent.
 */
export interface RawQuery extends JudgementRange {
  /** false: one group per kind of judgement over the whole range, for readers that only add counts (default true). */
  byInstant?: boolean;
  /**
   * With byInstant: one group per cell of this many ms (UTC, `t` its start) rather than per instant, for a reader that
   * sums rollup buckets of this grain or a multiple (verification's recount: far fewer rows than events).
   */
  cellMs?: number;
  groupBy?: 'queue' | 'agent';
}

/** One group of raw judgements: what the arithmetic needs (JudgementGroup), and where and when it belongs. */
export interface RawGroup extends JudgementGroup {
  /** The events' instant, or the range start with byInstant false. */
  t: number;
  standardId: string;
  version: number;
  site: string;
  /** Queue or agent with groupBy, else null. */
  group: string | null;
  /** The event's latest correction, if any: a voided event's judgements come with it. */
  correction: 'void' | 'amend' | null;
}

/** One site's judgements by one standard over a range: what a staffing forecast reads. */
export interface StaffingQuery {
  site: string;
  standardId: string;
  fromMs: number;
  toMs: number;
}

/**
 * Non-voided judgements of a staffing read in their effective state, grouped by UTC quarter hour (every zone offset
 * in use is a multiple of 15 minutes, so each lies in one local hour), by the event's agent and by what the
 * arithmetic looks at; with how many of the events said how long serving took, and the sum of those times.
 */
export interface StaffingGroup extends JudgementGroup {
  /** Start of the UTC quarter hour. */
  t: number;
  agent: string | null;
  handled: number;
  handleSum: number;
}

/** How many non-voided judgements have a value (null: not measured), in their effective state. */
export interface RawValueCount {
  standardId: string;
  site: string;
  group: string | null;
  value: number | null;
  outcome: string;
  reason: string | null;
  n: number;
  met: number;
}

type ValueGrainName = 'day' | 'quarter';

/** Value-histogram cells over a range on the grain's grid. */
export interface HistogramQuery extends JudgementRange {
  grain: ValueGrainName;
  /** 'values' (default): counts per standard, site and value over the range; 'detail': per stored cell. */
  shape?: 'values' | 'detail';
}

export interface HistogramCount {
  standardId: string;
  site: string;
  value: number;
  n: number;
  met: number;
}

/** A value-histogram cell as stored: judgements of one value in a bucket, per standard version and site. */
export type HistogramCell = HistogramCount & PlacedValue;

/** Raw (not voided) judgements of one value in a quarter hour, per standard version: what a histogram cell counts. */
export interface RawValueCell extends RawValueCount {
  t: number;
  version: number;
}

/** A site's row beside its latest history record (the chained record of its settings). */
export interface SiteAgainstHistory {
  site: string;
  /** The sites row, its settings as a history record of it would hold them; null: no row. */
  row: { retired: boolean; definition: Site } | null;
  /** The site's latest history record; null: none. */
  latest: { seq: number; change: string; definition: Site } | null;
}

/** Per site, standard and version: judgements whose event's latest correction is a void / an amendment. */
export interface CorrectionCount {
  site: string;
  standardId: string;
  version: number;
  voided: number;
  amended: number;
}

// ---- open clocks: milestones, cases and the judgements recorded on an open case ---------------------------------

/** Names one case: the pairing key of its milestones without the milestone. */
export interface CaseKey {
  type: string;
  site: string;
  caseId: string;
}

/** A validated milestone ready to store. */
export interface NewMilestone {
  milestone: Omit<StoredMilestone, 'seq' | 'receivedAt'>;
  atMs: number;
  receivedAtMs: number;
  /** Canonical JSON of what was posted; equal content under one pairing key ⇔ an idempotent retry. */
  content: string;
  /** Used to create the site on first sight. */
  siteDefaults: { timeZone: string; ringCycleSeconds: number };
  /**
   * The write found milestones of this case stored (earlier in the same write transaction), so its case row exists
   * and is not inserted again (cases are never deleted). Unset: the store makes sure the row exists.
   */
  caseStored?: boolean;
}

export interface MilestoneWriteOutcome {
  milestone: StoredMilestone;
  duplicate: boolean;
  /** This write created the milestone's case: the case had no milestones, no case judgements and no row before. */
  opened: boolean;
}

export interface CaseRecord extends CaseKey {
  state: 'open' | 'closed';
  /** When its first milestone was stored. */
  openedAtMs: number;
  closedAtMs: number | null;
  expired: boolean;
  /** The finished event the case became, or the posted event it was paired with. */
  eventSeq: number | null;
}

/** A judgement recorded on a case before it closed (a miss at the deadline). */
export interface CaseJudgementRecord extends CaseKey {
  seq: number;
  judgement: ClockJudgement;
  atMs: number;
}
