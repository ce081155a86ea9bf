// Sites as data: zone, ring cadence, business hours, holidays. Unknown sites are created on first sight
// (in the ingest transaction, by the batch writer) with defaults; every configuration change is kept in
// the append-only site_history table (sqlite/siteHistory.ts), written with the change.
import type Database from 'better-sqlite3';
import type { BusinessHours, Site, SiteDefinition } from '../protocol';
import { RING_CYCLE_PRESETS } from '../protocol';
import { DEFAULT_RING_CYCLE_SECONDS } from '../domain/cadence';
import { storableText } from './text';
import { recordSiteChange } from './sqlite/siteHistory';

export class SiteChangeError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'SiteChangeError';
  }
}

export interface SiteStore {
  /** The site's ring cycle, or undefined for a site not seen yet. */
  ringCycleSeconds(site: string): number | undefined;
  /** A configured (not retired) site. */
  get(id: string): Site | undefined;
  list(): Site[];
  create(def: SiteDefinition): { changed: boolean; site: Site };
  update(id: string, def: SiteDefinition): { changed: boolean; site: Site };
  /** From the standards file: create or update. */
  apply(def: SiteDefinition): { changed: boolean; site: Site };
  /** DELETE: the configuration goes (events stay); the site is unknown again. */
  retire(id: string): Site;
  history(id: string): Array<{ change: string; definition: Site; changedAt: string }>;
  /** Defaults for a site created on first sight. */
  defaults(id: string): Site;
}

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

export function createSiteStore(db: Database.Database, options: { timeZone: string; now: () => number }): SiteStore {
  const byName = db.prepare<[string], SiteRow>('SELECT * FROM sites WHERE name = ?');
  const all = db.prepare<[], SiteRow>('SELECT * FROM sites WHERE retired = 0 ORDER BY name');
  const insert = db.prepare(`INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms, display_name, hours, holidays, auto_created, retired)
    VALUES (@id, @timeZone, @ringCycleSeconds, @now, @name, @hours, @holidays, 0, 0)`);
  const update = db.prepare(`UPDATE sites SET time_zone = @timeZone, ring_cycle_seconds = @ringCycleSeconds, display_name = @name,
    hours = @hours, holidays = @holidays, auto_created = 0, retired = 0 WHERE name = @id`);
  const retire = db.prepare('UPDATE sites SET retired = 1 WHERE name = ?');
  const history = db.prepare<[string], { change: string; definition: string; changed_at_ms: number }>('SELECT * FROM site_history WHERE site = ? ORDER BY seq');

  const defaults = (id: string): Site => ({ id, name: id, timeZone: options.timeZone, ringCycleSeconds: DEFAULT_RING_CYCLE_SECONDS, hours: null, holidays: [], autoCreated: true });
  const resolve = (def: SiteDefinition): Site => ({
    id: def.id,
    name: def.name ?? def.id,
    timeZone: def.timeZone ?? options.timeZone,
    ringCycleSeconds: def.ringCycleSeconds ?? (def.country ? RING_CYCLE_PRESETS[def.country] : DEFAULT_RING_CYCLE_SECONDS),
    hours: (def.hours ?? null) as BusinessHours | null,
    holidays: [...new Set(def.holidays ?? [])].sort(),
    autoCreated: false,
  });
  const params = (s: Site) => ({ id: s.id, name: s.name, timeZone: s.timeZone, ringCycleSeconds: s.ringCycleSeconds, hours: s.hours ? JSON.stringify(s.hours) : null, holidays: JSON.stringify(s.holidays), now: options.now() });
  const same = (a: Site, b: Site) => JSON.stringify({ ...a, autoCreated: false }) === JSON.stringify({ ...b, autoCreated: false });

  function get(id: string): Site | undefined {
    const row = byName.get(storableText(id));
    return row && row.retired === 0 ? toSite(row) : undefined;
  }

  function put(given: SiteDefinition): { changed: boolean; site: Site } {
    const def = { ...given, id: storableText(given.id), name: storableText(given.name) };
    const site = resolve(def);
    const row = byName.get(def.id);
    if (!row) {
      const p = params(site);
      db.transaction(() => {
        insert.run(p);
        recordSiteChange(db, def.id, 'created', p.now);
      })();
      return { changed: true, site: get(def.id)! };
    }
    if (row.retired === 0 && row.auto_created === 0 && same(toSite(row), site)) return { changed: false, site: toSite(row) };
    db.transaction(() => {
      update.run(params(site));
      recordSiteChange(db, def.id, 'updated', options.now());
    })();
    return { changed: true, site: get(def.id)! };
  }

  return {
    ringCycleSeconds: (site) => byName.get(storableText(site))?.ring_cycle_seconds,
    get,
    list: () => all.all().map(toSite),
    create(def) {
      if (get(def.id)) throw new SiteChangeError(409, 'id', `site "${def.id}" already exists; use PUT to change it`);
      return put(def);
    },
    update(id, def) {
      if (!get(id)) throw new SiteChangeError(404, 'id', `unknown site "${id}"`);
      if (storableText(def.id) !== storableText(id)) throw new SiteChangeError(400, 'id', `must match the site in the URL ("${id}")`);
      return put(def);
    },
    apply: put,
    retire(id) {
      const site = get(id);
      if (!site) throw new SiteChangeError(404, 'id', `unknown site "${id}"`);
      db.transaction(() => {
        retire.run(site.id);
        recordSiteChange(db, site.id, 'retired', options.now());
      })();
      return site;
    },
    history: (id) => history.all(storableText(id)).map((h) => ({ change: h.change, definition: JSON.parse(h.definition) as Site, changedAt: new Date(h.changed_at_ms).toISOString() })),
    defaults,
  };
}

function toSite(row: SiteRow): Site {
  return {
    id: row.name,
    name: row.display_name ?? row.name,
    timeZone: row.time_zone,
    ringCycleSeconds: row.ring_cycle_seconds,
    hours: row.hours ? (JSON.parse(row.hours) as BusinessHours) : null,
    holidays: JSON.parse(row.holidays) as string[],
    autoCreated: row.auto_created === 1,
  };
}
