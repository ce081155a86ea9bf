// U+0000 (NUL) in text, on a real server, on SQLite and (integration-postgres) on PostgreSQL alike: PostgreSQL cannot
// store it, so the wire refuses it everywhere (protocol/text.ts): every body, every integration's own format (its
// field named as that format names it), path and query parameters, key names and the standards file answer a 4xx
// naming the field, never a 500. Firehose gets its refusal in its own answer format, which it does not retry.
import { createHmac } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { contactRecord } from '../../support/contactRecords';
import { testClock } from '../support/testClock';
import { adminHeaders, call, removeDir, startTestServer, tempStandardsFile, useTestServer } from '../support/testServer';

const NOW = Date.parse('2026-03-02T08:10:00Z');
const TWILIO_TOKEN = '12345678901234567890123456789012';
const NUL_AT = (at: number) => `must not contain the NUL character (U+0000, at position ${at})`;
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const standardsFile = (text: string) => tempStandardsFile(text, dirs);

const MAPPING = `
integrations:
  - id: doors
    map: '{"type": "visit", "site": "north", "caseId": badge, "milestone": "arrived", "at": time}'
`;

describe('NUL in text', () => {
  const server = useTestServer({ clock: testClock(NOW), twilioAuthToken: TWILIO_TOKEN, standardsFile: standardsFile(MAPPING) });
  const at = new Date(NOW - 60_000).toISOString();

  async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
    const res = await fetch(`${server().url}${path}`, { method, headers: { ...adminHeaders(server().apiKey), ...headers }, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  const refused = (answer: { status: number; body: any }, status: number, errors: Array<{ path: string; message: string }>) => {
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    for (const e of errors) expect(answer.body.errors, JSON.stringify(answer.body)).toContainEqual(e);
  };

  it('a milestone and an event name each field that holds one', async () => {
    refused(await send('POST', '/api/v1/milestones', { type: 'call', site: 'hq', caseId: 'x\u0000y', queue: 'a\u0000b', milestone: 'started', at }), 400, [
      { path: 'caseId', message: NUL_AT(1) },
      { path: 'queue', message: NUL_AT(1) },
    ]);
    refused(await send('POST', '/api/v1/events', call({ id: 'nul-1', site: 'x\u0000y', occurredAt: at })), 400, [{ path: 'site', message: NUL_AT(1) }]);
    refused(await send('POST', '/api/v1/events', { events: [call({ id: 'nul-2', occurredAt: at }), call({ id: 'nul-3', agent: '\u0000', occurredAt: at })] }), 400, [{ path: 'events.1.agent', message: NUL_AT(0) }]);
    expect((await server().getJson('/api/v1/events?limit=10')).body.events ?? []).toEqual([]);
  });

  it('a queue_log line names its line and field', async () => {
    const body = `1772438401|3002.1|sup\u0000port|NONE|ENTERQUEUE||+4930123456|1\n1772438402|3002.2|support|NONE|ENTERQUEUE||x\u0000|1\n`;
    refused(await send('POST', '/api/v1/integrations/asterisk/queue-log?site=hq', body, { 'content-type': 'text/plain' }), 400, [
      { path: 'line 1 queuename', message: NUL_AT(3) },
      { path: 'line 2 data2', message: NUL_AT(1) },
    ]);
    expect((await server().getJson('/api/v1/clocks')).body.clocks).toEqual([]);
  });

  it('a Firehose contact record is refused in Firehose\'s own answer, naming the record and field', async () => {
    const requestId = '11111111-1111-4111-8111-111111111111';
    const delivery = { requestId, timestamp: NOW - 5_000, records: [{ data: Buffer.from(JSON.stringify(contactRecord('c\u0000z'))).toString('base64') }] };
    const answer = await send('POST', '/api/v1/integrations/amazon-connect/firehose?site=hq', delivery, { 'content-type': 'application/json', 'x-amz-firehose-request-id': requestId });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ requestId, timestamp: NOW, errorMessage: expect.stringContaining(`ContactId ${NUL_AT(1)}`) });
    const queue = contactRecord('c-ok', { Queue: { ...(contactRecord('c-ok').Queue as object), Name: 'Sup\u0000port' } });
    const named = await send('POST', '/api/v1/integrations/amazon-connect/firehose?site=hq', { ...delivery, records: [{ data: Buffer.from(JSON.stringify(queue)).toString('base64') }] }, { 'content-type': 'application/json' });
    expect(named).toMatchObject({ status: 400, body: { requestId, errorMessage: expect.stringContaining(`Queue.Name ${NUL_AT(3)}`) } });
  });

  it('a signed Twilio callback names its form parameter', async () => {
    const url = `${server().url}/api/v1/integrations/twilio/taskrouter?site=hq`;
    const params = { EventType: 'task.created', TaskChannelUniqueName: 'voice', TaskSid: 'WT1', TaskQueueName: 'Sup\u0000port', TimestampMs: String(NOW - 3_000) };
    const data = url + Object.keys(params).sort().map((k) => k + params[k as keyof typeof params]).join('');
    const signature = createHmac('sha1', TWILIO_TOKEN).update(data).digest('base64');
    refused(await send('POST', '/api/v1/integrations/twilio/taskrouter?site=hq', new URLSearchParams(params).toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }), 400, [
      { path: 'TaskQueueName', message: NUL_AT(3) },
    ]);
  });

  it("a custom webhook's mapped output names the mapped field", async () => {
    const answer = await send('POST', '/api/v1/integrations/custom/doors', { badge: 'b\u00007', time: at });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.errors).toContainEqual({ path: 'mapped.caseId', message: NUL_AT(1) });
  });

  it('path parameters, query parameters and key names are refused naming the parameter, never a 500', async () => {
    for (const path of ['/api/v1/sites/x%00y', '/api/v1/standards/x%00y', '/api/v1/standards/x%00y/versions', '/api/v1/keys/x%00y', '/api/v1/sites/x%00y/history']) {
      refused(await send('GET', path), 400, [{ path: 'id', message: NUL_AT(1) }]);
    }
    refused(await send('PUT', '/api/v1/event-types/x%00y', { name: 'X', milestones: [] }), 400, [{ path: 'id', message: NUL_AT(1) }]);
    refused(await send('DELETE', '/api/v1/keys/k%00'), 400, [{ path: 'id', message: NUL_AT(1) }]);
    refused(await send('POST', '/api/v1/events/e%00/void', { reason: 'test' }), 400, [{ path: 'id', message: NUL_AT(1) }]);
    refused(await send('POST', '/api/v1/integrations/custom/d%00', { badge: 'b' }), 400, [{ path: 'id', message: NUL_AT(1) }]);
    refused(await send('GET', '/api/v1/compliance?window=1h&site=x%00y'), 400, [{ path: 'site', message: NUL_AT(1) }]);
    refused(await send('GET', '/api/v1/clocks?site=x%00y'), 400, [{ path: 'site', message: NUL_AT(1) }]);
    refused(await send('POST', '/api/v1/integrations/asterisk/queue-log?site=h%00q', '1772438401|3002.1|support|NONE|ENTERQUEUE||+49|1\n', { 'content-type': 'text/plain' }), 400, [{ path: 'site', message: NUL_AT(1) }]);
    refused(await send('POST', '/api/v1/keys', { name: 'a\u0000b', scopes: ['read'] }), 400, [{ path: 'name', message: NUL_AT(1) }]);
    refused(await send('POST', '/api/v1/keys', { name: 'kiosk', scopes: ['ingest'], sites: ['n\u0000'] }), 400, [{ path: 'sites.0', message: NUL_AT(1) }]);
    refused(await send('POST', '/api/v1/sites', { id: 's\u0000', name: 'S' }), 400, [{ path: 'id', message: NUL_AT(1) }]);
  });
});

it('a standards file with a NUL in a text value is refused, naming the field', async () => {
  const file = standardsFile('sites:\n  - id: "north\\0"\n    name: North\n');
  await expect(startTestServer({ standardsFile: file })).rejects.toThrow(/sites\.0\.id: must not contain the NUL character \(U\+0000, at position 5\)/);
});
