// The worst things right now, site × standard (pure, no `vscode`): what the status bar names and its quick pick
// lists. A site's figure today and its open incident (if any) make one item; the worse of the two decides its rank,
// so a site that is red today or has a red alert comes first, then the furthest below target.
import type { Band, Incident, Standard } from '@ringside/server/protocol';
import { BAND_RANK, compareText, incidentKey, keyOf, LEVEL_RANK, type SiteNames } from '@ringside/server/protocol/pure';
import { margin, siteRowName, type SiteFigures, type StandardFigure } from './siteModel';

export interface WorstItem {
  site: string | null;
  standardId: string;
  /** Short label ("Calls ≤ 2 rings") and full name. */
  label: string;
  standardName: string;
  /** Today's figure at the site, when it counted anything. */
  figure: StandardFigure | null;
  /** The open incident of this site and standard, if any. */
  incident: Incident | null;
  /** 0 green / nothing, 1 amber, 2 red: the worse of today's band and the incident's level. */
  rank: 0 | 1 | 2;
}

const RANK_BAND: Readonly<Record<0 | 1 | 2, Band>> = { 0: 'green', 1: 'amber', 2: 'red' };

export function itemBand(item: WorstItem): Band | null {
  return item.figure?.band == null && item.incident === null ? null : RANK_BAND[item.rank];
}

/**
 * Site-level items, worst first. Sites are what an ops lead acts on; the all-sites figure only stands in when no
 * site has counted anything (or for an all-sites incident). Equal items go by the site's name as shown (`names`),
 * then its id, as the dashboard's Sites panel orders equal bars.
 */
export function worstItems(sites: readonly SiteFigures[], incidents: readonly Incident[], standards: readonly Standard[], names: SiteNames): WorstItem[] {
  const perSite = sites.filter((s) => s.site !== null);
  const rows = perSite.some((s) => s.standards.length > 0) ? perSite : sites.filter((s) => s.site === null);
  const byKey = new Map(incidents.map((i) => [keyOf(i), i]));
  const items: WorstItem[] = [];
  const used = new Set<string>();
  for (const row of rows) {
    for (const figure of row.standards) {
      if (figure.ratio === null) continue;
      const key = incidentKey(figure.standardId, row.site);
      const incident = byKey.get(key) ?? null;
      used.add(key);
      items.push(item(row.site, figure.standardId, figure.label, figure.standardName, figure, incident));
    }
  }
  for (const incident of incidents) {
    if (used.has(keyOf(incident))) continue;
    const name = standards.find((s) => s.id === incident.standardId)?.name ?? incident.standardId;
    items.push(item(incident.site, incident.standardId, incident.standardLabel, name, null, incident));
  }
  const byName = (a: WorstItem, b: WorstItem) => compareText(siteRowName(a.site, names), siteRowName(b.site, names)) || compareText(a.site ?? '', b.site ?? '');
  return items.sort((a, b) => worstFirst(a, b) || byName(a, b) || compareText(a.label, b.label));
}

function item(site: string | null, standardId: string, label: string, standardName: string, figure: StandardFigure | null, incident: Incident | null): WorstItem {
  const bandRank = figure?.band ? BAND_RANK[figure.band] : 0;
  const incidentRank = incident ? LEVEL_RANK[incident.severity] : 0;
  return { site, standardId, label, standardName, figure, incident, rank: Math.max(bandRank, incidentRank) as 0 | 1 | 2 };
}

function worstFirst(a: WorstItem, b: WorstItem): number {
  return b.rank - a.rank || compareMargins(a, b);
}

function compareMargins(a: WorstItem, b: WorstItem): number {
  const ma = a.figure ? margin(a.figure) : null;
  const mb = b.figure ? margin(b.figure) : null;
  if (ma === null || mb === null) return ma === null ? (mb === null ? 0 : 1) : -1;
  return ma - mb;
}
