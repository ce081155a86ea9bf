// The clients' pure handling of open clocks: the shared list (protocol/pure/openClocks.ts), the extension's breach
// notifications (quiet period per type and site, settings, repeats, summary), its status bar count and the Sites
// view's open-case text.
import { describe, expect, it } from 'vitest';
import type { ClockBreach, OpenClock, Standard } from '../../server/src/protocol';
import { applyClocksUpdate, CLOCK_STATE_WORDS, clockStateAt, countOpenClocks, formatDuration, formatTimeInDay, standingStateAt } from '../../server/src/protocol/pure';
import { BreachGate, breachText } from '../../extension/src/breachNotifier';
import { openCasesText } from '../../extension/src/siteModel';
import { statusView } from '../../extension/src/statusText';
import { atRiskItems, openTile } from '../../webview/src/openNow';

const T0 = Date.parse('2026-12-03T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function clock(caseId: string, startMs: number, limitSeconds: number, fields: Partial<OpenClock> = {}): OpenClock {
  const deadline = startMs + limitSeconds * 1000;
  return {
    type: 'call',
    site: 'harbour',
    caseId,
    startedAt: iso(startMs),
    elapsedSeconds: 0,
    standards: [{ standardId: 'calls', standardVersion: 1, standardLabel: 'Calls ≤ 2 rings', deadline: iso(deadline), atRiskAt: iso(startMs + limitSeconds * 800), state: 'running' }],
    ...fields,
  };
}

const breach = (caseId: string, fields: Partial<ClockBreach> = {}): ClockBreach => ({ type: 'call', site: 'harbour', caseId, standardId: 'calls', standardVersion: 1, standardLabel: 'Calls ≤ 2 rings', deadline: iso(T0), ...fields });
const standards = [{ id: 'calls', name: 'Calls answered within 2 rings', eventType: 'call', measure: 'rings', operator: '<=', threshold: 2, target: 0.9 }] as unknown as Standard[];
const on = { enabled: true, minSeverity: 'amber' as const, quietMs: 5 * 60_000 };

describe('open clocks (shared by the dashboard and the extension)', () => {
  it('turn at-risk at atRiskAt and breached just after the deadline, never back below what the server said', () => {
    const c = clock('a', T0, 10);
    const s = c.standards[0]!;
    expect(standingStateAt(s, T0 + 7_999)).toBe('running');
    expect(standingStateAt(s, T0 + 8_000)).toBe('at-risk');
    expect(standingStateAt(s, T0 + 10_000)).toBe('at-risk');
    expect(standingStateAt(s, T0 + 10_001)).toBe('breached');
    // The server already judged it breached (its clock is ahead of ours): keep that.
    expect(standingStateAt({ ...s, state: 'breached' }, T0)).toBe('breached');
    expect(clockStateAt({ ...c, standards: [] }, T0 + 99_000)).toBe('running');
  });

  it('apply changed and closed cases, oldest start first, and count them', () => {
    const a = clock('a', T0, 10);
    const b = clock('b', T0 - 5_000, 10);
    const open = applyClocksUpdate([a], { changed: [b], closed: [] });
    expect(open.map((c) => c.caseId)).toEqual(['b', 'a']);
    expect(applyClocksUpdate(open, { changed: [], closed: [{ type: 'call', site: 'harbour', caseId: 'b' }] }).map((c) => c.caseId)).toEqual(['a']);
    // Same case id at another site is another case.
    expect(applyClocksUpdate(open, { changed: [], closed: [{ type: 'call', site: 'airport', caseId: 'b' }] })).toHaveLength(2);
    expect(countOpenClocks(open, T0 + 9_000)).toEqual({ open: 2, atRisk: 1, breached: 1 });
  });

  it('formats waits and time left compactly', () => {
    expect(formatDuration(41)).toBe('0:41');
    expect(formatDuration(725)).toBe('12:05');
    expect(formatDuration(3 * 3600 + 249)).toBe('3:04:09');
    expect(formatDuration(2 * 86_400 + 4 * 3600 + 5)).toBe('2 d 4 h');
    expect(formatDuration(-3)).toBe('0:00');
  });
});

describe('breach notifications', () => {
  it('notify once per breach, then hold further ones at the same type and site for the quiet period', () => {
    const gate = new BreachGate();
    const first = gate.decide([breach('pbx-1')], T0, on, standards);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ kind: 'breach', site: 'harbour', type: 'call', standardId: 'calls' });
    expect(first[0]!.text).toBe(breachText(breach('pbx-1'), standards, 0, undefined, T0));
    expect(first[0]!.text).toMatch(/^Ringside: harbour call pbx-1 is past its deadline \(Calls ≤ 2 rings, due \d\d:\d\d\)$/);
    // Shown the next day (a catch-up after a night offline), the deadline names its day, as the dashboard does.
    expect(breachText(breach('pbx-1'), standards, 0, undefined, T0 + 86_400_000)).toContain(`due ${formatTimeInDay(T0, null)})`);
    // Repeated by the server: not news.
    expect(gate.decide([breach('pbx-1')], T0 + 1_000, on, standards)).toEqual([]);
    // Another at the same place inside the quiet period is held back; another place notifies at once.
    expect(gate.decide([breach('pbx-2')], T0 + 60_000, on, standards)).toEqual([]);
    const elsewhere = gate.decide([breach('v-1', { type: 'visit', site: 'harbour' })], T0 + 60_000, on, standards);
    expect(elsewhere.map((n) => n.kind === 'breach' && n.key)).toEqual(['visit|harbour']);
    // After the quiet period the next one names itself and counts the held one.
    const later = gate.decide([breach('pbx-3')], T0 + 6 * 60_000, on, standards);
    expect(later).toHaveLength(1);
    expect(later[0]!.covers.map((b) => b.caseId)).toEqual(['pbx-3', 'pbx-2']);
    expect(later[0]!.text).toContain('pbx-3 is past its deadline');
    expect(later[0]!.text).toMatch(/\(\+1 more there\)$/);
  });

  it('follow the notification settings: off, or a minimum severity of red, shows none', () => {
    expect(new BreachGate().decide([breach('x')], T0, { ...on, enabled: false }, standards)).toEqual([]);
    expect(new BreachGate().decide([breach('x')], T0, { ...on, minSeverity: 'red' }, standards)).toEqual([]);
    // A breach seen while muted does not notify later either.
    const gate = new BreachGate();
    gate.decide([breach('x')], T0, { ...on, enabled: false }, standards);
    expect(gate.decide([breach('x')], T0 + 1, on, standards)).toEqual([]);
  });

  it('fold a burst over many places into one summary', () => {
    const sites = ['a', 'b', 'c', 'd', 'e'];
    const notes = new BreachGate().decide(sites.map((site, i) => breach(`k${i}`, { site })), T0, on, standards);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ kind: 'breach-summary', text: 'Ringside: 5 open cases are past their deadline at a, b, c and 2 more' });
  });

  it('name a site as the dashboard does: its display name, its id when it has none; the place stays the id', () => {
    const names = new Map([['harbour', 'Harbour Street'], ['a', 'Airport'], ['blank', '  ']]);
    const [shown] = new BreachGate().decide([breach('pbx-9')], T0, on, standards, names);
    expect(shown).toMatchObject({ kind: 'breach', key: 'call|harbour', site: 'harbour' });
    expect(shown!.text).toMatch(/^Ringside: Harbour Street call pbx-9 is past its deadline \(Calls ≤ 2 rings, due \d\d:\d\d\)$/);
    expect(breachText(breach('pbx-9', { site: 'blank' }), standards, 0, names)).toMatch(/^Ringside: blank call pbx-9 /);
    // The rule named is the one that set the deadline (the version in force when the case started), as the server says.
    expect(breachText(breach('pbx-8', { standardVersion: 1, standardLabel: 'Calls ≤ 20 s' }), standards)).toMatch(/\(Calls ≤ 20 s, due /);
    const sites = ['a', 'b', 'c', 'd', 'e'];
    const [summary] = new BreachGate().decide(sites.map((site, i) => breach(`n${i}`, { site })), T0, on, standards, names);
    expect(summary!.text).toBe('Ringside: 5 open cases are past their deadline at Airport, b, c and 2 more');
  });
});

describe('breach notifications from an older server (no standardVersion or standardLabel)', () => {
  it("name the standard in force's short label, else its id, never \"undefined\"", () => {
    const { standardVersion: _v, standardLabel: _l, ...older } = breach('pbx-7');
    const inForce = [{ ...standards[0]!, threshold: 3 }];
    expect(breachText(older, inForce, 0, undefined, T0)).toMatch(/^Ringside: harbour call pbx-7 is past its deadline \(Calls ≤ 3 rings, due \d\d:\d\d\)$/);
    const [shown] = new BreachGate().decide([older], T0, on, inForce);
    expect(shown!.text).toContain('(Calls ≤ 3 rings, due ');
    expect(breachText(older, [])).toMatch(/\(calls, due /);
  });
});

describe('status bar and Sites view', () => {
  it('count open cases past their deadline beside the incidents', () => {
    const counts = { open: 2, red: 1, amber: 1, unacknowledged: 2, unacknowledgedRed: 1 };
    const view = statusView({ state: 'connected', serverUrl: 'http://x', items: [], counts, breached: 3 });
    expect(view.text).toBe('$(bell-dot) Ringside 1 red · 1 amber · 3 breached');
    expect(view.breached).toBe(3);
    expect(view.tooltip).toContain('Open cases: 3 breached');
    const calm = statusView({ state: 'connected', serverUrl: 'http://x', items: [], breached: 2 });
    expect(calm.text).toBe('$(bell-dot) Ringside 2 breached');
    expect(statusView({ state: 'connected', serverUrl: 'http://x', items: [] }).text).toBe('$(pulse) Ringside —');
  });

  it('say how many cases are open at a site, at risk and past their deadline', () => {
    const open = [clock('a', T0, 10), clock('b', T0 - 20_000, 10), clock('c', T0 + 5_000, 10)];
    expect(openCasesText(open, T0 + 9_000)).toBe('3 open · 1 at risk · 1 breached');
    expect(openCasesText([clock('c', T0, 100)], T0)).toBe('1 open');
    expect(openCasesText([], T0)).toBe('');
  });
});

describe('one word for a case past its deadline', () => {
  it('is the API\'s "breached" in the status bar, the Sites view and the dashboard\'s tiles, never "overdue" or "past deadline"', () => {
    expect(CLOCK_STATE_WORDS.breached).toBe('breached');
    const late = [clock('a', T0 - 20_000, 10)];
    const complaints = late.map((c) => ({ ...c, type: 'complaint' }));
    const shown = [
      statusView({ state: 'connected', serverUrl: 'http://x', items: [], breached: countOpenClocks(late, T0).breached }).text,
      openCasesText(late, T0),
      openTile('complaint', complaints, T0).detail,
    ];
    expect(shown).toEqual(['$(bell-dot) Ringside 1 breached', '1 open · 1 breached', '1 breached']);
  });
});

describe("the dashboard's at-risk list", () => {
  it('keeps two cases apart whose site and case id, joined, read alike (ids stored before NUL was refused)', () => {
    const a = clock('c', T0, 10, { site: 'x\u0000y' });
    const b = clock('y\u0000c', T0, 10, { site: 'x' });
    const items = atRiskItems([a, b], T0 + 9_000, standards);
    expect(items).toHaveLength(2);
    expect(new Set(items.map((i) => i.key)).size).toBe(2);
  });
});
