// A batch's events are each judged by the standard versions in force when they happened, also when a version
// starts or a standard is retired between two events of the same batch, and in any order within it (the versions
// in force are kept for the span between two validity starts, and read again after a change).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import { standardDefinitionSchema } from '../../../server/src/protocol/standardDefinition';
import { openTestCore, type TestCore } from '../support/core';
import { removeDir, tempDataDir } from '../support/testServer';

const HOUR = 3_600_000;
let dir: string;
let core: TestCore;
beforeAll(async () => {
  dir = tempDataDir();
  core = await openTestCore(dir);
});
afterAll(async () => {
  await core.close();
  removeDir(dir);
});

const call = (ms: number, rings: number) => ({ type: 'call', site: 'jv', occurredAt: new Date(ms).toISOString(), outcome: 'answered', rings });

describe('judging a batch across standard versions', () => {
  it('judges each event by the version in force at its occurredAt, before and after a change', async () => {
    const changeAt = Date.now() - 2 * HOUR;
    const retireAt = changeAt + HOUR;
    const base = DEFAULT_STANDARDS.find((s) => s.id === 'call-answer-2-rings')!;
    const judged = async (times: number[]) => {
      const out = await core.ingest.ingest(times.map((ms) => call(ms, 3)));
      if (out.kind !== 'stored') throw new Error(out.kind);
      return out.results.map((r) => r.judgements.filter((j) => j.standardId === base.id).map((j) => [j.standardVersion, j.met]));
    };
    // Version 2 (rings ≤ 3) from changeAt: events at or after it are judged by it, those before by version 1.
    await core.standards.update(base.id, standardDefinitionSchema.parse({ id: base.id, name: base.name, eventType: base.eventType, measure: base.measure, threshold: 3, target: base.target, validFrom: new Date(changeAt).toISOString() }), null);
    expect(await judged([changeAt - HOUR, changeAt - 3 * HOUR])).toEqual([[[1, false]], [[1, false]]]);
    const mixed = [changeAt + 1, changeAt - 1, changeAt, changeAt - HOUR, changeAt + 1, changeAt - 1, retireAt - 1];
    expect(await judged(mixed)).toEqual([[[2, true]], [[1, false]], [[2, true]], [[1, false]], [[2, true]], [[1, false]], [[2, true]]]);
    // Retired from retireAt: events from then on are not judged by it, in the same batch as events before.
    await core.standards.retire(base.id, retireAt, null);
    expect(await judged([retireAt - 2, retireAt + 2, changeAt - 7, retireAt, changeAt + 7])).toEqual([[[2, true]], [], [[1, false]], [], [[2, true]]]);
  });
});
