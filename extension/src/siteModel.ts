// The Sites view's data, as pure functions (no `vscode`): sites → standards with today's figure and band.
// "All sites" is today's live figures (the snapshot and every `compliance` message: the very figures the
// dashboard's tiles and the status bar show); each site's figures come from `GET /compliance?groupBy=site`.
import type { Band, ComplianceFigure, ComplianceReport, Standard } from '@ringside/server/protocol';
import type { OpenClock } from '@ringside/server/protocol';
import { bandOf, clockStateCount, compareText, countOpenClocks, formatPercent, formatThreshold, shortLabelOf, siteLabel, siteName, siteTitle, worstBand, type SiteNames } from '@ringside/server/protocol/pure';
import { escapeMarkdown } from './markdown';

export interface StandardFigure {
  standardId: string;
  /** The standard's full name (tooltips). */
  standardName: string;
  /** Its short label: "Calls ≤ 2 rings". */
  label: string;
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

function bandsOfStandard(standards: readonly Standard[], id: string) {
  return standards.find((s) => s.id === id)?.bands;
}

/** Today's live figures (all sites) as the tree's "All sites" row. */
export function allSitesFromLive(today: readonly ComplianceFigure[], standards: readonly Standard[]): SiteFigures {
  const figures = today.map(
    (figure): StandardFigure => ({
      standardId: figure.standardId,
      standardName: figure.standardName,
      label: shortLabelOf(figure.standardId, standards, figure.standardName),
      site: null,
      ratio: figure.ratio,
      numerator: figure.numerator ?? figure.met,
      denominator: figure.denominator ?? figure.total,
      target: figure.target,
      band: figure.band !== undefined ? figure.band : bandOf(figure.ratio, bandsOfStandard(standards, figure.standardId), figure.target),
    }),
  );
  return { site: null, band: worstBand(figures.map((f) => f.band)), standards: figures };
}

/** Each site (by id, in compareText's order) with every standard that counted something there, from a `groupBy=site` report. */
export function sitesFromGroupedReport(report: ComplianceReport, standards: readonly Standard[]): SiteFigures[] {
  const bySite = new Map<string, StandardFigure[]>();
  for (const figure of report.standards) {
    for (const group of figure.groups ?? []) {
      if (group.key === null || group.denominator === 0) continue;
      const list = bySite.get(group.key) ?? [];
      list.push({
        standardId: figure.standardId,
        standardName: figure.standardName,
        label: shortLabelOf(figure.standardId, standards, figure.standardName),
        site: group.key,
        ratio: group.ratio,
        numerator: group.numerator,
        denominator: group.denominator,
        target: figure.target,
        band: group.band !== undefined ? group.band : bandOf(group.ratio, bandsOfStandard(standards, figure.standardId), figure.target),
      });
      bySite.set(group.key, list);
    }
  }
  return [...bySite.keys()]
    .sort(compareText)
    .map((site) => {
      const list = bySite.get(site)!;
      return { site, band: worstBand(list.map((f) => f.band)), standards: list };
    });
}

/**
 * How the extension names a row's site wherever it shows one (tree, status bar, quick pick): "All sites" for null,
 * else the site's display name, or its id when it has none (siteLabel, the dashboard's rule).
 */
export function siteRowName(site: string | null, names: SiteNames): string {
  return site === null ? siteName(null) : siteLabel(site, names);
}

/** Up to this many sites, each opens with its standards showing; more, and each shows its worst figure only. */
const SITES_SHOWN_OPEN = 12;

/**
 * Whether a Sites row opens showing its standards: "All sites" always; a site only in a small estate. 160 sites
 * × 9 standards opened are 1,600 rows to scroll through for the one site wanted (its row names its worst figure
 * already), and every row and tooltip is handed to VS Code again on each redraw. What the user opens or closes,
 * VS Code keeps by the row's id.
 */
export function opensShowingStandards(site: string | null, siteCount: number): boolean {
  return site === null || siteCount <= SITES_SHOWN_OPEN;
}

/**
 * Sites in the order the tree lists them: by the name shown, then by id (two sites of one name), in the dashboard's
 * order (compareText: "Site 2" before "Site 10").
 */
export function orderByName(sites: readonly SiteFigures[], names: SiteNames): SiteFigures[] {
  const key = (s: SiteFigures) => siteRowName(s.site, names);
  return [...sites].sort((a, b) => compareText(key(a), key(b)) || compareText(a.site ?? '', b.site ?? ''));
}

/** The same per-site rows from one plain report per site (servers without groupBy). */
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

/** "93.1 %" or "—". */
export function percentText(figure: Pick<StandardFigure, 'ratio'>): string {
  return formatPercent(figure.ratio);
}

/** "271/291" or "nothing counted today". */
export function countsText(figure: Pick<StandardFigure, 'ratio' | 'numerator' | 'denominator'>): string {
  return figure.ratio === null ? 'nothing counted today' : `${figure.numerator}/${figure.denominator}`;
}

/** "93.1 % (271/291)" or "— (nothing counted)". */
export function figureText(figure: Pick<StandardFigure, 'ratio' | 'numerator' | 'denominator'>): string {
  return figure.ratio === null ? '— (nothing counted)' : `${formatPercent(figure.ratio)} (${figure.numerator}/${figure.denominator})`;
}

/** How far below (negative) or above its target a figure is; null when nothing was counted. */
export function margin(figure: Pick<StandardFigure, 'ratio' | 'target'>): number | null {
  return figure.ratio === null ? null : figure.ratio - figure.target;
}

/** The open cases of a site (null = every site). */
export function openClocksAt(clocks: readonly OpenClock[], site: string | null): OpenClock[] {
  return site === null ? [...clocks] : clocks.filter((c) => c.site === site);
}

/** "3 open · 1 at risk · 1 breached", "" when nothing is open. */
export function openCasesText(clocks: readonly OpenClock[], nowMs: number): string {
  const counts = countOpenClocks(clocks, nowMs);
  if (counts.open === 0) return '';
  const parts = [`${counts.open} open`];
  if (counts.atRisk > 0) parts.push(clockStateCount(counts.atRisk, 'at-risk'));
  if (counts.breached > 0) parts.push(clockStateCount(counts.breached, 'breached'));
  return parts.join(' · ');
}

/** The tooltip's line under a site's name: its id ("site id: harbour"), which filters, exports and the API use. */
function siteIdLine(site: string | null): string[] {
  return site === null ? [] : ['', escapeMarkdown(siteTitle(site))];
}

/** A site row's tooltip (Markdown): its name as the row shows it, its id, each standard's figure, its open cases. */
export function siteTooltipMarkdown(site: string | null, label: string, figures: SiteFigures, open: string): string {
  return [
    `**${escapeMarkdown(label)}** — today`,
    ...siteIdLine(site),
    '',
    ...figures.standards.map((f) => `- ${escapeMarkdown(f.standardName)}: ${figureText(f)}, target ${formatThreshold(f.target)}`),
    '',
    open ? `Open now: ${open}` : 'No open cases now',
  ].join('\n');
}

/** A standard row's tooltip (Markdown): the standard at its site (`where`, as the site row names it), and its figure. */
export function standardTooltipMarkdown(site: string | null, where: string, figure: StandardFigure): string {
  return [
    `**${escapeMarkdown(figure.standardName)}** at ${escapeMarkdown(where)} — today`,
    ...siteIdLine(site),
    '',
    `${figureText(figure)}, target ${formatThreshold(figure.target)}${figure.band ? `, ${figure.band}` : ''}`,
  ].join('\n');
}
