// The standards present on a fresh install, and how a definition
// (file or API) becomes a complete, explicit Standard version.
import type { Band, Bands, Standard, StandardDefinition } from '../protocol';
import { DEFAULT_SHORT_ABANDON_SECONDS } from '../protocol';

/** Wallboard bands when a standard does not say: green ≥ target, amber below, red below target − 5 points. */
export function defaultBands(target: number): Bands {
  return { green: target, amber: Math.max(0, round6(target - 0.05)) };
}

export const DEFAULT_WINDOWS: NonNullable<Standard['windows']> = ['15m', '1h', 'today'];

/**
 * Formula F3 (A≤T / (A + Ab)): every abandoned call and every visitor who left is a miss. The rule of the
 * built-in figures before standards were data, so figures recorded then read the same (README "Formulas").
 */
export const DEFAULT_STANDARDS: readonly Standard[] = [
  {
    id: 'call-answer-2-rings',
    version: 1,
    name: 'Calls answered within 2 rings',
    eventType: 'call',
    measure: 'rings',
    operator: '<=',
    threshold: 2,
    target: 0.9,
    formula: 'F3',
    shortAbandonSeconds: null,
    scope: {},
    bands: defaultBands(0.9),
    windows: DEFAULT_WINDOWS,
    countOutsideHours: false,
    validFrom: null,
    retired: false,
  },
  {
    id: 'visit-greet-30s',
    version: 1,
    name: 'Visitors greeted within 30 seconds',
    eventType: 'visit',
    measure: 'greetSeconds',
    operator: '<=',
    threshold: 30,
    target: 0.9,
    formula: 'F3',
    shortAbandonSeconds: null,
    scope: {},
    bands: defaultBands(0.9),
    windows: DEFAULT_WINDOWS,
    countOutsideHours: false,
    validFrom: null,
    retired: false,
  },
];

/** A definition with every default made explicit (what is stored and judged with). */
export function completeDefinition(d: StandardDefinition): Omit<Standard, 'version' | 'validFrom' | 'retired'> {
  return {
    id: d.id,
    name: d.name,
    eventType: d.eventType,
    measure: d.measure,
    operator: d.operator,
    threshold: d.threshold,
    target: d.target,
    formula: d.formula,
    shortAbandonSeconds: d.shortAbandonSeconds ?? (d.formula === 'F5' ? DEFAULT_SHORT_ABANDON_SECONDS : null),
    scope: { ...(d.scope?.sites ? { sites: [...d.scope.sites] } : {}), ...(d.scope?.queues ? { queues: [...d.scope.queues] } : {}) },
    bands: d.bands ?? defaultBands(d.target),
    windows: d.windows ?? DEFAULT_WINDOWS,
    countOutsideHours: d.countOutsideHours,
  };
}

/** The fields that define how events are judged and reported (a change to any of them is a new version). */
export function definitionKey(s: Omit<Standard, 'version' | 'validFrom'>): string {
  const { id, name, eventType, measure, operator, threshold, target, formula, shortAbandonSeconds, scope, bands, windows, countOutsideHours, retired } = s as Standard;
  return JSON.stringify({ id, name, eventType, measure, operator, threshold, target, formula, shortAbandonSeconds: shortAbandonSeconds ?? null, scope: scope ?? {}, bands: bands ?? null, windows: windows ?? null, countOutsideHours: countOutsideHours ?? false, retired: retired ?? false });
}

export function bandOf(ratio: number | null, bands: Bands | undefined, target: number): Band | null {
  if (ratio === null) return null;
  const b = bands ?? defaultBands(target);
  return ratio >= b.green ? 'green' : ratio >= b.amber ? 'amber' : 'red';
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
