// Event types as data: the built-ins in the user format, the definition schema (every problem names its field),
// the registry, what a type says about its milestones and measures, the milestone wire schema and its envelope.
import { describe, expect, it } from 'vitest';
import { zodProblems } from '../../server/src/services/zodProblems';
import {
  BUILT_IN_REGISTRY,
  buildRegistry,
  clockMeasureOf,
  gaveUpStopOf,
  measuresStartedBy,
  measuresStoppedBy,
  milestoneProblems,
  outcomesOf,
  standardTargetProblems,
  startOf,
  stopsOf,
} from '../../server/src/domain/eventTypes';
import { BUILT_IN_EVENT_TYPES, CALL_TYPE, COMPLAINT_TYPE, EVENT_MEASURE_FIELDS, eventInputSchema, LIMITS, parseInput, RINGS_MEASURE, standardMeasuresOf, VISIT_TYPE, WAIT_FIELD_BY_TYPE } from '../../server/src/protocol';
import { eventTypeDefinitionSchema, eventTypeListSchema, milestoneInputSchema, openMilestoneEnvelope, type EventTypeDefinition } from '../../server/src/protocol/eventTypes';

/** "Email answered within 1 business day": a reply, or the customer withdrew. */
const EMAIL_TYPE: EventTypeDefinition = {
  id: 'email',
  name: 'Emails',
  milestones: [
    { id: 'received', role: 'start' },
    { id: 'replied', role: 'stop', outcome: 'served' },
    { id: 'withdrawn', role: 'stop', outcome: 'gaveUp' },
  ],
  measures: [{ id: 'replySeconds', from: 'received', to: 'replied' }],
  maxOpenSeconds: 30 * 86_400,
};

/** "Callback within 2 hours": scheduled, called back, then closed (or the customer cancelled). */
const CALLBACK_TYPE: EventTypeDefinition = {
  id: 'callback',
  name: 'Callbacks',
  milestones: [
    { id: 'requested', role: 'start' },
    { id: 'calledBack', role: 'step' },
    { id: 'closed', role: 'stop', outcome: 'served' },
    { id: 'cancelled', role: 'stop', outcome: 'gaveUp' },
  ],
  measures: [{ id: 'callbackSeconds', from: 'requested', to: 'calledBack' }],
  maxOpenSeconds: 2 * 86_400,
};

/** Problems of an `eventTypes:` list as the standards file reports them. */
function listProblems(types: unknown): string[] {
  const parsed = parseInput(eventTypeListSchema, types);
  return parsed.success ? [] : zodProblems(parsed.error, ['eventTypes']).map((p) => `${p.path}: ${p.message}`);
}

const withMilestones = (milestones: unknown[], measures: unknown[] = [{ id: 'waitSeconds', from: 'opened', to: 'done' }]) => ({ ...EMAIL_TYPE, milestones, measures });
const opened = { id: 'opened', role: 'start' };
const done = { id: 'done', role: 'stop', outcome: 'served' };

describe('built-in event types', () => {
  it('are what the event fields a standard may judge are: rings and the wait types\' measures', () => {
    const waits = [CALL_TYPE, VISIT_TYPE].map((t) => t.measures.map((m) => m.id));
    expect([...EVENT_MEASURE_FIELDS].sort()).toEqual([RINGS_MEASURE.measure, ...waits.flat()].sort());
    expect(WAIT_FIELD_BY_TYPE).toEqual({ call: CALL_TYPE.measures[0]!.id, visit: VISIT_TYPE.measures[0]!.id });
  });

  it('are valid definitions in the user format, but for the measure ids reserved to them', () => {
    expect(eventTypeDefinitionSchema.parse(COMPLAINT_TYPE)).toEqual(COMPLAINT_TYPE);
    expect(listProblems(BUILT_IN_EVENT_TYPES)).toEqual([
      'eventTypes.0.measures.0.id: "answerSeconds" is a field of calls and visits; choose another id',
      'eventTypes.1.measures.0.id: "greetSeconds" is a field of calls and visits; choose another id',
    ]);
  });
  it('call: started → answered | abandoned, answerSeconds, open at most 2 h', () => {
    expect(startOf(CALL_TYPE).id).toBe('started');
    expect(outcomesOf(CALL_TYPE)).toEqual(['answered', 'abandoned']);
    expect(gaveUpStopOf(CALL_TYPE)?.id).toBe('abandoned');
    expect(CALL_TYPE.measures).toEqual([{ id: 'answerSeconds', from: 'started', to: 'answered' }]);
    expect(CALL_TYPE.maxOpenSeconds).toBe(7_200);
    expect(standardMeasuresOf(CALL_TYPE)).toEqual(['rings', 'answerSeconds']);
    expect(clockMeasureOf(CALL_TYPE, 'rings')?.id).toBe('answerSeconds');
  });
  it('visit: arrived → greeted | left, greetSeconds, open at most 8 h', () => {
    expect(outcomesOf(VISIT_TYPE)).toEqual(['greeted', 'left']);
    expect(gaveUpStopOf(VISIT_TYPE)?.id).toBe('left');
    expect(standardMeasuresOf(VISIT_TYPE)).toEqual(['greetSeconds']);
    expect(VISIT_TYPE.maxOpenSeconds).toBe(8 * 3_600);
  });
  it('complaint: three measures, one served stop, no gaveUp stop, open at most 90 days', () => {
    expect(COMPLAINT_TYPE.milestones.map((m) => `${m.id}:${m.role}`)).toEqual(['received:start', 'acknowledged:step', 'resolved:step', 'followedUp:stop']);
    expect(stopsOf(COMPLAINT_TYPE).map((m) => m.outcome)).toEqual(['served']);
    expect(gaveUpStopOf(COMPLAINT_TYPE)).toBeUndefined();
    expect(measuresStartedBy(COMPLAINT_TYPE, 'received').map((m) => m.id)).toEqual(['acknowledgeSeconds', 'resolveSeconds']);
    expect(measuresStoppedBy(COMPLAINT_TYPE, 'resolved').map((m) => m.id)).toEqual(['resolveSeconds']);
    expect(measuresStartedBy(COMPLAINT_TYPE, 'resolved').map((m) => m.id)).toEqual(['followUpSeconds']);
    expect(COMPLAINT_TYPE.maxOpenSeconds).toBe(90 * 86_400);
  });
  it('the gaveUp stop stops every measure of its type', () => {
    expect(measuresStoppedBy(CALLBACK_TYPE, 'cancelled').map((m) => m.id)).toEqual(['callbackSeconds']);
    expect(measuresStoppedBy(CALLBACK_TYPE, 'closed')).toEqual([]);
    expect(measuresStoppedBy(CALLBACK_TYPE, 'calledBack').map((m) => m.id)).toEqual(['callbackSeconds']);
  });
});

describe('event type definitions', () => {
  it('accept user types (email answered within 1 business day, callback within 2 hours)', () => {
    expect(listProblems([EMAIL_TYPE, CALLBACK_TYPE])).toEqual([]);
  });
  it('name the field of a measure that names no milestone', () => {
    const bad = { ...COMPLAINT_TYPE, id: 'grievance', measures: [COMPLAINT_TYPE.measures[0], { id: 'x', from: 'recieved', to: 'resolved' }] };
    expect(listProblems([bad])).toEqual(['eventTypes.0.measures.1.from: must name a milestone of this type']);
  });
  it.each([
    ['no start', [{ id: 'opened', role: 'step' }, done], ['eventTypes.0.milestones: must have exactly one start milestone (role "start")']],
    ['two starts', [opened, { id: 'b', role: 'start' }, done], ['eventTypes.0.milestones.1.role: is a second start: a type has exactly one']],
    ['start not first', [{ id: 'a', role: 'step' }, opened, done], ['eventTypes.0.milestones.1.role: must be the first milestone (the case starts there)']],
    ['no stop', [opened, { id: 'done', role: 'step' }], ['eventTypes.0.milestones: must have at least one stop milestone (role "stop")']],
    ['a stop without outcome', [opened, { id: 'done', role: 'stop' }], ['eventTypes.0.milestones.1.outcome: a stop must say how the case ended: "served" or "gaveUp"']],
    ['an outcome on a step', [opened, { id: 'a', role: 'step', outcome: 'served' }, done], ['eventTypes.0.milestones.1.outcome: only a stop has an outcome']],
    ['a step after a stop', [opened, done, { id: 'late', role: 'step' }], ['eventTypes.0.milestones.2.role: a step must come before every stop (the case ends at its stop)']],
    ['only a gaveUp stop', [opened, { id: 'done', role: 'stop', outcome: 'gaveUp' }], ['eventTypes.0.milestones: must have a stop with outcome "served"', 'eventTypes.0.measures.0.to: must not be the "gaveUp" stop (a case that gives up is measured until that stop anyway)']],
    ['two gaveUp stops', [opened, done, { id: 'a', role: 'stop', outcome: 'gaveUp' }, { id: 'b', role: 'stop', outcome: 'gaveUp' }], ['eventTypes.0.milestones.3.outcome: is a second "gaveUp" stop: a type has at most one']],
    ['a repeated milestone id', [opened, done, { ...done }], ['eventTypes.0.milestones.2.id: "done" is used twice in this type']],
    ['an unknown role', [opened, { id: 'done', role: 'finish' }], ['eventTypes.0.milestones.1.role: must be one of start, step, stop (got "finish")']],
    [
      // The measures read the milestones' ids: with one wrong, whether a measure names a milestone is not yet known.
      'a bad milestone id (and not the measures, which read it)',
      [opened, { ...done, id: 'is done' }],
      ['eventTypes.0.milestones.1.id: must be letters, digits, "_" or "-", starting with a letter (e.g. "acknowledged")'],
    ],
  ])('refuse %s', (_, milestones, problems) => {
    expect(listProblems([withMilestones(milestones)])).toEqual(problems);
  });
  it.each([
    ['to before from', [{ id: 'm', from: 'b', to: 'a' }], ['eventTypes.0.measures.0.to: must come after "b" in the milestone order']],
    ['from = to', [{ id: 'm', from: 'a', to: 'a' }], ['eventTypes.0.measures.0.to: must come after "a" in the milestone order']],
    ['from a stop', [{ id: 'm', from: 'done', to: 'gone' }], ['eventTypes.0.measures.0.from: must not be a stop (the case ends there)']],
    ['to the gaveUp stop', [{ id: 'm', from: 'opened', to: 'gone' }], ['eventTypes.0.measures.0.to: must not be the "gaveUp" stop (a case that gives up is measured until that stop anyway)']],
    ['an unknown to', [{ id: 'm', from: 'opened', to: 'nowhere' }], ['eventTypes.0.measures.0.to: must name a milestone of this type']],
    ['a repeated measure id', [{ id: 'm', from: 'opened', to: 'a' }, { id: 'm', from: 'a', to: 'b' }], ['eventTypes.0.measures.1.id: "m" is used twice in this type']],
    ['no measure', [], ['eventTypes.0.measures: must list at least one measure (a type without one has nothing to judge)']],
  ])('refuse a measure with %s', (_, measures, problems) => {
    const milestones = [opened, { id: 'a', role: 'step' }, { id: 'b', role: 'step' }, done, { id: 'gone', role: 'stop', outcome: 'gaveUp' }];
    expect(listProblems([withMilestones(milestones, measures)])).toEqual(problems);
  });
  it('check the id, the name, maxOpenSeconds, unknown fields and repeated types', () => {
    expect(listProblems([{ ...EMAIL_TYPE, id: 'Email Reply' }])).toEqual(['eventTypes.0.id: must be a lower-case slug: letters a-z and digits, words joined by "-", starting with a letter (e.g. "email-reply")']);
    expect(listProblems([{ ...EMAIL_TYPE, name: '  ' }])).toEqual(['eventTypes.0.name: must not be empty']);
    expect(listProblems([{ ...EMAIL_TYPE, maxOpenSeconds: 0 }])).toEqual(['eventTypes.0.maxOpenSeconds: must be > 0']);
    expect(listProblems([{ ...EMAIL_TYPE, maxOpenSeconds: 1.5 }])).toEqual(['eventTypes.0.maxOpenSeconds: must be a whole number of seconds']);
    expect(listProblems([{ ...EMAIL_TYPE, maxOpenSeconds: 367 * 86_400 }])).toEqual(['eventTypes.0.maxOpenSeconds: must be at most 31622400 (366 days)']);
    expect(listProblems([{ ...EMAIL_TYPE, maxOpen: 5 }])).toEqual(['eventTypes.0.maxOpen: is not a known field (did you mean "maxOpenSeconds"?)']);
    expect(listProblems([{ ...EMAIL_TYPE, maxOpenSeconds: undefined }])).toEqual(['eventTypes.0.maxOpenSeconds: is required']);
    expect(listProblems([EMAIL_TYPE, CALLBACK_TYPE, EMAIL_TYPE])).toEqual(['eventTypes.2.id: "email" is defined twice']);
    expect(listProblems([{ ...EMAIL_TYPE, name: 'e\udfff' }])).toEqual(['eventTypes.0.name: must be well-formed Unicode text (found an unpaired surrogate at position 1)']);
  });
});

describe('the registry', () => {
  it('holds the built-ins first, then user types', () => {
    const result = buildRegistry([EMAIL_TYPE, CALLBACK_TYPE]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.registry.all().map((t) => t.id)).toEqual(['call', 'visit', 'complaint', 'email', 'callback']);
    expect(result.registry.get('callback')).toBe(CALLBACK_TYPE);
    expect(result.registry.get('fax')).toBeUndefined();
    expect(BUILT_IN_REGISTRY.all()).toEqual(BUILT_IN_EVENT_TYPES);
  });
  it('refuses a user type that redefines a built-in', () => {
    expect(buildRegistry([EMAIL_TYPE, { ...EMAIL_TYPE, id: 'call' }])).toEqual({ ok: false, problems: [{ path: 'eventTypes.1.id', message: '"call" is a built-in event type and cannot be redefined' }] });
  });
  it('refuses a call/visit field as a measure and "expired" as a milestone beside every other problem, the rules that read them included', () => {
    const rings = { ...EMAIL_TYPE, id: 'chat', measures: [{ id: 'rings', from: 'received', to: 'nowhere' }], maxOpenSeconds: 0 };
    const expired = { ...EMAIL_TYPE, id: 'letter', milestones: [EMAIL_TYPE.milestones[0]!, EMAIL_TYPE.milestones[1]!, { id: 'expired', role: 'stop', outcome: 'gaveUp' }, { id: 'late', role: 'step' }] };
    expect(listProblems([rings, expired])).toEqual([
      'eventTypes.0.measures.0.id: "rings" is a field of calls and visits; choose another id',
      'eventTypes.0.maxOpenSeconds: must be > 0',
      'eventTypes.0.measures.0.to: must name a milestone of this type',
      'eventTypes.1.milestones.2.id: "expired" is the outcome of a case closed by expiry; choose another id',
      'eventTypes.1.milestones.3.role: a step must come before every stop (the case ends at its stop)',
    ]);
  });
  it('checks what a standard names and what a milestone says', () => {
    const result = buildRegistry([EMAIL_TYPE]);
    if (!result.ok) throw new Error('registry');
    const { registry } = result;
    expect(standardTargetProblems(registry, 'email', 'replySeconds')).toEqual([]);
    expect(standardTargetProblems(registry, 'call', 'rings')).toEqual([]);
    expect(standardTargetProblems(registry, 'complaint', 'rings')).toEqual([{ path: 'measure', message: 'is not a measure of a complaint: must be one of acknowledgeSeconds, resolveSeconds, followUpSeconds (got "rings")' }]);
    expect(standardTargetProblems(registry, 'fax', 'x')).toEqual([{ path: 'eventType', message: 'must be one of call, visit, complaint, email (got "fax")' }]);
    expect(milestoneProblems(registry, { type: 'email', milestone: 'replied', handleSeconds: 120 })).toEqual([]);
    expect(milestoneProblems(registry, { type: 'fax', milestone: 'sent' })).toEqual([{ path: 'type', message: 'must be one of call, visit, complaint, email (got "fax")' }]);
    expect(milestoneProblems(registry, { type: 'call', milestone: 'ringing' })).toEqual([{ path: 'milestone', message: 'is not a milestone of a call: must be one of started, answered, abandoned (got "ringing")' }]);
    expect(milestoneProblems(registry, { type: 'emial', milestone: 'sent' })).toEqual([{ path: 'type', message: 'must be one of call, visit, complaint, email (got "emial") (did you mean "email"?)' }]);
    expect(milestoneProblems(registry, { type: 'call', milestone: 'answerd' })).toEqual([{ path: 'milestone', message: 'is not a milestone of a call: must be one of started, answered, abandoned (got "answerd") (did you mean "answered"?)' }]);
    expect(milestoneProblems(registry, { type: 'call', milestone: 'started', handleSeconds: 3 })).toEqual([{ path: 'handleSeconds', message: 'is only given on a stop (answered, abandoned)' }]);
  });
  it('checks the fields a milestone gives, whichever others are left out as wrong', () => {
    expect(milestoneProblems(BUILT_IN_REGISTRY, { type: 'cal' })).toEqual([{ path: 'type', message: 'must be one of call, visit, complaint (got "cal") (did you mean "call"?)' }]);
    expect(milestoneProblems(BUILT_IN_REGISTRY, { type: 'call', milestone: 'strated' })).toEqual([{ path: 'milestone', message: expect.stringMatching(/^is not a milestone of a call: .* \(did you mean "started"\?\)$/) }]);
    expect(milestoneProblems(BUILT_IN_REGISTRY, { milestone: 'strated', handleSeconds: 3 })).toEqual([]);
    expect(milestoneProblems(BUILT_IN_REGISTRY, { type: 'call', handleSeconds: 3 })).toEqual([]);
  });
});

describe('milestone input', () => {
  const valid = { type: 'call', site: 'downtown', caseId: 'pbx-4711', milestone: 'started', at: '2026-11-23T09:15:00+01:00' };
  const problems = (input: unknown) => {
    const parsed = parseInput(milestoneInputSchema, input);
    return parsed.success ? [] : zodProblems(parsed.error).map((p) => `${p.path}: ${p.message}`);
  };
  it('accepts the contract fields', () => {
    expect(problems(valid)).toEqual([]);
    expect(problems({ ...valid, milestone: 'answered', agent: 'ana', queue: 'sales', id: 'm-1', handleSeconds: 86_400 })).toEqual([]);
    expect(milestoneInputSchema.parse({ ...valid, caseId: '  c-1 ', site: ' downtown ' })).toMatchObject({ caseId: 'c-1', site: 'downtown' });
  });
  it('names every bad field', () => {
    expect(problems({ type: 'Call', site: '', caseId: 'x'.repeat(129), milestone: 'is started', at: '2026-11-23T09:15:00', handleSeconds: 86_401, colour: 'red' })).toEqual([
      'type: must be a lower-case slug: letters a-z and digits, words joined by "-", starting with a letter (e.g. "email-reply")',
      'site: must not be empty',
      'caseId: must be at most 128 characters',
      'milestone: must be letters, digits, "_" or "-", starting with a letter (e.g. "acknowledged")',
      'at: must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T09:15:00+01:00: add its offset from UTC (2026-11-23T09:15:00Z for UTC, or the local one such as +01:00)',
      'handleSeconds: must be at most 86400 (one day)',
      'colour: is not a known field',
    ]);
    expect(problems({ ...valid, caseId: undefined, handleSeconds: -1 })).toEqual(['caseId: is required', 'handleSeconds: must be ≥ 0']);
    expect(problems({ ...valid, at: '2026-02-30T09:00:00Z' })).toEqual(['at: is not a real date and time, got "2026-02-30T09:00:00Z"']);
  });
  it('applies the same text and timestamp rules, with the same messages, as events', () => {
    const event = { type: 'call', site: 'downtown', occurredAt: valid.at, outcome: 'answered', rings: 1 };
    const eventMessage = (field: string, value: unknown) => parseInput(eventInputSchema, { ...event, [field]: value }).error?.issues[0]?.message;
    const milestoneMessage = (field: string, value: unknown) => parseInput(milestoneInputSchema, { ...valid, [field]: value }).error?.issues[0]?.message;
    for (const value of ['', '   ', 'x'.repeat(LIMITS.maxTextLength + 1), 'a\ud800b', 42]) {
      for (const field of ['site', 'agent', 'queue', 'id']) expect(milestoneMessage(field, value), `${field} ${JSON.stringify(value)}`).toBe(eventMessage(field, value));
    }
    for (const value of ['2026-11-23', '2026-11-23T09:15:00', '2026-13-01T00:00:00Z', 'now']) expect(milestoneMessage('at', value)).toBe(eventMessage('occurredAt', value));
  });
});

describe('milestone envelope', () => {
  it('takes one milestone object or {milestones: [...]}', () => {
    expect(openMilestoneEnvelope({ type: 'call' })).toEqual({ ok: true, mode: 'single', items: [{ type: 'call' }] });
    expect(openMilestoneEnvelope({ milestones: [1, 2] })).toEqual({ ok: true, mode: 'batch', items: [1, 2] });
    expect(openMilestoneEnvelope({ milestones: new Array(LIMITS.maxBatch).fill({}) })).toMatchObject({ ok: true, mode: 'batch' });
  });
  it.each([
    [undefined, '(body)'],
    [[], '(body)'],
    ['text', '(body)'],
    [null, '(body)'],
    [{ milestones: [] }, 'milestones'],
    [{ milestones: {} }, 'milestones'],
    [{ milestones: [1], events: [] }, 'events'],
  ])('refuses %j naming %s', (body, path) => {
    expect(openMilestoneEnvelope(body)).toMatchObject({ ok: false, status: 400, path });
  });
  it('refuses a batch over 5,000 with 413', () => {
    expect(openMilestoneEnvelope({ milestones: new Array(5_001).fill({}) })).toEqual({
      ok: false,
      status: 413,
      title: 'Batch too large',
      path: 'milestones',
      message: 'must contain at most 5000 milestones (got 5001)',
    });
  });
});
