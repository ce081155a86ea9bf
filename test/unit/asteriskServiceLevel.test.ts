// Ringside's F2 and F1 over queue_log milestones against Asterisk's own SL and SL2, computed straight from the log
// lines the way app_queue keeps its counters (test/support/asteriskCounters.ts: SL = callscompletedinsl /
// callscompleted; SL2 = (callsabandonedinsl + callscompletedinsl) / (callsabandoned + callscompleted)).
// The reference shares no code with the mapper: it reads the holdtime from the line that ends the call (the
// mapper reads CONNECT) and counts at completion (the mapper answers at CONNECT).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeEvent, type JudgeableEvent } from '../../server/src/domain/judge';
import { mapQueueLog } from '../../server/src/integrations/asterisk/queueLog';
import type { MilestoneInput } from '../../server/src/integrations/types';
import type { FormulaVariant, Standard } from '../../server/src/protocol';
import { asteriskCounters, sl, sl2 } from '../support/asteriskCounters';
import { generateQueueLog, midCallCuts, splitIntoFiles } from '../support/queueLogGenerator';

const SITE = 'hq';

function standard(formula: FormulaVariant, threshold: number, queue: string): Standard {
  return { id: `asterisk-${formula}`, version: 1, name: `Asterisk ${formula}`, eventType: 'call', measure: 'answerSeconds', operator: '<=', threshold, target: 0.8, formula, shortAbandonSeconds: null, scope: { queues: [queue] } };
}

/**
 * Finished calls from milestones, as the server pairs them: by case, the stop's measured answerSeconds when it
 * carries one, otherwise the time from its start. Duplicates (same id) must be identical.
 */
function finishedCalls(milestones: MilestoneInput[]): JudgeableEvent[] {
  const byId = new Map<string, MilestoneInput>();
  for (const m of milestones) {
    const seen = byId.get(m.id!);
    if (seen) expect(m).toEqual(seen);
    byId.set(m.id!, m);
  }
  const cases = new Map<string, MilestoneInput[]>();
  for (const m of byId.values()) cases.set(m.caseId, [...(cases.get(m.caseId) ?? []), m]);
  return [...cases.values()].flatMap((ms) => {
    const stop = ms.find((m) => m.milestone === 'answered' || m.milestone === 'abandoned');
    const start = ms.find((m) => m.milestone === 'started');
    if (!stop) return [];
    const answerSeconds = stop.answerSeconds ?? (Date.parse(stop.at) - Date.parse(start!.at)) / 1000;
    return [{ type: 'call', site: SITE, queue: stop.queue ?? null, outcome: stop.milestone as 'answered' | 'abandoned', rings: null, answerSeconds, greetSeconds: null }];
  });
}

function ringsideFigures(calls: JudgeableEvent[], queue: string, threshold: number): Record<'F1' | 'F2', { met: number; counted: number }> {
  const figure = (formula: FormulaVariant) => {
    const judgements = calls.flatMap((c) => judgeEvent(c, [standard(formula, threshold, queue)]));
    return { met: judgements.filter((j) => j.met).length, counted: judgements.filter((j) => j.counted).length };
  };
  return { F1: figure('F1'), F2: figure('F2') };
}

/** Map each file as its own request (the forwarder posts rotated files separately) and pool the milestones. */
function mapFiles(files: string[]): MilestoneInput[] {
  return files.flatMap((f) => mapQueueLog(f, SITE).milestones);
}

describe("Asterisk's SL and SL2 reproduced by F2 and F1", () => {
  it('the reference reads a small log as Asterisk would (figures worked by hand)', () => {
    const t = 1_772_438_400;
    const text = [
      `${t}|a|q|NONE|ENTERQUEUE||1|1`,
      `${t + 5}|a|q|Ann|CONNECT|5|x|1`,
      `${t + 65}|a|q|Ann|COMPLETEAGENT|5|60|1`,
      `${t + 1}|b|q|NONE|ENTERQUEUE||1|1`,
      `${t + 21}|b|q|Ann|CONNECT|20|x|1`,
      `${t + 80}|b|q|Ann|BLINDTRANSFER|2000|ctx|20|59|1`,
      `${t + 2}|c|q|NONE|ENTERQUEUE||1|1`,
      `${t + 23}|c|q|Bob|CONNECT|21|x|1`,
      `${t + 90}|c|q|Bob|COMPLETECALLER|21|67|1`,
      `${t + 3}|d|q|NONE|ENTERQUEUE||1|1`,
      `${t + 13}|d|q|NONE|ABANDON|1|1|10`,
      `${t + 4}|e|q|NONE|ENTERQUEUE||1|1`,
      `${t + 44}|e|q|NONE|EXITWITHTIMEOUT|1|1|40`,
      `${t + 5}|f|q|NONE|ENTERQUEUE||1|1`,
      `${t + 8}|f|q|NONE|EXITWITHKEY|1|1|1|3`,
    ].join('\n');
    const c = asteriskCounters(text, 'q', 20);
    // Answered within 20 s: a (5) and b (20); c (21) is not. Abandoned within 20 s: d (10); e (40) is not; f is not counted.
    expect(c).toEqual({ completed: 3, completedInSl: 2, abandoned: 2, abandonedInSl: 1 });
    expect(sl(c)).toBeCloseTo(2 / 3, 12);
    expect(sl2(c)).toBeCloseTo(3 / 5, 12);
    const figures = ringsideFigures(finishedCalls(mapFiles([text])), 'q', 20);
    expect(figures).toEqual({ F2: { met: 2, counted: 3 }, F1: { met: 3, counted: 5 } });
  });

  it('a generated day, rotated mid-call into three files: F2 = SL and F1 = SL2, count for count, in every queue', () => {
    const log = generateQueueLog({ seed: 2026, calls: 400, overflowQueue: 'overflow', withdrawals: true });
    const files = splitIntoFiles(log.lines, midCallCuts(log.lines, 2, 1));
    expect(files).toHaveLength(3);
    const calls = finishedCalls(mapFiles(files));
    for (const queue of ['support', 'sales', 'overflow']) {
      for (const threshold of [10, 20, 30, 60]) {
        const asterisk = asteriskCounters(log.text, queue, threshold);
        // Enough calls on both sides of the threshold for the comparison to mean something.
        expect(asterisk.completed).toBeGreaterThan(5);
        expect(asterisk.completedInSl).toBeLessThan(asterisk.completed);
        expect(asterisk.abandoned).toBeGreaterThan(asterisk.abandonedInSl);
        const figures = ringsideFigures(calls, queue, threshold);
        expect(figures.F2).toEqual({ met: asterisk.completedInSl, counted: asterisk.completed });
        expect(figures.F1).toEqual({ met: asterisk.abandonedInSl + asterisk.completedInSl, counted: asterisk.abandoned + asterisk.completed });
        expect(figures.F2.met / figures.F2.counted).toBe(sl(asterisk));
        expect(figures.F1.met / figures.F1.counted).toBe(sl2(asterisk));
      }
    }
  });

  it('still agrees without any ENTERQUEUE line: each stop carries the wait Asterisk measured', () => {
    const log = generateQueueLog({ seed: 99, calls: 300, overflowQueue: 'overflow' });
    const withoutStarts = log.lines.filter((l) => l.split('|')[4] !== 'ENTERQUEUE');
    const milestones = mapFiles([withoutStarts.join('\n')]);
    expect(milestones.some((m) => m.milestone === 'started')).toBe(false);
    const calls = finishedCalls(milestones);
    for (const queue of ['support', 'sales', 'overflow']) {
      const asterisk = asteriskCounters(log.text, queue, 20);
      expect(ringsideFigures(calls, queue, 20)).toEqual({
        F2: { met: asterisk.completedInSl, counted: asterisk.completed },
        F1: { met: asterisk.abandonedInSl + asterisk.completedInSl, counted: asterisk.abandoned + asterisk.completed },
      });
    }
  });

  it('property: for any seed, servicelevel, transfer style and rotation, the figures agree', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 120 }),
        fc.constantFrom('modern' as const, 'legacy' as const),
        fc.integer({ min: 0, max: 5 }),
        (seed, threshold, transfers, rotations) => {
          const log = generateQueueLog({ seed, calls: 80, transfers, overflowQueue: 'overflow', withdrawals: true, extraFields: seed % 2 === 0 });
          const calls = finishedCalls(mapFiles(splitIntoFiles(log.lines, midCallCuts(log.lines, rotations, seed))));
          for (const queue of ['support', 'sales', 'overflow']) {
            const asterisk = asteriskCounters(log.text, queue, threshold);
            const figures = ringsideFigures(calls, queue, threshold);
            expect(figures.F2).toEqual({ met: asterisk.completedInSl, counted: asterisk.completed });
            expect(figures.F1).toEqual({ met: asterisk.abandonedInSl + asterisk.completedInSl, counted: asterisk.abandoned + asterisk.completed });
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('differs, as documented, while a call is being talked: Ringside counts it answered at CONNECT, Asterisk only once it ends', () => {
    const t = 1_772_438_400;
    const text = [`${t}|a|q|NONE|ENTERQUEUE||1|1`, `${t + 5}|a|q|Ann|CONNECT|5|x|1`].join('\n');
    expect(asteriskCounters(text, 'q', 20).completed).toBe(0);
    expect(ringsideFigures(finishedCalls(mapFiles([text])), 'q', 20).F2).toEqual({ met: 1, counted: 1 });
  });
});
