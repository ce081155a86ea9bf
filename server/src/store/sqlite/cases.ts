// Milestones (append-only, chained, idempotent per pairing key), the cases they make up, and the judgements
// recorded on a case while it was open (chained). What a case's milestones mean is domain code (domain/clocks.ts).
import { DomainError } from '../../domain/errors';
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

export function toMilestone(r: MilestoneRow): StoredMilestone {
  return {
    seq: r.seq, id: r.id, type: r.type, site: r.site, caseId: r.case_id, milestone: r.milestone, at: r.at,
    receivedAt: new Date(r.received_at_ms).toISOString(), agent: r.agent, queue: r.queue, handleSeconds: r.handle_seconds,
  };
}

export function toCase(r: CaseRow): CaseRecord {
  return {
    type: r.type, site: r.site, caseId: r.case_id, state: r.state, openedAtMs: r.opened_at_ms, closedAtMs: r.closed_at_ms, expired: r.expired === 1, eventSeq: r.event_seq,
  };
}

export function casesReads(s: Statements): CasesReads {
  return {
    get: async (k) => {
      const row = s.get(`SELECT * FROM cases WHERE ${KEY}`).get(...keyOf(k)) as CaseRow | undefined;
      return row && toCase(row);
    },
    open: async () => (s.get("SELECT * FROM cases WHERE state = 'open' ORDER BY opened_at_ms, type, site, case_id").all() as CaseRow[]).map(toCase),
    milestones: async (k) => (s.get(`SELECT * FROM milestones WHERE ${KEY} ORDER BY seq`).all(...keyOf(k)) as MilestoneRow[]).map(toMilestone),
    openMilestones: async () =>
      (s.get(`SELECT m.* FROM milestones m JOIN cases c ON c.type = m.type AND c.site = m.site AND c.case_id = m.case_id
              WHERE c.state = 'open' ORDER BY m.type, m.site, m.case_id, m.seq`).all() as MilestoneRow[]).map(toMilestone),
    judgements: async (k) =>
      (s.get(`SELECT * FROM case_judgements WHERE ${KEY} ORDER BY standard_id`).all(...keyOf(k)) as Array<Record<string, unknown>>).map(toCaseJudgement),
  };
}

export function toCaseJudgement(r: Record<string, unknown>): CaseJudgementRecord {
  const judgement: ClockJudgement = {
    standardId: r.standard_id as string, standardVersion: r.standard_version as number, measure: r.measure as string, value: (r.value as number | null) ?? null,
    threshold: r.threshold as number, met: r.met === 1, counted: r.counted === 1, reason: (r.reason as ClockReason | null) ?? null,
  };
  return { seq: r.seq as number, type: r.type as string, site: r.site as string, caseId: r.case_id as string, judgement, atMs: r.at_ms as number };
}

/** Writes a batch of milestones (the caller's savepoint makes it all-or-nothing). */
export function writeMilestones(s: Statements, batch: readonly NewMilestone[], atMs: number): MilestoneWriteOutcome[] {
  const chain = chainWriter(s.db);
  const sitesSeen = new Set<string>();
  return batch.map((item, index) => {
    const m = storableMilestone(item.milestone);
    const content = storableText(item.content);
    const stored = s.get(`SELECT * FROM milestones WHERE ${KEY} AND milestone = ?`).get(m.type, m.site, m.caseId, m.milestone) as MilestoneRow | undefined;
    if (stored) {
      if (stored.content !== content) {
        throw new DomainError('conflict', 'milestone', `${m.type} ${JSON.stringify(m.caseId)} at ${JSON.stringify(m.site)} already has a different "${m.milestone}" milestone (seq ${stored.seq}); a milestone is posted once`, index);
      }
      return { milestone: toMilestone(stored), duplicate: true };
    }
    const byId = s.get('SELECT seq FROM milestones WHERE id = ?').get(m.id) as { seq: number } | undefined;
    if (byId) throw new DomainError('conflict', 'id', `id ${JSON.stringify(m.id)} was already used for a different milestone (seq ${byId.seq})`, index);
    if (!sitesSeen.has(m.site)) {
      sitesSeen.add(m.site);
      const d = item.siteDefaults;
      if (s.get(ENSURE_SITE).run(m.site, d.timeZone, d.ringCycleSeconds, item.receivedAtMs).changes > 0) recordSiteChange(s.db, m.site, 'auto-created', item.receivedAtMs);
    }
    const row = s
      .raw(`INSERT INTO milestones (id, type, site, case_id, milestone, at_ms, at, received_at_ms, agent, queue, handle_seconds, content)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING seq, id, type, site, case_id, milestone, at_ms, at, received_at_ms, agent, queue, handle_seconds, content`)
      .get(m.id, m.type, m.site, m.caseId, m.milestone, item.atMs, m.at, item.receivedAtMs, m.agent, m.queue, m.handleSeconds, content) as unknown[];
    chain.append('milestone', row, atMs);
    s.get("INSERT INTO cases (type, site, case_id, state, opened_at_ms) VALUES (?, ?, ?, 'open', ?) ON CONFLICT DO NOTHING").run(m.type, m.site, m.caseId, item.receivedAtMs);
    const [seq, id, type, site, caseId, milestone, , at, receivedAtMs, agent, queue, handleSeconds] = row as [number, string, string, string, string, string, number, string, number, string | null, string | null, number | null];
    return { milestone: { seq, id, type, site, caseId, milestone, at, receivedAt: new Date(receivedAtMs).toISOString(), agent, queue, handleSeconds }, duplicate: false };
  });
}

const TEXT_FIELDS = ['id', 'type', 'site', 'caseId', 'milestone', 'at', 'agent', 'queue'] as const;

/** The milestone with text SQLite stores as given (store/text.ts). */
export function storableMilestone(m: NewMilestone['milestone']): NewMilestone['milestone'] {
  const copy = { ...m };
  for (const f of TEXT_FIELDS) (copy as Record<string, unknown>)[f] = storableText(m[f]);
  return copy;
}

export function closeCase(s: Statements, k: CaseKey, end: { closedAtMs: number; expired: boolean; eventSeq: number | null }): void {
  const existing = s.get(`SELECT state FROM cases WHERE ${KEY}`).get(...keyOf(k)) as { state: string } | undefined;
  if (!existing) {
    s.get("INSERT INTO cases (type, site, case_id, state, opened_at_ms, closed_at_ms, expired, event_seq) VALUES (?, ?, ?, 'closed', ?, ?, ?, ?)")
      .run(...keyOf(k), end.closedAtMs, end.closedAtMs, end.expired ? 1 : 0, end.eventSeq);
    return;
  }
  s.get(`UPDATE cases SET state = 'closed', closed_at_ms = ?, expired = ?, event_seq = ? WHERE ${KEY} AND state = 'open'`)
    .run(end.closedAtMs, end.expired ? 1 : 0, end.eventSeq, ...keyOf(k));
}

export function claimBreach(s: Statements, k: CaseKey, standardId: string, deadlineMs: number, atMs: number): boolean {
  const sql = 'INSERT INTO case_breaches (type, site, case_id, standard_id, deadline_ms, at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING';
  return s.get(sql).run(...keyOf(k), standardId, deadlineMs, atMs).changes > 0;
}

export function writeCaseJudgement(s: Statements, k: CaseKey, j: ClockJudgement, atMs: number): boolean {
  const row = s
    .raw(`INSERT INTO case_judgements (type, site, case_id, standard_id, standard_version, measure, value, threshold, met, counted, reason, at_ms)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
          RETURNING seq, type, site, case_id, standard_id, standard_version, measure, value, threshold, met, counted, reason, at_ms`)
    .get(...keyOf(k), j.standardId, j.standardVersion, j.measure, j.value, j.threshold, j.met ? 1 : 0, j.counted ? 1 : 0, j.reason, atMs) as unknown[] | undefined;
  if (!row) return false;
  chainWriter(s.db).append('caseJudgement', row, atMs);
  return true;
}
