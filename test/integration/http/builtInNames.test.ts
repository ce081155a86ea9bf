// Names every JavaScript object already has (constructor, toString, __proto__ …) where a client names a type, an
// event or a milestone: read as unknown names, never as the built-in (which answered 500 or nonsense before), and
// refused as ids of a type, a milestone or a measure a definition would create.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adminHeaders, useTestServer } from '../support/testServer';

const TWILIO_TOKEN = 'built-in-names-twilio-token';
const server = useTestServer({ twilioAuthToken: TWILIO_TOKEN });

async function send(method: string, path: string, body: unknown, contentType = 'application/json') {
  const res = await fetch(`${server().url}/api/v1${path}`, { method, headers: { 'content-type': contentType, ...adminHeaders(server().apiKey) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const BUILT_IN = 'is a name every JavaScript object already has (constructor, toString, valueOf …); choose another';
const secondsAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString();

describe('built-in names', () => {
  it('refuses them as the ids an event type definition creates, naming each', async () => {
    const res = await send('POST', '/event-types', {
      id: 'constructor',
      name: 'Built-ins',
      milestones: [{ id: 'valueOf', role: 'start' }, { id: 'toString', role: 'stop', outcome: 'served' }],
      measures: [{ id: 'hasOwnProperty', from: 'valueOf', to: 'toString' }],
      maxOpenSeconds: 3600,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(['id', 'milestones.0.id', 'milestones.1.id', 'measures.0.id'].map((path) => ({ path, message: BUILT_IN })));
    expect((await server().getJson('/api/v1/event-types')).body.eventTypes.map((t: { id: string }) => t.id)).toEqual(['call', 'visit', 'complaint']);
  });

  it('reads a standard\'s eventType spelt like one as an unknown type (before: 500)', async () => {
    for (const eventType of ['constructor', '__proto__']) {
      const res = await send('POST', '/standards', { id: 'built-in', name: 'Built-in', eventType, measure: 'rings', threshold: 2, target: 0.9 });
      expect({ eventType, status: res.status, paths: res.body.errors.map((e: { path: string }) => e.path) }).toEqual({ eventType, status: 400, paths: ['eventType'] });
    }
  });

  it('counts a queue_log event spelt like one as ignored, as any unknown event', async () => {
    const epoch = Math.floor(Date.now() / 1000) - 60;
    const lines = ['constructor', '__proto__', 'toString', 'toString'].map((event, i) => `${epoch}|c${i}|support|NONE|${event}|1|2|3`).join('\n') + '\n';
    const res = await send('POST', '/integrations/asterisk/queue-log?site=hq', lines, 'text/plain');
    expect(res).toMatchObject({ status: 200, body: { lines: 4, ignored: { constructor: 1, __proto__: 1, toString: 2 }, stored: { new: 0 } } });
  });

  it('answers a TaskRouter EventType spelt like one as an event that moves no clock', async () => {
    const url = `${server().url}/api/v1/integrations/twilio/taskrouter?site=hq`;
    for (const eventType of ['constructor', '__proto__', 'toString']) {
      const params = { EventType: eventType, TaskSid: `WT-${eventType}`, TimestampMs: String(Date.now() - 5_000) };
      const signed = url + Object.keys(params).sort().map((name) => name + params[name as keyof typeof params]).join('');
      const signature = createHmac('sha1', TWILIO_TOKEN).update(signed).digest('base64');
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature, ...adminHeaders(server().apiKey) }, body: new URLSearchParams(params).toString() });
      expect({ eventType, status: res.status, body: await res.json() }).toEqual({ eventType, status: 200, body: { eventType, ignored: true, reason: `${eventType} moves no call clock (only task.created, reservation.accepted, task.canceled do)` } });
    }
  });

  it('refuses a milestone of a type or milestone spelt like one as unknown', async () => {
    const res = await send('POST', '/milestones', { milestones: [
      { type: 'constructor', site: 'hq', caseId: 'k1', milestone: 'valueOf', at: secondsAgo(30) },
      { type: 'call', site: 'hq', caseId: 'k2', milestone: 'constructor', at: secondsAgo(30) },
    ] });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'milestones.0.type', message: expect.stringMatching(/^must be one of call, visit.* \(got "constructor"\)$/) },
      { path: 'milestones.1.milestone', message: expect.stringMatching(/^is not a milestone of a call: must be one of .* \(got "constructor"\)$/) },
    ]);
  });

  it('names a "__proto__" weekday of a site\'s hours as not known, instead of dropping it and closing the site every day', async () => {
    // JSON.stringify of an object literal would not send a __proto__ key: the body is sent as text.
    const text = await send('POST', '/sites', '{"id": "proto-hours", "hours": {"mon": ["09:00-17:00"], "__proto__": ["09:00-17:00"]}}');
    expect(text).toMatchObject({ status: 400, body: { errors: [{ path: 'hours.__proto__', message: 'is not a known field' }] } });
    expect((await server().getJson('/api/v1/sites/proto-hours')).status).toBe(404);
  });
});
