// Pure: what the "open now" tiles and the at-risk list show at an instant, from the open cases the server sent
// (state.openClocks) and the page's corrected clock. Each standing's state comes from its own deadlines
// (protocol/pure/openClocks.ts), so a countdown turns red on time between two pushes.
import type { ClockState, OpenClock } from '@ringside/server/protocol';
import { clockStateAt, clockStateCount, compareText, countNoun, deadlineLabel, formatDuration, groupKey, standingStateAt, type LabelledStandard } from '@ringside/server/protocol/pure';
import { formatTimeInDay, localDayOf } from './format';
import type { DashboardState } from './state';

/** The built-in types first, in the order an ops lead reads them; other types after, by id. */
const TYPE_ORDER = ['call', 'visit', 'complaint'];
const TYPE_NOUN: Readonly<Record<string, { one: string; many: string; title: string }>> = {
  call: { one: 'call', many: 'calls', title: 'Calls now' },
  visit: { one: 'visitor', many: 'visitors', title: 'Front desk now' },
  complaint: { one: 'complaint', many: 'complaints', title: 'Complaints open' },
};

function typeNoun(type: string, n: number): string {
  const known = TYPE_NOUN[type];
  return known ? countNoun(n, known.one, known.many) : countNoun(n, type.replace(/-/g, ' '));
}

/** "Call", "Visit", "Complaint", "Email reply". */
export function typeLabel(type: string): string {
  const words = type.replace(/-/g, ' ');
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
}

export interface OpenTile {
  type: string;
  title: string;
  /** The big line: "3 waiting", "2 at the desk", "5 open". */
  headline: string;
  /** The line under it: "longest 0:41", "1 at risk, due 14:00". */
  detail: string;
  /** The whole tile in one sentence (its accessible name): "3 waiting · longest 0:41". */
  sentence: string;
  /** good: nothing at risk; warn: something at risk; bad: a deadline passed; none: nothing open. */
  tone: 'good' | 'warn' | 'bad' | 'none';
}

/** The open cases the selection covers: its site, and its standard's event type when one is chosen. */
export function visibleClocks(state: DashboardState): OpenClock[] {
  const { site, standard } = state.selection;
  const type = standard ? state.standards.find((s) => s.id === standard)?.eventType : undefined;
  if (!site && !type) return state.openClocks;
  return state.openClocks.filter((c) => (!site || c.site === site) && (!type || c.type === type));
}

/** The event types that get a tile: those with a standard or an open case, built-ins first. */
export function tileTypes(state: DashboardState): string[] {
  const types = new Set<string>([...state.standards.map((s) => s.eventType), ...state.openClocks.map((c) => c.type)]);
  const chosen = state.selection.standard ? state.standards.find((s) => s.id === state.selection.standard)?.eventType : undefined;
  const order = (t: string) => (TYPE_ORDER.includes(t) ? TYPE_ORDER.indexOf(t) : TYPE_ORDER.length);
  return [...types].filter((t) => !chosen || t === chosen).sort((a, b) => order(a) - order(b) || compareText(a, b));
}

/** "14:00" today, "2 Dec 14:00" on another day (in the viewer's zone). */
function formatDue(deadlineMs: number, nowMs: number): string {
  return formatTimeInDay(deadlineMs, localDayOf(nowMs));
}

export function openTile(type: string, clocks: readonly OpenClock[], nowMs: number): OpenTile {
  const mine = clocks.filter((c) => c.type === type);
  const n = mine.length;
  const states = mine.map((c) => clockStateAt(c, nowMs));
  const atRisk = states.filter((s) => s === 'at-risk').length;
  const breached = states.filter((s) => s === 'breached').length;
  const tone = n === 0 ? 'none' : breached > 0 ? 'bad' : atRisk > 0 ? 'warn' : 'good';
  const title = TYPE_NOUN[type]?.title ?? `${typeLabel(typeNoun(type, 2))} open`;
  if (type === 'call' || type === 'visit') {
    const longest = n === 0 ? 0 : Math.max(...mine.map((c) => (nowMs - Date.parse(c.startedAt)) / 1000));
    const headline = type === 'call' ? `${n} waiting` : `${n} at the desk`;
    // What the tile's colour says is said in words too: a red edge alone tells a reader who cannot tell red from
    // green (or hears the tile) nothing.
    const standing = [...(breached > 0 ? [clockStateCount(breached, 'breached')] : []), ...(atRisk > 0 ? [clockStateCount(atRisk, 'at-risk')] : [])];
    const detail = n === 0 ? (type === 'call' ? 'no caller waiting' : 'nobody waiting') : [`longest ${formatDuration(longest)}`, ...standing].join(' · ');
    return { type, title, headline, detail, sentence: n === 0 ? headline : `${headline} · ${detail}`, tone };
  }
  const parts: string[] = [];
  if (breached > 0) parts.push(clockStateCount(breached, 'breached'));
  const due = earliestDeadline(mine, nowMs, 'at-risk');
  if (atRisk > 0) parts.push(`${clockStateCount(atRisk, 'at-risk')}${due === null ? '' : `, due ${formatDue(due, nowMs)}`}`);
  const detail = parts.length > 0 ? parts.join(' · ') : n === 0 ? 'none open' : 'none at risk';
  const headline = `${n} open`;
  return { type, title, headline, detail, sentence: `${n} ${typeNoun(type, n)} open · ${detail}`, tone };
}

/** The earliest deadline among the standings in `state` at `nowMs`. */
function earliestDeadline(clocks: readonly OpenClock[], nowMs: number, state: ClockState): number | null {
  let earliest: number | null = null;
  for (const c of clocks) {
    for (const s of c.standards) {
      if (s.deadline === null || standingStateAt(s, nowMs) !== state) continue;
      const at = Date.parse(s.deadline);
      if (earliest === null || at < earliest) earliest = at;
    }
  }
  return earliest;
}

export interface AtRiskItem {
  key: string;
  clock: OpenClock;
  standardId: string;
  /** "Calls ≤ 2 rings": the label of the version that set the deadline, as the server sent it (not the one in force now). */
  standardLabel: string;
  deadlineMs: number;
  state: Exclude<ClockState, 'running'>;
  /** "0:08 left", "0:03 over". */
  countdown: string;
}

/**
 * Every standing at risk or past its deadline at `nowMs`, the nearest deadline first. `standards`: those in force,
 * named only for a standing from an older server, which sends no label (deadlineLabel).
 */
export function atRiskItems(clocks: readonly OpenClock[], nowMs: number, standards: ReadonlyArray<LabelledStandard & { id: string }>): AtRiskItem[] {
  const items: AtRiskItem[] = [];
  for (const clock of clocks) {
    for (const standing of clock.standards) {
      const state = standingStateAt(standing, nowMs);
      if (state === 'running' || standing.deadline === null) continue;
      const deadlineMs = Date.parse(standing.deadline);
      items.push({
        key: groupKey(clock.type, clock.site, clock.caseId, standing.standardId),
        clock,
        standardId: standing.standardId,
        standardLabel: deadlineLabel(standing, standards),
        deadlineMs,
        state,
        countdown: countdown(deadlineMs, nowMs),
      });
    }
  }
  return items.sort((a, b) => a.deadlineMs - b.deadlineMs || compareText(a.key, b.key));
}

/** Time left until the deadline ("0:08 left"), or past it ("0:03 over"); whole seconds, rounded towards the deadline. */
function countdown(deadlineMs: number, nowMs: number): string {
  const ms = deadlineMs - nowMs;
  return ms >= 0 ? `${formatDuration(Math.ceil(ms / 1000))} left` : `${formatDuration(Math.floor(-ms / 1000))} over`;
}
