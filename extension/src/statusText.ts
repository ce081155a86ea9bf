// What the status bar says, as a pure function, so the wording is easy to check. Connected, it names the worst
// SITE-level item (a site × standard: its band today or its open incident, whichever is worse; the all-sites
// figure can hide a red site) and the open incidents in the words every view uses ("2 red · 1 amber"), e.g.
// "$(error) 2 red · Harbour: Calls ≤ 2 rings 73.0 %", the site by its display name as the dashboard names it
// (siteLabel; `site` keeps the id). Clicking it lists the worst items (commands.ts).
import type { Band, ConnectionState } from '@ringside/server/protocol';
import { CLOCK_STATE_WORDS, clockStateCount, countsPhrase, formatPercent, formatThreshold, isAcknowledged, needsApiKey, type ConnectionProblem, type IncidentCounts, type SiteNames } from '@ringside/server/protocol/pure';
import { clockTime } from './clockTime';
import { escapeMarkdown } from './markdown';
import { figuresAsOf, keptAsOf, type Reconnecting } from './problems';
import type { Selection } from './selection';
import { siteRowName } from './siteModel';
import { itemBand, type WorstItem } from './worstItems';

export interface StatusView {
  text: string;
  /** Markdown for a vscode.MarkdownString. */
  tooltip: string;
  /**
   * What a screen reader says for the item: plain words. Without it VS Code reads the text with the tooltip's
   * Markdown source, backslash escapes and table pipes included.
   */
  ariaLabel: string;
  /** The band the item's colour shows: null when nothing is counted or offline. */
  band: Band | null;
  /** The site × standard named, if any (the site's id; the text shows its name). */
  site: string | null;
  /** The site as the text names it ("Harbour", "All sites"); null when it names none. */
  siteLabel: string | null;
  standardId: string | null;
  /** The open incidents it counts (the Alerts view and the dashboard banner count the same). */
  counts: IncidentCounts;
  /** Open cases past a deadline now (a call still ringing, a complaint not acknowledged in time). */
  breached: number;
}

const BAND_ICON: Record<Band, string> = { green: '$(pass-filled)', amber: '$(warning)', red: '$(error)' };
/** How many of the worst items the tooltip lists. */
const TOOLTIP_ITEMS = 8;
/**
 * The longest site name the status bar's text shows whole, in characters. VS Code gives a status bar item all the
 * width its text asks for: a long name ("Besançon — Recepção Principal do Hospital Universitário 44") pushed the
 * standard and its figure, the part that says what is wrong, off the window's edge, and every item after it.
 */
export const STATUS_SITE_CHARS = 32;

/**
 * A site name for the status bar's text: whole when short, else its start and its end around "…" (names of one
 * estate often share a start and differ at the end: "… Universitário 44" and "… Universitário 144"). By characters,
 * not UTF-16 units, so an accented or astral character is never cut in half. The tooltip, the spoken label and the
 * quick pick keep the whole name.
 */
export function shortSiteName(name: string): string {
  const chars = Array.from(name);
  if (chars.length <= STATUS_SITE_CHARS) return name;
  const tail = Math.floor((STATUS_SITE_CHARS - 1) / 2);
  const head = STATUS_SITE_CHARS - 1 - tail;
  return `${chars.slice(0, head).join('').trimEnd()}…${chars.slice(chars.length - tail).join('').trimStart()}`;
}

const NO_COUNTS: IncidentCounts = { open: 0, red: 0, amber: 0, unacknowledged: 0, unacknowledgedRed: 0 };

export interface StatusInput {
  state: ConnectionState;
  serverUrl: string;
  /** Why the connection is not up (extensionProblem), if it is not. */
  problem?: ConnectionProblem | undefined;
  /** Worst first (worstItems). */
  items?: readonly WorstItem[];
  counts?: IncidentCounts;
  /** Open cases past a deadline (countOpenClocks). */
  breached?: number;
  /** Display names by site id (the connection's), for siteLabel. */
  siteNames?: SiteNames;
  /** Set while retrying after a loss (the connection's): "reconnecting", not "offline". */
  reconnecting?: Reconnecting | undefined;
  /** When the text is for (epoch ms; Date.now() when left out): a time not of its day gains the day. */
  now?: number;
}

export function statusView(input: StatusInput): StatusView {
  const { state, serverUrl, problem } = input;
  const base = { band: null, site: null, siteLabel: null, standardId: null, counts: NO_COUNTS, breached: 0 };
  if (state !== 'connected' && input.reconnecting) return reconnectingView(serverUrl, problem, input.reconnecting, input.counts ?? NO_COUNTS, input.now ?? Date.now());
  if (state === 'connecting') {
    const why = problem ? `\n\n${escapeMarkdown(problem.text)}` : '';
    return { ...base, text: '$(sync~spin) Ringside connecting…', tooltip: `Connecting to ${escapeMarkdown(serverUrl)}…${why}`, ariaLabel: `Ringside connecting to ${serverUrl}…${problem ? ` ${problem.text}` : ''}` };
  }
  if (state === 'disconnected') {
    const needsKey = problem !== undefined && needsApiKey(problem.kind);
    // A key given and refused (mistyped, revoked, expired, without "read") is not a key missing.
    const keyText = problem?.kind === 'needs-key' ? 'API key needed' : 'API key refused';
    const detail = problem ? problem.text : `Not connected to ${serverUrl}.`;
    return {
      ...base,
      text: needsKey ? `$(key) Ringside: ${keyText}` : '$(debug-disconnect) Ringside offline',
      tooltip: escapeMarkdown(detail),
      ariaLabel: `${needsKey ? `Ringside: ${keyText}` : 'Ringside offline'}. ${detail}`,
    };
  }
  return connectedView(serverUrl, input.items ?? [], input.counts ?? NO_COUNTS, input.breached ?? 0, input.siteNames ?? new Map());
}

/**
 * Lost and coming back by itself (a team server's restart or deploy): says so and since when, and how old the
 * figures the views keep are; the incidents it counts are the last known. No band: the figures are not live.
 */
function reconnectingView(serverUrl: string, problem: ConnectionProblem | undefined, reconnecting: Reconnecting, counts: IncidentCounts, now: number): StatusView {
  const since = `reconnecting since ${clockTime(reconnecting.since, now)}`;
  // The shared sentence names the server (and, for the local server only, what to do).
  const why = problem?.text ?? `Reconnecting to ${serverUrl}…`;
  const asOf = reconnecting.figuresAt ? `Showing ${figuresAsOf(reconnecting.figuresAt, now)}.` : '';
  const incidents = countsPhrase(counts);
  const open = incidents ? `Open incidents then: ${incidents}.` : '';
  return {
    band: null,
    site: null,
    siteLabel: null,
    standardId: null,
    counts,
    breached: 0,
    text: '$(sync~spin) Ringside reconnecting…',
    tooltip: [`**Ringside** — ${since}`, escapeMarkdown(why), escapeMarkdown(asOf), open ? `$(bell-dot) ${open}` : ''].filter(Boolean).join('\n\n'),
    ariaLabel: [`Ringside ${since}.`, why, asOf, open].filter(Boolean).join(' '),
  };
}

export interface WorstPickView {
  title: string;
  placeholder: string;
  items: Array<{ label: string; description: string; detail?: string; selection: Selection }>;
}

/**
 * The status bar's click, the worst items as a quick pick lists them (commands.ts shows it). While reconnecting the
 * figures are the last ones kept: the title says as of when and a figure reads "then", not "today".
 */
export function worstPickView(items: readonly WorstItem[], names: SiteNames, state: ConnectionState, reconnecting: Reconnecting | undefined, now: number): WorstPickView {
  const kept = state !== 'connected' ? reconnecting : undefined;
  const when = kept ? 'then' : 'today';
  return {
    title: `Ringside: worst sites and standards ${kept ? keptAsOf(kept, now) : 'now'}`,
    placeholder: items.length > 0 ? 'Worst first; pick one to open the dashboard filtered to it' : state === 'connected' ? 'Nothing counted today yet' : 'Not connected',
    items: items.map((item) => {
      const band = itemBand(item);
      const { figure, incident } = item;
      return {
        label: `${band ? BAND_ICON[band] : '$(circle-outline)'} ${siteRowName(item.site, names)} · ${item.label}`,
        description: figure ? `${formatPercent(figure.ratio)} ${when} (${figure.numerator}/${figure.denominator}), target ${formatThreshold(figure.target)}` : `nothing counted ${when}`,
        ...(incident ? { detail: `${incident.severity === 'red' ? 'Red' : 'Amber'} incident${isAcknowledged(incident) ? ' (acknowledged)' : ''}: ${incident.summary}` } : {}),
        selection: { site: item.site, standard: item.standardId },
      };
    }),
  };
}

function itemFigure(item: WorstItem): string {
  if (item.figure) return formatPercent(item.figure.ratio);
  const w = item.incident?.detail.band.window;
  return w ? `${formatPercent(w.compliance)} (${w.name})` : '';
}

/** A line without its leading codicon ("$(watch) …"), for the spoken label. */
function withoutIcon(line: string): string {
  return line.replace(/^\$\([^)]*\)\s*/, '');
}

/** "1 breached", "3 breached" (nothing when none). */
function breachedPhrase(breached: number): string {
  return breached > 0 ? clockStateCount(breached, 'breached') : '';
}

function connectedView(serverUrl: string, items: readonly WorstItem[], counts: IncidentCounts, breached: number, names: SiteNames): StatusView {
  // Incidents first ("2 red · 1 amber"), then open cases past their deadline: the two things that need someone now.
  const phrase = [countsPhrase(counts), breachedPhrase(breached)].filter(Boolean).join(' · ');
  const incidentPhrase = countsPhrase(counts);
  const worst = items[0];
  const rows = items.slice(0, TOOLTIP_ITEMS).map((item) => {
    const band = itemBand(item);
    const alert = item.incident ? `${item.incident.severity} incident${isAcknowledged(item.incident) ? ' (acknowledged)' : ''}` : '';
    const target = item.figure ? formatThreshold(item.figure.target) : item.incident ? formatThreshold(item.incident.target) : '';
    return `| ${band ? BAND_ICON[band] : '$(circle-outline)'} | ${escapeMarkdown(siteRowName(item.site, names))} | ${escapeMarkdown(item.label)} | ${itemFigure(item)} | ${target} | ${alert} |`;
  });
  const open = incidentPhrase ? `$(bell-dot) Open incidents: ${incidentPhrase}${counts.unacknowledged < counts.open ? ` (${counts.open - counts.unacknowledged} acknowledged)` : ''}` : '$(bell) No open incidents';
  // A label of the count, in the state's one word as the status bar's own phrase has it ("3 breached").
  const late = `$(watch) Open cases: ${breached > 0 ? breachedPhrase(breached) : `none ${CLOCK_STATE_WORDS.breached}`}`;
  const tooltip = [
    `**Ringside** — ${escapeMarkdown(serverUrl)}`,
    '',
    open,
    '',
    late,
    '',
    ...(rows.length > 0 ? ['| | Site | Standard | Today | Target | |', '|---|---|---|---:|---:|---|', ...rows, ''] : ['Nothing counted today yet.', '']),
    'Click for the worst sites and standards.',
  ].join('\n');
  const counted = phrase ? `${phrase} · ` : '';
  const spoken = (what: string) => [`Ringside: ${what}`, withoutIcon(open), withoutIcon(late), 'Click for the worst sites and standards.'].join('. ');
  if (!worst) {
    const band = counts.red > 0 ? 'red' : counts.amber > 0 ? 'amber' : null;
    return { text: `${phrase ? '$(bell-dot) ' : '$(pulse) '}Ringside ${phrase || '—'}`, tooltip, ariaLabel: spoken(phrase || 'nothing counted today yet'), band, site: null, siteLabel: null, standardId: null, counts, breached };
  }
  const band = itemBand(worst);
  const icon = band ? BAND_ICON[band] : '$(pulse)';
  const figure = itemFigure(worst);
  const siteLabel = siteRowName(worst.site, names);
  const what = `${worst.label}${figure ? ` ${figure}` : ''}`;
  const named = `${siteLabel}: ${what}`;
  return {
    text: `${icon} ${counted}${shortSiteName(siteLabel)}: ${what}`,
    tooltip,
    ariaLabel: spoken(`${band ? `${band}, ` : ''}${counted}${named}`),
    band,
    site: worst.site,
    siteLabel,
    standardId: worst.standardId,
    counts,
    breached,
  };
}
