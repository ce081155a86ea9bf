// How an incident reads: a plain line first (site, what is measured, the figure, the target), the SRE view (bands,
// burn rates per window pair) as its detail. Every figure goes through the protocol's one formatting rule
// (protocol/pure/format.ts), so none reads onto the wrong side of its threshold.
import type { BandDetail, BurnDetail, IncidentDetail, IncidentSeverity, MeasuredWindow, Standard } from '../../protocol';
import { formatFactor, formatPercent, formatThreshold, formatTimes, versionsPhrase, versionsShortLabel } from '../../protocol/pure';
import type { Observation } from './evaluate';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "in the last hour", "in the last 6 hours", "in the last 30 minutes", "in the last 3 days". */
export function windowWords(durationMs: number): string {
  const unit = (n: number, one: string) => (n === 1 ? `in the last ${one}` : `in the last ${n} ${one}s`);
  if (durationMs % DAY === 0) return unit(durationMs / DAY, 'day');
  if (durationMs % HOUR === 0) return unit(durationMs / HOUR, 'hour');
  return unit(Math.round(durationMs / MINUTE), 'minute');
}

/** The SRE detail of an observation, with one line per condition. */
export function detailOf(o: Pick<Observation, 'standard' | 'band' | 'burnRates' | 'memory'>): IncidentDetail {
  const burnSeverity: IncidentSeverity | null = o.memory.burn === null ? null : o.memory.burn === 'page' ? 'red' : 'amber';
  return {
    band: o.band,
    burnRates: o.burnRates,
    burnSeverity,
    lines: [bandLine(o.band), ...o.burnRates.map((b) => burnLine(b, o.standard.target))],
  };
}

function bandLine(b: BandDetail): string {
  const w = b.window;
  const state = b.severity ?? 'green';
  return `Band over ${w.name}: ${formatPercent(w.compliance)} (${w.met} of ${w.counted} met); amber below ${formatThreshold(b.amberBelow)}, red below ${formatThreshold(b.redBelow)} → ${state}`;
}

function burnLine(b: BurnDetail, target: number): string {
  const status = b.status === 'fire' ? 'firing' : b.status === 'clear' ? 'clear' : 'too few events to judge';
  return `Error budget (${formatThreshold(1 - target)}) burning ${formatTimes(b.long.burnRate)} over ${b.long.name} and ${formatTimes(b.short.burnRate)} over ${b.short.name}; ${b.severity} above ${formatFactor(b.factor)} in both → ${status}`;
}

export type SummaryState = 'open' | 'recovered' | 'retired' | 'out-of-scope';

/** A standard's versions by number, retired ones too (those unknown left out). */
export type VersionLookup = (standardId: string, versions: readonly number[]) => Standard[];

/** What an incident change says, and which version it names. */
export interface IncidentWording {
  summary: string;
  /** The short label of the versions that judged the summary's window ("Calls ≤ 20 s", "Calls ≤ 20 s / 25 s"). */
  standardLabel: string;
  /** The newest of those versions. */
  standardVersion: number;
}

/**
 * The summary, label and version of a change. A window's figure is judged by the versions in force when its events
 * happened, not by the one in force now: the threshold named is theirs (several: one wording, versionsShortLabel).
 * The target named is the one in force, which the bands and burn rates measured the figure against. A window with
 * no versions known (nothing counted, or detail written before windows named them) names the version in force.
 */
export function wordingOf(standard: Standard, siteName: string, detail: IncidentDetail, state: SummaryState, versionsOf: VersionLookup): IncidentWording {
  const window = state === 'recovered' ? detail.band.window : causeWindow(detail);
  const found = versionsOf(standard.id, window.versions ?? []);
  const judged: [Standard, ...Standard[]] = found.length > 0 ? [found[0]!, ...found.slice(1)] : [standard];
  return { summary: summaryOf(standard, judged, siteName, window, state), standardLabel: versionsShortLabel(judged), standardVersion: judged[judged.length - 1]!.version };
}

/**
 * The plain line: "Harbour calls: 84.0 % answered within 2 rings in the last hour — target 90 %". An open incident
 * states the window that put it there: the band's, or (when only the error budget burns) the long window of the
 * worst burning pair, which is the steadier of the two.
 */
function summaryOf(standard: Standard, judged: readonly [Standard, ...Standard[]], siteName: string, window: MeasuredWindow, state: SummaryState): string {
  const { noun, phrase } = versionsPhrase(judged);
  const who = `${siteName} ${noun}`;
  if (state === 'retired') return `${who}: closed — the standard "${standard.name}" is no longer in force`;
  if (state === 'out-of-scope') return `${who}: closed — the standard "${standard.name}" no longer covers this site`;
  const figure = window.counted === 0 ? `no ${noun} ${windowWords(window.durationMs)}` : `${formatPercent(window.compliance)} ${phrase} ${windowWords(window.durationMs)}`;
  return `${who}${state === 'recovered' ? ' back on target' : ''}: ${figure} — target ${formatThreshold(standard.target)}`;
}

function causeWindow(detail: IncidentDetail): MeasuredWindow {
  if (detail.band.severity !== null || detail.burnSeverity === null) return detail.band.window;
  const burning = detail.burnRates.filter((b) => b.status === 'fire');
  const worst = burning.find((b) => b.severity === 'red') ?? burning[0] ?? detail.burnRates.find((b) => b.severity === detail.burnSeverity);
  return worst?.long ?? detail.band.window;
}
