// Business hours and holidays of a site, in the site's own time zone.
import type { BusinessHours, Site } from '../protocol';
import { WEEKDAYS } from '../protocol';
import { localParts } from './zonedTime';

/** Whether the site is open at `ms`. No hours configured = open around the clock (holidays still close). */
export function isOpen(site: Pick<Site, 'timeZone' | 'hours' | 'holidays'>, ms: number): boolean {
  if (!site.hours && site.holidays.length === 0) return true;
  const local = localParts(ms, site.timeZone);
  if (site.holidays.includes(local.date)) return false;
  if (!site.hours) return true;
  return openAt(site.hours, local.weekday, local.time);
}

/** `time` is HH:MM:SS local; intervals are [start, end), end "24:00" = midnight. */
function openAt(hours: BusinessHours, weekday: number, time: string): boolean {
  const intervals = hours[WEEKDAYS[weekday]!] ?? [];
  const t = time.slice(0, 8);
  return intervals.some((iv) => {
    const [start, end] = iv.split('-') as [string, string];
    return t >= `${start}:00` && t < `${end}:00`;
  });
}
