// Who acknowledged an incident is a person's name (`by`, else the key's name): it is kept with the incident, its
// change and the webhook, which say who saw what. The log line of the acknowledgement names the incident and its
// change, not the person: logs are shipped and kept elsewhere, under other rules, and need no one's name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, MINUTE, T0 } from '../support/alertSupport';
import { captureLog } from '../support/serverLog';
import { testClock } from '../support/testClock';
import { adminHeaders, removeDir, startTestServer, type TestServer } from '../support/testServer';

const PERSON = 'Erika Mustermann';
const clock = testClock(T0);
let server: TestServer;
const log = captureLog();

beforeAll(async () => {
  server = await startTestServer({ clock, logLevel: 'info', alerts: { intervalMs: 0, throttleMs: 0 } });
  expect((await server.postEvents({ events: calls(18, 3, T0 - MINUTE, 'harbour') })).status).toBe(201); // 18/21: amber
  await clock.skipTo(clock.now() + 2 * MINUTE);
  expect((await server.testApi.evaluateAlerts()).map((u) => u.change.kind)).toEqual(['opened']);
});
afterAll(async () => {
  log.stop();
  await server?.close();
  if (server) removeDir(server.dataDir);
});

describe('the log of an acknowledgement', () => {
  it('names the incident and its change, not who acknowledged it', async () => {
    const res = await fetch(`${server.url}/api/v1/incidents/1/ack`, { method: 'POST', headers: { ...adminHeaders(server.apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ by: PERSON }) });
    expect(await res.json()).toMatchObject({ id: 1, acknowledgedBy: PERSON });
    const line = log.lines().find((l) => l.msg === 'incident acknowledged');
    expect(line).toMatchObject({ incident: 1, severity: 'amber', change: 2 });
    expect(log.lines().filter((l) => JSON.stringify(l).includes(PERSON))).toEqual([]);
  });
});
