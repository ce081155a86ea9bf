// The Sites tree's data, as pure functions (no `vscode`): sites → standards with today's figure and band.
import type { Band, ComplianceReport, Standard } from '@ringside/server/protocol';
import { bandOf, formatPercent, worstBand } from '@ringside/server/protocol/pure';

export interface StandardFigure {
  standardId: string;
  standardName: string;
  /** null site = all sites together. */
  site: string | null;
  ratio: number | null;
  numerator: number;
  denominator: number;
  target: number;
  band: Band | null;
}

export interface SiteFigures {
  /** null = "All sites". */
  site: string | null;
  /** The worst band among its standards (null when nothing was counted anywhere). */
  band: Band | null;
  standards: StandardFigure[];
}

/**
 * The tree from a `groupBy=site` report: "All sites" first, then each site (alphabetical) with every standard
 * that counted something there. `standards` (from the snapshot) supplies bands the report does not carry.
 */
export function sitesFromGroupedReport(report: ComplianceReport, standards: readonly Standard[]): SiteFigures[] {
  const bandsOf = new Map(standards.map((s) => [s.id, s.bands]));
  const all: StandardFigure[] = report.standards.map((figure) => ({
    standardId: figure.standardId,
    standardName: figure.standardName,
    site: null,
    ratio: figure.ratio,
    numerator: figure.met,
    denominator: figure.total,
    target: figure.target,
    band: figure.band !== undefined ? figure.band : bandOf(figure.ratio, bandsOf.get(figure.standardId), figure.target),
  }));
  const bySite = new Map<string, StandardFigure[]>();
  for (const figure of report.standards) {
    for (const group of figure.groups ?? []) {
      if (group.key === null || group.denominator === 0) continue;
      const list = bySite.get(group.key) ?? [];
      list.push({
        standardId: figure.standardId,
        standardName: figure.standardName,
        site: group.key,
        ratio: group.ratio,
        numerator: group.numerator,
        denominator: group.denominator,
        target: figure.target,
        band: bandOf(group.ratio, bandsOf.get(figure.standardId), figure.target),
      });
      bySite.set(group.key, list);
    }
  }
  return assemble(all, bySite);
}

/** The same tree from one plain report per site (servers without groupBy). */
export function sitesFromPerSiteReports(total: ComplianceReport, perSite: ReadonlyMap<string, ComplianceReport>, standards: readonly Standard[]): SiteFigures[] {
  const grouped: ComplianceReport = {
    ...total,
    standards: total.standards.map((figure) => ({
      ...figure,
      groups: [...perSite].flatMap(([site, report]) => {
        const there = report.standards.find((s) => s.standardId === figure.standardId);
        return there ? [{ key: site, numerator: there.met, denominator: there.total, ratio: there.ratio, companions: undefined as never }] : [];
      }),
    })),
  };
  return sitesFromGroupedReport(grouped, standards);
}

function assemble(all: StandardFigure[], bySite: Map<string, StandardFigure[]>): SiteFigures[] {
  const sites = [...bySite.keys()].sort((a, b) => a.localeCompare(b));
  return [
    { site: null, band: worstBand(all.map((f) => f.band)), standards: all },
    ...sites.map((site) => {
      const list = bySite.get(site)!;
      return { site, band: worstBand(list.map((f) => f.band)), standards: list };
    }),
  ];
}

/** "93.1 % (271/291)" or "— (nothing counted)". */
export function figureText(figure: Pick<StandardFigure, 'ratio' | 'numerator' | 'denominator'>): string {
  return figure.ratio === null ? '— (nothing counted)' : `${formatPercent(figure.ratio)} (${figure.numerator}/${figure.denominator})`;
}
