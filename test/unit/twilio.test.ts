import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isValidTwilioSignature, twilioSignature } from '../../server/src/integrations/twilio/signature';
import { mapTaskRouterEvent, TaskRouterError } from '../../server/src/integrations/twilio/taskRouter';

// Twilio's published example ("Validating requests"): auth token 12345, this URL and these parameters.
const EXAMPLE_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const EXAMPLE_PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
const EXAMPLE_SIGNATURE = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';

const TOKEN = 'f3c9a1d07e2b4c5a9e8d7c6b5a4f3e2d';
const URL_ = 'https://ringside.example.com/api/v1/integrations/twilio/taskrouter?site=hq';

/** A task.created callback as TaskRouter posts it (form-encoded). */
function taskCreatedBody(overrides: Record<string, string> = {}): string {
  return new URLSearchParams({
    AccountSid: 'AC0123456789abcdef0123456789abcdef',
    WorkspaceSid: 'WS0123456789abcdef0123456789abcdef',
    WorkspaceName: 'Front desk',
    EventType: 'task.created',
    EventDescription: 'Task WT0123456789abcdef0123456789abcdef created',
    ResourceType: 'Task',
    ResourceSid: 'WT0123456789abcdef0123456789abcdef',
    Sid: 'EV0123456789abcdef0123456789abcdef',
    Timestamp: '1772438400',
    TimestampMs: '1772438400250',
    TaskSid: 'WT0123456789abcdef0123456789abcdef',
    TaskAttributes: '{"from":"+4930123456","caller_name":"Zoë + Co & Söhne"}',
    TaskAge: '0',
    TaskPriority: '0',
    TaskAssignmentStatus: 'pending',
    TaskQueueSid: 'WQ0123456789abcdef0123456789abcdef',
    TaskQueueName: 'Support',
    TaskChannelSid: 'TC0123456789abcdef0123456789abcdef',
    TaskChannelUniqueName: 'voice',
    ...overrides,
  }).toString();
}

/** The signature computed here from the documented recipe, independently of the module under test. */
function documentedSignature(token: string, url: string, body: string): string {
  const pairs = [...new URLSearchParams(body)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHmac('sha1', token).update(url + pairs.map(([k, v]) => k + v).join('')).digest('base64');
}

describe('Twilio request signature', () => {
  it("reproduces Twilio's published example", () => {
    expect(twilioSignature('12345', EXAMPLE_URL, EXAMPLE_PARAMS)).toBe(EXAMPLE_SIGNATURE);
    expect(isValidTwilioSignature('12345', EXAMPLE_SIGNATURE, EXAMPLE_URL, EXAMPLE_PARAMS)).toBe(true);
  });

  it("reproduces the example in Twilio's Node.js library tests", () => {
    const params = { ...EXAMPLE_PARAMS, Caller: '+14158675309', From: '+14158675309' };
    expect(isValidTwilioSignature('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', EXAMPLE_URL, params)).toBe(true);
  });

  it('accepts the right signature over a form body, decoded values included', () => {
    const body = taskCreatedBody();
    const signature = documentedSignature(TOKEN, URL_, body);
    expect(twilioSignature(TOKEN, URL_, new URLSearchParams(body))).toBe(signature);
    expect(isValidTwilioSignature(TOKEN, signature, URL_, new URLSearchParams(body))).toBe(true);
  });

  it('does not depend on the order of the parameters in the body', () => {
    const body = taskCreatedBody();
    const reversed = new URLSearchParams([...new URLSearchParams(body)].reverse()).toString();
    expect(reversed).not.toBe(body);
    expect(isValidTwilioSignature(TOKEN, documentedSignature(TOKEN, URL_, body), URL_, new URLSearchParams(reversed))).toBe(true);
  });

  it('refuses a missing or empty header', () => {
    const params = new URLSearchParams(taskCreatedBody());
    expect(isValidTwilioSignature(TOKEN, undefined, URL_, params)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, '', URL_, params)).toBe(false);
  });

  it('refuses a signature made with another token, or garbage', () => {
    const body = taskCreatedBody();
    expect(isValidTwilioSignature(TOKEN, documentedSignature('another-token', URL_, body), URL_, new URLSearchParams(body))).toBe(false);
    expect(isValidTwilioSignature(TOKEN, 'not a signature', URL_, new URLSearchParams(body))).toBe(false);
  });

  it('refuses a tampered body: a changed value, an added parameter, a removed parameter', () => {
    const signature = documentedSignature(TOKEN, URL_, taskCreatedBody());
    expect(isValidTwilioSignature(TOKEN, signature, URL_, new URLSearchParams(taskCreatedBody({ TaskQueueName: 'Sales' })))).toBe(false);
    expect(isValidTwilioSignature(TOKEN, signature, URL_, new URLSearchParams(`${taskCreatedBody()}&Extra=1`))).toBe(false);
    const removed = new URLSearchParams(taskCreatedBody());
    removed.delete('TaskAge');
    expect(isValidTwilioSignature(TOKEN, signature, URL_, removed)).toBe(false);
  });

  it('refuses a request to another URL (the site is part of what is signed)', () => {
    const body = taskCreatedBody();
    const signature = documentedSignature(TOKEN, URL_, body);
    expect(isValidTwilioSignature(TOKEN, signature, URL_.replace('site=hq', 'site=branch'), new URLSearchParams(body))).toBe(false);
  });

  it("accepts the URL with or without the scheme's default port, as Twilio's libraries do, but not another port", () => {
    const body = taskCreatedBody();
    const withPort = URL_.replace('.com/', '.com:443/');
    expect(isValidTwilioSignature(TOKEN, documentedSignature(TOKEN, withPort, body), URL_, new URLSearchParams(body))).toBe(true);
    expect(isValidTwilioSignature(TOKEN, documentedSignature(TOKEN, URL_, body), withPort, new URLSearchParams(body))).toBe(true);
    expect(isValidTwilioSignature(TOKEN, documentedSignature(TOKEN, URL_.replace('.com/', '.com:8443/'), body), URL_, new URLSearchParams(body))).toBe(false);
  });

  it('signs a repeated parameter name with each of its values, sorted', () => {
    const params = new URLSearchParams('B=2&A=z&A=y');
    expect(twilioSignature(TOKEN, URL_, params)).toBe(createHmac('sha1', TOKEN).update(`${URL_}AyAzB2`).digest('base64'));
    expect(twilioSignature(TOKEN, URL_, { B: '2', A: ['z', 'y'] })).toBe(twilioSignature(TOKEN, URL_, params));
  });

  it('refuses to sign with an empty auth token', () => {
    expect(() => twilioSignature('', URL_, {})).toThrow(/auth token is empty/);
  });
});

describe('TaskRouter events as milestones', () => {
  const map = (overrides: Record<string, string>) => mapTaskRouterEvent(new URLSearchParams(taskCreatedBody(overrides)), 'hq');

  it('task.created starts the clock: caseId = TaskSid, queue = TaskQueueName, time from TimestampMs', () => {
    expect(map({})).toEqual({
      kind: 'milestone',
      eventType: 'task.created',
      milestone: { type: 'call', site: 'hq', caseId: 'WT0123456789abcdef0123456789abcdef', milestone: 'started', at: '2026-03-02T08:00:00.250Z', queue: 'Support', id: 'tr:WT0123456789abcdef0123456789abcdef:task.created' },
    });
  });

  it('reservation.accepted answers it, with the worker as agent', () => {
    const result = map({ EventType: 'reservation.accepted', TimestampMs: '1772438417900', WorkerName: 'Alice Example', WorkerSid: 'WK01', ReservationSid: 'WR01' });
    expect(result).toMatchObject({ kind: 'milestone', milestone: { milestone: 'answered', at: '2026-03-02T08:00:17.900Z', agent: 'Alice Example', queue: 'Support', id: 'tr:WT0123456789abcdef0123456789abcdef:reservation.accepted' } });
  });

  it('task.canceled abandons it', () => {
    expect(map({ EventType: 'task.canceled', TimestampMs: '1772438460000', TaskCanceledReason: 'hangup' })).toMatchObject({ kind: 'milestone', milestone: { milestone: 'abandoned', at: '2026-03-02T08:01:00.000Z' } });
  });

  it('takes Timestamp (seconds) when TimestampMs is absent', () => {
    expect(map({ TimestampMs: '' })).toMatchObject({ milestone: { at: '2026-03-02T08:00:00.000Z' } });
  });

  it('takes the first and last times a feed can name, in either unit', () => {
    expect(map({ TimestampMs: '1000000000000' })).toMatchObject({ milestone: { at: '2001-09-09T01:46:40.000Z' } });
    expect(map({ TimestampMs: '', Timestamp: '1000000000' })).toMatchObject({ milestone: { at: '2001-09-09T01:46:40.000Z' } });
    expect(map({ TimestampMs: '253402300799999' })).toMatchObject({ milestone: { at: '9999-12-31T23:59:59.999Z' } });
  });

  it('leaves the queue out when TaskRouter does not name one yet', () => {
    const result = map({ TaskQueueName: '' });
    expect(result.kind === 'milestone' && 'queue' in result.milestone).toBe(false);
  });

  it.each(['reservation.created', 'reservation.rejected', 'task.completed', 'task-queue.entered', 'worker.activity.update', 'workflow.timeout'])('ignores %s', (eventType) => {
    expect(map({ EventType: eventType })).toEqual({ kind: 'ignored', eventType, reason: `${eventType} moves no call clock (only task.created, reservation.accepted, task.canceled do)` });
  });

  // A chat or an SMS in the phone figures would count a conversation as a call answered or abandoned.
  it.each(['task.created', 'reservation.accepted', 'task.canceled'])('ignores %s of a task on another channel than voice, saying why', (eventType) => {
    expect(map({ EventType: eventType, TaskChannelUniqueName: 'chat' })).toEqual({ kind: 'ignored', eventType, reason: 'TaskChannelUniqueName is "chat": only voice tasks are calls' });
    expect(map({ EventType: eventType, TaskChannelUniqueName: 'sms' })).toMatchObject({ kind: 'ignored', reason: 'TaskChannelUniqueName is "sms": only voice tasks are calls' });
    expect(map({ EventType: eventType, TaskChannelUniqueName: 'default' })).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/^TaskChannelUniqueName is "default", the channel of a task created without one: only voice tasks are calls/) });
    // In another case, as the voice channel is taken: the same channel, and the same hint.
    expect(map({ EventType: eventType, TaskChannelUniqueName: 'Default' })).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/^TaskChannelUniqueName is "Default", the channel of a task created without one: /) });
    expect(map({ EventType: eventType, TaskChannelUniqueName: '' })).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/^TaskChannelUniqueName is missing: only voice tasks are calls/) });
    expect(map({ EventType: eventType, TaskChannelUniqueName: 'voicemail' })).toMatchObject({ kind: 'ignored', reason: 'TaskChannelUniqueName is "voicemail": only voice tasks are calls' });
    expect(map({ EventType: eventType, TaskChannelUniqueName: 'Chat' })).toMatchObject({ kind: 'ignored', reason: 'TaskChannelUniqueName is "Chat": only voice tasks are calls' });
    expect(map({ EventType: eventType })).toMatchObject({ kind: 'milestone' });
  });

  // Twilio sends "voice"; an integrator's middleware that forwards the callback may send it in another case.
  it.each(['Voice', 'VOICE', 'vOiCe', ' Voice '])('takes a task on the voice channel spelt %j as a call', (channel) => {
    expect(map({ TaskChannelUniqueName: channel })).toEqual(map({ TaskChannelUniqueName: 'voice' }));
    expect(map({ TaskChannelUniqueName: channel })).toMatchObject({ kind: 'milestone', milestone: { milestone: 'started' } });
  });

  it('ignores a task of another channel before reading its other parameters: nothing of it is used', () => {
    expect(map({ TaskChannelUniqueName: 'chat', TaskSid: '', TimestampMs: 'soon' })).toMatchObject({ kind: 'ignored' });
  });

  it.each([
    [{ EventType: '' }, 'EventType', 'EventType is required'],
    [{ TaskSid: '' }, 'TaskSid', 'TaskSid is required for a task or reservation event'],
    [{ TaskSid: 'W'.repeat(129) }, 'TaskSid', 'TaskSid must be at most 128 characters'],
    [{ TimestampMs: '', Timestamp: '' }, 'TimestampMs', 'TimestampMs or Timestamp is required'],
    [{ TimestampMs: '17724384002.5' }, 'TimestampMs', 'TimestampMs must be a whole number (milliseconds since 1970), got "17724384002.5"'],
    [{ TimestampMs: '', Timestamp: 'yesterday' }, 'Timestamp', 'Timestamp must be a whole number (seconds since 1970), got "yesterday"'],
    // A Unix time in TimestampMs would be a time in January 1970 (1796611352 ms is 1970-01-21T19:03:31.352Z).
    [{ TimestampMs: '1796611352' }, 'TimestampMs', 'TimestampMs must be milliseconds since 1970, not seconds: got "1796611352" (as seconds 2026-12-07T02:42:32.000Z)'],
    [{ TimestampMs: '', Timestamp: '1772438400250' }, 'Timestamp', 'Timestamp must be seconds since 1970, not milliseconds: got "1772438400250" (as milliseconds 2026-03-02T08:00:00.250Z)'],
    [{ TimestampMs: '5' }, 'TimestampMs', 'TimestampMs is not a plausible time (milliseconds since 1970 from 2001-09-09T01:46:40.000Z to the year 9999), got 5'],
    [{ TimestampMs: '', Timestamp: '999999999' }, 'Timestamp', 'Timestamp is not a plausible time (seconds since 1970 from 2001-09-09T01:46:40.000Z to the year 9999), got 999999999'],
    [{ TimestampMs: '253402300800000' }, 'TimestampMs', 'TimestampMs is not a plausible time (milliseconds since 1970 from 2001-09-09T01:46:40.000Z to the year 9999), got 253402300800000'],
    [{ TaskQueueName: 'q'.repeat(201) }, 'TaskQueueName', 'TaskQueueName must be at most 200 characters'],
  ])('refuses %j, naming the parameter', (overrides, field, message) => {
    let error: unknown;
    try {
      map(overrides);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TaskRouterError);
    expect(error).toMatchObject({ field, message });
  });

  it('maps a repeated callback to the same milestone, so a retry by Twilio is a duplicate', () => {
    expect(map({})).toEqual(map({}));
  });
});
