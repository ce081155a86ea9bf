// Sites as data: zone, ring cadence, business hours, holidays. A site seen for the first time gets defaults; a
// definition (file or API) becomes a complete, explicit configuration.
import type { BusinessHours, Site, SiteDefinition, SitePatch } from '../protocol';
import { RING_CYCLE_PRESETS, WEEKDAYS } from '../protocol';
import { DEFAULT_RING_CYCLE_SECONDS } from './cadence';
import { mergePatch } from './mergePatch';

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

/**
 * The definition `site` becomes with `patch` merged in (JSON merge patch, RFC 7396, domain/mergePatch.ts): a setting
 * the patch names replaces the site's, null leaves it out (its default, as resolveSite gives it), one it does not name
 * is kept. `country` sets the ring cycle unless the patch names ringCycleSeconds too (as in a definition). `hours`
 * merges per weekday, a site open around the clock counting as open all day every day, so naming one day changes that
 * day only.
 */
export function patchSite(site: Site, patch: SitePatch): SiteDefinition {
  const { autoCreated: _a, ...settings } = site;
  const cycleByCountry = patch.country !== undefined && patch.ringCycleSeconds === undefined;
  const base = { ...settings, ringCycleSeconds: cycleByCountry ? undefined : site.ringCycleSeconds, hours: patch.hours ? (site.hours ?? ALL_DAY) : site.hours };
  const def = mergePatch(base, patch) as SiteDefinition;
  return def.hours ? { ...def, hours: inWeekOrder(def.hours) } : def;
}

/** Open all day, every day: what a site open around the clock (hours null) is, weekday by weekday. */
const ALL_DAY: BusinessHours = Object.fromEntries(WEEKDAYS.map((day) => [day, ['00:00-24:00']]));

/** The same hours, weekdays in the order a definition's are (a stored site compares as its JSON). */
const inWeekOrder = (hours: BusinessHours): BusinessHours => Object.fromEntries(WEEKDAYS.flatMap((d) => (hours[d] ? [[d, hours[d]]] : [])));
