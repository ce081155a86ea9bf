// The standards present on a fresh install, and how a definition
// (file or API) becomes a complete, explicit Standard version.
import type { Standard, StandardDefinition } from '../protocol';
import { DEFAULT_SHORT_ABANDON_SECONDS, defaultBands } from '../protocol';

// The band rule is the protocol's (protocol/pure/bands.ts), shared with the dashboard and the extension.
export { bandOf, defaultBands } from '../protocol';

export const DEFAULT_WINDOWS: NonNullable<Standard['windows']> = ['15m', '1h', 'today'];

/**
 * Formula F3 (A≤T / (A + Ab)): every abandoned call and every visitor who left is a miss. The rule of the
 * built-in figures before standards were data, so figures recorded then read the same (docs/standards.md, "Formulas").
 */
export const DEFAULT_STANDARDS: readonly Standard[] = [
  builtInStandard({ id: 'call-answer-2-rings', name: 'Calls answered within 2 rings', eventType: 'call', measure: 'rings', threshold: 2 }),
  builtInStandard({ id: 'visit-greet-30s', name: 'Visitors greeted within 30 seconds', eventType: 'visit', measure: 'greetSeconds', threshold: 30 }),
];

/** A built-in standard: "at most `threshold`", 90 % target, formula F3, everywhere, in force from the beginning. */
function builtInStandard({ id, name, eventType, measure, threshold }: Pick<Standard, 'id' | 'name' | 'eventType' | 'measure' | 'threshold'>): Standard {
  // Keys in the order stored definitions have always had.
  return {
    id,
    version: 1,
    name,
    eventType,
    measure,
    operator: '<=',
    threshold,
    target: 0.9,
    formula: 'F3',
    shortAbandonSeconds: null,
    scope: {},
    bands: defaultBands(0.9),
    windows: DEFAULT_WINDOWS,
    countOutsideHours: false,
    validFrom: null,
    retired: false,
  };
}

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
    scope: { ...(d.scope?.sites ? { sites: eachSiteOnce(d.scope.sites) } : {}), ...(d.scope?.queues ? { queues: [...d.scope.queues] } : {}) },
    bands: d.bands ?? defaultBands(d.target),
    windows: d.windows ?? DEFAULT_WINDOWS,
    countOutsideHours: d.countOutsideHours,
    // Only said when it is not the default, so definitions from before business time stay equal to themselves.
    ...(d.clock === 'business' ? { clock: 'business' as const } : {}),
  };
}

/**
 * A scope's sites each once, in the order first named: a site listed again limits nothing more, so it is merged, as a
 * key's repeated sites are (services/keys.ts).
 */
function eachSiteOnce(sites: readonly string[]): string[] {
  return [...new Set(sites)];
}

/**
 * The fields that define how events are judged and reported (a change to any of them is a new version). A scope
 * stored with a site twice (before repeats were merged) is the same scope with it once: merging is no change.
 */
export function definitionKey(s: Omit<Standard, 'version' | 'validFrom'>): string {
  const { id, name, eventType, measure, operator, threshold, target, formula, shortAbandonSeconds, scope, bands, windows, countOutsideHours, retired, clock } = s as Standard;
  const sameScope = scope?.sites ? { ...scope, sites: eachSiteOnce(scope.sites) } : (scope ?? {});
  return JSON.stringify({ id, name, eventType, measure, operator, threshold, target, formula, shortAbandonSeconds: shortAbandonSeconds ?? null, scope: sameScope, bands: bands ?? null, windows: windows ?? null, countOutsideHours: countOutsideHours ?? false, retired: retired ?? false, clock: clock ?? 'wall' });
}
