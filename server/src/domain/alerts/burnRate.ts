// Multi-window burn-rate alerts on the error budget (1 − target), Google SRE workbook style.
import { ratio, type WindowCounts } from './counts';
import { EPSILON, type AlertPolicy, type BurnRule } from './policy';

export type BurnSeverity = 'page' | 'ticket';

/** (1 − compliance) / (1 − target): 1 spends the budget exactly over the SLO period. null: nothing counted or no budget. */
export function burnRate(counts: WindowCounts, target: number): number | null {
  const r = ratio(counts);
  const budget = 1 - target;
  if (r === null || budget <= EPSILON) return null;
  return (1 - r) / budget;
}

export type RuleStatus = 'fire' | 'clear' | 'unknown';

/** A rule fires when both windows burn faster than factor; 'unknown' when a window has too little data. */
export function ruleStatus(rule: BurnRule, long: WindowCounts, short: WindowCounts, target: number, policy: Pick<AlertPolicy, 'burnMinSample'>): RuleStatus {
  if (long.counted < Math.max(1, policy.burnMinSample) || short.counted < 1) return 'unknown';
  const l = burnRate(long, target);
  const s = burnRate(short, target);
  if (l === null || s === null) return 'clear';
  // Strictly above, as the workbook's rules (`rate > factor × budget`): burning exactly at 1× is on target.
  return l > rule.factor + EPSILON && s > rule.factor + EPSILON ? 'fire' : 'clear';
}

const RANK = { none: 0, ticket: 1, page: 2 } as const;

/**
 * The burn-rate severity the rules ask for, given the current one. The highest firing rule wins.
 * Going down (page → ticket → clear) only when no rule of a higher severity than the new one lacks
 * data; otherwise 'hold' (no data is not good news). A target of 100 % has no budget: never fires.
 */
export function burnDecision(statuses: ReadonlyArray<{ rule: BurnRule; status: RuleStatus }>, current: BurnSeverity | null): BurnSeverity | null | 'hold' {
  let want: 0 | 1 | 2 = 0;
  for (const { rule, status } of statuses) if (status === 'fire') want = Math.max(want, RANK[rule.severity]) as 0 | 1 | 2;
  const now = current === null ? 0 : RANK[current];
  const desired = want === 2 ? 'page' : want === 1 ? 'ticket' : null;
  if (want >= now) return desired;
  const unsure = statuses.some(({ rule, status }) => status === 'unknown' && RANK[rule.severity] > want);
  return unsure ? 'hold' : desired;
}
