// POST /api/v1/integrations/twilio/taskrouter on a real server: TaskRouter event callbacks, form-encoded and
// signed as Twilio signs them (HMAC-SHA1 of the full URL followed by each POST parameter's name and value, sorted
// by name, keyed with the account's auth token, base64; computed here from that description), open and close call
// clocks. A missing, wrong or stale signature, or a body changed after signing, is refused with 403 and stores nothing.
import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { postJson, recentEvent } from '../clocks/support';
import { testClock } from '../support/testClock';
import { removeDir, startTestServer, useTestServer } from '../support/testServer';

const AUTH_TOKEN = '12345678901234567890123456789012';
const NOW = Date.parse('2026-06-01T10:00:00Z');

/** Twilio's documented request signature. */
function sign(token: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((name) => name + params[name]).join('');
  return createHmac('sha1', token).update(data).digest('base64');
}

const taskEvent = (eventType: string, atMs: number, extra: Record<string, string> = {}): Record<string, string> => ({
  AccountSid: 'ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  WorkspaceSid: 'WSxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  EventType: eventType,
  EventDescription: `Event ${eventType}`,
  ResourceType: eventType.startsWith('reservation') ? 'reservation' : 'task',
  TaskSid: 'WT1f7cd2d4e6b9a1c3e5f7a9b1c3d5e7f9',
  TaskQueueName: 'Support',
  TaskChannelSid: 'TC0123456789abcdef0123456789abcdef',
  TaskChannelUniqueName: 'voice',
  TaskAttributes: '{"from":"+4930123456","type":"inbound"}',
  Timestamp: String(Math.floor(atMs / 1000)),
  TimestampMs: String(atMs),
  ...extra,
});

describe('Twilio TaskRouter callbacks', () => {
  const clock = testClock(NOW);
  const server = useTestServer({ clock, twilioAuthToken: AUTH_TOKEN });
  let ingestKey: string;
  let url: string;
  beforeAll(async () => {
    ingestKey = (await postJson(server(), '/api/v1/keys', { name: 'twilio', scopes: ['ingest'] })).body.key as string;
    url = `${server().url}/api/v1/integrations/twilio/taskrouter?site=hq`;
  });

  /** Posts as Twilio does: the key as the password of the callback URL's credentials, the body form-encoded. */
  async function callback(params: Record<string, string>, signature: string | undefined, body = new URLSearchParams(params).toString()) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`twilio:${ingestKey}`).toString('base64')}` };
    if (signature !== undefined) headers['x-twilio-signature'] = signature;
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, body: await res.json() };
  }
  async function openCalls(): Promise<Array<{ caseId: string; startedAt: string }>> {
    await server().testApi.clocksIdle();
    return (await server().getJson('/api/v1/clocks?type=call')).body.clocks as Array<{ caseId: string; startedAt: string }>;
  }

  it('a signed task.created opens the call clock; reservation.accepted answers it, measured from the task', async () => {
    const created = taskEvent('task.created', NOW - 3_000);
    expect(await callback(created, sign(AUTH_TOKEN, url, created))).toMatchObject({ status: 200, body: { eventType: 'task.created', milestone: 'started', stored: { new: 1 } } });
    expect(await openCalls()).toEqual([expect.objectContaining({ caseId: 'WT1f7cd2d4e6b9a1c3e5f7a9b1c3d5e7f9', startedAt: '2026-06-01T09:59:57.000Z' })]);
    // A retried callback is the same milestone.
    expect((await callback(created, sign(AUTH_TOKEN, url, created))).body.stored).toEqual({ new: 0, duplicates: 1 });

    const accepted = taskEvent('reservation.accepted', NOW + 9_500, { ReservationSid: 'WR0123456789abcdef0123456789abcdef', WorkerName: 'Alice' });
    await clock.skipTo(NOW + 10_000);
    expect(await callback(accepted, sign(AUTH_TOKEN, url, accepted))).toMatchObject({ status: 200, body: { milestone: 'answered' } });
    expect(await openCalls()).toEqual([]);
    expect(await recentEvent(server(), 'case:call:hq:WT1f7cd2d4e6b9a1c3e5f7a9b1c3d5e7f9')).toMatchObject({ event: { outcome: 'answered', answerSeconds: 12.5, agent: 'Alice', queue: 'Support' } });
  });

  it('ignores events that do not move a clock, and says so', async () => {
    const wrapup = taskEvent('task.wrapup', NOW + 20_000);
    expect(await callback(wrapup, sign(AUTH_TOKEN, url, wrapup))).toEqual({
      status: 200,
      body: { eventType: 'task.wrapup', ignored: true, reason: 'task.wrapup moves no call clock (only task.created, reservation.accepted, task.canceled do)' },
    });
  });

  it('counts only voice tasks as calls: a chat, an SMS or a task on the default channel opens no clock and is no call, and the answer says why', async () => {
    await clock.skipTo(NOW + 25_000);
    const range = `site=hq&from=${new Date(NOW - 3600_000).toISOString()}&to=${new Date(NOW + 25_000).toISOString()}`;
    const before = (await server().getJson(`/api/v1/compliance?${range}`)).body;
    expect(before.standards).toContainEqual(expect.objectContaining({ standardId: 'call-answer-2-rings', denominator: 1 }));
    for (const [channel, sid] of [['chat', 'WTchat'], ['sms', 'WTsms'], ['default', 'WTdefault']] as const) {
      const created = taskEvent('task.created', NOW + 20_000, { TaskSid: sid, TaskChannelUniqueName: channel });
      const answer = await callback(created, sign(AUTH_TOKEN, url, created));
      expect(answer).toMatchObject({ status: 200, body: { eventType: 'task.created', ignored: true, reason: expect.stringContaining(`TaskChannelUniqueName is "${channel}"`) } });
      expect(answer.body.reason).toMatch(/only voice tasks are calls/);
      expect(answer.body).not.toHaveProperty('stored');
      const accepted = taskEvent('reservation.accepted', NOW + 21_000, { TaskSid: sid, TaskChannelUniqueName: channel, WorkerName: 'Alice' });
      expect(await callback(accepted, sign(AUTH_TOKEN, url, accepted))).toMatchObject({ status: 200, body: { ignored: true } });
    }
    const noChannel = taskEvent('task.created', NOW + 20_000, { TaskSid: 'WTnochannel' });
    delete noChannel.TaskChannelUniqueName;
    expect((await callback(noChannel, sign(AUTH_TOKEN, url, noChannel))).body).toMatchObject({ ignored: true, reason: expect.stringMatching(/^TaskChannelUniqueName is missing: only voice tasks are calls/) });
    expect((await openCalls()).map((c) => c.caseId)).toEqual([]);
    // The phone figures are as they were: no chat answered in them.
    await server().testApi.clocksIdle();
    expect((await server().getJson(`/api/v1/compliance?${range}`)).body.standards).toEqual(before.standards);
  });

  // Twilio names the channel "voice"; an integrator's middleware forwarding the callback may spell it otherwise.
  it('takes a task on the voice channel however its name is cased: VOICE opens the clock, Voice answers it', async () => {
    const task = { TaskSid: 'WTcased' };
    const created = taskEvent('task.created', NOW + 22_000, { ...task, TaskChannelUniqueName: 'VOICE' });
    expect(await callback(created, sign(AUTH_TOKEN, url, created))).toMatchObject({ status: 200, body: { eventType: 'task.created', milestone: 'started', caseId: 'WTcased', stored: { new: 1 } } });
    expect((await openCalls()).map((c) => c.caseId)).toEqual(['WTcased']);
    const accepted = taskEvent('reservation.accepted', NOW + 24_000, { ...task, TaskChannelUniqueName: 'Voice', WorkerName: 'Alice' });
    expect(await callback(accepted, sign(AUTH_TOKEN, url, accepted))).toMatchObject({ status: 200, body: { milestone: 'answered', stored: { new: 1 } } });
    expect(await openCalls()).toEqual([]);
    expect(await recentEvent(server(), 'case:call:hq:WTcased')).toMatchObject({ event: { outcome: 'answered', answerSeconds: 2, agent: 'Alice' } });
  });

  it('refuses a missing, wrong or foreign signature, and a body changed after signing, storing nothing', async () => {
    const other = taskEvent('task.created', NOW + 30_000, { TaskSid: 'WTother' });
    const good = sign(AUTH_TOKEN, url, other);
    const refusals = [
      await callback(other, undefined),
      await callback(other, 'bm90IGEgc2lnbmF0dXJlIGF0IGFsbA=='),
      await callback(other, sign('another-accounts-auth-token-0000', url, other)),
      await callback(other, sign(AUTH_TOKEN, url.replace('site=hq', 'site=elsewhere'), other)),
      await callback(other, good, new URLSearchParams({ ...other, TaskQueueName: 'Sales' }).toString()),
    ];
    for (const r of refusals) expect(r).toMatchObject({ status: 403, body: { title: 'Bad Twilio signature', detail: expect.stringMatching(/; nothing from this request was stored$/), errors: [{ path: 'X-Twilio-Signature' }] } });
    expect(refusals[0]!.body.errors[0].message).toBe('is missing');
    expect(await openCalls()).toEqual([]);
    // The same request, signed right, is taken.
    expect((await callback(other, good)).status).toBe(200);
    expect((await openCalls()).map((c) => c.caseId)).toEqual(['WTother']);
  });

  it('names the parameter at fault in a signed but unusable callback', async () => {
    const noSid = taskEvent('task.canceled', NOW + 40_000);
    delete noSid.TaskSid;
    expect(await callback(noSid, sign(AUTH_TOKEN, url, noSid))).toMatchObject({ status: 400, body: { errors: [{ path: 'TaskSid', message: 'is required for a task or reservation event' }] } });
  });

  it('refuses a TimestampMs given in seconds (400 naming it), instead of storing a call in January 1970', async () => {
    const inSeconds = taskEvent('task.created', NOW, { TaskSid: 'WTseconds', TimestampMs: String(NOW / 1000) });
    const refused = await callback(inSeconds, sign(AUTH_TOKEN, url, inSeconds));
    expect(refused).toMatchObject({
      status: 400,
      body: {
        type: expect.stringMatching(/\/invalid-callback$/),
        errors: [{ path: 'TimestampMs', message: `must be milliseconds since 1970, not seconds: got "${NOW / 1000}" (as seconds 2026-06-01T10:00:00.000Z)` }],
      },
    });
    expect((await openCalls()).map((c) => c.caseId)).not.toContain('WTseconds');
    expect(await recentEvent(server(), 'case:call:hq:WTseconds')).toBeUndefined();
  });

  it('refuses an accept timed before its task was created (409 naming the event and at), storing nothing', async () => {
    const task = { TaskSid: 'WT00000000000000000000000000order' };
    const created = taskEvent('task.created', NOW + 30_000, task);
    expect((await callback(created, sign(AUTH_TOKEN, url, created))).status).toBe(200);
    const accepted = taskEvent('reservation.accepted', NOW + 29_000, { ...task, WorkerName: 'Alice' });
    const refused = await callback(accepted, sign(AUTH_TOKEN, url, accepted));
    expect(refused).toMatchObject({ status: 409, body: { type: expect.stringMatching(/\/record-conflict$/), errors: [{ path: 'reservation.accepted: at', message: expect.stringMatching(/^is before the case's "started" milestone \(stored, at 2026-06-01T10:00:30\.000Z\)/) }] } });
    expect(await openCalls()).toEqual(expect.arrayContaining([expect.objectContaining({ caseId: task.TaskSid })]));
  });

  it('takes an accept that arrives after the task\'s clock expired: 200, the call counts once, as its expiry made it', async () => {
    const created = taskEvent('task.created', NOW + 60_000, { TaskSid: 'WTlate' });
    await clock.skipTo(NOW + 60_000);
    expect((await callback(created, sign(AUTH_TOKEN, url, created))).status).toBe(200);
    await clock.skipTo(NOW + 60_000 + 2 * 3600_000 + 1_000);
    await expect.poll(async () => (await openCalls()).map((c) => c.caseId)).not.toContain('WTlate');
    const accepted = taskEvent('reservation.accepted', NOW + 60_000 + 2 * 3600_000 + 2_000, { TaskSid: 'WTlate', WorkerName: 'Bo' });
    expect(await callback(accepted, sign(AUTH_TOKEN, url, accepted))).toMatchObject({ status: 200, body: { milestone: 'answered', stored: { new: 1 } } });
    expect(await recentEvent(server(), 'case:call:hq:WTlate')).toMatchObject({ event: { outcome: 'abandoned' } });
  });

  it('needs a key with the ingest scope', async () => {
    const created = taskEvent('task.created', NOW + 50_000, { TaskSid: 'WTnokey' });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(AUTH_TOKEN, url, created) }, body: new URLSearchParams(created).toString() });
    expect(res.status).toBe(401);
  });

  it('refuses a parameter given twice with different values, naming it, instead of reading the first', async () => {
    const raw = new URLSearchParams({ ...taskEvent('task.created', NOW - 5_000, { TaskSid: 'WTtwice' }) });
    raw.append('EventType', 'task.canceled');
    const pairs = [...raw].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
    const signature = createHmac('sha1', AUTH_TOKEN).update(url + pairs.map(([n, v]) => n + v).join('')).digest('base64');
    const res = await callback({}, signature, raw.toString());
    expect(res).toMatchObject({ status: 400, body: { type: expect.stringMatching(/\/invalid-callback$/), errors: [{ path: 'EventType', message: 'is given 2 times with different values; a callback gives it once' }] } });
    expect((await openCalls()).map((c) => c.caseId)).not.toContain('WTtwice');
  });

  it('refuses a value that is not percent-encoded UTF-8, naming it, instead of keeping its raw text', async () => {
    const fields = taskEvent('task.created', NOW - 6_000, { TaskSid: 'WTencoded' });
    for (const [name, bad] of [['TaskSid', 'WT%zzbad'], ['TaskQueueName', 'Support%ff'], ['TaskSid', 'WTlone%']] as const) {
      const body = `${new URLSearchParams({ ...fields, [name]: 'PLACEHOLDER' }).toString().replace('PLACEHOLDER', bad)}`;
      // Signed over what node's form parser reads from it (%zz kept as it is, %ff as U+FFFD): the signature holds.
      const read = Object.fromEntries(new URLSearchParams(body.replace(/%(?![0-9A-Fa-f]{2})/g, '%25')));
      read[name] = name === 'TaskQueueName' ? 'Support\uFFFD' : bad;
      const res = await callback({}, sign(AUTH_TOKEN, url, read), body);
      expect(res, bad).toMatchObject({ status: 400, body: { type: expect.stringMatching(/\/invalid-callback$/), detail: `${name} is not valid percent-encoded UTF-8 (é is %C3%A9)`, errors: [{ path: name, message: 'is not valid percent-encoded UTF-8 (é is %C3%A9)' }] } });
    }
    expect((await openCalls()).map((c) => c.caseId)).not.toContain('WTencoded');
    // Encoded right, the same callback is taken.
    expect((await callback(fields, sign(AUTH_TOKEN, url, fields))).status).toBe(200);
  });
});

describe('Twilio TaskRouter on a server without an auth token', () => {
  it('refuses every callback: nothing can be verified', async () => {
    const server = await startTestServer();
    const url = `${server.url}/api/v1/integrations/twilio/taskrouter?site=hq`;
    const params = taskEvent('task.created', Date.now());
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${server.apiKey}`, 'x-twilio-signature': sign(AUTH_TOKEN, url, params) }, body: new URLSearchParams(params).toString() });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toContain('RINGSIDE_TWILIO_AUTH_TOKEN');
    await server.close();
    removeDir(server.dataDir);
  });
});
