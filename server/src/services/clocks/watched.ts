// A case the clock service watches: its state from its milestones, the site and the standard versions that time it,
// what was recorded and pushed of it, and the next instant anything about it can change.
import { caseState, clockStatus, expiresAtMs, standardsForCase, type CaseState, type ClockSite } from '../../domain/clocks';
import type { ClockJudgement, ClockStandard, EventTypeDefinition, OpenClock, StoredMilestone } from '../../protocol/eventTypes';
import type { CaseJudgementRecord, CaseKey, StoreReads } from '../../store/port';
import { toCaseMilestone } from '../ingest/cases';
import { siteIn, type ClockServiceDeps } from './context';

export interface WatchedCase {
  key: CaseKey;
  type: EventTypeDefinition;
  state: CaseState;
  /** Its site as stored now (sitesChanged reads it again): the settings its end would be judged by. */
  site: ClockSite;
  /**
   * The standard versions in force when the case started (the ones its finished event is judged by): judgingAt's
   * shared list, so that cases started in one span of versions share its objects (and clockLabel's memo of each).
   */
  standards: readonly ClockStandard[];
  /** Standards whose breach was pushed (each once). */
  breached: Set<string>;
  /** Verdicts recorded on the case while open, by standard. */
  recorded: Map<string, ClockJudgement>;
  /** The standings last pushed, to push only changes. */
  pushed: string;
  /**
   * From the look at `quietFrom` until just before `quietUntil` (the next instant one of its clocks turns at-risk or
   * breaches, or it expires) nothing a look finds on this case can change: its standings, breaches and expiry only
   * move at those instants, or when the case itself changes (a new WatchedCase) or a verdict is recorded on it
   * (quietUntil reset). A look skips it meanwhile: with a thousand calls ringing, most looks change a few.
   */
  quietFrom: number;
  quietUntil: number;
}

/**
 * The case its milestones make up. `sites`: the sites looked up so far in this pass; `judgements`: the case's
 * judgements as the write that changed it knew them, else read. With known judgements, a verdict kept in `before`
 * stays too: case judgements are never taken back, and one this node claimed may be newer than that write.
 */
export async function watch(
  deps: ClockServiceDeps,
  milestones: readonly StoredMilestone[],
  before: WatchedCase | undefined,
  sites = new Map<string, Promise<ClockSite>>(),
  judgements?: readonly CaseJudgementRecord[],
  siteReads: StoreReads['sites'] = deps.store.reads.sites,
): Promise<WatchedCase | undefined> {
  const first = milestones[0];
  const type = first && deps.ingest.registry().get(first.type);
  if (!first || !type) return undefined;
  const key = { type: first.type, site: first.site, caseId: first.caseId };
  const state = caseState(type, milestones.map(toCaseMilestone));
  const site = siteIn(deps, sites, first.site, siteReads);
  const standards = deps.standards.judgingAt(state.start?.atMs ?? Date.parse(first.at));
  const recorded = new Map(judgements ? before?.recorded : undefined);
  for (const r of judgements ?? (await deps.store.reads.cases.judgements(key))) recorded.set(r.judgement.standardId, r.judgement);
  return { key, type, state, site: await site, standards, recorded, breached: before?.breached ?? new Set(), pushed: before?.pushed ?? '', quietFrom: Infinity, quietUntil: -Infinity };
}

/** The earliest instant after `now` at which one of the case's clocks turns at-risk or breaches, or it expires. */
export function nextChangeOf(c: WatchedCase, now: number): number {
  let next = Infinity;
  const expiry = expiresAtMs(c.type, c.state);
  if (expiry !== null && expiry > now) next = expiry;
  for (const s of standardsForCase(c.state, c.standards)) {
    const status = clockStatus(c.state, s, c.site, now);
    if (status?.atRiskMs != null && status.atRiskMs > now) next = Math.min(next, status.atRiskMs);
    if (status?.breachMs != null && status.breachMs > now) next = Math.min(next, status.breachMs);
  }
  return next;
}

/** What a push compares: each standard's state (elapsed time alone is not a change). */
export function standingsText(clock: OpenClock | null): string {
  return clock ? JSON.stringify(clock.standards.map((s) => [s.standardId, s.state, s.deadline, s.judged ?? null])) : '';
}
