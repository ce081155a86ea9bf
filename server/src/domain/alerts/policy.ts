// What incidents open on: the band window, the minimum sample, hysteresis, the burn-rate window pairs and the hold
// times. Pure data; docs/alerts.md explains each choice.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export interface NamedWindow {
  /** "1h", "5m", … as shown in messages and the API. */
  name: string;
  durationMs: number;
}

export interface BurnRule {
  /** page: a fast burn (red incident); ticket: a slow one (amber). */
  severity: 'page' | 'ticket';
  /** Both windows must burn the error budget at least this fast. */
  factor: number;
  long: NamedWindow;
  short: NamedWindow;
}

export interface AlertPolicy {
  /** Rolling window the band (green/amber/red) is judged over. */
  bandWindow: NamedWindow;
  /** Counted events the band window needs before a band is judged (below it the state holds). */
  minSample: number;
  /** Points (0..1) compliance must clear a band boundary by before the state improves. */
  hysteresis: number;
  /** Counted events the long window of a burn-rate pair needs (the short one needs ≥ 1). */
  burnMinSample: number;
  /** Multi-window burn-rate rules (Google SRE workbook, ch. 5, "Alerting on SLOs"). */
  burnRules: readonly BurnRule[];
  /** How long a wanted severity must persist before an incident opens at it. */
  openAfterMs: number;
  /** How long a worse severity must persist before an open incident escalates to it. */
  escalateAfterMs: number;
  /** How long a milder (not clear) severity must persist before an open incident de-escalates to it. */
  deescalateAfterMs: number;
  /** How long every condition must stay clear before an open incident recovers. */
  recoverAfterMs: number;
}

const w = (name: string, durationMs: number): NamedWindow => ({ name, durationMs });

export const BURN_RULES: readonly BurnRule[] = [
  { severity: 'page', factor: 14.4, long: w('1h', HOUR_MS), short: w('5m', 5 * MINUTE_MS) },
  { severity: 'page', factor: 6, long: w('6h', 6 * HOUR_MS), short: w('30m', 30 * MINUTE_MS) },
  { severity: 'ticket', factor: 3, long: w('1d', DAY_MS), short: w('2h', 2 * HOUR_MS) },
  { severity: 'ticket', factor: 1, long: w('3d', 3 * DAY_MS), short: w('6h', 6 * HOUR_MS) },
];

export const DEFAULT_POLICY: AlertPolicy = {
  bandWindow: w('1h', HOUR_MS),
  minSample: 10,
  hysteresis: 0.01,
  burnMinSample: 10,
  burnRules: BURN_RULES,
  openAfterMs: 2 * MINUTE_MS,
  escalateAfterMs: 0,
  deescalateAfterMs: 5 * MINUTE_MS,
  recoverAfterMs: 5 * MINUTE_MS,
};

/** Every distinct window the policy measures, shortest first (one query computes them all). */
export function policyWindows(policy: AlertPolicy): NamedWindow[] {
  const all = [policy.bandWindow, ...policy.burnRules.flatMap((r) => [r.long, r.short])];
  const byDuration = new Map<number, NamedWindow>();
  for (const win of all) if (!byDuration.has(win.durationMs)) byDuration.set(win.durationMs, win);
  return [...byDuration.values()].sort((a, b) => a.durationMs - b.durationMs);
}

/** Comparisons against boundaries tolerate float noise: 0.9 − 0.05 is 0.8500000000000001. */
export const EPSILON = 1e-9;
