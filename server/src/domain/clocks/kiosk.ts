// Before a case starts: what a reception kiosk times a visitor's wait by (the standards that time it from arrival,
// with their at-risk and deadline seconds) and the spans in which an arrival would not be counted.
import type { ClockStandard, EventTypeDefinition } from '../../protocol/eventTypes';
import { closedIntervals, type OpenInterval } from '../businessTime';
import { clockMeasureOf, startOf } from '../eventTypes';
import { inScope } from '../judge';
import { atRiskAfter, clockLimit, countsClockStartedAt, type ClockSite } from './standardClock';

/**
 * The standards that time a case of `type` at `site` from its start, each with the seconds after the start its clock
 * turns at-risk and runs out (the same 80 % and limit as clockStatus): what a reception kiosk colours a wait by.
 * A case's queue is not known before it starts, so standards limited to queues are left out.
 */
export function standardsFromStart<S extends ClockStandard>(type: EventTypeDefinition, site: string, siteCalendar: ClockSite, standards: readonly S[]): Array<{ standard: S; atRiskSeconds: number; deadlineSeconds: number }> {
  const start = startOf(type).id;
  return standards.flatMap((standard) => {
    const measure = clockMeasureOf(type, standard.measure);
    const limit = clockLimit(standard, siteCalendar);
    if (standard.retired || standard.scope?.queues || measure?.from !== start || !limit) return [];
    if (!inScope({ type: type.id, outcome: '', rings: null, answerSeconds: null, greetSeconds: null, site, queue: null }, standard)) return [];
    return [{ standard, atRiskSeconds: atRiskAfter(limit.seconds), deadlineSeconds: limit.seconds }];
  });
}

/**
 * The spans of [fromMs, toMs) in which a clock of the standard started at the site would not be counted (the site
 * closed and the standard not counting outside hours: the judge's rule, as clockStatus asks it): a visitor who
 * arrives in one has no deadline under the standard, which is what a reception kiosk shows. Whether a start is
 * counted depends only on whether the site is open then, so one instant of each closed span answers for all of it.
 */
export function uncountedStarts(standard: ClockStandard, site: ClockSite, fromMs: number, toMs: number): OpenInterval[] {
  return [...closedIntervals(site, fromMs, toMs)].filter((closed) => !countsClockStartedAt(standard, site, closed.start));
}
