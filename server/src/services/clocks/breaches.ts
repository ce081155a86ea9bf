// Breaches: those newly due on a watched case at a look (each standard's once), with the miss to record when no ending
// can still meet; claimed in the store, so that of several nodes watching one case only the first to claim a breach
// pushes it and records its miss.
import { clockLabel, clockStatus, deadlineJudgement, deadlineVerdict, standardsForCase, type ClockSite } from '../../domain/clocks';
import type { ClockBreach, ClockJudgement, ClockStandard, EventTypeDefinition } from '../../protocol/eventTypes';
import type { CaseKey, WriteTx } from '../../store/port';
import { caseText } from '../ingest/cases';
import type { WatchedCase } from './watched';

/** A breach found at a look: announced (and its miss recorded) only by the node that claims it first. */
export interface DueBreach {
  key: CaseKey;
  /** The version that set the deadline. */
  standard: ClockStandard;
  deadlineMs: number;
  /** The miss to record now; null when a verdict was already recorded for this standard. */
  miss: ClockJudgement | null;
  /** A verdict recorded before (a restart, another node) already says missed. */
  missedBefore: boolean;
}

/** The deadline verdict of a standard on a type and ring cycle (deadlineVerdict, memoised for one look). */
export type VerdictOf = (s: ClockStandard, type: EventTypeDefinition, site: ClockSite) => boolean;

/** The breaches of `c` newly due at `now` (each standard's once: marked breached here), with the miss to record. */
export function dueOf(c: WatchedCase, now: number, verdict: VerdictOf): DueBreach[] {
  const due: DueBreach[] = [];
  for (const s of standardsForCase(c.state, c.standards)) {
    const status = clockStatus(c.state, s, c.site, now);
    if (status?.state !== 'breached' || c.breached.has(s.id)) continue;
    c.breached.add(s.id);
    const miss = c.recorded.has(s.id) ? null : deadlineJudgement(c.state, s, c.type, c.site, now, verdict);
    due.push({ key: c.key, standard: s, deadlineMs: status.deadlineMs!, miss, missedBefore: c.recorded.get(s.id)?.met === false });
  }
  return due;
}

/** Claims each breach in `tx` and records its miss; `watched`: the case they are all on (else looked up in `cases`). */
export async function claimIn(tx: WriteTx, due: readonly DueBreach[], cases: ReadonlyMap<string, WatchedCase>, watched?: WatchedCase): Promise<ClockBreach[]> {
  const breaches: ClockBreach[] = [];
  for (const b of due) {
    const standardId = b.standard.id;
    if (!(await tx.writes.claimBreach(b.key, standardId, b.deadlineMs))) continue;
    if (b.miss) {
      await tx.writes.caseJudgement(b.key, b.miss);
      const c = watched ?? cases.get(caseText(b.key));
      if (c) {
        c.recorded.set(standardId, b.miss);
        // Its standings now show the verdict: the next look pushes them.
        c.quietUntil = -Infinity;
      }
    }
    // Field by field: on Node 20 a spread of the key followed by new keys cost microseconds per breach.
    breaches.push({
      type: b.key.type, site: b.key.site, caseId: b.key.caseId, standardId, standardVersion: b.standard.version, standardLabel: clockLabel(b.standard),
      deadline: new Date(b.deadlineMs).toISOString(), missed: b.miss !== null || b.missedBefore,
    });
  }
  return breaches;
}

/**
 * deadlineVerdict judges hypothetical ends: the same for every case of one type definition, standard version
 * (versions never change) and ring cycle, so one look (or one write) asks it once per combination.
 */
export function verdictMemo(): VerdictOf {
  const verdicts = new Map<EventTypeDefinition, Map<string, boolean>>();
  return (s, type, site) => {
    let ofType = verdicts.get(type);
    if (!ofType) verdicts.set(type, (ofType = new Map<string, boolean>()));
    const k = `${s.id}\u0000${s.version}\u0000${site.ringCycleSeconds}`;
    let v = ofType.get(k);
    if (v === undefined) ofType.set(k, (v = deadlineVerdict(s, type, site)));
    return v;
  };
}
