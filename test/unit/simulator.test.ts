import { describe, expect, it } from 'vitest';
import { eventInputSchema } from '../../server/src/protocol';
import { createSimulator, DEMO_SITES } from '../../server/src/demo/simulator';
import { judgeEvent } from '../../server/src/domain/judge';
import { completeMeasurements } from '../../server/src/domain/measures';
import { DEFAULT_STANDARDS } from '../../server/src/domain/standards';

const now = Date.UTC(2026, 10, 23, 12, 0);
const run = (seed: number, n: number) => {
  const sim = createSimulator({ seed });
  return Array.from({ length: n }, () => {
    const a = sim.next();
    return { delayMs: a.delayMs, event: a.eventAt(now) };
  });
};

describe('demo simulator', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(run(42, 50)).toEqual(run(42, 50));
    expect(run(42, 50)).not.toEqual(run(43, 50));
  });
  it('produces only events the API would accept', () => {
    for (const { event } of run(7, 2000)) expect(eventInputSchema.safeParse(event).success).toBe(true);
  });
  it('arrives about twice a second on average (exponential gaps)', () => {
    const gaps = run(1, 5000).map((a) => a.delayMs);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(420);
    expect(mean).toBeLessThan(580);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
  });
  it('covers every site and both event types, and is mostly compliant but not always', () => {
    const events = run(3, 3000).map((a) => a.event);
    expect(new Set(events.map((e) => e.site))).toEqual(new Set(DEMO_SITES.map((s) => s.name)));
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['call', 'visit']));
    const judgements = events.flatMap((e) => judgeEvent({ ...e, ...completeMeasurements(e, 6) }, DEFAULT_STANDARDS));
    const ratio = judgements.filter((j) => j.met).length / judgements.length;
    expect(ratio).toBeGreaterThan(0.7);
    expect(ratio).toBeLessThan(0.99);
  });
});
