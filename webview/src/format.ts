// How figures read on screen. Kept apart from the views so the rendered summary uses the very same text.
import type { JudgedEvent, Judgement, Standard, VersionContribution } from '@ringside/server/protocol';
import { countNoun, formatClock, formatDayMonth, formatThreshold as formatTarget, formatTimeInDay, isCounted, isWithinDay, localDayOf } from '@ringside/server/protocol/pure';

/**
 * 0.931 → "93.1 %" (floored to the tenth) and a target as people say it, 0.9 → "90 %", 0.995 → "99.5 %": the
 * protocol's one rule (protocol/pure/format.ts), so the extension and the server's incident summaries read the same.
 */
export { formatPercent } from '@ringside/server/protocol/pure';
export { formatTarget };
/** Days and times (protocol/pure/clock.ts): the extension names a moment that may not be today's the same way. */
export { formatClock, formatDayMonth, formatTimeInDay, isWithinDay, localDayOf, type LocalDay } from '@ringside/server/protocol/pure';

// Counts are written out here (days and times in protocol/pure/clock.ts, for the same reason), not by Intl formatters: the first Intl object a fresh page makes loads
// ICU's locale data (40–200 ms of a first load in the bench's Chromium, measured), and these formatters were made as
// the script started, on the first paint's path. The texts are the ones the Intl formatters for the locales named
// write (en-US grouping; en-GB day, short month and 24-hour time): test/browser/format.test.ts compares them.

/** Made at the first count that is not a plain integer (none the dashboard shows so far). */
let countFormat: Intl.NumberFormat | null = null;

/** 12345 → "12,345", as Intl.NumberFormat('en-US') writes it. */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return (countFormat ??= new Intl.NumberFormat('en-US')).format(n);
  const grouped = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 ? `-${grouped}` : grouped;
}

/** "3 Dec, 14:00" in the viewer's zone: a point of a chart longer than a day and a half. */
export function formatDayTime(time: number): string {
  return `${formatDayMonth(time)}, ${formatClock(time, false)}`;
}

/**
 * This device's offset from UTC at an instant, "UTC+01:00", "UTC-05:00", "UTC+00:00": from the Date, not Intl (whose
 * zone name would load ICU's data on the first paint's path; see above).
 */
export function formatUtcOffset(time: number): string {
  const minutes = -new Date(time).getTimezoneOffset();
  const two = (n: number) => String(n).padStart(2, '0');
  const abs = Math.abs(minutes);
  return `UTC${minutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/**
 * This device's offsets over [fromMs, toMs), as formatUtcOffset writes them: "UTC+01:00", or "UTC+00:00 then
 * UTC+01:00" across a change of the clocks (read at the two ends: a range of up to 45 days of hours holds at most one).
 */
export function formatUtcOffsets(fromMs: number, toMs: number): string {
  const first = formatUtcOffset(fromMs);
  const last = formatUtcOffset(Math.max(fromMs, toMs - 1));
  return first === last ? first : `${first} then ${last}`;
}

function formatRings(rings: number): string {
  return `${rings} ${countNoun(rings, 'ring')}`;
}

function formatSeconds(seconds: number): string {
  return `${Number(seconds.toFixed(1))} s`;
}

/** A measured time at the scale it has: "12 s" for a greeting, "3.5 h" or "2.1 d" for a complaint. */
function formatMeasured(seconds: number): string {
  if (seconds < 120) return formatSeconds(seconds);
  if (seconds < 7200) return `${Number((seconds / 60).toFixed(1))} min`;
  if (seconds < 2 * 86_400) return `${Number((seconds / 3600).toFixed(1))} h`;
  return `${Number((seconds / 86_400).toFixed(1))} d`;
}

/** "≤ 2 rings", "≤ 30 s", "≤ 4 h (business)": the threshold a standard promises. */
export function formatThreshold(standard: Pick<Standard, 'measure' | 'threshold'> & { clock?: string }): string {
  const amount = standard.measure === 'rings' ? formatRings(standard.threshold) : formatMeasured(standard.threshold);
  return `≤ ${amount}${standard.clock === 'business' ? ' (business)' : ''}`;
}

/** A rule a figure was judged against: the part of a standard the tiles and charts name. */
interface Rule {
  threshold: number;
  target: number;
  /** The name of the version that holds it. */
  name: string;
  /** When it took effect (ms); null = since the beginning. */
  fromMs: number | null;
}

/** What judged a figure over a range: `rule` in force at its end, and `change`, the older rules inside it, if any. */
export interface RuleWording {
  /** "target 90 % · ≤ 3 rings". */
  rule: string;
  /** "since 5 Dec 14:05; before: ≤ 2 rings" when part of the range was judged by another threshold or target. */
  change: string | null;
  /**
   * The name a figure over the range is titled by: that of the version in force at its end, whose rule `rule` states,
   * as the compliance export names a period by the version in force at its end. A range wholly before a renaming
   * (2 → 3 rings) is "…within 2 rings", never the name of a version that judged none of it.
   */
  name: string;
}

/**
 * The one wording of the threshold and target a figure over [fromMs, toMs) was judged against. A judgement keeps the
 * version that made it, so after a change (2 → 3 rings) a week's figure is partly 2 rings': `versions` (the report's
 * per-version counts, oldest first) says which rules judged the range, and the standard in force now joins them when
 * it took effect before the range's end, though nothing was judged by it yet. Without a report, the standard alone.
 */
export function ruleWording(
  standard: Pick<Standard, 'measure' | 'threshold' | 'target' | 'version' | 'name'> & { clock?: string; validFrom?: string | null },
  versions: readonly VersionContribution[] | undefined,
  range: { fromMs: number; toMs: number } | null,
): RuleWording {
  const current: Rule = { threshold: standard.threshold, target: standard.target, name: standard.name, fromMs: standard.validFrom ? Date.parse(standard.validFrom) : null };
  const judged = [...(versions ?? [])].sort((a, b) => a.version - b.version);
  const rules: Rule[] = judged.map((v) => ({ threshold: v.threshold, target: v.target ?? standard.target, name: v.name ?? standard.name, fromMs: v.validFrom ? Date.parse(v.validFrom) : null }));
  const newest = judged.at(-1);
  if (range === null || rules.length === 0 || (newest!.version < standard.version && (current.fromMs === null || current.fromMs < range.toMs))) rules.push(current);
  // Versions that changed neither (a new name, bands) continue the rule before them.
  const runs = rules.filter((r, i) => i === 0 || r.threshold !== rules[i - 1]!.threshold || r.target !== rules[i - 1]!.target);
  const last = runs.at(-1)!;
  // The newest rule's version, not its run's first: a version that only renamed continues the rule, under its name.
  const name = rules.at(-1)!.name;
  const threshold = (r: Rule) => formatThreshold({ measure: standard.measure, threshold: r.threshold, clock: standard.clock });
  const rule = `target ${formatTarget(last.target)} · ${threshold(last)}`;
  if (runs.length === 1) return { rule, change: null, name };
  const before = runs
    .slice(0, -1)
    .reverse()
    .map((r) => [r.target !== last.target ? `target ${formatTarget(r.target)}` : '', r.threshold !== last.threshold ? threshold(r) : ''].filter(Boolean).join(' · ') || threshold(r));
  const since = last.fromMs === null ? '' : `since ${formatChangeTime(last.fromMs, range)}; `;
  return { rule, change: `${since}before: ${before.join(', ')}`, name };
}

/** "14:05" in a range within one day (today, the last hour), else "5 Dec 14:05". */
function formatChangeTime(time: number, range: { fromMs: number; toMs: number } | null): string {
  if (range === null) return formatTimeInDay(time, null);
  const day = localDayOf(range.fromMs);
  return formatTimeInDay(time, isWithinDay(range.toMs - 1, day) ? day : null);
}

/**
 * When a feed row was judged, as the feed shows it: the time ("14:31:30"), with the day when it is not the day of
 * `nowMs` ("21 Nov 16:29": the latest events of a quiet server when the page opens). The text depends on `nowMs`'s
 * day, so the feed relabels the rows it reuses when that day changes (rows made before midnight gain their day).
 */
export function formatJudgedAt(at: string, nowMs: number): string {
  const time = Date.parse(at);
  return Number.isNaN(time) ? formatClock(at) : formatTimeInDay(time, localDayOf(nowMs), true);
}

/** The measured value of an event as the feed shows it: "2 rings", "12 s". */
export function formatEventValue(judged: JudgedEvent): string {
  const { event } = judged;
  if (!isCallOrVisit(event.type)) {
    const value = judged.judgements.find((j) => j.value !== null)?.value;
    return value === undefined || value === null ? '—' : formatMeasured(value);
  }
  if (event.type === 'visit') return event.greetSeconds === null ? '—' : formatSeconds(event.greetSeconds);
  if (event.rings !== null) return formatRings(event.rings);
  return event.answerSeconds === null ? '—' : formatSeconds(event.answerSeconds);
}

/** The secondary measurement, when there is one: seconds for a call measured in rings. */
export function formatEventDetail(judged: JudgedEvent): string | null {
  const { event } = judged;
  if (event.type !== 'call' || event.rings === null || event.answerSeconds === null) return null;
  // Rings derived from seconds say so: an auditor must tell measured from computed.
  return event.derived.includes('rings') ? `from ${formatSeconds(event.answerSeconds)}` : formatSeconds(event.answerSeconds);
}

function isCallOrVisit(type: string): boolean {
  return type === 'call' || type === 'visit';
}

export function formatOutcome(judged: JudgedEvent): string {
  const outcome: string = judged.event.outcome;
  switch (outcome) {
    case 'answered':
      return 'answered';
    case 'abandoned':
      return 'abandoned';
    case 'greeted':
      return 'greeted';
    case 'left':
      return 'left ungreeted';
    default:
      // Other event types end at their own stop milestones ("resolved", "followedUp"): say them in words.
      return outcome.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  }
}

/**
 * An event's verdict over the judgements the figures count: missed when one of them missed, met when they all met,
 * `not-counted` when every standard left it out (outside business hours, a short abandon), as the export's `result`
 * says and the tiles' misses count; an unjudged event is neither. A judgement without `counted` counts (older senders).
 */
export function eventVerdict(judgements: Judgement[]): 'met' | 'missed' | 'not-counted' | 'unjudged' {
  if (judgements.length === 0) return 'unjudged';
  const counted = judgements.filter(isCounted);
  if (counted.length === 0) return 'not-counted';
  return counted.every((j) => j.met) ? 'met' : 'missed';
}

/** The word the feed's badge shows for a verdict, which its filter box also finds the row by. */
export function verdictWord(verdict: ReturnType<typeof eventVerdict>): string {
  return verdict === 'unjudged' ? 'n/a' : verdict === 'not-counted' ? 'not counted' : verdict;
}
