// A sites row as the site's settings: what the site reads answer, what a site history record of it holds
// (writes.ts recordSiteChange), and what verification compares with that record (snapshot.ts).
import type { Site } from '../../protocol';

type Row = Record<string, unknown>;

export const toSite = (row: Row): Site => ({
  id: row.name as string,
  name: (row.display_name as string | null) ?? (row.name as string),
  timeZone: row.time_zone as string,
  ringCycleSeconds: row.ring_cycle_seconds as number,
  hours: row.hours ? (JSON.parse(row.hours as string) as Site['hours']) : null,
  holidays: JSON.parse(row.holidays as string) as string[],
  autoCreated: row.auto_created === 1,
});
