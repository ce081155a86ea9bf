// Staffing answers over the Erlang C model: one interval (erlangAnswer), and a site's day hour by hour from its
// history (staffingForecast). The domain computes; this reads, and turns the domain's input errors into the core's
// one error type so every adapter answers them the same way (HTTP: a 400 naming the parameter).
import { DomainError, QUERY_PARAMETER } from '../domain/errors';
import { StaffingInputError, staffFor, type StaffingAnswer, type StaffingQuestion } from '../domain/staffing/erlangC';
import {
  HISTORY_WEEKS,
  historyDates,
  hoursOfDay,
  resolveDate,
  meanHandle,
  peopleNeeded,
  tallyHours,
  thresholdSecondsOf,
  type HourTally,
  type LocalHour,
} from '../domain/staffing/forecast';
import { DEFAULT_RING_CYCLE_SECONDS } from '../domain/cadence';
import type { Site, Standard, StaffingForecast, StaffingHistoryDay, StaffingHour, StaffingObserved } from '../protocol';
import type { Core } from './core';

/** The least number of people for one interval, with the figures for that number and its neighbours. */
export function erlangAnswer(question: StaffingQuestion): StaffingAnswer {
  return asDomainErrors(() => staffFor(question));
}

function asDomainErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    // Every input of a staffing answer is a query parameter (GET /staffing/erlang, /staffing/forecast).
    if (error instanceof StaffingInputError) throw new DomainError('invalid', error.field, error.reason, undefined, QUERY_PARAMETER);
    throw error;
  }
}

export interface ForecastQuery {
  site: string;
  standard: string;
  /** YYYY-MM-DD, a day in the site's zone; or 'today' / 'tomorrow' there. */
  date: string;
}

const FORECAST_METHOD =
  `Arrivals of each local hour: the mean of the same hour on the same weekday of the ${HISTORY_WEEKS} weeks before the date, ` +
  'over the days that had any arrival (a day without one is left out: closed, or nothing recorded yet). Handling time: ' +
  "the mean of the hour's handling times on those days, else of the whole days. People: the least number Erlang C says " +
  "reaches the standard's target within its threshold.";

interface DayTallies {
  date: string;
  hours: LocalHour[];
  tallies: HourTally[];
}

/**
 * Why no forecast can be made for `standard` (whichever the site): a target a forecast cannot aim at, or a measure it
 * cannot bound; null when one can. The route names it beside the query's other problems; the forecast checks again.
 */
export function forecastStandardProblem(standard: Pick<Standard, 'target' | 'measure' | 'operator' | 'threshold'>): string | null {
  if (!(standard.target > 0 && standard.target < 1)) return `has target ${standard.target}: a forecast needs a target strictly between 0 and 1`;
  try {
    // A site's ring cycle only scales a ring threshold: whether it can be bound at all is the same for every site.
    thresholdSecondsOf(standard, DEFAULT_RING_CYCLE_SECONDS);
    return null;
  } catch (error) {
    if (error instanceof StaffingInputError) return error.reason;
    throw error;
  }
}

/** The forecast of one site's day for one standard, hour by hour, with what happened in the hours gone by. */
export async function staffingForecast(core: Pick<Core, 'store' | 'standards' | 'sites'>, q: ForecastQuery, nowMs: number): Promise<StaffingForecast> {
  const site = await core.sites.get(q.site);
  if (!site) throw new DomainError('invalid', 'site', `unknown site "${q.site}"`, undefined, QUERY_PARAMETER);
  const standard = core.standards.get(q.standard);
  if (!standard) throw new DomainError('invalid', 'standard', `unknown standard "${q.standard}"`, undefined, QUERY_PARAMETER);
  const unforecastable = forecastStandardProblem(standard);
  if (unforecastable) throw new DomainError('invalid', 'standard', unforecastable, undefined, QUERY_PARAMETER);
  const thresholdSeconds = asDomainErrors(() => thresholdSecondsOf(standard, site.ringCycleSeconds));
  const date = resolveDate(q.date, nowMs, site.timeZone);
  const read = (d: string) => dayTallies(core, site, standard.id, d);
  const day = await read(date);
  const history = await Promise.all(historyDates(date).map(read));
  const used = history.filter((h) => h.tallies.some((t) => t.arrivals > 0));
  const dayHandle = meanHandle(used.flatMap((h) => h.tallies));
  // An hour that would need a million people or more is refused like the erlang endpoint refuses it (400).
  const hours = asDomainErrors(() =>
    day.hours.map((hour, i): StaffingHour => {
      const forecast = forecastHour(hour.label, used, dayHandle, thresholdSeconds, standard.target);
      const state = nowMs >= hour.endMs ? 'past' : nowMs >= hour.startMs ? 'current' : 'future';
      const observed = state === 'future' ? null : observedHour(day.tallies[i]!, state === 'past', forecast.handleSeconds, thresholdSeconds, standard.target);
      return { hour: hour.label, utcOffset: hour.utcOffset, start: new Date(hour.startMs).toISOString(), end: new Date(hour.endMs).toISOString(), state, forecast, observed };
    }),
  );
  return {
    site: site.id,
    timeZone: site.timeZone,
    date,
    standard: { id: standard.id, version: standard.version, name: standard.name, eventType: standard.eventType, measure: standard.measure, operator: standard.operator, threshold: standard.threshold, target: standard.target },
    thresholdSeconds,
    ringCycleSeconds: site.ringCycleSeconds,
    method: FORECAST_METHOD,
    history: history.map((h) => historyDay(h, used.includes(h))),
    hours,
  };
}

async function dayTallies(core: Pick<Core, 'store'>, site: Site, standardId: string, date: string): Promise<DayTallies> {
  const hours = asDomainErrors(() => hoursOfDay(date, site.timeZone));
  const groups = await core.store.reads.figures.staffingGroups({ site: site.id, standardId, fromMs: hours[0]!.startMs, toMs: hours.at(-1)!.endMs });
  return { date, hours, tallies: tallyHours(hours, groups) };
}

/** The tallies of the hours with this label (two on the day the clocks go back; none on the day they skip it). */
const labelled = (day: DayTallies, label: string): HourTally[] => day.tallies.filter((_t, i) => day.hours[i]!.label === label);

function forecastHour(label: string, used: readonly DayTallies[], dayHandle: number | null, thresholdSeconds: number, target: number): StaffingHour['forecast'] {
  const perDay = used.map((d) => labelled(d, label)).filter((ts) => ts.length > 0);
  const arrivals = perDay.length === 0 ? null : perDay.reduce((s, ts) => s + ts.reduce((a, t) => a + t.arrivals, 0) / ts.length, 0) / perDay.length;
  const hourHandle = meanHandle(perDay.flat());
  const handleSeconds = hourHandle ?? dayHandle;
  const needed = peopleNeeded(arrivals, handleSeconds, thresholdSeconds, target);
  return { arrivals, handleSeconds, handleFrom: hourHandle !== null ? 'hour' : dayHandle !== null ? 'day' : null, agentsNeeded: needed?.agents ?? null, serviceLevel: needed?.serviceLevel ?? null };
}

function observedHour(t: HourTally, complete: boolean, forecastHandle: number | null, thresholdSeconds: number, target: number): StaffingObserved {
  const compliance = t.counted === 0 ? null : t.met / t.counted;
  const handleSeconds = meanHandle([t]);
  const agentsSeen = t.agents.size === 0 ? null : t.agents.size;
  const agentsNeeded = complete ? (peopleNeeded(t.arrivals, handleSeconds ?? forecastHandle, thresholdSeconds, target)?.agents ?? null) : null;
  const understaffed = compliance !== null && compliance < target && agentsSeen !== null && agentsNeeded !== null && agentsSeen < agentsNeeded;
  return { arrivals: t.arrivals, met: t.met, counted: t.counted, compliance, handleSeconds, agentsSeen, agentsNeeded, understaffed };
}

function historyDay(d: DayTallies, used: boolean): StaffingHistoryDay {
  return {
    date: d.date,
    arrivals: d.tallies.reduce((s, t) => s + t.arrivals, 0),
    used,
    hours: d.hours.map((h, i) => ({ hour: h.label, arrivals: d.tallies[i]!.arrivals, handleSeconds: meanHandle([d.tallies[i]!]) })),
  };
}
