// Incidents end to end: a real server on 127.0.0.1:0 on a test clock the scenario moves (the default holds: 2 min to
// open, 5 min to recover), events posted over HTTP, real socket.io clients, and a real webhook receiver.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, Incident, IncidentUpdate, IncidentWithChanges, ReplayResponse, ServerToClientEvents, Snapshot } from '../../../server/src/protocol';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { calls, MINUTE, startReceiver, T0, type Receiver } from '../support/alertSupport';
import { testClock } from '../support/testClock';
import { adminHeaders, removeDir, startTestServer, type TestServer } from '../support/testServer';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

describe('incidents: one per standard and site, changed in place', () => {
  let server: TestServer;
  let receiver: Receiver;
  let client: Client;
  const pushed: IncidentUpdate[] = [];
  const clock = testClock(T0);
  /** Resolves once the socket has received `count` incident pushes in all. */
  const pushes = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => pushed.length >= count && (client.off('incident', check), resolve());
      client.on('incident', check);
      check();
    });
  const post = async (events: unknown[]) => expect((await server.postEvents({ events })).status).toBe(201);
  const incidents = async (query = '') => {
    const res = await server.getJson(`/api/v1/incidents${query}`);
    expect(res.status).toBe(200);
    return res.body.incidents as Incident[];
  };
  const send = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/v1${path}`, {
      method: 'POST',
      headers: { ...adminHeaders(server.apiKey), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const connect = async (): Promise<{ socket: Client; snapshot: Snapshot }> => {
    const socket: Client = io(server.url, { forceNew: true, reconnection: false, auth: { token: server.apiKey } });
    const snapshot = await new Promise<Snapshot>((resolve, reject) => {
      socket.once('snapshot', resolve);
      socket.once('connect_error', reject);
    });
    return { socket, snapshot };
  };
  const tick = async (ms: number) => {
    await clock.skipTo(clock.now() + ms);
    return server.testApi.evaluateAlerts();
  };
  const brief = (u: IncidentUpdate) => [u.change.seq, u.change.kind, u.incident.id, u.incident.site, u.change.severity];

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({
      clock,
      alerts: { intervalMs: 0, throttleMs: 0, webhooks: [receiver.url], webhookRetry: { baseDelayMs: 10, jitter: 0, timeoutMs: 2000 } },
    });
    for (const [id, name] of [
      ['harbour', 'Harbour'],
      ['airport', 'Airport'],
    ]) {
      const res = await fetch(`${server.url}/api/v1/sites`, { method: 'POST', headers: { ...adminHeaders(server.apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ id, name, timeZone: 'UTC' }) });
      expect(res.status).toBe(201);
    }
    ({ socket: client } = await connect());
    client.on('incident', (u) => pushed.push(u));
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.close();
    await receiver?.close();
    if (server) removeDir(server.dataDir);
  });

  it('opens nothing below the minimum sample, and nothing before the condition held for 2 minutes', async () => {
    await post(calls(0, 1, T0 - MINUTE, 'harbour')); // one early miss
    expect(await server.testApi.evaluateAlerts()).toEqual([]);
    await post(calls(18, 2, T0 - MINUTE, 'harbour')); // 18/21 = 85.7 %: amber; the hold starts
    expect(await tick(MINUTE)).toEqual([]);
    const opened = await tick(MINUTE);
    expect(opened.map(brief)).toEqual([[1, 'opened', 1, 'harbour', 'amber']]);
    expect(opened[0]!.incident).toMatchObject({
      standardId: 'call-answer-2-rings',
      site: 'harbour',
      siteName: 'Harbour',
      standardLabel: 'Calls ≤ 2 rings',
      state: 'open',
      severity: 'amber',
      openedAt: new Date(T0 + 2 * MINUTE).toISOString(),
      acknowledgedAt: null,
      summary: 'Harbour calls: 85.7 % answered within 2 rings in the last hour — target 90 %',
    });
    expect(opened[0]!.incident.detail.lines[0]).toBe('Band over 1h: 85.7 % (18 of 21 met); amber below 90 %, red below 85 % → amber');
    expect(await incidents('?state=open')).toEqual([opened[0]!.incident]);
  });

  it('escalates the same incident to red at once, seconds later (both changes pushed)', async () => {
    await clock.skipTo(clock.now() + 4000);
    await post(calls(0, 2, T0 - MINUTE, 'harbour')); // 18/23 = 78.2 %: red, evaluated in the request
    await pushes(2);
    expect(pushed.map(brief)).toEqual([
      [1, 'opened', 1, 'harbour', 'amber'],
      [2, 'escalated', 1, 'harbour', 'red'],
    ]);
    expect(pushed[1]!.change).toMatchObject({ previousSeverity: 'amber', severity: 'red', summary: 'Harbour calls: 78.2 % answered within 2 rings in the last hour — target 90 %' });
    expect(await incidents()).toHaveLength(1);
  });

  it('acknowledges one incident at its severity (again: unchanged), naming who; bad requests name their field', async () => {
    const first = await send('/incidents/1/ack', { by: 'ana' });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ id: 1, acknowledgedBy: 'ana', acknowledgedSeverity: 'red', acknowledgedAt: new Date(clock.now()).toISOString() });
    const again = (await (await send('/incidents/1/ack', { by: 'bob' })).json()) as Incident;
    expect(again.acknowledgedBy).toBe('ana');
    await pushes(3);
    expect(pushed.slice(2).map((u) => [u.change.kind, u.change.by, u.incident.acknowledgedBy])).toEqual([['acknowledged', 'ana', 'ana']]);
    const problems = async (res: Response) => {
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      return { status: res.status, paths: ((await res.json()) as { errors?: Array<{ path: string }> }).errors?.map((e) => e.path) };
    };
    expect(await problems(await send('/incidents/abc/ack', {}))).toEqual({ status: 400, paths: ['id'] });
    expect(await problems(await send('/incidents/999/ack'))).toEqual({ status: 404, paths: ['id'] });
    expect(await problems(await send('/incidents/1/ack', { by: 5 }))).toEqual({ status: 400, paths: ['by'] });
    expect(await problems(await send('/incidents/1/ack', { by: 'x', who: 'y' }))).toEqual({ status: 400, paths: ['who'] });
    expect(await problems(await send('/incidents/1/ack', [1]))).toEqual({ status: 400, paths: ['(body)'] });
    expect((await send('/incidents/1/ack', 'by=ana', { 'content-type': 'text/plain' })).status).toBe(415);
    expect(await problems(await send('/incidents/ack', { ids: [] }))).toEqual({ status: 400, paths: ['ids'] });
    expect(await problems(await send('/incidents/ack', { ids: [1, 'x'] }))).toEqual({ status: 400, paths: ['ids.1'] });
    expect(await problems(await send('/incidents/ack', { ids: [1, 77] }))).toEqual({ status: 404, paths: ['ids.1'] });
    // One id in the list is still named by its place in the list; by its address, as the path parameter.
    const one = await send('/incidents/ack', { ids: [99999] });
    expect(one.status).toBe(404);
    expect(await one.json()).toEqual({
      type: 'https://ringside.dev/problems/incident-not-found',
      title: 'Incident not found',
      status: 404,
      detail: 'ids.0 no incident with id 99999',
      errors: [{ path: 'ids.0', message: 'no incident with id 99999' }],
    });
    expect(await (await send('/incidents/99999/ack')).json()).toMatchObject({ type: 'https://ringside.dev/problems/incident-not-found', errors: [{ path: 'id', message: 'no incident with id 99999' }] });
    expect((await fetch(`${server.url}/api/v1/incidents/1/ack`, { headers: adminHeaders(server.apiKey) })).status).toBe(405);
  });

  it('acknowledges several at once (Acknowledge all): every incident named, all or nothing', async () => {
    await post(calls(5, 15, clock.now() - MINUTE, 'airport')); // 25 %: red; the hold starts with the post's evaluation
    expect(await tick(MINUTE)).toEqual([]);
    const opened = await tick(MINUTE);
    expect(opened.map(brief)).toEqual([[4, 'opened', 2, 'airport', 'red']]);
    // Every unknown id named in one answer (an id asked twice, at each place), and the known ones left unacknowledged.
    const unknown = await send('/incidents/ack', { ids: [88, 2, 77, 1, 88], by: 'zoe' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      type: 'https://ringside.dev/problems/incident-not-found',
      title: 'Incident not found',
      status: 404,
      detail: 'ids.0 no incident with id 88; ids.2 no incident with id 77; ids.4 no incident with id 88',
      errors: [
        { path: 'ids.0', message: 'no incident with id 88' },
        { path: 'ids.2', message: 'no incident with id 77' },
        { path: 'ids.4', message: 'no incident with id 88' },
      ],
    });
    expect((await incidents('?state=open')).map((i) => [i.id, i.acknowledgedBy])).toEqual([
      [1, 'ana'],
      [2, null],
    ]);
    const res = await send('/incidents/ack', { ids: [1, 2] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { incidents: Incident[] };
    expect(body.incidents.map((i) => [i.id, i.acknowledgedBy, i.acknowledgedSeverity])).toEqual([
      [1, 'ana', 'red'], // already acknowledged at red: unchanged
      [2, 'RINGSIDE_API_KEY', 'red'], // no "by": the API key's name
    ]);
    expect((await incidents('?state=open')).every((i) => i.acknowledgedAt !== null)).toBe(true);
  });

  it('sends the open incidents in the snapshot of a client that connects now', async () => {
    const { socket, snapshot } = await connect();
    socket.disconnect();
    expect(snapshot.openIncidents.map((i) => [i.id, i.site, i.severity, i.acknowledgedBy])).toEqual([
      [1, 'harbour', 'red', 'ana'],
      [2, 'airport', 'red', 'RINGSIDE_API_KEY'],
    ]);
  });

  it('recovers after every condition was clear for 5 minutes; a client that was away replays what it missed', async () => {
    const away = await connect();
    const heads = (await away.socket.timeout(5000).emitWithAck('replay', {})) as Extract<ReplayResponse, { ok: true }>;
    expect(heads).toMatchObject({ ok: true, incidents: [], headIncidentChange: 5 });
    away.socket.disconnect();
    await post(calls(200, 0, clock.now() - MINUTE, 'harbour')); // 218/223 = 97.8 %: clear; the recovery hold starts
    expect(await tick(4 * MINUTE)).toEqual([]);
    const recovered = await tick(MINUTE);
    expect(recovered.map(brief)).toEqual([[6, 'recovered', 1, 'harbour', 'red']]);
    expect(recovered[0]!.incident).toMatchObject({ state: 'recovered', peakSeverity: 'red', recoveredAt: new Date(clock.now()).toISOString() });
    expect(recovered[0]!.change.summary).toBe('Harbour calls back on target: 97.7 % answered within 2 rings in the last hour — target 90 %');
    const back = await connect();
    expect(back.snapshot.openIncidents.map((i) => i.id)).toEqual([2]);
    const missed = await back.socket.timeout(5000).emitWithAck('replay', { afterIncidentChange: heads.headIncidentChange });
    back.socket.disconnect();
    if (!missed.ok) throw new Error(missed.error);
    expect(missed.incidents.map(brief)).toEqual([[6, 'recovered', 1, 'harbour', 'red']]);
    expect(missed.headIncidentChange).toBe(6);
  });

  it('lists and reads incidents with their changes; refuses bad queries by name; /alerts is gone', async () => {
    expect((await incidents()).map((i) => [i.id, i.state])).toEqual([
      [1, 'recovered'],
      [2, 'open'],
    ]);
    expect((await incidents('?state=recovered&site=harbour')).map((i) => i.id)).toEqual([1]);
    expect((await incidents('?standard=visit-greet-30s')).map((i) => i.id)).toEqual([]);
    expect((await incidents(`?from=${encodeURIComponent(new Date(clock.now()).toISOString())}`)).map((i) => i.id)).toEqual([1, 2]);
    expect((await incidents('?limit=1')).map((i) => i.id)).toEqual([2]);
    // A list cut at its limit says so, and `before` reads on from its first (oldest) incident.
    const page = async (query: string) => {
      const res = await server.getJson(`/api/v1/incidents${query}`);
      expect(res.status).toBe(200);
      return [(res.body.incidents as Incident[]).map((i) => i.id), res.body.complete];
    };
    expect(await page('')).toEqual([[1, 2], true]);
    expect(await page('?limit=2')).toEqual([[1, 2], true]);
    expect(await page('?limit=1')).toEqual([[2], false]);
    expect(await page('?limit=1&before=2')).toEqual([[1], true]);
    expect(await page('?before=1')).toEqual([[], true]);
    expect(await page('?state=open&limit=1')).toEqual([[2], true]);
    const one = await server.getJson('/api/v1/incidents/1');
    expect(one.status).toBe(200);
    expect((one.body as IncidentWithChanges).changes.map((c) => [c.seq, c.kind, c.severity, c.by])).toEqual([
      [1, 'opened', 'amber', null],
      [2, 'escalated', 'red', null],
      [3, 'acknowledged', 'red', 'ana'],
      [6, 'recovered', 'red', null],
    ]);
    expect((await server.getJson('/api/v1/incidents/998')).status).toBe(404);
    const bad = await server.getJson('/api/v1/incidents?state=burning&from=yesterday&limit=0&colour=red&before=0');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['before', 'colour', 'from', 'limit', 'state']);
    const gone = await server.getJson('/api/v1/alerts?state=active');
    expect(gone.status).toBe(410);
    expect(gone.body.detail).toContain('/api/v1/incidents');
    expect((await fetch(`${server.url}/api/v1/incidents`)).status).toBe(401);
  });

  it('POSTed every change but acknowledgements to the webhook, once each, on the test clock', async () => {
    await server.testApi.webhooksIdle();
    const bodies = receiver.requests.map((r) => r.body as unknown as IncidentUpdate & { type: string });
    expect(bodies.map((b) => [b.type, b.change.seq, b.change.kind, b.incident.id]).sort((a, b) => (a[1] as number) - (b[1] as number))).toEqual([
      ['ringside.incident', 1, 'opened', 1],
      ['ringside.incident', 2, 'escalated', 1],
      ['ringside.incident', 4, 'opened', 2],
      ['ringside.incident', 6, 'recovered', 1],
    ]);
    for (const r of receiver.requests) expect(r.headers['x-ringside-delivery']).toMatch(/^\d+$/);
  });

  it('pushed every change over Socket.IO once, in order', async () => {
    await pushes(6);
    expect(pushed.map((u) => [u.change.seq, u.change.kind])).toEqual([
      [1, 'opened'],
      [2, 'escalated'],
      [3, 'acknowledged'],
      [4, 'opened'],
      [5, 'acknowledged'], // the bulk acknowledgement: incident 1 was acknowledged at red already
      [6, 'recovered'],
    ]);
  });

  it('keeps the change history append-only in the SQLite file', () => {
    const db = openDatabase(server.dataDir);
    try {
      expect(() => db.prepare(`UPDATE incident_changes SET severity = 'amber'`).run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM incident_changes').run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM incidents').run()).toThrow(/kept/);
    } finally {
      db.close();
    }
  });
});

describe('an escalation beyond the acknowledged severity', () => {
  it('makes the incident unacknowledged again; a de-escalation keeps the acknowledgement', async () => {
    const clock = testClock(T0);
    const server = await startTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: { openAfterMs: 0, deescalateAfterMs: 0 } } });
    try {
      await server.postEvents({ events: calls(18, 3, T0 - MINUTE, 'harbour') }); // amber, opened at once (no hold)
      const [open] = (await server.getJson('/api/v1/incidents?state=open')).body.incidents as Incident[];
      expect(open).toMatchObject({ severity: 'amber', siteName: 'harbour' });
      await fetch(`${server.url}/api/v1/incidents/${open!.id}/ack`, { method: 'POST', headers: adminHeaders(server.apiKey) });
      await clock.skipTo(T0 + 1000);
      await server.postEvents({ events: calls(0, 5, T0 - MINUTE, 'harbour') }); // red
      const [red] = (await server.getJson('/api/v1/incidents?state=open')).body.incidents as Incident[];
      expect(red).toMatchObject({ id: open!.id, severity: 'red', acknowledgedAt: null, acknowledgedSeverity: null });
      await fetch(`${server.url}/api/v1/incidents/${open!.id}/ack`, { method: 'POST', headers: adminHeaders(server.apiKey) });
      await clock.skipTo(T0 + 2000);
      await server.postEvents({ events: calls(14, 0, T0 - MINUTE, 'harbour') }); // 32/40 = 80 %… still red; more good calls:
      await server.postEvents({ events: calls(10, 0, T0 - MINUTE, 'harbour') }); // 42/50 = 84 %; red until 86 %
      await server.postEvents({ events: calls(10, 0, T0 - MINUTE, 'harbour') }); // 52/60 = 86.7 %: amber
      const [amber] = (await server.getJson('/api/v1/incidents?state=open')).body.incidents as Incident[];
      expect(amber).toMatchObject({ id: open!.id, severity: 'amber', acknowledgedSeverity: 'red' });
      expect(amber!.acknowledgedAt).not.toBeNull();
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });
});

describe('hysteresis keeps an open incident from flapping, but never opens one', () => {
  it('a dip that climbed back above target within the hold opens nothing, though it is within 1 point of the boundary', async () => {
    const clock = testClock(T0);
    const server = await startTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: { burnRules: [] } } });
    try {
      await server.postEvents({ events: calls(17, 3, T0 - MINUTE, 'harbour') }); // 85 %: amber wanted, the 2 min hold starts
      await clock.skipTo(T0 + MINUTE);
      await server.postEvents({ events: calls(164, 16, T0 - MINUTE, 'harbour') }); // 181/200 = 90.5 %: at target, not 1 point above
      await clock.skipTo(T0 + 2 * MINUTE + 1000);
      expect(await server.testApi.evaluateAlerts()).toEqual([]);
      expect((await server.getJson('/api/v1/incidents')).body.incidents).toEqual([]);
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });
});
