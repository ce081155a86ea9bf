// GET /kiosk: what a reception kiosk needs to time a visitor's wait itself, before any milestone is posted.
import { standardsFromStart, uncountedStarts } from '../../domain/clocks';
import { DomainError, QUERY_PARAMETER } from '../../domain/errors';
import { defaultSite } from '../../domain/sites';
import { VISIT_TYPE } from '../../protocol/builtInEventTypes';
import type { KioskSetup } from '../../protocol/kiosk';
import { caseTwinProblem } from '../sites';
import type { ClockServiceDeps } from './context';

/**
 * How far ahead GET /kiosk says which arrivals a standard will not count: a kiosk asks again every few minutes while
 * it is online, so only one offline for longer than this times a later arrival at a closed site as counted.
 */
const KIOSK_ARRIVALS_AHEAD_MS = 7 * 86_400_000;

/**
 * GET /kiosk: the visit type and the standards that time a visitor at `siteId` from arrival, now. A site that differs
 * from a stored one only in letter case is refused (caseTwinProblem, the rule ingest refuses each of its visits by):
 * answered with the defaults, the kiosk would time visitors whose every tap the server then drops.
 */
export async function kioskSetup(deps: ClockServiceDeps, siteId: string): Promise<KioskSetup> {
  const nowMs = deps.clock.now();
  const stored = await deps.store.reads.sites.get(siteId);
  const twin = stored ? null : caseTwinProblem(siteId, await deps.store.reads.sites.ids());
  if (twin) throw new DomainError('invalid', 'site', `${twin}; a kiosk for it could record no visit`, undefined, QUERY_PARAMETER);
  const site = stored && !stored.retired ? stored : defaultSite(siteId, deps.timeZone);
  const type = deps.ingest.registry().get(VISIT_TYPE.id) ?? VISIT_TYPE;
  const [from, to] = [nowMs - type.maxOpenSeconds * 1000, nowMs + KIOSK_ARRIVALS_AHEAD_MS];
  const span = (s: { start: number; end: number }) => ({ from: new Date(s.start).toISOString(), to: new Date(s.end).toISOString() });
  const standards = standardsFromStart(type, siteId, site, deps.standards.inForceAt(nowMs)).map(({ standard, atRiskSeconds, deadlineSeconds }) => ({
    standardId: standard.id,
    name: standard.name,
    atRiskSeconds,
    deadlineSeconds,
    clock: standard.clock ?? 'wall',
    notCounted: uncountedStarts(standard, site, from, to).map(span),
  }));
  return { site: { id: siteId, name: site.name, timeZone: site.timeZone }, eventType: type, standards, serverTime: new Date(nowMs).toISOString() };
}
