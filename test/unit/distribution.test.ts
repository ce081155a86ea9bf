// Bins of the distribution report (issue #5): the default edges, a threshold that is not an edge, labels.
import { describe, expect, it } from 'vitest';
import type { Standard } from '../../server/src/protocol';
import { binEdges, buildDistribution } from '../../server/src/reports/distribution';

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
