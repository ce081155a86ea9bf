// The JSONata mappings of custom webhooks: checked when the standards file is read, and what one evaluation may
// produce (milestones, events, nothing, or a refusal saying why), within a time and depth budget.
import { describe, expect, it } from 'vitest';
import { checkIntegrations, CustomIntegrations } from '../../server/src/services/customIntegrations';

function withMaps(maps: Record<string, string>): CustomIntegrations {
  const integrations = new CustomIntegrations();
  const checked = checkIntegrations(Object.entries(maps).map(([id, map]) => ({ id, map })));
  expect(checked.problems).toEqual([]);
  integrations.apply(checked.integrations);
  return integrations;
}

describe('checkIntegrations', () => {
  it('names each bad entry: its id, its expression with the position, unknown fields', () => {
    const { integrations, problems } = checkIntegrations([{ id: 'Doors!', map: 'a' }, { id: 'ok', map: '{"a": }' }, { id: 'x', map: 'a', into: 'events' }, { id: 'good', map: 'a.b' }]);
    expect(integrations.map((i) => i.id)).toEqual(['good']);
    expect(problems).toEqual([
      { path: 'integrations.0.id', message: expect.stringMatching(/lower-case letters/) },
      { path: 'integrations.1.map', message: 'is not a valid JSONata expression: The symbol "}" cannot be used as a unary operator at position 7 (near "}")' },
      { path: 'integrations.2.into', message: 'is not a known field' },
    ]);
  });
});

describe('CustomIntegrations.map', () => {
  it('tells milestones from events, a single object from an array, and nothing from something', async () => {
    const m = withMaps({ one: '{"milestone": "arrived", "caseId": id}', many: 'items.{"outcome": "answered", "id": id}', none: 'absent.field' });
    expect(await m.map('one', { id: 'v1' })).toEqual({ kind: 'mapped', into: 'milestones', single: true, items: [{ milestone: 'arrived', caseId: 'v1' }] });
    expect(await m.map('many', { items: [{ id: 'a' }, { id: 'b' }] })).toEqual({ kind: 'mapped', into: 'events', single: false, items: [{ outcome: 'answered', id: 'a' }, { outcome: 'answered', id: 'b' }] });
    expect(await m.map('none', { id: 1 })).toEqual({ kind: 'nothing' });
    expect(await m.map('other', {})).toEqual({ kind: 'unknown' });
  });

  it('refuses output that is not objects, or mixes milestones and events', async () => {
    const m = withMaps({ scalar: 'id', mixed: '[{"milestone": "arrived"}, {"outcome": "answered"}]', holes: '[{"a": 1}, 2]' });
    expect(await m.map('scalar', { id: 'v1' })).toEqual({ kind: 'invalid', path: 'mapped', message: 'must produce an object or an array of objects; it produced "v1"' });
    expect(await m.map('mixed', {})).toEqual({ kind: 'invalid', path: 'mapped', message: expect.stringMatching(/1 milestone\(s\) .* and 1 event\(s\)/) });
    expect(await m.map('holes', {})).toEqual({ kind: 'invalid', path: 'mapped.1', message: 'must produce an object or an array of objects; item 1 is 2' });
  });

  it('stops a runaway mapping instead of hanging the server', async () => {
    const m = withMaps({ deep: '($f := function($n){ 1 + $f($n + 1) }; $f(0))', long: '($loop := function($n){ $n < 1e12 ? $loop($n + 1) : $n }; $loop(0))' });
    expect(await m.map('deep', {})).toEqual({ kind: 'failed', message: expect.stringMatching(/nests deeper than 500 levels/) });
    expect(await m.map('long', {})).toEqual({ kind: 'failed', message: expect.stringMatching(/took longer than 1000 ms/) });
  });

  it('counts the CPU time a mapping takes, not the clock’s: a machine busy with other work does not make it too slow', async () => {
    // Stand-in clocks read at each step: the clock moves 40 ms a step (the process waits for a busy machine's cores),
    // the CPU time 0.01 ms a step (what the mapping's own steps cost).
    const busy = () => {
      let wall = 0;
      let cpu = 0;
      return { wallMs: () => (wall += 40), cpuMs: () => (cpu += 0.01) };
    };
    const integrations = new CustomIntegrations(busy());
    const checked = checkIntegrations([{ id: 'many', map: '$map([1..200], function($n){ {"uid": $string($n)} })' }]);
    integrations.apply(checked.integrations);
    const mapped = await integrations.map('many', {});
    expect(mapped).toMatchObject({ kind: 'mapped', items: expect.any(Array) });
    expect((mapped as { items: unknown[] }).items).toHaveLength(200);
    // The same steps, each costing 40 ms of CPU: over the limit.
    const slow = new CustomIntegrations({ wallMs: busy().wallMs, cpuMs: ((cpu = 0) => () => (cpu += 40))() });
    slow.apply(checked.integrations);
    expect(await slow.map('many', {})).toEqual({ kind: 'failed', message: expect.stringMatching(/took longer than 1000 ms/) });
  });

  it('hands the thread back while a slow mapping runs, so the server answers other requests meanwhile', async () => {
    const m = withMaps({ long: '($loop := function($n){ $n < 1e12 ? $loop($n + 1) : $n }; $loop(0))' });
    // Turns of the event loop that other work (another request's I/O) gets before the mapping's answer: none when the
    // mapping holds the thread for its whole run.
    let turns = 0;
    let done = false;
    const tick = () => {
      if (done) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const answer = await m.map('long', {});
    done = true;
    expect(answer).toEqual({ kind: 'failed', message: expect.stringMatching(/took longer than 1000 ms/) });
    expect(turns).toBeGreaterThan(10);
  });
});

describe('$toMillis in a mapping', () => {
  const m = withMaps({
    iso: '{"outcome": "answered", "occurredAt": $fromMillis($toMillis(start))}',
    picture: '{"outcome": "answered", "occurredAt": $fromMillis($toMillis(start, "[D01]/[M01]/[Y0001] [H01]:[m01]"))}',
    fraction: '{"outcome": "answered", "occurredAt": $fromMillis($toMillis(start, picture))}',
  });
  it('refuses a date that does not exist, naming the value, instead of rolling it over to another day', async () => {
    for (const start of ['2026-02-31', '2026-02-31T09:00:00Z', '2026-04-31T23:00:00+02:00', '2026-02-28T24:00:00Z', '2025-02-29', '2026-13']) {
      expect(await m.map('iso', { start }), start).toEqual({ kind: 'failed', message: `$toMillis(${JSON.stringify(start)}): is not a real date and time at position 60` });
    }
    expect(await m.map('picture', { start: '31/02/2026 09:15' })).toEqual({ kind: 'failed', message: expect.stringMatching(/^\$toMillis\("31\/02\/2026 09:15", "\[D01\]\/\[M01\]\/\[Y0001\] \[H01\]:\[m01\]"\): is not a real date and time/) });
  });
  it('reads real dates as JSONata does', async () => {
    expect(await m.map('iso', { start: '2024-02-29' })).toMatchObject({ kind: 'mapped', items: [{ occurredAt: '2024-02-29T00:00:00.000Z' }] });
    // JSONata reads a year and month, or a year alone, as the first day of it
    expect(await m.map('iso', { start: '2026-03' })).toMatchObject({ kind: 'mapped', items: [{ occurredAt: '2026-03-01T00:00:00.000Z' }] });
    expect(await m.map('iso', { start: '2026' })).toMatchObject({ kind: 'mapped', items: [{ occurredAt: '2026-01-01T00:00:00.000Z' }] });
    expect(await m.map('iso', { start: '2026-03-01T09:30:00+01:00' })).toMatchObject({ kind: 'mapped', items: [{ occurredAt: '2026-03-01T08:30:00.000Z' }] });
    expect(await m.map('picture', { start: '28/02/2026 09:15' })).toMatchObject({ kind: 'mapped', items: [{ occurredAt: '2026-02-28T09:15:00.000Z' }] });
    expect(await m.map('picture', { start: '1/3/2026 9:05' })).toMatchObject({ kind: 'mapped', items: [{ occurredAt: '2026-03-01T09:05:00.000Z' }] });
    expect(await m.map('iso', {})).toEqual({ kind: 'mapped', into: 'events', single: true, items: [{ outcome: 'answered' }] });
  });
  it('reads fractions of a second at any width the picture gives, and still refuses a date beside them that does not exist', async () => {
    const time = '[Y0001]-[M01]-[D01] [H01]:[m01]:[s01]';
    // JSONata writes these back as .500, .50 and .000123: the fraction is not what the check compares
    for (const [start, picture, occurredAt] of [
      ['2026-12-05 09:00:07.5', `${time}.[f1]`, '2026-12-05T09:00:07.500Z'],
      ['2026-12-05 09:00:07.05', `${time}.[f01]`, '2026-12-05T09:00:07.050Z'],
      ['2026-12-05 09:00:07.123456', `${time}.[f000001]`, '2026-12-05T09:00:07.123Z'],
      ['5.3.2026 09:00:07,5', '[D].[M].[Y] [H01]:[m01]:[s01],[f1]', '2026-03-05T09:00:07.500Z'],
    ]) {
      expect(await m.map('fraction', { start, picture }), start).toMatchObject({ kind: 'mapped', items: [{ occurredAt }] });
    }
    for (const [start, picture] of [
      ['2026-02-31 09:00:07.5', `${time}.[f1]`],
      ['2026-12-05 24:00:07.5', `${time}.[f1]`],
      ['31.2.2026 09:00:07,5', '[D].[M].[Y] [H01]:[m01]:[s01],[f1]'],
    ]) {
      expect(await m.map('fraction', { start, picture }), start).toMatchObject({ kind: 'failed', message: expect.stringMatching(/is not a real date and time/) });
    }
  });
});
