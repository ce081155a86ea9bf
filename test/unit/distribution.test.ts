// Bins of the distribution report: the default edges, a threshold that is not an edge, labels; the bins from the
// summaries against the raw bins (equal exactly when `unplaced` is 0); and its query, whose range and zone are
// read as the compliance query reads them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Standard } from '../../server/src/protocol';
import { addToBins, binEdges, binOf, binsFromSummaries, buildDistribution, unplaced, type BinCount } from '../../server/src/domain/distribution';
import { contribution, fold, valueContribution, zeroSums, type JudgementFacts } from '../../server/src/domain/rollups';
import { parseComplianceQuery, parseDistributionQuery } from '../../server/src/http/routes/compliance';

const calls: Standard = { id: 'c', version: 1, name: 'Calls', eventType: 'call', measure: 'rings', operator: '<=', threshold: 2, target: 0.9, formula: 'F3' };
const visits: Standard = { ...calls, id: 'v', name: 'Visits', eventType: 'visit', measure: 'greetSeconds', threshold: 30 };

describe('distribution bins', () => {
  it('uses rings 1, 2, 3, 4+ and 0–10 … 60+ s, adding a threshold that is not already an edge', () => {
    expect(binEdges(calls)).toEqual([1, 2, 3]);
    expect(binEdges({ ...calls, threshold: 5 })).toEqual([1, 2, 3, 5]);
    expect(binEdges({ ...calls, operator: '<', threshold: 3 })).toEqual([1, 2, 3]);
    expect(binEdges(visits)).toEqual([10, 20, 30, 60]);
    expect(binEdges({ ...visits, threshold: 45 })).toEqual([10, 20, 30, 45, 60]);
    // Far beyond the bins, or a ">=" standard: no extra edge.
    expect(binEdges({ ...visits, threshold: 3600 })).toEqual([10, 20, 30, 60]);
    expect(binEdges({ ...visits, operator: '>=' })).toEqual([10, 20, 30, 60]);
  });

  it('labels the bins and places the threshold marker after the bins within it', () => {
    const five = buildDistribution({ ...calls, threshold: 5 }, [1, 2, 3, 5], [
      { bin: 3, count: 4, met: 4 },
      { bin: 4, count: 1, met: 0 },
      { bin: -1, count: 2, met: 0 },
      { bin: -2, count: 1, met: 0 },
    ]);
    expect(five.bins.map((b) => b.label)).toEqual(['Ring 1', 'Ring 2', 'Ring 3', 'Rings 4–5', '6+ rings', 'Abandoned']);
    expect(five.bins.map((b) => b.count)).toEqual([0, 0, 0, 4, 1, 2]);
    expect(five.thresholdAfterBin).toBe(4);
    // The answered call without a value counts in the total, without a bar.
    expect(five.total).toBe(8);

    const strict = buildDistribution({ ...calls, operator: '<', threshold: 3 }, [1, 2, 3], []);
    expect(strict.thresholdAfterBin).toBe(2);
    const odd = buildDistribution({ ...visits, operator: '>=' }, [10, 20, 30, 60], []);
    expect(odd.thresholdAfterBin).toBeNull();
    expect(odd.bins.map((b) => b.key)).toEqual(['s-0-10', 's-10-20', 's-20-30', 's-30-60', 's-60+', 'left']);
  });
});

describe('bins from the summaries', () => {
  // Judgements as the judge leaves them: met only when counted, and an outside-hours one is never counted.
  const judgement = fc
    .record({
      type: fc.constantFrom('call', 'visit', 'ticket'),
      outcome: fc.constantFrom('answered', 'greeted', 'abandoned', 'left', 'expired', 'closed'),
      reason: fc.constantFrom(null, null, 'abandoned', 'short-abandon', 'outside-hours', 'deadline', 'expired'),
      value: fc.option(fc.constantFrom(0, 1, 2, 3, 4.5, 10, 12.5, 30, 61), { nil: null }),
      counted: fc.boolean(),
      met: fc.boolean(),
    })
    .map((j): JudgementFacts => {
      const counted = j.counted && j.reason !== 'outside-hours';
      return { ...j, answerSeconds: j.value, greetSeconds: j.value, counted, met: counted && j.met };
    });
  const nonZero = (bins: readonly BinCount[]) => new Map(bins.filter((b) => b.count !== 0 || b.met !== 0).map((b) => [b.bin, b]));

  it('gives the raw bins, met included, exactly when no judgement is unplaced', () => {
    fc.assert(
      fc.property(fc.array(judgement, { maxLength: 30 }), (judgements) => {
        const edges = [10, 20, 30, 60];
        const raw = new Map<number, BinCount>();
        const sums = zeroSums();
        const values = new Map<number, { value: number; n: number; met: number }>();
        for (const j of judgements) {
          const bin = binOf(j, edges);
          if (bin !== null) addToBins(raw, bin, 1, j.met ? 1 : 0);
          fold(sums, contribution(j));
          const v = valueContribution(j);
          if (v) values.set(v.value, { value: v.value, n: (values.get(v.value)?.n ?? 0) + v.n, met: (values.get(v.value)?.met ?? 0) + v.met });
        }
        const fromSummaries = nonZero(binsFromSummaries([...values.values()], sums, edges));
        const left = unplaced(sums, [...values.values()].reduce((n, v) => n + v.n, 0));
        expect(left).toBe(sums.considered - sums.abandoned - sums.valueN); // the rollups' own count says the same
        if (left === 0) expect(fromSummaries).toEqual(nonZero([...raw.values()]));
        else expect(fromSummaries).not.toEqual(nonZero([...raw.values()]));
      }),
      { numRuns: 500 },
    );
  });
});

describe('distribution query: the same "today" as the compliance query', () => {
  // 20:00 UTC on 10 March 2026: already 11 March in Tokyo, still 10 March in New York (UTC−4 since 8 March).
  const NOW = Date.parse('2026-03-10T20:00:00Z');
  const zones = { knownSite: (site: string) => site, siteZone: (site: string) => (site === 'tokyo' ? 'Asia/Tokyo' : undefined), serverZone: 'America/New_York' };
  const parse = (raw: Record<string, string>) => {
    const parsed = parseDistributionQuery(raw, [calls, visits], zones, NOW);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return { from: new Date(parsed.query.fromMs).toISOString(), to: new Date(parsed.query.toMs).toISOString(), timeZone: parsed.query.timeZone };
  };

  it("takes today in the site's zone when one configured site is asked, else the server's, or tz", () => {
    expect(parse({ window: 'today', site: 'tokyo' })).toEqual({ from: '2026-03-10T15:00:00.000Z', to: '2026-03-11T15:00:00.000Z', timeZone: 'Asia/Tokyo' });
    expect(parse({ site: 'tokyo' })).toEqual({ from: '2026-03-10T15:00:00.000Z', to: '2026-03-10T20:00:00.000Z', timeZone: 'Asia/Tokyo' });
    expect(parse({ window: 'today' })).toMatchObject({ from: '2026-03-10T04:00:00.000Z', timeZone: 'America/New_York' });
    expect(parse({ site: 'unconfigured' })).toMatchObject({ from: '2026-03-10T04:00:00.000Z', timeZone: 'America/New_York' });
    expect(parse({ window: 'today', site: 'tokyo', tz: 'Europe/Berlin' })).toMatchObject({ from: '2026-03-09T23:00:00.000Z', timeZone: 'Europe/Berlin' });
  });

  it('reads every range exactly as GET /compliance does', () => {
    const ranges: Array<Record<string, string>> = [{ window: 'today', site: 'tokyo' }, { site: 'tokyo' }, { window: 'month' }, { window: '1h', tz: 'Asia/Tokyo' }, { from: '2026-03-01T00:00:00Z' }];
    for (const raw of ranges) {
      const compliance = parseComplianceQuery(raw, { ...zones, standardIds: ['c', 'v'] }, NOW);
      if (!compliance.ok) throw new Error(JSON.stringify(compliance.errors));
      const q = compliance.query;
      expect(parse(raw), JSON.stringify(raw)).toEqual({ from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString(), timeZone: q.timeZone });
      // The clock too: a range that ends now reads its trailing edge from a whole cell, as the report does.
      const distribution = parseDistributionQuery(raw, [calls, visits], zones, NOW);
      expect(distribution.ok && distribution.query.nowMs).toBe(q.nowMs);
    }
  });

  it('refuses a zone that is not an IANA zone, naming tz', () => {
    const parsed = parseDistributionQuery({ tz: 'Mars/Olympus' }, [calls], zones, NOW);
    expect(parsed).toMatchObject({ ok: false, errors: [{ path: 'tz' }] });
  });
});
