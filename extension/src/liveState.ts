// The last snapshot with every later update applied, so a dashboard opened late starts from current data.
import type { ClocksUpdate, ComplianceSeries, ComplianceUpdate, JudgedEvent, Snapshot } from '@ringside/server/protocol';
import { applyClocksUpdate, upsertLivePoint } from '@ringside/server/protocol/pure';

/** How many recent events to keep for a newly opened panel (the server sends about this many). */
export const RECENT_LIMIT = 50;

export function applyJudged(snapshot: Snapshot, events: JudgedEvent[]): Snapshot {
  // `events` are oldest first; `recent` is newest first.
  const recent = [...[...events].reverse(), ...snapshot.recent].slice(0, RECENT_LIMIT);
  return { ...snapshot, recent };
}

export function applyCompliance(snapshot: Snapshot, update: ComplianceUpdate): Snapshot {
  const series = snapshot.series.map((line) => applyPoints(line, update));
  return { ...snapshot, serverTime: update.serverTime, today: update.today, series };
}

/** Each point of this line's standard applied as the dashboard applies it (protocol/pure/livePoints.ts). */
function applyPoints(line: ComplianceSeries, update: ComplianceUpdate): ComplianceSeries {
  let points = line.points;
  for (const { standardId, point } of update.points) if (standardId === line.standardId) points = upsertLivePoint(points, point);
  return points === line.points ? line : { ...line, points };
}

/** Open cases after a `clocks` update (a server without open clocks never sends one). */
export function applyClocks(snapshot: Snapshot, update: ClocksUpdate): Snapshot {
  return { ...snapshot, openClocks: applyClocksUpdate(snapshot.openClocks ?? [], update) };
}
