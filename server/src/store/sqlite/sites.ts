// Sites as stored: configuration rows (a retired site's row stays, marked), and their history (siteHistory.ts).
import type { BusinessHours, Site } from '../../protocol';
import type { SiteRecord, SitesReads } from '../port';
import type { Statements } from './database';
import { recordSiteChange, SITE_HISTORY, toSiteChange, type SiteChangeRow } from './siteHistory';
import { storableText } from './text';

interface SiteRow {
  name: string;
  time_zone: string;
  ring_cycle_seconds: number;
  created_at_ms: number;
  display_name: string | null;
  hours: string | null;
  holidays: string;
  auto_created: 0 | 1;
  retired: 0 | 1;
}

const toSite = (row: SiteRow): Site => ({
  id: row.name,
  name: row.display_name ?? row.name,
  timeZone: row.time_zone,
  ringCycleSeconds: row.ring_cycle_seconds,
  hours: row.hours ? (JSON.parse(row.hours) as BusinessHours) : null,
  holidays: JSON.parse(row.holidays) as string[],
  autoCreated: row.auto_created === 1,
});

export function sitesReads(s: Statements): SitesReads {
  const get = (id: string): SiteRecord | undefined => {
    const row = s.get('SELECT * FROM sites WHERE name = ?').get(storableText(id)) as SiteRow | undefined;
    return row ? { ...toSite(row), retired: row.retired === 1 } : undefined;
  };
  return {
    get: async (id) => get(id),
    async getMany(ids) {
      const found = new Map<string, SiteRecord>();
      // SQLite answers in process: a lookup per site costs no round trip.
      for (const id of new Set(ids)) {
        const site = get(id);
        if (site) found.set(id, site);
      }
      return found;
    },
    list: async () => (s.get('SELECT * FROM sites WHERE retired = 0 ORDER BY name').all() as SiteRow[]).map(toSite),
    ids: async () => (s.get('SELECT name FROM sites ORDER BY name').all() as Array<{ name: string }>).map((row) => row.name),
    history: async (id) => (s.get(SITE_HISTORY).all(storableText(id)) as SiteChangeRow[]).map(toSiteChange),
  };
}

/** Creates or replaces a site's configuration (un-retiring it) and records the change. */
export function writeSite(s: Statements, site: Site, change: 'created' | 'updated', atMs: number): void {
  const p = { id: storableText(site.id), name: storableText(site.name), timeZone: site.timeZone, ringCycleSeconds: site.ringCycleSeconds, hours: site.hours ? JSON.stringify(site.hours) : null, holidays: JSON.stringify(site.holidays), now: atMs };
  s.get(`INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms, display_name, hours, holidays, auto_created, retired)
    VALUES (@id, @timeZone, @ringCycleSeconds, @now, @name, @hours, @holidays, 0, 0)
    ON CONFLICT (name) DO UPDATE SET time_zone = excluded.time_zone, ring_cycle_seconds = excluded.ring_cycle_seconds, display_name = excluded.display_name,
      hours = excluded.hours, holidays = excluded.holidays, auto_created = 0, retired = 0`).run(p);
  recordSiteChange(s.db, p.id, change, atMs);
}

export function retireSite(s: Statements, id: string, atMs: number): void {
  s.get('UPDATE sites SET retired = 1 WHERE name = ?').run(storableText(id));
  recordSiteChange(s.db, storableText(id), 'retired', atMs);
}
