// Sites as data: zone, ring cadence, business hours, holidays. A site seen for the first time gets defaults; a
// definition (file or API) becomes a complete, explicit configuration.
import type { Site, SiteDefinition } from '../protocol';
import { RING_CYCLE_PRESETS } from '../protocol';
import { DEFAULT_RING_CYCLE_SECONDS } from './cadence';

/** A site created on first sight: the server's zone (or the one configured for new sites), the default cadence. */
export const defaultSite = (id: string, timeZone: string): Site => ({ id, name: id, timeZone, ringCycleSeconds: DEFAULT_RING_CYCLE_SECONDS, hours: null, holidays: [], autoCreated: true });

/** A definition with every default made explicit. */
export function resolveSite(def: SiteDefinition, defaultZone: string): Site {
  return {
    id: def.id,
    name: def.name ?? def.id,
    timeZone: def.timeZone ?? defaultZone,
    ringCycleSeconds: def.ringCycleSeconds ?? (def.country ? RING_CYCLE_PRESETS[def.country] : DEFAULT_RING_CYCLE_SECONDS),
    hours: (def.hours ?? null),
    holidays: [...new Set(def.holidays ?? [])].sort(),
    autoCreated: false,
  };
}

/** The same configuration, whoever created it. */
export const sameSite = (a: Site, b: Site): boolean => JSON.stringify({ ...a, autoCreated: false }) === JSON.stringify({ ...b, autoCreated: false });
