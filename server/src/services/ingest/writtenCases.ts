// What a write that adds milestones knows of the cases it touched: which they are, all the milestones of each in seq
// order (so that settling them in the same write need not read them again), and what settling told of each.
import type { StoredMilestone } from '../../protocol/eventTypes';
import type { CaseKey, CaseRecord, MilestoneWriteOutcome } from '../../store/port';
import { caseText, type Settled, type WrittenCase } from './cases';
import type { CaseNews } from './outcomes';

export function uniqueCases(milestones: readonly StoredMilestone[]): CaseKey[] {
  const byKey = new Map<string, CaseKey>();
  for (const m of milestones) byKey.set(caseText(m), { type: m.type, site: m.site, caseId: m.caseId });
  return [...byKey.values()];
}

/**
 * The milestones of each case this write added to, all it has in seq order: those it had stored (`stored`, read in
 * this write before its milestones were added), then the write's new ones in their order. A case the write opened
 * has only the new ones. A case whose stored milestones were not read is left out (settling reads it). `rows`: the
 * case rows read in this write before its milestones were added, which leave an existing row as it was.
 */
export function writtenCases(fresh: readonly MilestoneWriteOutcome[], stored: ReadonlyMap<string, readonly StoredMilestone[]>, rows: ReadonlyMap<string, CaseRecord>): Map<string, WrittenCase & { milestones: StoredMilestone[] }> {
  const written = new Map<string, WrittenCase & { milestones: StoredMilestone[] }>();
  for (const w of fresh) {
    const k = caseText(w.milestone);
    const known = written.get(k);
    if (known) known.milestones.push(w.milestone);
    else if (w.opened) written.set(k, { milestones: [w.milestone], opened: true });
    else {
      const before = stored.get(k);
      const record = rows.get(k);
      if (before) written.set(k, { milestones: [...before, w.milestone], opened: false, ...(record ? { record } : {}) });
    }
  }
  return written;
}

/** What settling told of each case: closed, or open and known whole. */
export function newsOf(settled: readonly Settled[]): Map<string, CaseNews> {
  const news = new Map<string, CaseNews>();
  for (const s of settled) {
    if (s.closed) news.set(caseText(s.key), { closed: true });
    else if (s.known) news.set(caseText(s.key), { closed: false, ...s.known });
  }
  return news;
}
