// Incidents: the state machine (conditions → incident changes with hold times on the evaluation clock), the plain
// summary and the SRE detail, and the one rounding rule every figure goes through.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IncidentDetail, IncidentSeverity, Standard } from '../../server/src/protocol';
import { applyIncidentUpdate, countIncidents, countsPhrase, formatFactor, formatPercent, formatThreshold, formatTimes, standardPhrase, standardShortLabel, versionsPhrase, versionsShortLabel } from '../../server/src/protocol/pure';
import { CLEAR, incidentKey, observe, type Observation } from '../../server/src/domain/alerts/evaluate';
import { stepIncidents, withIds, type IncidentChangeDraft, type IncidentHolds, type KeyState } from '../../server/src/domain/alerts/incidents';
import { DEFAULT_POLICY, MINUTE_MS, policyWindows } from '../../server/src/domain/alerts/policy';
import type { WindowCounts } from '../../server/src/domain/alerts/counts';
import { detailOf, windowWords, wordingOf, type SummaryState } from '../../server/src/domain/alerts/wording';

const std = (over: Partial<Standard> = {}): Standard => ({
  id: 'calls',
  version: 1,
  name: 'Calls answered within 2 rings',
  eventType: 'call',
  measure: 'rings',
  operator: '<=',
  threshold: 2,
  target: 0.9,
  formula: 'F3',
  ...over,
});
const visits = std({ id: 'visits', name: 'Visitors greeted within 30 seconds', eventType: 'visit', measure: 'greetSeconds', threshold: 30 });
const c = (counted: number, met: number): WindowCounts => ({ counted, met });
const windows = policyWindows(DEFAULT_POLICY);
const uniform = (counted: number, met: number) => windows.map(() => c(counted, met));
const at = (counts: Record<string, WindowCounts>, fallback = c(0, 0)): WindowCounts[] => windows.map((w) => counts[w.name] ?? fallback);

describe('the one rounding rule (protocol/pure/format.ts)', () => {
  it('floors percentages to the tenth, so 89.96 % reads 89.9 %, never 90.0 %', () => {
    expect(formatPercent(0.8996)).toBe('89.9 %');
    expect(formatPercent(0.931)).toBe('93.1 %');
    expect(formatPercent(0.29)).toBe('29.0 %'); // 0.29 × 1000 is 289.99999999999994: the epsilon keeps it
    expect(formatPercent(215 / 239)).toBe('89.9 %'); // the "90.0 % (215/239 met) … amber below 90.0 %"
    expect(formatPercent(1)).toBe('100.0 %');
    expect(formatPercent(0)).toBe('0.0 %');
    expect(formatPercent(null)).toBe('—');
  });
  it('shows thresholds exactly, and burn rates raised to the tenth (they fire strictly above a factor)', () => {
    expect(formatThreshold(0.9)).toBe('90 %');
    expect(formatThreshold(0.925)).toBe('92.5 %');
    expect(formatThreshold(0.85)).toBe('85 %');
    expect(formatThreshold(0.9255)).toBe('92.55 %');
    expect(formatTimes(14.41)).toBe('14.5×');
    expect(formatTimes(14.4)).toBe('14.4×');
    expect(formatTimes(2.96)).toBe('3.0×');
    expect(formatTimes(null)).toBe('n/a');
    expect(formatFactor(14.4)).toBe('14.4×');
    expect(formatFactor(6)).toBe('6×');
  });
  const number = (text: string) => Number.parseFloat(text);
  it('property: a ratio below a threshold never formats to the threshold or above (any threshold)', () => {
    fc.assert(
      // Ratios just below the threshold: the ones a rounding could lift onto it.
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 3 }), (counted, t, below) => {
        const threshold = t / 10_000;
        const met = Math.max(0, Math.ceil(threshold * counted) - below);
        const ratio = met / counted;
        fc.pre(ratio < threshold);
        expect(number(formatPercent(ratio))).toBeLessThan(number(formatThreshold(threshold)));
      }),
      { numRuns: 5000 },
    );
  });
  it('property: a ratio at or above a threshold on the tenth never reads below it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 2 }), (counted, t, above) => {
        const threshold = t / 1000;
        const met = Math.min(counted, Math.ceil(threshold * counted) + above);
        const ratio = met / counted;
        fc.pre(ratio >= threshold);
        expect(number(formatPercent(ratio))).toBeGreaterThanOrEqual(number(formatThreshold(threshold)));
      }),
      { numRuns: 5000 },
    );
  });
  it('property: a burn rate never reads on the wrong side of its factor', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 50, noNaN: true }), fc.constantFrom(1, 3, 6, 14.4), (rate, factor) => {
        const shown = number(formatTimes(rate));
        if (rate > factor) expect(shown).toBeGreaterThan(factor);
        else expect(shown).toBeLessThanOrEqual(factor);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('wording', () => {
  const summaryOf = (standard: Standard, detail: IncidentDetail, state: SummaryState) => wordingOf(standard, 'Harbour', detail, state, () => []).summary;
  const observation = (standard: Standard, counts: WindowCounts[], memory = CLEAR): Observation =>
    observe({ standards: [standard], policy: DEFAULT_POLICY, windows, scoped: [{ standardId: standard.id, site: 'harbour', counts }], memory: new Map([[incidentKey(standard.id, 'harbour'), memory]]), openSites: new Map() })[0]!;

  it('phrases standards in words and labels them short', () => {
    expect(standardPhrase(std())).toEqual({ noun: 'calls', phrase: 'answered within 2 rings' });
    expect(standardPhrase(visits)).toEqual({ noun: 'visits', phrase: 'greeted within 30 s' });
    expect(standardPhrase({ ...std(), eventType: 'complaint', measure: 'resolved', threshold: 7200 })).toEqual({ noun: 'complaints', phrase: 'met (Complaints ≤ 2 h)' });
    expect(standardShortLabel(std())).toBe('Calls ≤ 2 rings');
    expect(windowWords(60 * MINUTE_MS)).toBe('in the last hour');
    expect(windowWords(6 * 60 * MINUTE_MS)).toBe('in the last 6 hours');
    expect(windowWords(30 * MINUTE_MS)).toBe('in the last 30 minutes');
    expect(windowWords(3 * 24 * 60 * MINUTE_MS)).toBe('in the last 3 days');
  });

  it('says the band figure in plain words first, the SRE detail behind it', () => {
    const o = observation(std(), uniform(239, 201)); // 84.1 %: red (below 85 %)
    expect(o.wanted).toBe('red');
    const detail = detailOf(o);
    expect(summaryOf(o.standard, detail, 'open')).toBe('Harbour calls: 84.1 % answered within 2 rings in the last hour — target 90 %');
    expect(detail.lines[0]).toBe('Band over 1h: 84.1 % (201 of 239 met); amber below 90 %, red below 85 % → red');
    expect(detail.lines.slice(1)).toEqual([
      'Error budget (10 %) burning 1.6× over 1h and 1.6× over 5m; red above 14.4× in both → clear',
      'Error budget (10 %) burning 1.6× over 6h and 1.6× over 30m; red above 6× in both → clear',
      'Error budget (10 %) burning 1.6× over 1d and 1.6× over 2h; amber above 3× in both → clear',
      'Error budget (10 %) burning 1.6× over 3d and 1.6× over 6h; amber above 1× in both → firing',
    ]);
    expect(summaryOf(o.standard, detail, 'recovered')).toBe('Harbour calls back on target: 84.1 % answered within 2 rings in the last hour — target 90 %');
    expect(summaryOf(o.standard, detail, 'retired')).toBe('Harbour calls: closed — the standard "Calls answered within 2 rings" is no longer in force');
  });

  it('never states a figure just below the target as the target (215 of 239 is 89.9 %, not 90.0 %)', () => {
    const o = observation(std(), at({ '1h': c(239, 215) }, c(239, 215)));
    expect(o.wanted).toBe('amber');
    expect(summaryOf(o.standard, detailOf(o), 'open')).toBe('Harbour calls: 89.9 % answered within 2 rings in the last hour — target 90 %');
  });

  it('names the threshold of the versions that judged the window, several in one wording', () => {
    const v1 = std({ threshold: 20, measure: 'answerSeconds', version: 1 });
    const v2 = { ...v1, threshold: 25, version: 2 };
    const v3 = { ...v1, target: 0.95, version: 3 }; // the threshold of v1 again
    const byNumber = (_id: string, numbers: readonly number[]) => [v1, v2, v3].filter((v) => numbers.includes(v.version));
    const judgedBy = (versions: number[]) => observation(v2, windows.map(() => ({ ...c(30, 10), versions })));
    const word = (versions: number[]) => wordingOf(v2, 'Lobby', detailOf(judgedBy(versions)), 'open', byNumber);
    expect(word([1])).toEqual({ summary: 'Lobby calls: 33.3 % answered within 20 s in the last hour — target 90 %', standardLabel: 'Calls ≤ 20 s', standardVersion: 1 });
    expect(word([1, 2])).toEqual({ summary: 'Lobby calls: 33.3 % answered within 20 s / 25 s in the last hour — target 90 %', standardLabel: 'Calls ≤ 20 s / 25 s', standardVersion: 2 });
    expect(word([1, 2, 3]).standardLabel).toBe('Calls ≤ 20 s / 25 s');
    expect(word([1, 3])).toMatchObject({ standardLabel: 'Calls ≤ 20 s', standardVersion: 3 });
    // Nothing counted, or versions not recorded: the version in force.
    expect(word([])).toMatchObject({ standardLabel: 'Calls ≤ 25 s', standardVersion: 2 });
    expect(judgedBy([1]).band.window.versions).toEqual([1]);
    // Versions that measure differently read as their labels, side by side.
    expect(versionsShortLabel([v1, { ...v1, operator: '>=', threshold: 5 }])).toBe('Calls ≤ 20 s / Calls ≥ 5 s');
    expect(versionsPhrase([v1, { ...v1, operator: '>=', threshold: 5 }])).toEqual({ noun: 'calls', phrase: 'met (Calls ≤ 20 s / Calls ≥ 5 s)' });
  });

  it('names the long window of the burning pair when only the error budget burns', () => {
    // The last hour is fine (95 %), but the last 3 days and 6 hours ran at 85 %: 1.5× the budget.
    const o = observation(std(), at({ '1h': c(100, 95), '5m': c(10, 10), '30m': c(50, 48), '2h': c(200, 180), '6h': c(600, 510), '1d': c(2000, 1760), '3d': c(6000, 5100) }));
    expect(o.memory).toEqual({ band: null, burn: 'ticket' });
    expect(o.wanted).toBe('amber');
    expect(summaryOf(o.standard, detailOf(o), 'open')).toBe('Harbour calls: 85.0 % answered within 2 rings in the last 3 days — target 90 %');
  });
});

// ------------------------------------------------------------------------------------------ the machine

const HOLDS: IncidentHolds = { openAfterMs: 2 * MINUTE_MS, escalateAfterMs: 0, deescalateAfterMs: 5 * MINUTE_MS, recoverAfterMs: 5 * MINUTE_MS };

/** An observation of `calls` at `site` wanting `wanted` (the band condition says it). */
function wants(wanted: IncidentSeverity | null, site = 'harbour', standard = std()): Observation {
  const o = observe({ standards: [standard], policy: DEFAULT_POLICY, windows, scoped: [{ standardId: standard.id, site, counts: uniform(100, 100) }], memory: new Map(), openSites: new Map() })[0]!;
  return { ...o, memory: { band: wanted, burn: null }, wanted, band: { ...o.band, severity: wanted } };
}

/** Runs the machine like the service does: one step per (time, observations), ids given to opened incidents. */
function run(steps: Array<[number, Observation[]]>, holds = HOLDS, inForce = [std()]): { drafts: Array<IncidentChangeDraft & { id: number }>; states: Map<string, KeyState> } {
  let states = new Map<string, KeyState>();
  let nextId = 1;
  const drafts: Array<IncidentChangeDraft & { id: number }> = [];
  for (const [atMs, observations] of steps) {
    const step = stepIncidents(states, observations, new Map(inForce.map((s) => [s.id, s])), { atMs, holds, siteName: (s) => s[0]!.toUpperCase() + s.slice(1), versionsOf: () => [] });
    const written = step.drafts.map((d) => ({ ...d, id: d.incidentId ?? nextId++ }));
    states = withIds(step.states, written.filter((d) => d.kind === 'opened').map((d) => ({ key: incidentKey(d.standardId, d.site), id: d.id })));
    drafts.push(...written);
  }
  return { drafts, states };
}

const m = (minutes: number) => minutes * MINUTE_MS;
const brief = (d: IncidentChangeDraft & { id: number }) => [d.atMs / MINUTE_MS, d.kind, d.id, d.previousSeverity, d.severity];

describe('incident state machine', () => {
  it('opens only after the condition held for openAfter, escalates at once, de-escalates and recovers after their holds', () => {
    const { drafts } = run([
      [m(0), [wants('amber')]],
      [m(1), [wants('amber')]], // held 1 min: not yet
      [m(2), [wants('amber')]], // 2 min: opens
      [m(3), [wants('red')]], // escalates at once
      [m(4), [wants('amber')]], // milder: the de-escalation hold starts
      [m(8), [wants('amber')]],
      [m(9), [wants('amber')]], // 5 min: de-escalates
      [m(10), [wants(null)]], // clear: the recovery hold starts
      [m(14), [wants(null)]],
      [m(15), [wants(null)]], // 5 min: recovers
    ]);
    expect(drafts.map(brief)).toEqual([
      [2, 'opened', 1, null, 'amber'],
      [3, 'escalated', 1, 'amber', 'red'],
      [9, 'de-escalated', 1, 'red', 'amber'],
      [15, 'recovered', 1, 'amber', 'amber'],
    ]);
    expect(drafts[0]!.summary).toBe('Harbour calls: 100.0 % answered within 2 rings in the last hour — target 90 %');
    expect(drafts.map((d) => d.siteName)).toEqual(['Harbour', 'Harbour', 'Harbour', 'Harbour']);
  });

  it('opens at the severity wanted when the hold ends, and a dip shorter than the hold opens nothing', () => {
    const { drafts } = run([
      [m(0), [wants('amber')]],
      [m(1), [wants(null)]], // the dip passed: nothing
      [m(5), [wants('amber')]],
      [m(6), [wants('red')]],
      [m(7), [wants('red')]], // held 2 min since 5: opens red
    ]);
    expect(drafts.map(brief)).toEqual([[7, 'opened', 1, null, 'red']]);
  });

  it('a passing recovery closes nothing: the recovery hold starts over when the condition comes back', () => {
    const { drafts } = run([
      [m(0), [wants('red')]],
      [m(2), [wants('red')]],
      [m(3), [wants(null)]],
      [m(7), [wants('amber')]], // still milder than red: the hold since 3 goes on
      [m(8), [wants('red')]], // back to red: nothing pending
      [m(9), [wants(null)]],
      [m(13), [wants(null)]], // 4 min since 9: still open
      [m(14), [wants(null)]],
    ]);
    expect(drafts.map(brief)).toEqual([
      [2, 'opened', 1, null, 'red'],
      [14, 'recovered', 1, 'red', 'red'],
    ]);
  });

  it('keeps one incident per standard and site; the all-sites figure is not an incident', () => {
    const { drafts } = run([
      [m(0), [wants('red', 'harbour'), wants('amber', 'airport')]],
      [m(2), [wants('red', 'harbour'), wants('amber', 'airport')]],
    ]);
    expect(drafts.map((d) => [d.site, d.kind, d.severity, d.id])).toEqual([
      ['harbour', 'opened', 'red', 1],
      ['airport', 'opened', 'amber', 2],
    ]);
    const sites = observe({ standards: [std()], policy: DEFAULT_POLICY, windows, scoped: [{ standardId: 'calls', site: 'a', counts: uniform(10, 0) }, { standardId: 'calls', site: 'b', counts: uniform(10, 0) }], memory: new Map(), openSites: new Map() });
    expect(sites.map((o) => o.key)).toEqual(['calls|a', 'calls|b']);
  });

  it('makes an acknowledged incident unacknowledged again only when it escalates beyond what was acknowledged', () => {
    let { states } = run([
      [m(0), [wants('amber')]],
      [m(2), [wants('amber')]],
    ]);
    const key = incidentKey('calls', 'harbour');
    const acked = (s: Map<string, KeyState>, severity: IncidentSeverity) => new Map([[key, { ...s.get(key)!, incident: { ...s.get(key)!.incident!, acknowledgedSeverity: severity } }]]);
    states = acked(states, 'amber');
    const up = stepIncidents(states, [wants('red')], new Map([['calls', std()]]), { atMs: m(3), holds: HOLDS, siteName: (s) => s, versionsOf: () => [] });
    expect(up.drafts.map((d) => [d.kind, d.clearsAcknowledgement])).toEqual([['escalated', true]]);
    const redAcked = acked(up.states, 'red');
    const down = stepIncidents(redAcked, [wants('amber')], new Map([['calls', std()]]), { atMs: m(3), holds: { ...HOLDS, deescalateAfterMs: 0 }, siteName: (s) => s, versionsOf: () => [] });
    expect(down.drafts.map((d) => [d.kind, d.clearsAcknowledgement])).toEqual([['de-escalated', false]]);
    expect(down.states.get(key)!.incident!.acknowledgedSeverity).toBe('red');
  });

  it("closes the incidents of a standard that is no longer in force, with its last measurements", () => {
    const { states } = run([
      [m(0), [wants('red')]],
      [m(2), [wants('red')]],
    ]);
    const step = stepIncidents(states, [], new Map(), { atMs: m(3), holds: HOLDS, siteName: () => 'Harbour', versionsOf: () => [] });
    expect(step.drafts.map((d) => [d.kind, d.severity, d.incidentId, d.summary])).toEqual([['recovered', 'red', 1, 'Harbour calls: closed — the standard "Calls answered within 2 rings" is no longer in force']]);
    expect(step.states.size).toBe(0);
  });

  it('closes an incident at a site the version in force no longer covers (its scope left the site out), and opens none there', () => {
    const { states } = run([
      [m(0), [wants('red')]],
      [m(2), [wants('red')]],
    ]);
    const narrowed = std({ version: 2, scope: { sites: ['downtown'] } });
    // The site's old misses are still in the windows, and the open incident keeps it observed: nothing new can be
    // judged there, so without closing it the incident would hold red for ever.
    const observed = observe({ standards: [narrowed], policy: DEFAULT_POLICY, windows, scoped: [{ standardId: 'calls', site: 'harbour', counts: uniform(20, 0) }, { standardId: 'calls', site: 'uptown', counts: uniform(20, 0) }], memory: new Map([['calls|harbour', { band: 'red', burn: null }]]), openSites: new Map([['calls', ['harbour']]]) });
    expect(observed).toEqual([]);
    const step = stepIncidents(states, observed, new Map([['calls', narrowed]]), { atMs: m(3), holds: HOLDS, siteName: () => 'Harbour', versionsOf: () => [] });
    expect(step.drafts.map((d) => [d.kind, d.severity, d.incidentId, d.summary])).toEqual([['recovered', 'red', 1, 'Harbour calls: closed — the standard "Calls answered within 2 rings" no longer covers this site']]);
    expect(step.states.size).toBe(0);
    // A site the scope names is observed and kept as before.
    const widened = std({ version: 3, scope: { sites: ['harbour'] } });
    expect(stepIncidents(states, [wants('red', 'harbour', widened)], new Map([['calls', widened]]), { atMs: m(3), holds: HOLDS, siteName: () => 'Harbour', versionsOf: () => [] }).drafts).toEqual([]);
  });

  it('holds through thin data: a quiet site neither opens nor recovers', () => {
    const standard = std();
    const quiet = (memory: KeyState['memory']) =>
      observe({ standards: [standard], policy: DEFAULT_POLICY, windows, scoped: [], memory: new Map([['calls|harbour', memory]]), openSites: new Map([['calls', ['harbour']]]) })[0]!;
    expect(quiet({ band: 'red', burn: null })).toMatchObject({ key: 'calls|harbour', wanted: 'red', memory: { band: 'red', burn: null } });
  });

  it('property: for any stream, changes come only when the severity changed, in a clean open → … → recovered order', () => {
    const severity = fc.constantFrom<IncidentSeverity | null>(null, 'amber', 'red');
    const gap = fc.integer({ min: 1, max: 4 }).map((n) => n * 30_000);
    fc.assert(
      fc.property(fc.array(fc.tuple(gap, severity), { maxLength: 80 }), (stream) => {
        let t = 0;
        const steps = stream.map(([dt, s]): [number, Observation[]] => [(t += dt), [wants(s)]]);
        const { drafts } = run(steps);
        let open: { id: number; severity: IncidentSeverity } | null = null;
        let lastId = 0;
        for (const d of drafts) {
          if (d.kind === 'opened') {
            expect(open).toBeNull();
            expect(d.id).toBeGreaterThan(lastId);
            lastId = d.id;
            open = { id: d.id, severity: d.severity };
            continue;
          }
          expect(open?.id).toBe(d.id);
          expect(d.previousSeverity).toBe(open!.severity);
          if (d.kind === 'recovered') open = null;
          else {
            expect(d.severity).not.toBe(open!.severity);
            expect(d.kind).toBe(d.severity === 'red' ? 'escalated' : 'de-escalated');
            open = { id: d.id, severity: d.severity };
          }
        }
        // Nothing opens before the condition persisted 2 min; nothing recovers before it was clear 5 min.
        for (const d of drafts.filter((x) => x.kind === 'opened')) {
          const since = steps.filter(([time]) => time <= d.atMs && time >= d.atMs - HOLDS.openAfterMs).every(([, [o]]) => o!.wanted !== null);
          expect(since).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('client counts (protocol/pure/incidents.ts)', () => {
  const incident = (id: number, severity: IncidentSeverity, acknowledged = false, state: 'open' | 'recovered' = 'open') => ({
    id,
    standardId: 'calls',
    standardVersion: 1,
    site: `s${id}`,
    siteName: `S${id}`,
    standardLabel: 'Calls ≤ 2 rings',
    target: 0.9,
    state,
    severity,
    peakSeverity: severity,
    openedAt: new Date(id * 1000).toISOString(),
    changedAt: new Date(id * 1000).toISOString(),
    recoveredAt: state === 'recovered' ? new Date(id * 2000).toISOString() : null,
    acknowledgedAt: acknowledged ? new Date(id * 1500).toISOString() : null,
    acknowledgedBy: acknowledged ? 'ana' : null,
    acknowledgedSeverity: acknowledged ? severity : null,
    summary: '',
    detail: detailOf(wants(severity)),
    lastChangeSeq: id,
  });
  it('counts open incidents, red ones nobody acknowledged for the badge', () => {
    const counts = countIncidents([incident(1, 'red'), incident(2, 'red', true), incident(3, 'amber'), incident(4, 'red', false, 'recovered')]);
    expect(counts).toEqual({ open: 3, red: 2, amber: 1, unacknowledged: 2, unacknowledgedRed: 1 });
    expect(countsPhrase(counts)).toBe('2 red · 1 amber');
  });
  it('keeps the newest state of an incident and drops it when it recovers', () => {
    const change = (i: ReturnType<typeof incident>) => ({ change: { seq: i.lastChangeSeq, incidentId: i.id, kind: 'opened' as const, at: i.openedAt, severity: i.severity, previousSeverity: null, summary: '', detail: i.detail, by: null }, incident: i });
    let open = applyIncidentUpdate(new Map(), change(incident(1, 'amber')));
    open = applyIncidentUpdate(open, change({ ...incident(1, 'red'), lastChangeSeq: 5 }));
    open = applyIncidentUpdate(open, change({ ...incident(1, 'amber'), lastChangeSeq: 3 })); // late: ignored
    expect(open.get(1)!.severity).toBe('red');
    open = applyIncidentUpdate(open, change({ ...incident(1, 'red', false, 'recovered'), lastChangeSeq: 6 }));
    expect(open.size).toBe(0);
  });
});
