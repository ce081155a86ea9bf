// Short names for standards where space is scarce (a tree row, the status bar, a quick pick): what is measured
// and the threshold, derived from the definition, so "Calls answered within 2 rings" reads "Calls ≤ 2 rings".
// The full name stays in tooltips.
import { countNoun } from './format';

/** The parts of a standard a short label is made of (Standard has them all). */
export interface LabelledStandard {
  name: string;
  eventType: string;
  measure: string;
  operator: string;
  threshold: number;
}

const NOUNS: Readonly<Record<string, string>> = { call: 'Calls', visit: 'Visits', complaint: 'Complaints' };
const OPERATORS: Readonly<Record<string, string>> = { '<=': '≤', '<': '<', '>=': '≥', '>': '>' };

/** "Calls ≤ 2 rings", "Visits ≤ 30 s", "Complaints ≤ 2 h"; the full name when the definition is unusual. */
export function standardShortLabel(standard: LabelledStandard): string {
  return versionsShortLabel([standard]);
}

/**
 * The short label of the versions that judged a figure (or set a deadline), oldest first: one version reads as
 * standardShortLabel, several as one label naming each threshold once, "Calls ≤ 20 s / 25 s"; versions that differ
 * in what they measure or how read "Calls ≤ 20 s / Calls ≥ 5 s". The one wording of several versions in a label or a
 * summary (incidents, open cases, docs/alerts.md); the dashboard's tiles and chart headers, which have room for
 * when each rule applied, say it as a timeline instead (webview format.ts ruleWording).
 */
export function versionsShortLabel(versions: readonly [LabelledStandard, ...LabelledStandard[]]): string {
  const first = versions[0];
  const amounts = amountsOf(versions);
  if (amounts === null) return versions.length === 1 ? first.name : distinct(versions.map((v) => versionsShortLabel([v]))).join(' / ');
  return `${NOUNS[first.eventType] ?? plural(first.eventType)} ${OPERATORS[first.operator]} ${amounts}`;
}

/** "20 s / 25 s": each threshold once, in the versions' order; null unless every version measures alike and reads plainly. */
function amountsOf(versions: readonly [LabelledStandard, ...LabelledStandard[]]): string | null {
  const first = versions[0];
  const alike = versions.every((v) => v.eventType === first.eventType && v.measure === first.measure && v.operator === first.operator && Number.isFinite(v.threshold));
  if (!alike || !OPERATORS[first.operator]) return null;
  return distinct(versions.map((v) => amount(first.measure, v.threshold))).join(' / ');
}

function distinct(texts: readonly string[]): string[] {
  return [...new Set(texts)];
}

/** The short label of `standardId` among `standards`, or the fallback (a name from a figure) when unknown. */
export function shortLabelOf(standardId: string, standards: ReadonlyArray<LabelledStandard & { id: string }>, fallback: string): string {
  const standard = standards.find((s) => s.id === standardId);
  return standard ? standardShortLabel(standard) : fallback;
}

/**
 * The label of the version that set an open case's deadline, as the server sent it (standardLabel of a ClockStanding
 * or ClockBreach). A server older than that field sends none: then the short label of the standard in force, else
 * its id, never "undefined".
 */
export function deadlineLabel(item: { standardId: string; standardLabel?: string | undefined }, standards: ReadonlyArray<LabelledStandard & { id: string }>): string {
  return item.standardLabel ?? shortLabelOf(item.standardId, standards, item.standardId);
}

/** What a standard's figure means in words: "calls" + "answered within 2 rings" ("84 % of calls answered …"). */
export interface StandardPhrase {
  /** The lower-case plural noun: "calls", "visits". */
  noun: string;
  /** What the figure is the share of, after the percentage: "answered within 2 rings", "greeted within 30 s". */
  phrase: string;
}

const VERBS: Readonly<Record<string, string>> = { rings: 'answered', answerSeconds: 'answered', greetSeconds: 'greeted' };
const WITHIN: Readonly<Record<string, string>> = { '<=': 'within', '<': 'in under', '>=': 'after at least', '>': 'after more than' };

/** "calls" / "answered within 2 rings"; a measure without a known verb reads "met (Complaints ≤ 2 h)". */
export function standardPhrase(standard: LabelledStandard): StandardPhrase {
  return versionsPhrase([standard]);
}

/** standardPhrase of the versions that judged a figure, oldest first: "answered within 20 s / 25 s" (versionsShortLabel). */
export function versionsPhrase(versions: readonly [LabelledStandard, ...LabelledStandard[]]): StandardPhrase {
  const first = versions[0];
  const noun = (NOUNS[first.eventType] ?? plural(first.eventType)).toLowerCase();
  const verb = VERBS[first.measure];
  const within = WITHIN[first.operator];
  const amounts = amountsOf(versions);
  if (!verb || !within || amounts === null) return { noun, phrase: `met (${versionsShortLabel(versions)})` };
  return { noun, phrase: `${verb} ${within} ${amounts}` };
}

function amount(measure: string, value: number): string {
  if (measure === 'rings') return `${value} ${countNoun(value, 'ring')}`;
  return duration(value);
}

/** Seconds as the shortest exact unit: 30 s, 2 min, 1.5 h, 2 d. */
function duration(seconds: number): string {
  if (seconds < 120 || seconds % 60 !== 0) return `${seconds} s`;
  const minutes = seconds / 60;
  if (minutes < 120 || minutes % 30 !== 0) return `${minutes} min`;
  const hours = minutes / 60;
  if (hours < 48 || hours % 24 !== 0) return `${hours} h`;
  return `${hours / 24} d`;
}

function plural(eventType: string): string {
  const words = capitalised(eventType.replace(/-/g, ' '));
  return /[^aeiou]y$/.test(words) ? `${words.slice(0, -1)}ies` : `${words}s`;
}

/** The text with its first letter in upper case, as a sentence or a label begins. */
export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---- sites ------------------------------------------------------------------------------------------------------

/** Display names of sites by id (the snapshot's `sites`, and incidents' `siteName`). */
export type SiteNames = ReadonlyMap<string, string>;

/**
 * How a client names a site, everywhere it names one: its display name where it has one, its id otherwise (a site
 * seen only in events, or named as its id). The same rule as incidents ("Harbour calls: …"), so two panels never
 * call one site two things.
 */
export function siteLabel(siteId: string, names: SiteNames): string {
  return namedSiteLabel(siteId, names.get(siteId));
}

/** siteLabel of a site whose display name is at hand (an incident's siteName): that name, or the id where it is blank. */
export function namedSiteLabel(siteId: string, name: string | undefined): string {
  const trimmed = name?.trim();
  return trimmed ? trimmed : siteId;
}

/** A site's id and display name: an entry of the snapshot's `sites`, or an incident's `site` and `siteName`. */
export interface NamedSite {
  id: string;
  name: string;
}

/**
 * The names a client starts from on a snapshot. Its `sites` are the whole truth about configured sites; a server that
 * sends none still names the sites of its open incidents (as of their last change). The dashboard's reducer and the
 * extension host both fold names this way, then apply each incident's siteName (withSiteNames).
 */
export function snapshotSiteNames(sites: readonly NamedSite[] | undefined, openIncidents: ReadonlyArray<{ site: string; siteName: string }>): SiteNames {
  return withSiteNames(new Map(), sites ?? openIncidents.map((i) => ({ id: i.site, name: i.siteName })));
}

/** `names` with these sites' names set; the same map when nothing changes, so a view can tell nothing needs redrawing. */
export function withSiteNames(names: SiteNames, sites: readonly NamedSite[]): SiteNames {
  if (sites.every((s) => names.get(s.id) === s.name)) return names;
  const next = new Map(names);
  for (const site of sites) next.set(site.id, site.name);
  return next;
}

/** The tooltip of a site's label: its id, which filters, exports and the API use ("site id: harbour"). */
export function siteTitle(siteId: string): string {
  return `site id: ${siteId}`;
}
