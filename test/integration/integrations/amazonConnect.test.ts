// POST /api/v1/integrations/amazon-connect/firehose on a real server, posted as Amazon Data Firehose posts to an
// HTTP endpoint (protocol 1.0: requestId, timestamp, base64 records; the access key in X-Amz-Firehose-Access-Key)
// and answered in Firehose's response format. Contact records become finished calls; a delivery with a malformed
// record is refused whole (Firehose retries it) and stores nothing.
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { postJson, recentEvent, snapshotOf } from '../clocks/support';
import { abandoned, contactRecord } from '../../support/contactRecords';
import { testClock } from '../support/testClock';
import { chainHead, useTestServer } from '../support/testServer';

const NOW = Date.parse('2026-03-02T08:10:00Z');
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64');

const server = useTestServer({ clock: testClock(NOW) });
let accessKey: string;
beforeAll(async () => {
  accessKey = (await postJson(server(), '/api/v1/keys', { name: 'firehose', scopes: ['ingest'] })).body.key as string;
});

async function deliver(requestId: string, records: unknown[], key: string | null = accessKey) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amz-firehose-protocol-version': '1.0', 'x-amz-firehose-request-id': requestId };
  if (key !== null) headers['x-amz-firehose-access-key'] = key;
  const body = JSON.stringify({ requestId, timestamp: NOW - 5_000, records: records.map((r) => ({ data: b64(r) })) });
  const res = await fetch(`${server().url}/api/v1/integrations/amazon-connect/firehose?site=hq`, { method: 'POST', headers, body });
  return { status: res.status, body: await res.json() };
}

const callEvents = async () => (await snapshotOf(server())).recent.filter((e) => e.event.id.startsWith('ac:'));

describe('Amazon Connect contact records through Firehose', () => {
  it('stores each queued voice contact as a call, answered at the agent connection or abandoned after Queue.Duration', async () => {
    const chat = contactRecord('c-chat', { Channel: 'CHAT' });
    const answer = await deliver('11111111-1111-4111-8111-111111111111', [contactRecord('c-1'), abandoned('c-2'), chat]);
    expect(answer).toEqual({ status: 200, body: { requestId: '11111111-1111-4111-8111-111111111111', timestamp: NOW } });
    expect(await recentEvent(server(), 'ac:c-1')).toMatchObject({ event: { outcome: 'answered', answerSeconds: 35, agent: 'alice', queue: 'Support', occurredAt: '2026-03-02T08:00:40.000Z' } });
    expect(await recentEvent(server(), 'ac:c-2')).toMatchObject({ event: { outcome: 'abandoned', answerSeconds: 60, queue: 'Support' } });
    expect((await callEvents()).length).toBe(2);
  });

  it('takes a re-delivered record (Firehose retries, Connect updates a record) as the same call', async () => {
    const updated = contactRecord('c-1', { Attributes: { survey: '5' }, LastUpdateTimestamp: '2026-03-02T08:09:00Z' });
    expect((await deliver('22222222-2222-4222-8222-222222222222', [updated, abandoned('c-2')])).status).toBe(200);
    expect((await callEvents()).length).toBe(2);
  });

  it('refuses a delivery with a malformed record in Firehose format, naming the record, and stores none of it', async () => {
    const answer = await deliver('33333333-3333-4333-8333-333333333333', [contactRecord('c-3'), '{"ContactId": "c-4", "Channel": "VOICE"', abandoned('c-5')]);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ requestId: '33333333-3333-4333-8333-333333333333', timestamp: NOW, errorMessage: expect.stringContaining('records[1].data is not JSON') });
    expect(answer.body.errorMessage).toContain('nothing from this request was stored');
    const bad = await deliver('44444444-4444-4444-8444-444444444444', [contactRecord('c-6', { Queue: { EnqueueTimestamp: 'yesterday', Name: 'Support' } })]);
    expect(bad.body.errorMessage).toContain('records[0]: Queue.EnqueueTimestamp must be an RFC 3339 timestamp');
    expect((await callEvents()).map((e) => e.event.id).sort()).toEqual(['ac:c-1', 'ac:c-2']);
  });

  it('refuses a record whose timestamp is not a real date (2026-02-30) instead of rolling it over, and stores none of the delivery', async () => {
    const headBefore = await chainHead(server());
    const impossible = { ContactId: 'c-5', Channel: 'VOICE', Queue: { Name: 'Support', EnqueueTimestamp: '2026-02-30T00:00:00Z', Duration: 5 } };
    const answer = await deliver('88888888-8888-4888-8888-888888888888', [impossible, abandoned('c-9')]);
    expect(answer).toEqual({
      status: 400,
      body: { requestId: '88888888-8888-4888-8888-888888888888', timestamp: NOW, errorMessage: 'records[0]: Queue.EnqueueTimestamp is not a real date and time, got "2026-02-30T00:00:00Z"; nothing from this request was stored' },
    });
    const lateAnswer = contactRecord('c-10', { Agent: { Username: 'alice', ConnectedToAgentTimestamp: '2026-03-02T08:00:60Z' } });
    expect((await deliver('99999999-9999-4999-8999-999999999999', [abandoned('c-11'), lateAnswer])).body.errorMessage).toMatch(/^records\[1\]: Agent\.ConnectedToAgentTimestamp is not a real date and time/);
    expect(await recentEvent(server(), 'ac:c-5')).toBeUndefined();
    expect(await recentEvent(server(), 'ac:c-9')).toBeUndefined();
    expect(await recentEvent(server(), 'ac:c-11')).toBeUndefined();
    expect(await chainHead(server())).toEqual(headBefore);
    expect((await server().getJson('/api/v1/audit/verify')).body).toMatchObject({ intact: true, problems: [] });
  });

  it('refuses a body without a requestId to echo (missing, a number, empty, not an object) with a 400 naming it, never an answer with a made-up id', async () => {
    const headBefore = await chainHead(server());
    const records = [{ data: b64(abandoned('c-12')) }];
    const post = async (body: unknown) => {
      // The header is there as Firehose sends it: the answer still does not take its id from anywhere but the body.
      const headers = { 'content-type': 'application/json', 'x-amz-firehose-access-key': accessKey, 'x-amz-firehose-request-id': 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' };
      const res = await fetch(`${server().url}/api/v1/integrations/amazon-connect/firehose?site=hq`, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
    };
    const refused = (path: string, message: string) => ({
      status: 400,
      type: 'application/problem+json; charset=utf-8',
      body: {
        type: expect.stringMatching(/invalid-delivery$/),
        title: 'Invalid Firehose delivery',
        status: 400,
        detail: `${path} ${message}; nothing from this request was stored`,
        errors: [{ path, message }],
      },
    });
    expect(await post({ requestId: 42, timestamp: NOW, records })).toEqual(refused('requestId', 'must be text (got a number)'));
    expect(await post({ timestamp: NOW, records })).toEqual(refused('requestId', 'is required: Firehose sends it with every delivery and expects it back'));
    expect(await post({ requestId: '', timestamp: NOW, records })).toEqual(refused('requestId', 'must not be empty'));
    expect(await post([records])).toEqual(refused('(body)', 'must be a JSON object (got a list): a Firehose delivery is one, with requestId, timestamp and records'));
    expect(await recentEvent(server(), 'ac:c-12')).toBeUndefined();
    expect(await chainHead(server())).toEqual(headBefore);
  });

  it('reads a delivery Firehose sent with GZIP content encoding', async () => {
    const body = JSON.stringify({ requestId: '77777777-7777-4777-8777-777777777777', timestamp: NOW, records: [{ data: b64(abandoned('c-8')) }] });
    const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-amz-firehose-access-key': accessKey };
    const res = await fetch(`${server().url}/api/v1/integrations/amazon-connect/firehose?site=hq`, { method: 'POST', headers, body: gzipSync(body) });
    expect(res.status).toBe(200);
    expect(await recentEvent(server(), 'ac:c-8')).toMatchObject({ event: { outcome: 'abandoned', answerSeconds: 60 } });
  });

  it('answers a missing or unknown access key with 401, so Firehose retries once the key is right', async () => {
    // Firehose logs the answer's body: it names the header Firehose sends the key in, not Authorization.
    const accessKeyHeader = `"X-Amz-Firehose-Access-Key: <key>" (the access key of the Firehose stream's HTTP endpoint)`;
    expect(await deliver('55555555-5555-4555-8555-555555555555', [contactRecord('c-7')], null)).toMatchObject({
      status: 401,
      body: { type: 'https://ringside.dev/problems/missing-key', detail: `send an API key as ${accessKeyHeader}`, errors: [{ path: 'X-Amz-Firehose-Access-Key', message: `is required: send an API key as ${accessKeyHeader}` }] },
    });
    expect((await deliver('66666666-6666-4666-8666-666666666666', [contactRecord('c-7')], 'rs_not-a-key')).status).toBe(401);
    expect(await recentEvent(server(), 'ac:c-7')).toBeUndefined();
  });
});
