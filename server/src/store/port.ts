// The store port: everything Ringside keeps, as a TypeScript interface a backend implements (SQLite today,
// store/sqlite/; a server database next). It speaks domain records, never tables or driver types, and every method
// returns a Promise, so a backend may talk to a database over the network.
//
// Transactions:
//  - `write(fn)`: one write transaction; writes serialise. Inside it, `tx.savepoint(fn)` makes a part
//    all-or-nothing on its own (group commit: each request of a group is a savepoint of one commit). Reads through
//    `tx` see the transaction's own writes; `tx.onCommit(cb)` runs `cb` right after the commit, before the next
//    write may start.
//  - `reads`: reads outside a write, on their own connection: they see committed data only, never a write that
//    is still open (a write may stay open across awaits).
//  - `snapshot(fn)`: one consistent read snapshot for as long as `fn` runs (exports, verification); long row
//    sequences come as AsyncIterables.
//
// The arithmetic of what is written with a record (chain links, rollup contributions) is domain code the backend
// calls; business rules (which standard version judges, what a correction changes, the retention cutoff) are the
// services'. The store throws DomainError (not-found, conflict, unavailable, …), never transport statuses.
import type { CheckpointFields } from '../domain/retention';
import type { CorrectionSubject, EventState } from '../domain/corrections';
import type { ChainKind } from '../domain/chain';
import type { ChainLink } from '../domain/verify';
import type { IncidentChangeDraft } from '../domain/alerts/incidents';
import type { Alert, AlertState, Incident, IncidentChange, IncidentUpdate, JudgedEvent, Site } from '../protocol';
import type { ClockJudgement, EventTypeDefinition, StoredMilestone } from '../protocol/eventTypes';
import type {
  AuditEntry,
  CaseJudgementRecord,
  CaseKey,
  CaseRecord,
  ChainHead,
  CorrectionCount,
  CorrectionRecord,
  Delivery,
  DeliveryAttempt,
  DeliveryUpdate,
  HistogramCount,
  HistogramQuery,
  IncidentFilter,
  JudgementRange,
  MilestoneWriteOutcome,
  NewEvent,
  NewMilestone,
  PruneCounts,
  RawGroup,
  RawQuery,
  StaffingGroup,
  StaffingQuery,
  RawValueCell,
  RawValueCount,
  RetentionHorizon,
  SiteAgainstHistory,
  HistogramCell,
  RollupQuery,
  SiteRecord,
  StoredSiteChange,
  StoredKey,
  NewStandardVersion,
  StoredStandardVersion,
  SumsRow,
  WriteOutcome,
} from './records';

// The records and queries, in their own file for size only.
export type * from './records';

// -------------------------------------------------------------------------------------------- reads

export interface StandardsReads {
  /** Every version of every standard (withdrawn ones too, with when), by id then version. */
  all(): Promise<StoredStandardVersion[]>;
  /** Whether events of the standard on or after `fromMs` were judged. */
  judgedSince(id: string, fromMs: number): Promise<boolean>;
  /** The latest occurredAt of events the standard judged at or after `fromMs` (null: none). */
  latestJudgedAt(id: string, fromMs: number): Promise<number | null>;
  /** The event types defined over the API, by id. */
  eventTypes(): Promise<EventTypeDefinition[]>;
}

export interface SitesReads {
  /** The stored site (retired or not). */
  get(id: string): Promise<SiteRecord | undefined>;
  /** The stored sites of these ids (retired or not), by id; an id with no site is absent. One read for a batch's sites. */
  getMany(ids: readonly string[]): Promise<Map<string, SiteRecord>>;
  /** Configured sites (not retired), by id. */
  list(): Promise<Site[]>;
  /** The id of every stored site, retired ones too: what a new site's id is compared with (read only for a new site). */
  ids(): Promise<string[]>;
  /** Every change of the site, oldest first, each with its chain link. */
  history(id: string): Promise<StoredSiteChange[]>;
}

export interface EventsReads {
  /** The newest `limit` events with their judgements, newest first. */
  recent(limit: number): Promise<JudgedEvent[]>;
  /** Events with seq > afterSeq, oldest first, at most `limit`. */
  after(afterSeq: number, limit: number): Promise<JudgedEvent[]>;
  /** The newest event seq (0 when there is none). */
  headSeq(): Promise<number>;
  /** Events that occurred in [fromMs, toMs) at one site or all (null). */
  count(range: { fromMs: number; toMs: number; site: string | null }): Promise<number>;
  /** An event with its recorded state and its corrections, to plan a correction (undefined: unknown id). */
  correctionSubject(eventId: string): Promise<CorrectionSubject | undefined>;
  /** The event `eventId` as stored, with its judgements as recorded (undefined: unknown id). */
  byId(eventId: string): Promise<JudgedEvent | undefined>;
  /**
   * What GET /events/:id reads back (undefined: unknown id): the event as byId gives it and as correctionSubject
   * does, both from one read of its row and its judgements.
   */
  readBack(eventId: string): Promise<{ stored: JudgedEvent; subject: CorrectionSubject } | undefined>;
}

export interface FiguresReads {
  rollupSums(q: RollupQuery): Promise<SumsRow[]>;
  rawGroups(q: RawQuery): Promise<RawGroup[]>;
  rawValues(q: RawQuery): Promise<RawValueCount[]>;
  /** rawValues per quarter hour and standard version, as the value histograms keep them (verification). */
  rawValueCells(q: JudgementRange): Promise<RawValueCell[]>;
  histogram(q: HistogramQuery): Promise<HistogramCount[]>;
  /** The stored value-histogram cells of the range (histogram's 'detail' shape). */
  histogramCells(q: HistogramQuery): Promise<HistogramCell[]>;
  /** Corrections of the events that occurred in the range (events still stored). */
  corrections(q: JudgementRange): Promise<CorrectionCount[]>;
  /** What pruning kept of the corrections of pruned events, over a range on the minute grid. */
  prunedCorrections(q: JudgementRange): Promise<CorrectionCount[]>;
  /** A site's judgements by one standard per quarter hour and agent, with handling times (staffing forecasts). */
  staffingGroups(q: StaffingQuery): Promise<StaffingGroup[]>;
}

export interface IncidentsReads {
  get(id: number): Promise<Incident | undefined>;
  list(filter: IncidentFilter): Promise<Incident[]>;
  /** Open incidents, oldest first. */
  open(): Promise<Incident[]>;
  /** One incident's changes, oldest first. */
  changes(incidentId: number): Promise<IncidentChange[]>;
  /** Changes with seq > afterSeq, oldest first, at most `limit`, each with its incident as it is now. */
  after(afterSeq: number, limit: number): Promise<IncidentUpdate[]>;
  /** The newest change seq (0 when there is none). */
  headSeq(): Promise<number>;
  pendingDeliveries(): Promise<Delivery[]>;
  /** Every delivery of an incident's changes, in change order. */
  deliveries(incidentId: number): Promise<Delivery[]>;
  attempts(deliveryId: number): Promise<DeliveryAttempt[]>;
}

export interface KeysReads {
  list(): Promise<StoredKey[]>;
  get(id: string): Promise<StoredKey | undefined>;
  byHash(hash: string): Promise<StoredKey | undefined>;
  /** The stored keys among `ids`, in one read however many there are (ids not stored are left out). */
  byIds(ids: readonly string[]): Promise<StoredKey[]>;
  /** Keys neither revoked nor expired at `nowMs`. */
  activeCount(nowMs: number): Promise<number>;
}

export interface AuditReads {
  head(): Promise<ChainHead>;
  /** Since when raw events are complete; null: nothing was ever pruned. */
  horizon(): Promise<RetentionHorizon | null>;
  /** The fingerprint of the store's audit.secret; null: none recorded yet. */
  secret(): Promise<RecordedAuditSecret | null>;
  /** The export signing key recorded for the store (the first node's); null: none recorded yet. */
  signingKey(): Promise<RecordedSigningKey | null>;
}

export interface CasesReads {
  get(key: CaseKey): Promise<CaseRecord | undefined>;
  /** Open cases, by when they opened. */
  open(): Promise<CaseRecord[]>;
  /** A case's milestones, in the order they were stored; with `milestone`, only that one (a case holds one of each). */
  milestones(key: CaseKey, milestone?: string): Promise<StoredMilestone[]>;
  /** The milestones of every open case, by case then seq (one read at start-up). */
  openMilestones(): Promise<StoredMilestone[]>;
  /** Judgements recorded on the case while it was open, by standard id. */
  judgements(key: CaseKey): Promise<CaseJudgementRecord[]>;
}

export interface StoreReads {
  cases: CasesReads;
  standards: StandardsReads;
  sites: SitesReads;
  events: EventsReads;
  figures: FiguresReads;
  incidents: IncidentsReads;
  keys: KeysReads;
  audit: AuditReads;
}

// ------------------------------------------------------------------------------------------- writes

export interface WriteTx extends StoreReads {
  /** `fn` all-or-nothing inside this transaction (its writes are undone if it throws, the rest go on). */
  savepoint<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>;
  /** Runs `callback` once this transaction has committed (not at all if it rolls back). */
  onCommit(callback: () => void): void;
  /** Now, by the store's clock (what it stamps records with). */
  readonly nowMs: number;
  writes: {
    /**
     * Stores judged events, all-or-nothing, idempotent per id (an equal retry answers the stored original): each
     * event and judgement with its chain link and rollup/histogram contributions; a site seen for the first time
     * (or retired) is created with its defaults and recorded. A reused id with other content throws DomainError
     * conflict (path `events.<index>.id` or `id`).
     */
    events(batch: readonly NewEvent[]): Promise<WriteOutcome[]>;
    /**
     * Stores milestones, all-or-nothing, idempotent per pairing key (type, site, caseId, milestone): the same
     * content again answers the stored original (duplicate); other content, or an id already used for another
     * milestone, throws DomainError conflict (`at` = the index). Each is chained; a case seen for the first time is
     * opened (its row created), a site seen for the first time is created with its defaults.
     */
    milestones(batch: readonly NewMilestone[]): Promise<MilestoneWriteOutcome[]>;
    /**
     * Closes an open case (ended by a stop, expired, or paired with a posted event), or one expiry closed before its
     * start arrived (no event); any other closed case is left as it is.
     */
    closeCase(key: CaseKey, end: { closedAtMs: number; expired: boolean; eventSeq: number | null }): Promise<void>;
    /** Records a judgement on an open case, chained; false when one of that standard is already recorded. */
    caseJudgement(key: CaseKey, judgement: ClockJudgement): Promise<boolean>;
    /**
     * Claims the breach of a standard's clock on a case, once for every node on the store: true for the first claim
     * (that node pushes the breach and records its miss), false when it was claimed already.
     */
    claimBreach(key: CaseKey, standardId: string, deadlineMs: number): Promise<boolean>;
    standardVersion(v: NewStandardVersion): Promise<void>;
    /** Marks a stored version withdrawn before it took effect; the version's row (a chain record) stays as it is. */
    standardWithdrawal(id: string, version: number): Promise<void>;
    /** Creates or replaces an event type defined over the API. */
    eventType(definition: EventTypeDefinition): Promise<void>;
    /** Creates or replaces a site's configuration (and un-retires it); recorded in its history. */
    site(site: Site, change: 'created' | 'updated'): Promise<void>;
    retireSite(id: string): Promise<void>;
    /** A correction of `subject` leaving it in state `after`: its record and the rollups' compensating deltas. */
    correction(subject: CorrectionSubject, record: CorrectionRecord, after: EventState): Promise<number>;
    auditLog(entry: AuditEntry): Promise<number>;
    /** Records the export signing key for the store when it has none; answers the key recorded (the first node's). */
    signingKey(key: Omit<RecordedSigningKey, 'recordedAtMs'>): Promise<RecordedSigningKey>;
    /** Records the fingerprint of the store's audit.secret when it has none; answers the one recorded (the first node's). */
    auditSecret(fingerprint: string): Promise<RecordedAuditSecret>;
    /**
     * Appends the changes of one evaluation and applies each to its incident (an `opened` draft creates one), queueing
     * one webhook delivery per change and URL. A draft for an incident that is not open, or an `opened` draft where
     * the standard and site already have an open incident, throws DomainError conflict.
     */
    incidentChanges(drafts: readonly IncidentChangeDraft[], webhookUrls: readonly string[]): Promise<IncidentUpdate[]>;
    /**
     * Acknowledges each incident at its current severity, all or nothing: an unknown id throws DomainError not-found
     * (path `ids.<index>`). An incident already acknowledged at its severity is left as it is (no change row).
     */
    acknowledgeIncidents(ids: readonly number[], by: string | null): Promise<Array<{ incident: Incident; change: IncidentChange | null }>>;
    deliveryAttempt(attempt: DeliveryAttempt, next: DeliveryUpdate): Promise<void>;
    finishDelivery(deliveryId: number, status: 'delivered' | 'failed', reason: string): Promise<void>;
    key(key: Omit<StoredKey, 'revokedAtMs' | 'lastUsedAtMs'>): Promise<void>;
    /** Revokes (the first revocation stays); false when there is no such key. */
    revokeKey(id: string): Promise<boolean>;
    keysUsed(lastUse: ReadonlyMap<string, number>): Promise<void>;
    /**
     * Deletes the events (and judgements) that occurred before `cutoffMs`, keeping what the compliance export needs
     * of their corrections (a closed case whose event is deleted stays closed, its eventSeq null); then `checkpoint` (given the counts and the chain head) is signed and written, chained.
     */
    prune(cutoffMs: number, sign: (fields: CheckpointFields) => string): Promise<PruneCounts & { checkpointSeq: number | null }>;
    /** Recomputes the rollups and value histograms from the raw events (from the retention cutoff on). */
    rebuildRollups(): Promise<{ rollupRows: number; histogramCells: number }>;
  };
}

// ----------------------------------------------------------------------------------------- snapshots

/** A chain link with the values of the record it names (null when the record is gone): what verification reads. */
export type LinkWithRecord = ChainLink;

/** A chain link as an export's proof lists it: `tags` only when the link has them (older exports stay as they were). */
// A type, not an interface: the export body writes it as a record (Record<string, unknown>).
export type ProofLink = {
  seq: number;
  kind: string;
  ref: string;
  digest: string;
  hash: string;
  tags?: Record<string, unknown>;
};

export interface StoredCheckpoint extends CheckpointFields {
  seq: number;
  hmac: string;
}

/**
 * A long row sequence: always AsyncIterable; a backend that reads its rows synchronously (SQLite) makes it Iterable
 * as well, and a consumer that can takes the rows that way, without a promise per row (an export reads millions),
 * awaiting only its own writes between them.
 */
export type RowSequence<T> = AsyncIterable<T> & Partial<Iterable<T>>;

export interface ExportFilter {
  fromMs: number;
  toMs: number;
  sites: readonly string[];
  standards: readonly string[];
  /**
   * Event exports as of a past chain head: the corrections chained after this link are ignored (the one in force
   * is the latest chained up to it). Absent: every correction.
   */
  maxLinkSeq?: number;
}

/** The public export signing key recorded for the store: every node on it must sign with this key. */
export interface RecordedSigningKey {
  keyId: string;
  /** SPKI PEM. */
  publicKey: string;
  instanceId: string;
  recordedAtMs: number;
}

/** The fingerprint of the audit.secret that signs the store's retention checkpoints: every node on it must hold it. */
export interface RecordedAuditSecret {
  fingerprint: string;
  recordedAtMs: number;
}

/** What was chained after a period ended that touches it (restatements): events stored late, corrections. */
interface RestatedCounts {
  events: number;
  corrections: number;
}

/**
 * What verification reads of the tables derived from chained records besides the figures reads (rollup rows,
 * histogram cells and the raw judgements they are recounted from): sites beside their history, and what to recount.
 */
export interface DerivedReads {
  /** The tables of each grain (what a problem names). */
  tables: { rollup: Record<RollupQuery['grain'], string>; value: Record<HistogramQuery['grain'], string> };
  /** Every site with a row or a history record, by id. */
  sites(): Promise<SiteAgainstHistory[]>;
  /** The UTC days holding an event or a rollup or histogram row, in order. */
  days(): Promise<number[]>;
  /** Every standard a judgement or a rollup or histogram row names. */
  standardIds(): Promise<string[]>;
  /** Every site of a sites row, an event, or a rollup or histogram row. */
  siteIds(): Promise<string[]>;
  /**
   * The first and last instant in [fromMs, toMs) of an event (of any standard) or of a rollup row (of any grain) of
   * these standards; null when there is none. Read through the tables' time-ordered keys (a few index seeks), so a
   * check of a long range walks only where rows are.
   */
  extent(q: { standardIds: readonly string[]; fromMs: number; toMs: number }): Promise<{ firstMs: number; lastMs: number } | null>;
  /**
   * `read`, so that its failure (a record edited into text that is not JSON) leaves the snapshot usable for the reads
   * after it: PostgreSQL aborts the whole transaction at a failed statement unless a savepoint is rolled back to.
   */
  guarded<T>(read: () => Promise<T>): Promise<T>;
}

export interface Snapshot extends StoreReads {
  derived: DerivedReads;
  chain: {
    /** Every link in chain order, with its record; with `toSeq`, those up to that seq. */
    links(toSeq?: number): RowSequence<LinkWithRecord>;
    checkpoints(): Promise<StoredCheckpoint[]>;
    /** Records with no link, as (kind, ref). */
    unchained(): AsyncIterable<{ kind: ChainKind; ref: string }>;
    /** Links seq from..to (inclusive); `tags` (parsed) only on links that carry them. */
    linksBetween(fromSeq: number, toSeq: number): AsyncIterable<ProofLink>;
    /** One link (its hash and write time), or null when there is none with that seq. */
    link(seq: number): Promise<{ seq: number; hash: string; atMs: number } | null>;
    /** The refs of the links of `kind` with seq in (afterSeq, toSeq], in chain order. */
    refsBetween(kind: ChainKind, afterSeq: number, toSeq: number): Promise<string[]>;
  };
  exports: {
    /**
     * Event ⋈ judgement rows of the event export (column order of its first 23 columns), each with the event's chain
     * links and latest correction merged in (see the event export for the layout).
     */
    eventRows(filter: ExportFilter): RowSequence<EventExportRow>;
    /** The alert history before incidents (read-only since migration 10). */
    alertRows(filter: ExportFilter): AsyncIterable<AlertExportRow>;
    /** Incident changes whose time is in the range, oldest first. */
    incidentRows(filter: ExportFilter): AsyncIterable<IncidentExportRow>;
    auditLogRows(fromMs: number, toMs: number, maxLinkSeq: number): AsyncIterable<AuditLogExportRow>;
    /** Milestones whose `at` is in the range (at the filter's sites), in seq order, each with its chain link. */
    milestoneRows(filter: ExportFilter, maxLinkSeq: number): AsyncIterable<MilestoneExportRow>;
    /**
     * Events of the filter's range (at its sites) whose links are in (afterSeq, toSeq], and corrections of events of
     * the range chained there.
     */
    restated(filter: ExportFilter, afterSeq: number, toSeq: number): Promise<RestatedCounts>;
    /** Every correction of these events, in chain order, with its chain link. */
    correctionRecords(eventSeqs: readonly number[]): Promise<ChainedRecord[]>;
    /** Every version of these standards, in chain order, with its chain link. */
    standardRecords(ids: readonly string[]): Promise<ChainedRecord[]>;
  };
}

/**
 * Positions in an event export row: the event's columns (seq … content), its judgement's (standard_id … reason;
 * nulls for an event without judgements), its latest correction, the two chain links with their predecessors'
 * hashes, and the event's measures. The array is reused for the next row: read it before asking for the next.
 */
export const EVENT_ROW = {
  content: 14,
  standardId: 15,
  standardVersion: 16,
  measure: 17,
  value: 18,
  threshold: 19,
  met: 20,
  counted: 21,
  reason: 22,
  correctionSeq: 23,
  correctionAction: 24,
  correctionRejudged: 25,
  eventLinkSeq: 26,
  eventLinkPrev: 27,
  eventLinkHash: 28,
  judgementLinkSeq: 29,
  judgementLinkPrev: 30,
  judgementLinkHash: 31,
  /** The event's measures (other types than calls and visits), last: added after the layout above. */
  measures: 32,
  /** How long serving took (when posted), after the measures. */
  handleSeconds: 33,
  /**
   * Then the rest of the latest correction's chain record (seq, action and rejudged are above; eventSeq is the
   * event's) and its chain link, with its predecessor's hash: the offline verifier rebuilds the record from them.
   */
  correctionChanges: 34,
  correctionReason: 35,
  correctionKeyId: 36,
  correctionAtMs: 37,
  correctionLinkSeq: 38,
  correctionLinkPrev: 39,
  correctionLinkHash: 40,
} as const;
export const EVENT_ROW_WIDTH = 41;
export type EventExportRow = readonly unknown[];

export interface AlertExportRow {
  alert: Alert;
  /** When the firing was ended (recovered or superseded), and how. */
  endedAtMs: number | null;
  endState: AlertState | null;
}

export interface IncidentExportRow {
  change: IncidentChange;
  standardId: string;
  site: string;
  /** When its incident opened. */
  openedAtMs: number;
}

/** A milestone as stored, in its chain record's keys, with its link. */
export interface MilestoneExportRow extends Omit<StoredMilestone, 'receivedAt'> {
  atMs: number;
  receivedAtMs: number;
  content: string;
  link: { seq: number; prev: string; hash: string } | null;
}

/** A chained record (keys as in domain/chain.ts, values as stored) with its link and the link's predecessor's hash. */
export interface ChainedRecord {
  record: Record<string, unknown>;
  link: { seq: number; prev: string; hash: string };
}

export interface AuditLogExportRow {
  seq: number;
  atMs: number;
  keyId: string;
  action: string;
  target: string | null;
  details: string;
  link: { seq: number; prev: string; hash: string } | null;
}

// ------------------------------------------------------------------------------------------- the store

/**
 * What other nodes committed, as a node hears it: events stored, a standard changed, a case opened or closed, a
 * site configured (created, renamed, changed or retired), or "read again" (this node may have missed some).
 */
export type NodeSignal = 'stored' | 'standards' | 'cases' | 'sites' | 'resync';

/**
 * Nodes on one store (PostgreSQL): which one does the work that must happen once for all of them, and word of what
 * the others committed. On SQLite a node is alone (the data directory's lock): always the leader, never a signal.
 */
export interface Coordination {
  /**
   * Takes or keeps the leadership: true while this node leads (evaluates alerts, delivers webhooks). False while
   * another node leads, or when this node cannot reach the database (it gives the leadership up at once).
   */
  lead(): Promise<boolean>;
  /** Hears signals of other nodes' commits; returns the unsubscribe. */
  onSignal(listener: (signal: NodeSignal) => void): () => void;
  /**
   * Tells the other nodes this node's `settings` (what shapes its answers but is not in the store: its zone, its
   * organisation) and hears theirs: `listener` gets each other node's, when either of them starts (again when a lost
   * session is back). Returns the unsubscribe.
   */
  compareSettings(settings: NodeSettings, listener: (nodeId: string, theirs: NodeSettings) => void): () => void;
}

/** A node's settings that every node of a store should share (names to values; null: not set). */
export type NodeSettings = Readonly<Record<string, string | null>>;

export interface Store {
  readonly reads: StoreReads;
  /** This node among the others on the store. */
  readonly coordination: Coordination;
  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>;
  snapshot<T>(fn: (s: Snapshot) => Promise<T>): Promise<T>;
  /**
   * Whether a write could succeed now, told without writing to the database: resolves when it could, rejects with
   * StorageUnavailable saying why not. Readiness asks it after a write failed for storage, when no write may come to
   * prove the storage is back (a balancer took the node out of rotation because it was not ready).
   */
  writable(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  dataDir: string;
  /**
   * Refuse (DomainError not-found) a data directory, or a PostgreSQL database, that holds no store rather than create
   * one: the subcommands that manage a store.
   */
  existing?: boolean;
  /** The store's clock (records' times). */
  now?: () => number;
  /** Told, as it opens, what the operator should know about the store (SQLite: a database file every user may read). */
  warn?: (message: string) => void;
}

/** A store opened only to read (verification by an operator, next to a running server): no migration, no writes. */
export type ReadOnlyStore = Pick<Store, 'reads' | 'snapshot' | 'close'>;

/** Opening, copying and restoring stores of one kind. */
export interface StoreBackend {
  /**
   * Whether the store is there yet (SQLite: its file in DIR; PostgreSQL: Ringside's schema in the database), creating
   * and migrating nothing: a start that would create it is refused before it does (no key could be in it).
   */
  exists(dataDir: string): Promise<boolean>;
  open(options: StoreOptions): Promise<Store>;
  /**
   * Opens an existing store as it is; DomainError not-found when there is none. A store of another release's schema
   * is refused (SchemaError: not yet, or no longer, the tables these reads know), an older one allowed only with
   * `olderSchema` by a caller whose reads check for the tables they need (public-key's signing key).
   */
  openReadOnly(dataDir: string, options?: { olderSchema?: 'allow' }): Promise<ReadOnlyStore>;
  /** A consistent copy of a data directory's store, also while a server uses it. */
  backup(dataDir: string, toFile: string): Promise<BackupInfo>;
  /** Replaces a data directory's store by a backup (refused while a server uses the directory). */
  restore(fromFile: string, dataDir: string, options: { force: boolean }): Promise<RestoreInfo>;
  /** Rewrites a data directory's store without the space deleted rows left (offline: no server uses the directory). */
  compact(dataDir: string): Promise<CompactInfo>;
}

export interface RestoreInfo {
  /** Where the replaced database was kept; null: there was none, it held nothing to keep, or --force. */
  replaced: string | null;
  events: number;
  /**
   * Set when the replaced database's audit chain holds links the restored one does not (it went on after the backup
   * was taken, or is another store's): its head, the restored one's, and the last link both share (0: none).
   */
  rewound: { replacedHead: ChainHead; restoredHead: ChainHead; sharedSeq: number } | null;
  /** Why SQLite could not read the replaced database (its words; its chain was then not compared), or null. */
  damaged?: string | null;
  /**
   * Whether the replaced database's chain was compared with the backup's (`rewound` is then what it found): false
   * when there was none, or it could not be read. The data folder's chain witness is left for the next start then.
   */
  chainCompared?: boolean;
}

export interface CompactInfo {
  file: string;
  /** The store's size on disk before and after (SQLite: the file and its -wal). */
  bytesBefore: number;
  bytesAfter: number;
}

export interface BackupInfo {
  file: string;
  bytes: number;
  events: number;
  schemaVersion: number;
  /** The folder the backup created for the file (the outermost one it made), when its folder was missing. */
  createdFolder?: string;
}
