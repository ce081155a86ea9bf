// Incidents as every client view reads them: the server's open incidents (one per standard and site), in one order
// and counted one way, so the extension's Alerts view, its badge, the status bar, the notifications and the
// dashboard's banner say the same numbers. The server decides what an incident is; this only orders and counts.
import type { Incident, IncidentSeverity, IncidentUpdate } from '../incidents';
import { namedSiteLabel } from './labels';
import { compareText } from './textOrder';

/** What an incident asks of a person: red (act now) or amber (look soon). */
export type IncidentLevel = IncidentSeverity;

export const LEVEL_RANK: Readonly<Record<IncidentLevel, number>> = { amber: 1, red: 2 };

/** Incidents are per standard and site: the key a site × standard item of a client view finds its incident by. */
export function incidentKey(standardId: string, site: string | null): string {
  return `${standardId}|${site ?? '*'}`;
}

export function keyOf(incident: Pick<Incident, 'standardId' | 'site'>): string {
  return incidentKey(incident.standardId, incident.site);
}

export function isAcknowledged(incident: Pick<Incident, 'acknowledgedAt'>): boolean {
  return incident.acknowledgedAt !== null;
}

/**
 * Red before amber, unacknowledged before acknowledged, oldest first; incidents opened at the same moment (one
 * evaluation opens many) by site name, then standard, in the order every list names them (compareText: "Site 2"
 * before "Site 10"), and only then by id, so the Alerts view and the dashboard's banner never list by id.
 */
export function worstFirst(a: Incident, b: Incident): number {
  return (
    LEVEL_RANK[b.severity] - LEVEL_RANK[a.severity] ||
    Number(isAcknowledged(a)) - Number(isAcknowledged(b)) ||
    Date.parse(a.openedAt) - Date.parse(b.openedAt) ||
    compareText(namedSiteLabel(a.site, a.siteName), namedSiteLabel(b.site, b.siteName)) ||
    compareText(a.standardLabel, b.standardLabel) ||
    a.id - b.id
  );
}

/** The open ones among `incidents`, worst first. */
export function openIncidentsOf(incidents: Iterable<Incident>): Incident[] {
  return [...incidents].filter((i) => i.state === 'open').sort(worstFirst);
}

/**
 * Open incidents by id after an update: the incident replaces its previous state (a newer change wins; an older
 * one arriving late, as in a replay overlapping the live feed, is ignored), and leaves when it recovers.
 */
export function applyIncidentUpdate(open: ReadonlyMap<number, Incident>, update: Pick<IncidentUpdate, 'incident'>): Map<number, Incident> {
  const next = new Map(open);
  const { incident } = update;
  const known = next.get(incident.id);
  if (known && known.lastChangeSeq > incident.lastChangeSeq) return next;
  if (incident.state === 'open') next.set(incident.id, incident);
  else next.delete(incident.id);
  return next;
}

export interface IncidentCounts {
  /** Open incidents, acknowledged or not. */
  open: number;
  red: number;
  amber: number;
  /** Open incidents nobody has acknowledged (at their current severity). */
  unacknowledged: number;
  /** Red ones among those: what the Alerts view's badge counts. */
  unacknowledgedRed: number;
}

export function countIncidents(incidents: Iterable<Incident>): IncidentCounts {
  const counts: IncidentCounts = { open: 0, red: 0, amber: 0, unacknowledged: 0, unacknowledgedRed: 0 };
  for (const incident of incidents) {
    if (incident.state !== 'open') continue;
    counts.open += 1;
    counts[incident.severity] += 1;
    if (!isAcknowledged(incident)) {
      counts.unacknowledged += 1;
      if (incident.severity === 'red') counts.unacknowledgedRed += 1;
    }
  }
  return counts;
}

/** "2 red · 1 amber", "1 amber", or "" when nothing is open: the same words in every view. */
export function countsPhrase(counts: Pick<IncidentCounts, 'red' | 'amber'>): string {
  return [counts.red > 0 ? `${counts.red} red` : '', counts.amber > 0 ? `${counts.amber} amber` : ''].filter(Boolean).join(' · ');
}

/** Where a figure is: its site, or "All sites". */
export function siteName(site: string | null): string {
  return site ?? 'All sites';
}
