// Pure evaluation: standards + windowed counts + the active alerts → conditions for the state machine.
import type { AlertSeverity, AlertState, AlertWindow, Standard } from '../../protocol';
import { bandDecision, bandsOf, type BandSeverity } from './bands';
import { burnDecision, burnRate, ruleStatus, type BurnSeverity } from './burnRate';
import { NO_COUNTS, ratio, sumCounts, type ScopedCounts, type WindowCounts } from './counts';
import { alertKey, type ActiveAlert, type Condition } from './machine';
import type { AlertPolicy, NamedWindow } from './policy';

export interface EvaluationInput {
  standards: readonly Standard[];
  policy: AlertPolicy;
  /** The windows `scoped` counts are aligned with (policyWindows(policy)). */
  windows: readonly NamedWindow[];
  scoped: readonly ScopedCounts[];
  active: ReadonlyMap<string, ActiveAlert>;
}

export function evaluateConditions(input: EvaluationInput): Condition[] {
  const { policy, windows, active } = input;
  const conditions: Condition[] = [];
  for (const standard of input.standards) {
    const rows = input.scoped.filter((r) => r.standardId === standard.id);
    const scopes = new Map<string | null, WindowCounts[]>();
    scopes.set(null, windows.map((_, i) => rows.reduce((acc, r) => sumCounts(acc, r.counts[i] ?? NO_COUNTS), NO_COUNTS)));
    if (policy.perSite) {
      for (const r of rows) scopes.set(r.site, r.counts);
      // A site with an active alert but no traffic left in any window still gets a condition (it holds).
      for (const a of active.values()) if (a.standardId === standard.id && a.site !== null && !scopes.has(a.site)) scopes.set(a.site, windows.map(() => NO_COUNTS));
    }
    for (const [site, counts] of scopes) {
      const at = (win: NamedWindow): WindowCounts => counts[windows.findIndex((x) => x.durationMs === win.durationMs)] ?? NO_COUNTS;
      conditions.push(bandCondition(standard, site, at, input));
      conditions.push(burnCondition(standard, site, at, input));
    }
  }
  // A standard no longer in force (retired) cannot recover by itself: close what it left firing.
  const inForce = new Set(input.standards.map((s) => s.id));
  for (const a of active.values()) {
    if (inForce.has(a.standardId)) continue;
    conditions.push({
      key: a.key,
      kind: a.kind,
      standardId: a.standardId,
      standardVersion: a.standardVersion,
      site: a.site,
      target: a.target,
      decision: null,
      windows: () => [],
      message: (severity) => `${a.standardId} (${a.site ?? 'all sites'}): ${severity} closed — the standard is no longer in force`,
    });
  }
  return conditions;
}

function bandCondition(standard: Standard, site: string | null, at: (w: NamedWindow) => WindowCounts, input: EvaluationInput): Condition {
  const key = alertKey('band', standard.id, site);
  const bands = bandsOf(standard);
  const win = input.policy.bandWindow;
  const counts = at(win);
  const current = input.active.get(key)?.severity as BandSeverity | undefined;
  const measured: AlertWindow = { name: win.name, durationMs: win.durationMs, counted: counts.counted, met: counts.met, compliance: ratio(counts) };
  return {
    ...common(standard, site, key, 'band'),
    decision: bandDecision(counts, bands, input.policy, current ?? null),
    windows: () => [measured],
    message: (severity, state) => {
      const figure = `${pct(measured.compliance)} over ${win.name} (${counts.met}/${counts.counted} met), target ${pct(standard.target)}`;
      return state === 'firing'
        ? `${title(standard, site)}: ${severity} — ${figure}, ${severity === 'red' ? `red below ${pct(bands.redBelow)}` : `amber below ${pct(bands.amberBelow)}`}`
        : `${title(standard, site)}: recovered from ${severity} — ${figure}`;
    },
  };
}

function burnCondition(standard: Standard, site: string | null, at: (w: NamedWindow) => WindowCounts, input: EvaluationInput): Condition {
  const key = alertKey('burn-rate', standard.id, site);
  const rules = input.policy.burnRules;
  const statuses = rules.map((rule) => ({ rule, status: ruleStatus(rule, at(rule.long), at(rule.short), standard.target, input.policy) }));
  const current = input.active.get(key)?.severity as BurnSeverity | undefined;
  const measure = (w: NamedWindow, threshold: number): AlertWindow => {
    const c = at(w);
    return { name: w.name, durationMs: w.durationMs, counted: c.counted, met: c.met, compliance: ratio(c), burnRate: burnRate(c, standard.target), threshold };
  };
  const windows = (severity: AlertSeverity) => rules.filter((r) => r.severity === severity).flatMap((r) => [measure(r.long, r.factor), measure(r.short, r.factor)]);
  return {
    ...common(standard, site, key, 'burn-rate'),
    decision: burnDecision(statuses, current ?? null),
    windows,
    message: (severity, state: AlertState) => {
      const pairs = rules
        .filter((r) => r.severity === severity)
        .map((r) => `${times(burnRate(at(r.long), standard.target))} over ${r.long.name} & ${times(burnRate(at(r.short), standard.target))} over ${r.short.name} (fires above ${r.factor}×)`)
        .join('; ');
      return state === 'firing'
        ? `${title(standard, site)}: ${severity} — error budget (${pct(1 - standard.target)}) burning ${pairs}`
        : `${title(standard, site)}: burn rate recovered from ${severity} — ${pairs}`;
    },
  };
}

function common(standard: Standard, site: string | null, key: string, kind: 'band' | 'burn-rate') {
  return { key, kind, standardId: standard.id, standardVersion: standard.version, site, target: standard.target };
}

function title(standard: Standard, site: string | null): string {
  return `${standard.name} (${site ?? 'all sites'})`;
}

function pct(r: number | null): string {
  return r === null ? 'n/a' : `${(Math.round(r * 1000) / 10).toFixed(1)} %`;
}

function times(b: number | null | undefined): string {
  return b === null || b === undefined ? 'n/a' : `${(Math.round(b * 10) / 10).toFixed(1)}×`;
}
