// Milestones, cases and the judgements recorded on an open case, on PostgreSQL: what the SQLite backend's
// store/sqlite/cases.ts does (row mapping shared with it), in the same order, with the same conflicts. Every write
// transaction holds the store's write lock (store.ts), so the lookups below see every committed milestone of every
// node; the unique pairing key and the unique (case, standard) of case_judgements hold even without it.
import { milestoneIdConflict, milestoneKeyConflict } from '../../domain/contentConflicts';
import type { ClockJudgement } from '../../protocol/eventTypes';
import type { CaseKey, CasesReads, MilestoneWriteOutcome, NewMilestone } from '../port';
import { ENSURE_SITE } from '../sqlite/batchWriter';
import { CASE_READS, CLOSABLE, caseOf, milestoneOf, milestonesRead, storableMilestone, toCase, toCaseJudgement, toMilestone, type CaseRow, type MilestoneRow } from '../sqlite/cases';
import { storableText } from '../sqlite/text';
import type { PgChainWriter } from './chain';
import type { Sql } from './db';
import { recordSiteChange } from './writes';

const KEY = 'type = ? AND site = ? AND case_id = ?';
const keyOf = (k: CaseKey) => [k.type, k.site, k.caseId];
const MILESTONE_COLUMNS = 'seq, id, type, site, case_id, milestone, at_ms, at, received_at_ms, agent, queue, handle_seconds, content';

export function casesReads(s: Sql): CasesReads {
  return {
    get: async (k) => {
      const row = await s.one<CaseRow>(CASE_READS.get, keyOf(k));
      return row && caseOf(k, row);
    },
    open: async () => (await s.rows<CaseRow>("SELECT * FROM cases WHERE state = 'open' ORDER BY opened_at_ms, type, site, case_id")).map(toCase),
    milestones: async (k, milestone) => (await s.rows<MilestoneRow>(...milestonesRead(k, milestone))).map((r) => milestoneOf(k, r)),
    openMilestones: async () =>
      (await s.rows<MilestoneRow>(`SELECT m.* FROM milestones m JOIN cases c ON c.type = m.type AND c.site = m.site AND c.case_id = m.case_id
              WHERE c.state = 'open' ORDER BY m.type, m.site, m.case_id, m.seq`)).map(toMilestone),
    judgements: async (k) => (await s.rows<Record<string, unknown>>(CASE_READS.judgements, keyOf(k))).map((r) => toCaseJudgement(r, k)),
  };
}

/**
 * Writes a batch of milestones, item by item (the caller's savepoint makes it all-or-nothing). The pairing key and the
 * id are looked up only when the INSERT finds one of them taken, and for the first milestone of each site in the
 * batch, whose site upsert must come before the milestone's link and must not run for a duplicate.
 */
export async function writeMilestones(s: Sql, chain: PgChainWriter, batch: readonly NewMilestone[], atMs: number): Promise<MilestoneWriteOutcome[]> {
  const sitesSeen = new Set<string>();
  const outcomes: MilestoneWriteOutcome[] = [];
  for (const [index, item] of batch.entries()) {
    const m = storableMilestone(item.milestone);
    const content = storableText(item.content);
    if (!sitesSeen.has(m.site)) {
      const found = await existingMilestone(s, m, content, index);
      if (found) {
        outcomes.push(found);
        continue;
      }
      sitesSeen.add(m.site);
      const d = item.siteDefaults;
      if ((await s.run(ENSURE_SITE, [m.site, d.timeZone, d.ringCycleSeconds, item.receivedAtMs])) > 0) await recordSiteChange(s, chain, m.site, 'auto-created', item.receivedAtMs);
    }
    // ON CONFLICT DO NOTHING, not a refused INSERT: a statement error would abort the whole transaction here.
    const [row] = await s.tuples<unknown[]>(
      `INSERT INTO milestones (id, type, site, case_id, milestone, at_ms, at, received_at_ms, agent, queue, handle_seconds, content)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING ${MILESTONE_COLUMNS}`,
      [m.id, m.type, m.site, m.caseId, m.milestone, item.atMs, m.at, item.receivedAtMs, m.agent, m.queue, m.handleSeconds, content],
    );
    if (!row) {
      const found = await existingMilestone(s, m, content, index);
      if (!found) throw new Error(`milestone ${JSON.stringify(m.id)} was refused by a unique key that holds no milestone`);
      outcomes.push(found);
      continue;
    }
    await chain.append('milestone', row, atMs);
    const opened = !item.caseStored && (await s.run("INSERT INTO cases (type, site, case_id, state, opened_at_ms) VALUES (?, ?, ?, 'open', ?) ON CONFLICT DO NOTHING", [m.type, m.site, m.caseId, item.receivedAtMs])) > 0;
    const [seq, id, type, site, caseId, milestone, , at, receivedAtMs, agent, queue, handleSeconds] = row as [number, string, string, string, string, string, number, string, number, string | null, string | null, number | null];
    outcomes.push({ milestone: { seq, id, type, site, caseId, milestone, at, receivedAt: new Date(receivedAtMs).toISOString(), agent, queue, handleSeconds }, duplicate: false, opened });
  }
  return outcomes;
}

/** The stored milestone of the same pairing key (a duplicate), a conflict (other content, or the id is taken), or undefined. */
async function existingMilestone(s: Sql, m: NewMilestone['milestone'], content: string, index: number): Promise<MilestoneWriteOutcome | undefined> {
  const stored = await s.one<MilestoneRow>(`SELECT * FROM milestones WHERE ${KEY} AND milestone = ?`, [m.type, m.site, m.caseId, m.milestone]);
  if (stored) {
    if (stored.content !== content) {
      throw milestoneKeyConflict(m, stored, content, index);
    }
    return { milestone: toMilestone(stored), duplicate: true, opened: false };
  }
  const byId = await s.one<{ seq: number; site: string; content: string }>('SELECT seq, site, content FROM milestones WHERE id = ?', [m.id]);
  if (byId) throw milestoneIdConflict(m.id, byId, content, index);
  return undefined;
}

/** Closes an open case, or one expiry closed before its start arrived (CLOSABLE; any other closed one is left as it is); a case never seen is recorded closed. */
export async function closeCase(s: Sql, k: CaseKey, end: { closedAtMs: number; expired: boolean; eventSeq: number | null }): Promise<void> {
  const inserted = await s.run(
    "INSERT INTO cases (type, site, case_id, state, opened_at_ms, closed_at_ms, expired, event_seq) VALUES (?, ?, ?, 'closed', ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    [...keyOf(k), end.closedAtMs, end.closedAtMs, end.expired ? 1 : 0, end.eventSeq],
  );
  if (inserted > 0) return;
  await s.run(`UPDATE cases SET state = 'closed', closed_at_ms = ?, expired = ?, event_seq = ? WHERE ${KEY} AND ${CLOSABLE}`, [end.closedAtMs, end.expired ? 1 : 0, end.eventSeq, ...keyOf(k)]);
}

/** Claims a breach for this node: true for the first claim of every node's, false after (the unique key decides). */
export async function claimBreach(s: Sql, k: CaseKey, standardId: string, deadlineMs: number, atMs: number): Promise<boolean> {
  const sql = 'INSERT INTO case_breaches (type, site, case_id, standard_id, deadline_ms, at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING';
  return (await s.run(sql, [...keyOf(k), standardId, deadlineMs, atMs])) > 0;
}

/** Records a judgement on a case, chained; false (nothing written) when one of that standard is recorded already. */
export async function writeCaseJudgement(s: Sql, chain: PgChainWriter, k: CaseKey, j: ClockJudgement, atMs: number): Promise<boolean> {
  const [row] = await s.tuples<unknown[]>(
    `INSERT INTO case_judgements (type, site, case_id, standard_id, standard_version, measure, value, threshold, met, counted, reason, at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
     RETURNING seq, type, site, case_id, standard_id, standard_version, measure, value, threshold, met, counted, reason, at_ms`,
    [...keyOf(k), j.standardId, j.standardVersion, j.measure, j.value, j.threshold, j.met ? 1 : 0, j.counted ? 1 : 0, j.reason, atMs],
  );
  if (!row) return false;
  await chain.append('caseJudgement', row, atMs);
  return true;
}
