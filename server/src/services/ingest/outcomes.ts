// What ingest answers (per request, per milestones request, per feed) and what it tells its listeners and hooks.
import type { IngestResult, JudgedEvent } from '../../protocol';
import type { MilestoneResult } from '../../protocol/eventTypes';
import type { CaseKey, WriteTx } from '../../store/port';
import type { KnownCase } from './cases';
import type { ItemProblem } from './itemProblem';

export type IngestOutcome =
  | { kind: 'stored'; results: IngestResult[] }
  | { kind: 'invalid'; problems: ItemProblem[] }
  | { kind: 'conflict'; problems: ItemProblem[] }
  | { kind: 'forbidden'; problems: ItemProblem[] };

/** The sites the caller's key may write (domain/keys.ts maySiteWrite); null: every site. */
export type SiteLimit = readonly string[] | null;

/** A request's outcome in a group commit: its answer, or what its write failed with (the others go on). */
export type GroupOutcome = IngestOutcome | { kind: 'error'; error: unknown };

/** One request of a group commit: its items and the sites its key may write. */
export interface IngestRequest {
  items: readonly unknown[];
  sites: SiteLimit;
}

/** Called right after a write commits, with the newly stored events, oldest first. */
export type StoredListener = (stored: JudgedEvent[]) => void;

/**
 * Called right after a write commits, with the cases whose milestones or state changed (opened, stopped, closed), and
 * what the write already knew of some of them (by caseText): closed, or open with all their milestones and case
 * judgements. A case not in `known` is to be read from the store.
 */
export type CasesListener = (cases: CaseKey[], known: ReadonlyMap<string, CaseNews>) => void;

/** A case as a write left it: closed, or open and known whole. */
export type CaseNews = { closed: true } | ({ closed: false } & KnownCase);

/**
 * Runs inside a milestones write, before its commit, with the cases the write opened (open, known whole), so that
 * what it writes for them (the open clocks' misses at a deadline already past) commits with the milestones instead of
 * in a durable write of its own. In a savepoint: if it fails, its writes are rolled back and the milestones are stored
 * and answered as without it. Resolves with what to run once the write has committed (before the case listeners hear).
 */
export type OpenedCasesHook = (tx: WriteTx, opened: ReadonlyArray<{ key: CaseKey } & KnownCase>) => Promise<(() => void) | void>;

export type MilestoneOutcome =
  | { kind: 'stored'; results: MilestoneResult[] }
  | { kind: 'invalid'; problems: ItemProblem[] }
  | { kind: 'conflict'; problems: ItemProblem[] }
  | { kind: 'forbidden'; problems: ItemProblem[] };

/** An integration's records of one request (ingestFeed). */
export interface FeedInput {
  milestones: readonly unknown[];
  events: readonly unknown[];
  withdrawals: readonly CaseKey[];
}

/** A stored case as a feed sees it while it is read (FeedCases): whether it is open, and when it started. */
export interface FeedCase {
  caseId: string;
  open: boolean;
  /** Its start milestone's time, else its finished event's start (a feed's events are dated at the end of their wait); null when neither is stored. */
  startMs: number | null;
  /** Its stop milestone's time; null when none is stored. What tells a stay whose start is not stored: when it ended. */
  stopMs: number | null;
}

/** The stored cases a feed may read while it is turned into records, inside the write that stores them (ingestFeed). */
export interface FeedCases {
  get(key: CaseKey): Promise<FeedCase | undefined>;
  /** The open cases of `type` at `site` whose caseId begins with `prefix`. */
  openWithPrefix(type: string, site: string, prefix: string): Promise<FeedCase[]>;
}

/** A feed whose records depend on what is stored (a queue_log line's case: its channel's stays): built inside the write. */
export type FeedBuilder = (cases: FeedCases) => Promise<FeedInput>;

/** A finished event of the feed whose case had already closed by expiry: skipped, not stored (docs/api.md). */
export interface LateEnd {
  /** The event's index in the feed's events. */
  index: number;
  caseId: string;
}

/** A refusal names the part (milestones or events) whose item `index` is at fault. */
export type FeedOutcome =
  | { kind: 'stored'; milestones: MilestoneResult[]; events: IngestResult[]; withdrawn: number; late: LateEnd[] }
  | { kind: 'invalid' | 'conflict' | 'forbidden'; part: 'milestones' | 'events'; problems: ItemProblem[] };
