// Milestones (append-only, chained, idempotent per pairing key), the cases they make up, and the judgements
// recorded on a case while it was open (chained). What a case's milestones mean is domain code (domain/clocks/).
import { milestoneIdConflict, milestoneKeyConflict } from '../../domain/contentConflicts';
import type { ClockJudgement, ClockReason, StoredMilestone } from '../../protocol/eventTypes';
import type { CaseJudgementRecord, CaseKey, CaseRecord, CasesReads, MilestoneWriteOutcome, NewMilestone } from '../port';
import { ENSURE_SITE } from './batchWriter';
import { chainWriter } from './chain';
import type { Statements } from './database';
import { recordSiteChange } from './siteHistory';
import { storableText } from './text';

export interface MilestoneRow {
  seq: number;
  id: string;
  type: string;
  site: string;
  case_id: string;
  milestone: string;
  at_ms: number;
  at: string;
  received_at_ms: number;
  agent: string | null;
  queue: string | null;
  handle_seconds: number | null;
  content: string;
}

export interface CaseRow {
  type: string;
  site: string;
  case_id: string;
  state: 'open' | 'closed';
  opened_at_ms: number;
  closed_at_ms: number | null;
  expired: 0 | 1;
  event_seq: number | null;
}

const KEY = 'type = ? AND site = ? AND case_id = ?';
const keyOf = (k: CaseKey) => [k.type, k.site, k.caseId] as const;

const MILESTONE_READ = `SELECT seq, id, milestone, at, received_at_ms, agent, queue, handle_seconds FROM milestones WHERE ${KEY}`;

/**
 * The reads of one case take its key from the caller instead of reading it back: every row they find holds that key
 * as bound (text is compared byte for byte, and stored text is always well-formed, store/text.ts), and each text
 * column read back is a string made anew (these reads run for every case a request adds to). A milestone's content
 * and at_ms are not part of what they answer.
 */
export const CASE_READS = {
  get: `SELECT state, opened_at_ms, closed_at_ms, expired, event_seq FROM cases WHERE ${KEY}`,
  milestones: `${MILESTONE_READ} ORDER BY seq`,
  /** One milestone of a case, by its pairing key (the unique index finds it without the case's others). */
  milestone: `${MILESTONE_READ} AND milestone = ?`,
  judgements: `SELECT seq, standard_id, standard_version, measure, value, threshold, met, counted, reason, at_ms FROM case_judgements WHERE ${KEY} ORDER BY standard_id`,
} as const;

/** The statement and parameters of CasesReads.milestones: all of a case's milestones, or the one named. */
export const milestonesRead = (k: CaseKey, milestone: string | undefined): [string, readonly unknown[]] =>
  milestone === undefined ? [CASE_READS.milestones, keyOf(k)] : [CASE_READS.milestone, [...keyOf(k), milestone]];

export const caseOf = (k: CaseKey, r: Omit<CaseRow, 'type' | 'site' | 'case_id'>): CaseRecord => ({
  type: k.type, site: k.site, caseId: k.caseId, state: r.state, openedAtMs: r.opened_at_ms, closedAtMs: r.closed_at_ms, expired: r.expired === 1, eventSeq: r.event_seq,
});

export const milestoneOf = (k: CaseKey, r: Omit<MilestoneRow, 'type' | 'site' | 'case_id' | 'at_ms' | 'content'>): StoredMilestone => ({
  seq: r.seq, id: r.id, type: k.type, site: k.site, caseId: k.caseId, milestone: r.milestone, at: r.at,
  receivedAt: new Date(r.received_at_ms).toISOString(), agent: r.agent, queue: r.queue, handleSeconds: r.handle_seconds,
});

const keyOfRow = (r: { type: string; site: string; case_id: string }): CaseKey => ({ type: r.type, site: r.site, caseId: r.case_id });
export const toMilestone = (r: MilestoneRow): StoredMilestone => milestoneOf(keyOfRow(r), r);
export const toCase = (r: CaseRow): CaseRecord => caseOf(keyOfRow(r), r);

export function casesReads(s: Statements): CasesReads {
  return {
    get: async (k) => {
      const row = s.get(CASE_READS.get).get(...keyOf(k)) as CaseRow | undefined;
      return row && caseOf(k, row);
    },
    open: async () => (s.get("SELECT * FROM cases WHERE state = 'open' ORDER BY opened_at_ms, type, site, case_id").all() as CaseRow[]).map(toCase),
    milestones: async (k, milestone) => {
      const [sql, params] = milestonesRead(k, milestone);
      return (s.get(sql).all(...params) as MilestoneRow[]).map((r) => milestoneOf(k, r));
    },
    openMilestones: async () =>
      (s.get(`SELECT m.* FROM milestones m JOIN cases c ON c.type = m.type AND c.site = m.site AND c.case_id = m.case_id
              WHERE c.state = 'open' ORDER BY m.type, m.site, m.case_id, m.seq`).all() as MilestoneRow[]).map(toMilestone),
    judgements: async (k) => (s.get(CASE_READS.judgements).all(...keyOf(k)) as Array<Record<string, unknown>>).map((r) => toCaseJudgement(r, k)),
  };
}

/** A case_judgements row; `k`: its case, when the row was read without its key (CASE_READS). */
export function toCaseJudgement(r: Record<string, unknown>, k?: CaseKey): CaseJudgementRecord {
  const judgement: ClockJudgement = {
    standardId: r.standard_id as string, standardVersion: r.standard_version as number, measure: r.measure as string, value: (r.value as number | null) ?? null,
    threshold: r.threshold as number, met: r.met === 1, counted: r.counted === 1, reason: (r.reason as ClockReason | null) ?? null,
  };
  if (k) return { seq: r.seq as number, type: k.type, site: k.site, caseId: k.caseId, judgement, atMs: r.at_ms as number };
  return { seq: r.seq as number, type: r.type as string, site: r.site as string, caseId: r.case_id as string, judgement, atMs: r.at_ms as number };
}

const INSERT_MILESTONE = `INSERT INTO milestones (id, type, site, case_id, milestone, at_ms, at, received_at_ms, agent, queue, handle_seconds, content)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const OPEN_CASE = "INSERT INTO cases (type, site, case_id, state, opened_at_ms) VALUES (?, ?, ?, 'open', ?) ON CONFLICT DO NOTHING";
const BY_PAIRING_KEY = `SELECT * FROM milestones WHERE ${KEY} AND milestone = ?`;

/**
 * Writes a batch of milestones (the caller's savepoint makes it all-or-nothing). Per new milestone: its INSERT, its
 * chain link and its case row (unless `caseStored`). The pairing key and the id are looked up only when a unique index refuses the INSERT
 * (a retry or a reused id), and for the first milestone of each site in the batch, whose site upsert (and the site
 * link it may chain) must come before the milestone's link and must not run for a duplicate. `opened`: the INSERT of
 * its case row created it (the case is new, so these are all its milestones, and it has no case judgements).
 */
export function writeMilestones(s: Statements, batch: readonly NewMilestone[], atMs: number): MilestoneWriteOutcome[] {
  const chain = chainWriter(s.db);
  const insert = s.get(INSERT_MILESTONE);
  const openCase = s.get(OPEN_CASE);
  const sitesSeen = new Set<string>();
  return batch.map((item, index) => {
    const m = storableMilestone(item.milestone);
    const content = storableText(item.content);
    if (!sitesSeen.has(m.site)) {
      const found = existingMilestone(s, m, content, index);
      if (found) return found;
      sitesSeen.add(m.site);
      const d = item.siteDefaults;
      if (s.get(ENSURE_SITE).run(m.site, d.timeZone, d.ringCycleSeconds, item.receivedAtMs).changes > 0) recordSiteChange(s.db, m.site, 'auto-created', item.receivedAtMs);
    }
    const values = [m.id, m.type, m.site, m.caseId, m.milestone, item.atMs, m.at, item.receivedAtMs, m.agent, m.queue, m.handleSeconds, content] as const;
    let seq: number;
    try {
      seq = Number(insert.run(...values).lastInsertRowid);
    } catch (error) {
      const found = isUniqueRefusal(error) ? existingMilestone(s, m, content, index) : undefined;
      if (!found) throw error;
      return found;
    }
    // The link's record is the row as inserted: SQLite keeps these values as bound (text as text, numbers as numbers).
    chain.append('milestone', [seq, ...values], atMs);
    const opened = !item.caseStored && openCase.run(m.type, m.site, m.caseId, item.receivedAtMs).changes > 0;
    const milestone = { seq, id: m.id, type: m.type, site: m.site, caseId: m.caseId, milestone: m.milestone, at: m.at, receivedAt: new Date(item.receivedAtMs).toISOString(), agent: m.agent, queue: m.queue, handleSeconds: m.handleSeconds };
    return { milestone, duplicate: false, opened };
  });
}

/**
 * The stored milestone of the same pairing key (a retry, answered as a duplicate), or a conflict: the key holds other
 * content, or the id is another milestone's. Undefined when neither is stored.
 */
function existingMilestone(s: Statements, m: NewMilestone['milestone'], content: string, index: number): MilestoneWriteOutcome | undefined {
  const stored = s.get(BY_PAIRING_KEY).get(m.type, m.site, m.caseId, m.milestone) as MilestoneRow | undefined;
  if (stored) {
    if (stored.content !== content) {
      throw milestoneKeyConflict(m, stored, content, index);
    }
    return { milestone: toMilestone(stored), duplicate: true, opened: false };
  }
  const byId = s.get('SELECT seq, site, content FROM milestones WHERE id = ?').get(m.id) as { seq: number; site: string; content: string } | undefined;
  if (byId) throw milestoneIdConflict(m.id, byId, content, index);
  return undefined;
}

/** A unique index refused an INSERT (SQLite aborted that statement only, with no seq used up). */
function isUniqueRefusal(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

const TEXT_FIELDS = ['id', 'type', 'site', 'caseId', 'milestone', 'at', 'agent', 'queue'] as const;

/** The milestone with text SQLite stores as given (store/text.ts). */
export function storableMilestone(m: NewMilestone['milestone']): NewMilestone['milestone'] {
  const copy = { ...m };
  for (const f of TEXT_FIELDS) (copy as Record<string, unknown>)[f] = storableText(m[f]);
  return copy;
}

/** What closeCase may close: an open case, or one expiry closed with no event (its start had not arrived; services/ingest/cases.ts awaitsStart). */
export const CLOSABLE = "(state = 'open' OR (expired = 1 AND event_seq IS NULL))";

/** Closes an open case, or one expiry closed before its start arrived (CLOSABLE; any other closed one is left as it is); a case never seen is recorded closed. One UPDATE in the usual case. */
export function closeCase(s: Statements, k: CaseKey, end: { closedAtMs: number; expired: boolean; eventSeq: number | null }): void {
  const closed = s.get(`UPDATE cases SET state = 'closed', closed_at_ms = ?, expired = ?, event_seq = ? WHERE ${KEY} AND ${CLOSABLE}`).run(end.closedAtMs, end.expired ? 1 : 0, end.eventSeq, ...keyOf(k));
  if (closed.changes > 0) return;
  s.get("INSERT INTO cases (type, site, case_id, state, opened_at_ms, closed_at_ms, expired, event_seq) VALUES (?, ?, ?, 'closed', ?, ?, ?, ?) ON CONFLICT DO NOTHING")
    .run(...keyOf(k), end.closedAtMs, end.closedAtMs, end.expired ? 1 : 0, end.eventSeq);
}

export function claimBreach(s: Statements, k: CaseKey, standardId: string, deadlineMs: number, atMs: number): boolean {
  const sql = 'INSERT INTO case_breaches (type, site, case_id, standard_id, deadline_ms, at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING';
  return s.get(sql).run(...keyOf(k), standardId, deadlineMs, atMs).changes > 0;
}

export function writeCaseJudgement(s: Statements, k: CaseKey, j: ClockJudgement, atMs: number): boolean {
  const key = keyOf(k).map(storableText);
  const values = [...key, storableText(j.standardId), j.standardVersion, storableText(j.measure), j.value, j.threshold, j.met ? 1 : 0, j.counted ? 1 : 0, storableText(j.reason), atMs] as const;
  const inserted = s
    .get(`INSERT INTO case_judgements (type, site, case_id, standard_id, standard_version, measure, value, threshold, met, counted, reason, at_ms)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
    .run(...values);
  if (inserted.changes === 0) return false;
  // The link's record is the row as inserted (values as bound), without reading it back.
  chainWriter(s.db).append('caseJudgement', [Number(inserted.lastInsertRowid), ...values], atMs);
  return true;
}
