// Erlang C (the M/M/N queue): how many people an interval needs so that a share of arrivals is served
// within a threshold. Pure arithmetic; docs/staffing.md explains the model, its assumptions and its limits.

/** One interval's staffing question. Times in seconds; rates per hour. */
export interface StaffingQuestion {
  /** λ, arrivals per hour (≥ 0): every arrival that waits for someone, answered or not. */
  arrivalsPerHour: number;
  /** h, mean time one person spends serving one arrival (> 0). */
  handleSeconds: number;
  /** T, the standard's wait threshold (≥ 0): service level is P(wait ≤ T). */
  thresholdSeconds: number;
  /** p, the share of arrivals that must wait at most T, strictly between 0 and 1. */
  target: number;
  /** o, the highest acceptable occupancy A/N, in (0, 1]; none when absent. */
  maxOccupancy?: number;
}

/** What N people give for one interval. */
export interface StaffingFigures {
  agents: number;
  /** False when agents ≤ offered load: the queue then grows without bound and has no steady state. */
  stable: boolean;
  /** P(wait ≤ T) = 1 − C·e^(−(N−A)·T/h); 0 when unstable. */
  serviceLevel: number;
  /** C(N, A), the share of arrivals that find everyone busy and wait at all; 1 when unstable. */
  probabilityWait: number;
  /** Mean wait over all arrivals, C·h/(N−A) seconds; null when unstable (no finite mean). */
  averageSpeedOfAnswer: number | null;
  /** Share of time each person is busy serving, A/N; 1 when unstable (everyone busy all the time). */
  occupancy: number;
}

export interface StaffingAnswer {
  /** A = λ·h/3600, in Erlangs: how many people the work would keep busy if it arrived evenly. */
  offeredLoad: number;
  /** The least N meeting the target (and maxOccupancy when given). */
  agents: number;
  /** Least N with a stable queue: the least whole number above A (0 when nobody arrives). */
  minimumStableAgents: number;
  /** True when one person fewer than `agents` would leave the queue unstable. */
  unstableWithFewer: boolean;
  /** Which requirement set `agents`: the service level, the occupancy cap, or no arrivals at all. */
  limitedBy: 'serviceLevel' | 'occupancy' | 'noArrivals';
  at: StaffingFigures;
  /** N − 1; null when N − 1 < 1 (no one on duty is not an option worth showing). */
  fewer: StaffingFigures | null;
  more: StaffingFigures;
}

/** Answers from here up are refused: not a staffing question any more (and N + 1 is reported too). */
export const MAX_AGENTS = 1_000_000;

/** A bad input, naming the field so a caller can say which one (HTTP 400 with the field). */
export class StaffingInputError extends RangeError {
  constructor(
    readonly field: string,
    /** What is wrong, without the field's name ("must be a number ≥ 0"); the message is "<field> <reason>". */
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
    this.name = 'StaffingInputError';
  }
}

/** A = λ·h / 3600 Erlangs. */
export function offeredLoad(arrivalsPerHour: number, handleSeconds: number): number {
  requireFinite('arrivalsPerHour', arrivalsPerHour, 'must be a number ≥ 0', (v) => v >= 0);
  requireFinite('handleSeconds', handleSeconds, 'must be a number > 0', (v) => v > 0);
  return (arrivalsPerHour * handleSeconds) / 3600;
}

/**
 * C(N, A), the probability that an arrival waits, through the Erlang B recursion
 * B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)), C = N·B / ((N − A) + A·B).
 * Every step stays in [0, 1], so there is no factorial or power to overflow (A in the thousands is fine).
 * N ≤ A: 1 (unstable, everyone waits). A = 0: 0 (nobody arrives, nobody waits).
 */
export function erlangC(agents: number, load: number): number {
  requireAgents(agents);
  requireFinite('offeredLoad', load, 'must be a number ≥ 0', (v) => v >= 0);
  if (load === 0) return 0;
  if (agents <= load) return 1;
  return waitProbability(agents, load, erlangB(agents, load));
}

/** The figures N people give for the question's λ, h and T (target and maxOccupancy are not used). */
export function staffingFigures(agents: number, q: Omit<StaffingQuestion, 'target' | 'maxOccupancy'>): StaffingFigures {
  requireAgents(agents);
  const load = offeredLoad(q.arrivalsPerHour, q.handleSeconds);
  requireFinite('thresholdSeconds', q.thresholdSeconds, 'must be a number ≥ 0', (v) => v >= 0);
  return figuresFrom(agents, load, q.handleSeconds, q.thresholdSeconds, load === 0 || agents <= load ? 0 : erlangB(agents, load));
}

/**
 * The least N whose service level reaches the target (and whose occupancy is at most maxOccupancy),
 * with the figures for N − 1, N and N + 1. No arrivals need nobody: 0 agents.
 * The search starts at the least stable N and steps up, carrying Erlang B along, so it costs O(N).
 */
export function staffFor(q: StaffingQuestion): StaffingAnswer {
  const load = offeredLoad(q.arrivalsPerHour, q.handleSeconds);
  requireFinite('thresholdSeconds', q.thresholdSeconds, 'must be a number ≥ 0', (v) => v >= 0);
  requireFinite('target', q.target, 'must be a number strictly between 0 and 1', (v) => v > 0 && v < 1);
  if (q.maxOccupancy !== undefined) {
    requireFinite('maxOccupancy', q.maxOccupancy, 'must be a number in (0, 1]', (v) => v > 0 && v <= 1);
  }
  const minimumStableAgents = leastStableAgents(load);
  const { agents, limitedBy } = searchAgents(load, q, minimumStableAgents);
  const figures = (n: number) => staffingFigures(n, q);
  return {
    offeredLoad: load,
    agents,
    minimumStableAgents,
    unstableWithFewer: load > 0 && agents - 1 < minimumStableAgents,
    limitedBy,
    at: figures(agents),
    fewer: agents - 1 >= 1 ? figures(agents - 1) : null,
    more: figures(agents + 1),
  };
}

/**
 * The wait threshold for a "within R rings" standard. The ring a call was answered on is
 * floor(s / cycle) + 1, so rings ≤ R ⇔ s < R × cycle (a fractional R counts its whole rings only).
 * Erlang C's P(wait ≤ T) equals P(wait < T) for T > 0 (the wait has no lump anywhere but 0), so
 * T = R × cycle. R < 1 cannot be met by anyone under that rule (the first ring is ring 1).
 */
export function waitThresholdForRings(maxRings: number, cycleSeconds: number): number {
  requireFinite('cycleSeconds', cycleSeconds, 'must be a number > 0', (v) => v > 0);
  requireFinite('maxRings', maxRings, 'must be a number ≥ 1 (every call is answered on ring 1 or later)', (v) => v >= 1);
  return Math.floor(maxRings) * cycleSeconds;
}

function searchAgents(load: number, q: StaffingQuestion, minimumStable: number): Pick<StaffingAnswer, 'agents' | 'limitedBy'> {
  if (load === 0) return { agents: 0, limitedBy: 'noArrivals' };
  const start = q.maxOccupancy === undefined ? minimumStable : Math.max(minimumStable, leastAgentsForOccupancy(load, q.maxOccupancy));
  let n = start;
  let b = erlangB(n, load);
  while (serviceLevelOf(n, load, q.handleSeconds, q.thresholdSeconds, b) < q.target) {
    n += 1;
    if (n >= MAX_AGENTS) throw new StaffingInputError('arrivalsPerHour', `would need ${MAX_AGENTS} agents or more`);
    b = nextErlangB(n, load, b);
  }
  const occupancyDecided = n === start && start > minimumStable && serviceLevelOf(n - 1, load, q.handleSeconds, q.thresholdSeconds, erlangB(n - 1, load)) >= q.target;
  return { agents: n, limitedBy: occupancyDecided ? 'occupancy' : 'serviceLevel' };
}

/** Least whole N with A / N ≤ o, checked with the same division the figures report. */
function leastAgentsForOccupancy(load: number, maxOccupancy: number): number {
  let n = Math.max(1, Math.ceil(load / maxOccupancy));
  // Checked before stepping: at astronomic n, n − 1 === n and the steps below would never end.
  if (n >= MAX_AGENTS) throw new StaffingInputError('maxOccupancy', `would need ${MAX_AGENTS} agents or more`);
  while (load / n > maxOccupancy) n += 1;
  while (n > 1 && load / (n - 1) <= maxOccupancy) n -= 1;
  return n;
}

/** The least whole number strictly above A (floor(A) + 1; for a whole A that is A + 1). */
function leastStableAgents(load: number): number {
  if (load === 0) return 0;
  const n = Math.floor(load) + 1;
  if (n >= MAX_AGENTS) throw new StaffingInputError('arrivalsPerHour', `would need ${MAX_AGENTS} agents or more`);
  return n;
}

function erlangB(agents: number, load: number): number {
  let b = 1;
  for (let k = 1; k <= agents; k += 1) b = nextErlangB(k, load, b);
  return b;
}

function nextErlangB(k: number, load: number, previous: number): number {
  const ab = load * previous;
  return ab / (k + ab);
}

/** (N − A) + A·B rather than N − A·(1 − B): no cancellation when N is just above A. */
function waitProbability(agents: number, load: number, b: number): number {
  return (agents * b) / (agents - load + load * b);
}

function serviceLevelOf(agents: number, load: number, handleSeconds: number, thresholdSeconds: number, b: number): number {
  return 1 - waitProbability(agents, load, b) * Math.exp((-(agents - load) * thresholdSeconds) / handleSeconds);
}

function figuresFrom(agents: number, load: number, handleSeconds: number, thresholdSeconds: number, b: number): StaffingFigures {
  if (load === 0) return { agents, stable: true, serviceLevel: 1, probabilityWait: 0, averageSpeedOfAnswer: 0, occupancy: 0 };
  if (agents <= load) return { agents, stable: false, serviceLevel: 0, probabilityWait: 1, averageSpeedOfAnswer: null, occupancy: 1 };
  const c = waitProbability(agents, load, b);
  return {
    agents,
    stable: true,
    serviceLevel: serviceLevelOf(agents, load, handleSeconds, thresholdSeconds, b),
    probabilityWait: c,
    averageSpeedOfAnswer: (c * handleSeconds) / (agents - load),
    occupancy: load / agents,
  };
}

function requireAgents(agents: number): void {
  if (!Number.isInteger(agents) || agents < 0 || agents > MAX_AGENTS) {
    throw new StaffingInputError('agents', `must be a whole number from 0 to ${MAX_AGENTS}, got ${agents}`);
  }
}

function requireFinite(field: string, value: number, message: string, ok: (v: number) => boolean): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) throw new StaffingInputError(field, `${message}, got ${String(value)}`);
}
