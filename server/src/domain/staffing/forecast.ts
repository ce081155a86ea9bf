// The staffing forecast's arithmetic: a local day's hours, the history days it learns from, what each hour held
// (arrivals, compliance, people who served, handling times) and, from those, the forecast and the people needed.
// docs/staffing.md, "The forecast", states the method in words.
import type { Standard } from '../../protocol/standards';
import { contributionOfGroup, gaveUp, type JudgementGroup } from '../rollups';
import { localParts, nextPeriodStart, periodStart, periodStarts, utcOffsetAt } from '../zonedTime';
import { StaffingInputError, staffFor, waitThresholdForRings } from './erlangC';

/** How many weeks back the forecast looks: the same weekday of each. */
export const HISTORY_WEEKS = 4;

const DAY_MS = 86_400_000;

/** One local hour of a day: its wall-clock label ("09:00"), its offset from UTC ("+01:00") and its instants [startMs, endMs). */
export interface LocalHour {
  label: string;
  utcOffset: string;
  startMs: number;
  endMs: number;
}

/** Judgements of one quarter hour, one agent and one kind (what the store groups by), with handling times. */
export interface QuarterGroup extends JudgementGroup {
  t: number;
  agent: string | null;
  handled: number;
  handleSum: number;
}

/** What one hour held. */
export interface HourTally {
  arrivals: number;
  met: number;
  counted: number;
  /** People named on events that were served (not abandoned / left). */
  agents: Set<string>;
  handled: number;
  handleSum: number;
}

/** The instant a local calendar day (YYYY-MM-DD) begins in the zone; a date the zone skipped is refused. */
function localDayStart(date: string, zone: string): number {
  let guess = Date.parse(`${date}T12:00:00Z`);
  for (let i = 0; i < 4 && localParts(guess, zone).date !== date; i++) guess += localParts(guess, zone).date < date ? 6 * 3_600_000 : -6 * 3_600_000;
  if (localParts(guess, zone).date !== date) throw new StaffingInputError('date', `is not a day in ${zone}`);
  return periodStart(guess, zone, 'day');
}

/** The site's local date of today or tomorrow at `nowMs`, YYYY-MM-DD; any other date as given. */
export function resolveDate(date: string, nowMs: number, zone: string): string {
  if (date === 'today') return localParts(nowMs, zone).date;
  if (date === 'tomorrow') return localParts(nextPeriodStart(periodStart(nowMs, zone, 'day'), zone, 'day'), zone).date;
  return date;
}

/** The local hours of a day: 24, or 23 / 25 on a day the clocks change. */
export function hoursOfDay(date: string, zone: string): LocalHour[] {
  const start = localDayStart(date, zone);
  const end = nextPeriodStart(start, zone, 'day');
  return periodStarts(start, end, zone, 'hour').map((s) => {
    const local = localParts(s, zone);
    return { label: local.time.slice(0, 5), utcOffset: utcOffsetAt(s, zone), startMs: s, endMs: Math.min(end, nextPeriodStart(s, zone, 'hour')) };
  });
}

/** The same weekday of each of the weeks before `date`, newest first (calendar days: the zone plays no part). */
export function historyDates(date: string, weeks = HISTORY_WEEKS): string[] {
  const day = Date.parse(`${date}T00:00:00Z`);
  return Array.from({ length: weeks }, (_v, i) => new Date(day - (i + 1) * 7 * DAY_MS).toISOString().slice(0, 10));
}

const emptyTally = (): HourTally => ({ arrivals: 0, met: 0, counted: 0, agents: new Set(), handled: 0, handleSum: 0 });

/** Each hour's tally from the day's groups; the compliance counts are the rollups' arithmetic (contributionOfGroup). */
export function tallyHours(hours: readonly LocalHour[], groups: readonly QuarterGroup[]): HourTally[] {
  const tallies = hours.map(emptyTally);
  for (const g of groups) {
    const i = hours.findIndex((h) => g.t >= h.startMs && g.t < h.endMs);
    if (i < 0) continue;
    const tally = tallies[i]!;
    const part = contributionOfGroup(g);
    tally.arrivals += g.n;
    tally.met += part.met;
    tally.counted += part.counted;
    tally.handled += g.handled;
    tally.handleSum += g.handleSum;
    if (g.agent !== null && !gaveUp(g.outcome)) tally.agents.add(g.agent);
  }
  return tallies;
}

/**
 * The wait threshold T in seconds of a standard whose measure is a wait: rings converted with the site's cycle
 * (rings ≤ R ⇔ wait < R × cycle; rings < R ⇔ rings ≤ ceil(R) − 1), seconds as they are. A standard that asks for
 * a wait of at least something is not a service level and is refused.
 */
export function thresholdSecondsOf(standard: Pick<Standard, 'measure' | 'operator' | 'threshold'>, ringCycleSeconds: number): number {
  if (standard.operator !== '<=' && standard.operator !== '<') throw new StaffingInputError('standard', `asks for ${standard.measure} ${standard.operator} ${standard.threshold}: a forecast needs a standard that bounds a wait from above (<= or <)`);
  if (standard.measure !== 'rings') return standard.threshold;
  const rings = standard.operator === '<=' ? standard.threshold : Math.ceil(standard.threshold) - 1;
  try {
    return waitThresholdForRings(rings, ringCycleSeconds);
  } catch {
    throw new StaffingInputError('standard', `asks for rings ${standard.operator} ${standard.threshold}, which no call can meet`);
  }
}

/** Mean handling time of the tallies (null when none said how long serving took). */
export function meanHandle(tallies: readonly HourTally[]): number | null {
  const n = tallies.reduce((s, t) => s + t.handled, 0);
  return n === 0 ? null : tallies.reduce((s, t) => s + t.handleSum, 0) / n;
}

/** The least number of people for an hour, with the service level they give; null when it cannot be said. */
export function peopleNeeded(arrivalsPerHour: number | null, handleSeconds: number | null, thresholdSeconds: number, target: number): { agents: number; serviceLevel: number } | null {
  if (arrivalsPerHour === null) return null;
  if (arrivalsPerHour === 0) return { agents: 0, serviceLevel: 1 };
  if (handleSeconds === null || handleSeconds <= 0) return null;
  const answer = staffFor({ arrivalsPerHour, handleSeconds, thresholdSeconds, target });
  return { agents: answer.agents, serviceLevel: answer.at.serviceLevel };
}
