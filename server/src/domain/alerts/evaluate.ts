// Pure evaluation: standards + windowed counts + what each (standard, site) remembers → one observation per
// standard and site: what its band and burn-rate conditions ask for, the severity they want together, and the
// measurements behind it (the incident's SRE detail).
import type { BandDetail, BurnDetail, IncidentSeverity, MeasuredWindow, Standard } from '../../protocol';
import { bandDecision, bandsOf, type BandSeverity } from './bands';
import { burnDecision, burnRate, ruleStatus, type BurnSeverity } from './burnRate';
import { NO_COUNTS, ratio, type ScopedCounts, type WindowCounts } from './counts';
import type { AlertPolicy, BurnRule, NamedWindow } from './policy';
import { coversSite } from '../judge';

/** What a standard at a site remembers between evaluations: its conditions after hysteresis and holds for thin data. */
export interface ConditionMemory {
  band: BandSeverity | null;
  burn: BurnSeverity | null;
}

export const CLEAR: ConditionMemory = { band: null, burn: null };

/** One standard at one site, as one evaluation sees it. */
export interface Observation {
  key: string;
  standard: Standard;
  site: string;
  /** The conditions now ('hold' resolved: too little data keeps what was remembered). */
  memory: ConditionMemory;
  /** The worst of the conditions: what the incident should be (null: nothing wrong). */
  wanted: IncidentSeverity | null;
  band: BandDetail;
  burnRates: BurnDetail[];
}

export interface EvaluationInput {
  standards: readonly Standard[];
  policy: AlertPolicy;
  /** The windows `scoped` counts are aligned with (policyWindows(policy)). */
  windows: readonly NamedWindow[];
  scoped: readonly ScopedCounts[];
  /** What each key remembers (keys without an entry remember nothing: CLEAR). */
  memory: ReadonlyMap<string, ConditionMemory>;
  /** Sites with an open incident: observed even with no traffic left in any window (their conditions hold). */
  openSites: ReadonlyMap<string, readonly string[]>;
}

/** Incidents are per standard and site: sites are where someone acts (the all-sites figure is not alerted on). */
export function incidentKey(standardId: string, site: string): string {
  return `${standardId}|${site}`;
}

const BURN_LEVEL: Readonly<Record<BurnSeverity, IncidentSeverity>> = { page: 'red', ticket: 'amber' };
const RANK: Readonly<Record<IncidentSeverity, number>> = { amber: 1, red: 2 };

function worse(a: IncidentSeverity | null, b: IncidentSeverity | null): IncidentSeverity | null {
  if (a === null) return b;
  if (b === null) return a;
  return RANK[b] > RANK[a] ? b : a;
}

export function severityRank(s: IncidentSeverity | null): number {
  return s === null ? 0 : RANK[s];
}

/** The worse of two severities (an incident's peak). */
export function worseSeverity(a: IncidentSeverity, b: IncidentSeverity): IncidentSeverity {
  return RANK[b] > RANK[a] ? b : a;
}

/** Whether an acknowledgement given at `acknowledged` still covers an incident now at `severity`. */
export function acknowledgementCovers(acknowledged: IncidentSeverity | null, severity: IncidentSeverity): boolean {
  return acknowledged !== null && RANK[acknowledged] >= RANK[severity];
}

export function observe(input: EvaluationInput): Observation[] {
  const observations: Observation[] = [];
  for (const standard of input.standards) {
    const sites = new Map<string, readonly WindowCounts[]>();
    for (const row of input.scoped) if (row.standardId === standard.id) sites.set(row.site, row.counts);
    for (const site of input.openSites.get(standard.id) ?? []) if (!sites.has(site)) sites.set(site, input.windows.map(() => NO_COUNTS));
    for (const [site, counts] of sites) {
      // A site the scope left out judges nothing new: its old judgements in the windows could only hold an incident open.
      if (!coversSite(standard, site)) continue;
      const at = (win: NamedWindow): WindowCounts => counts[input.windows.findIndex((x) => x.durationMs === win.durationMs)] ?? NO_COUNTS;
      observations.push(observeOne(standard, site, at, input));
    }
  }
  return observations;
}

function observeOne(standard: Standard, site: string, at: (w: NamedWindow) => WindowCounts, input: EvaluationInput): Observation {
  const key = incidentKey(standard.id, site);
  const { policy } = input;
  const before = input.memory.get(key) ?? CLEAR;
  const bands = bandsOf(standard);
  const bandCounts = at(policy.bandWindow);
  const bandWant = bandDecision(bandCounts, bands, policy, before.band);
  const statuses = policy.burnRules.map((rule) => ({ rule, status: ruleStatus(rule, at(rule.long), at(rule.short), standard.target, policy) }));
  const burnWant = burnDecision(statuses, before.burn);
  const memory: ConditionMemory = { band: bandWant === 'hold' ? before.band : bandWant, burn: burnWant === 'hold' ? before.burn : burnWant };
  const measured = (w: NamedWindow, withBurn: boolean): MeasuredWindow => {
    const c = at(w);
    return { name: w.name, durationMs: w.durationMs, counted: c.counted, met: c.met, compliance: ratio(c), ...(withBurn ? { burnRate: burnRate(c, standard.target) } : {}), versions: [...(c.versions ?? [])] };
  };
  const burnDetail = ({ rule, status }: { rule: BurnRule; status: BurnDetail['status'] }): BurnDetail => ({
    severity: BURN_LEVEL[rule.severity],
    factor: rule.factor,
    long: measured(rule.long, true),
    short: measured(rule.short, true),
    status,
  });
  return {
    key,
    standard,
    site,
    memory,
    wanted: worse(memory.band, memory.burn === null ? null : BURN_LEVEL[memory.burn]),
    band: { window: measured(policy.bandWindow, false), amberBelow: bands.amberBelow, redBelow: bands.redBelow, severity: memory.band },
    burnRates: statuses.map(burnDetail),
  };
}
