// Sites as data: zone, ring cadence, business hours, holidays. A site seen for the first time gets defaults; a
// definition (file or API) becomes a complete, explicit configuration.
import type { BusinessHours, Site, SiteDefinition, SitePatch, Weekday } from '../protocol';
import { RING_CYCLE_PRESETS, WEEKDAYS } from '../protocol';
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

/** One setting merged: not given, the current one; null, none (its default); else the one given. */
const merged = <T>(given: T | null | undefined, current: T): T | undefined => (given === undefined ? current : (given ?? undefined));

/**
 * The definition `site` becomes with `patch` merged in (JSON merge patch, RFC 7396): a setting the patch names
 * replaces the site's, null leaves it out (its default, as resolveSite gives it), one it does not name is kept.
 * `country` sets the ring cycle unless the patch names ringCycleSeconds too (as in a definition). `hours` merges per
 * weekday, a site open around the clock counting as open all day every day, so naming one day changes that day only.
 */
export function patchSite(site: Site, patch: SitePatch): SiteDefinition {
  const cycleByCountry = patch.country !== undefined && patch.ringCycleSeconds === undefined;
  return {
    id: site.id,
    name: merged(patch.name, site.name),
    timeZone: merged(patch.timeZone, site.timeZone),
    country: patch.country,
    ringCycleSeconds: cycleByCountry ? undefined : merged(patch.ringCycleSeconds, site.ringCycleSeconds),
    hours: patch.hours ? patchHours(site.hours, patch.hours) : merged(patch.hours, site.hours),
    holidays: merged(patch.holidays, site.holidays),
  };
}

/** Open all day, every day: what a site open around the clock (hours null) is, weekday by weekday. */
const ALL_DAY: BusinessHours = Object.fromEntries(WEEKDAYS.map((day) => [day, ['00:00-24:00']]));

function patchHours(hours: BusinessHours | null, patch: NonNullable<SitePatch['hours']>): BusinessHours {
  const base = hours ?? ALL_DAY;
  const day = (d: Weekday) => (patch[d] === undefined ? base[d] : patch[d]);
  return Object.fromEntries(WEEKDAYS.flatMap((d) => (day(d) ? [[d, day(d)]] : [])));
}
