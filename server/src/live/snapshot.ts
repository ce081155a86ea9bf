// What a dashboard needs to draw itself from nothing, and what changes after each stored batch; every figure from
// the compliance reader. "Today" is the server zone's local day (the live feed is all sites together).
import type { ComplianceUpdate, Snapshot } from '../protocol';
import type { OpenClock } from '../protocol/eventTypes';
import { todayRange } from '../domain/ranges';
import { inForcePeriods } from '../domain/standardVersions';
import { liveWindow, type ComplianceReader } from '../services/compliance';
import type { StandardsService } from '../services/standards';
import type { StoreReads } from '../store/port';

const SNAPSHOT_RECENT_EVENTS = 50;

export interface LiveSources {
  reads: StoreReads;
  standards: StandardsService;
  compliance: ComplianceReader;
  /** The zone of the live "today" (the server's). */
  timeZone: () => string;
  /** The open cases now (absent: none are watched). */
  openClocks?: () => OpenClock[];
}

export async function buildSnapshot(src: LiveSources, nowMs: number): Promise<Snapshot> {
  const standards = src.standards.current();
  const zone = src.timeZone();
  return {
    serverTime: new Date(nowMs).toISOString(),
    todayFrom: new Date(todayRange(nowMs, zone).fromMs).toISOString(),
    timeZone: zone,
    // With when each was in force, so the dashboard can tell a past range before a standard from one without events.
    standards: standards.map((s) => ({ ...s, inForce: inForcePeriods(src.standards.versions(s.id)) })),
    today: await src.compliance.today(standards, nowMs, zone),
    series: await src.compliance.liveSeries(standards, nowMs),
    recent: await src.reads.events.recent(SNAPSHOT_RECENT_EVENTS),
    eventsToday: await src.compliance.eventsToday(nowMs, zone),
    openIncidents: await src.reads.incidents.open(),
    openClocks: src.openClocks?.() ?? [],
    sites: (await src.reads.sites.list()).map((site) => ({ id: site.id, name: site.name })),
  };
}

/**
 * Today's figures plus the points of the minutes stored events fell in (minute starts, epoch ms). Only minutes
 * inside the live window are sent: a back-dated event changes history (and today's figures) but not the chart's
 * last hour.
 */
export async function buildComplianceUpdate(src: LiveSources, minutes: Iterable<number>, nowMs: number): Promise<ComplianceUpdate> {
  const { fromMs, toMs } = liveWindow(nowMs);
  const shown = [...minutes].filter((m) => m >= fromMs && m < toMs);
  const standards = src.standards.current();
  const zone = src.timeZone();
  return {
    serverTime: new Date(nowMs).toISOString(),
    today: await src.compliance.today(standards, nowMs, zone),
    points: await src.compliance.minutePoints(standards, shown),
    eventsToday: await src.compliance.eventsToday(nowMs, zone),
  };
}
