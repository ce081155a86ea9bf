// Three Ringside processes on one PostgreSQL database, each configured with the same webhook receiver (a real HTTP
// server on 127.0.0.1:0): one node leads (alert evaluation and webhook delivery), so a breach opens one incident and
// the receiver gets one POST per change however many nodes run; batches posted to the other nodes reach the leader
// through the database's notifications. The leader is killed with SIGKILL: another node takes the lead within the
// stated time and delivers the next change, once; stopped with SIGTERM, it hands the lead over as it exits. A standard
// changed through one node judges on the others at once.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { IngestResponse } from '../../../server/src/protocol';
import { calls, startReceiver, type Receiver } from '../support/alertSupport';
import { startCli, type CliServer } from '../support/cli';
import { testDatabases } from '../support/postgres';
import { call, removeDir } from '../support/testServer';
import { nodeDataDir } from '../support/nodeDataDir';

const databases = testDatabases('ringside_nodes_alerts');
const LEADS = /"msg":"this node leads/;
let databaseUrl: string;
let receiver: Receiver;
const nodes: CliServer[] = [];
const dirs: string[] = [];

function startNode(): Promise<CliServer> {
  const dir = nodeDataDir();
  dirs.push(dir);
  const args = ['--port', '0', '--no-auth', '--data', dir, '--database', databaseUrl, '--webhook', receiver.url, '--open-after', '0', '--recover-after', '0'];
  return startCli(args);
}

beforeAll(async () => {
  databaseUrl = await databases.create();
  receiver = await startReceiver();
  nodes.push(await startNode()); // the first one leads: it takes the lock before it listens
  nodes.push(...(await Promise.all([startNode(), startNode()])));
});
afterAll(async () => {
  for (const n of nodes) if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGTERM');
  await Promise.all(nodes.map((n) => n.exit));
  await receiver?.close();
  for (const dir of dirs) removeDir(dir);
  await databases.dropAll();
});

async function rows<T>(sql: string): Promise<T[]> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return (await db.query(sql)).rows as T[];
  } finally {
    await db.end();
  }
}

async function post(node: CliServer, events: unknown[]): Promise<IngestResponse> {
  const res = await fetch(`${node.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
  expect(res.status).toBe(201);
  return (await res.json()) as IngestResponse;
}

const DELIVERED = /"msg":"webhook delivered"/;

it('one node leads; a breach posted to another node opens one incident and delivers one webhook', async () => {
  await nodes[0]!.until('stderr', LEADS);
  expect(nodes.map((n) => LEADS.test(n.stderr()))).toEqual([true, false, false]);

  await post(nodes[2]!, calls(5, 5, Date.now() - 60_000)); // 50 % within 2 rings: red
  await nodes[0]!.until('stderr', DELIVERED); // logged once the receiver answered and the attempt was stored
  expect(receiver.requests[0]!.body).toMatchObject({ type: 'ringside.incident', change: { kind: 'opened', severity: 'red' }, incident: { site: 'downtown' } });

  // More of the same through every node: the state holds, nothing new to deliver.
  await Promise.all(nodes.map((n) => post(n, calls(1, 1, Date.now() - 60_000))));
  expect(await rows('SELECT kind FROM incident_changes ORDER BY seq')).toEqual([{ kind: 'opened' }]);
  expect(await rows('SELECT change_seq::int, status, attempts::int FROM incident_deliveries')).toEqual([{ change_seq: 1, status: 'delivered', attempts: 1 }]);
});

it('the leader killed with SIGKILL: another node leads within seconds and delivers the next change once', async () => {
  const killedAt = Date.now();
  nodes[0]!.child.kill('SIGKILL');
  await nodes[0]!.exit;
  const next = await Promise.race(nodes.slice(1).map((n) => n.until('stderr', LEADS).then(() => n)));
  // The database ends the dead node's session at once (its socket closed); the others ask every 2 s.
  expect(Date.now() - killedAt).toBeLessThan(10_000);
  expect(nodes.slice(1).filter((n) => LEADS.test(n.stderr()))).toEqual([next]);

  const other = nodes.slice(1).find((n) => n !== next)!;
  await post(other, calls(300, 0, Date.now() - 60_000)); // through the node that does not lead: recovered
  await next.until('stderr', DELIVERED);
  expect(receiver.requests[1]!.body).toMatchObject({ change: { kind: 'recovered' } });
  expect(await rows('SELECT kind FROM incident_changes ORDER BY seq')).toEqual([{ kind: 'opened' }, { kind: 'recovered' }]);
  expect(await rows('SELECT change_seq::int, status, attempts::int FROM incident_deliveries ORDER BY change_seq')).toEqual([
    { change_seq: 1, status: 'delivered', attempts: 1 },
    { change_seq: 2, status: 'delivered', attempts: 1 },
  ]);
  // One POST per change in all: each delivery id once.
  expect(receiver.requests.map((r) => [r.headers['x-ringside-delivery'], r.body.change.kind])).toEqual([
    ['1', 'opened'],
    ['2', 'recovered'],
  ]);
});

it('a standard changed through one node judges events posted to another from its next commit on', async () => {
  const [changer, judge] = nodes.slice(1) as [CliServer, CliServer];
  const current = (await (await fetch(`${changer.url}/api/v1/standards/call-answer-2-rings`)).json()) as Record<string, unknown>;
  const { version: _v, validFrom: _f, validTo: _t, createdAt: _c, ...definition } = current;
  const res = await fetch(`${changer.url}/api/v1/standards/call-answer-2-rings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...definition, threshold: 5 }) });
  expect(res.status).toBe(200);
  const changed = (await res.json()) as { version: number; validFrom: string };
  await judge.until('stderr', /standards changed through another node/);
  const { results } = await post(judge, [call({ id: 'after-change', rings: 4, occurredAt: changed.validFrom })]);
  expect(results[0]!.judgements).toEqual([expect.objectContaining({ standardId: 'call-answer-2-rings', standardVersion: changed.version, threshold: 5, met: true })]);
});

it('the leader stopped with SIGTERM gives the lead up as it exits: the last node takes it', async () => {
  const [leader, last] = LEADS.test(nodes[1]!.stderr()) ? [nodes[1]!, nodes[2]!] : [nodes[2]!, nodes[1]!];
  const stoppedAt = Date.now();
  leader.child.kill('SIGTERM');
  expect(await leader.exit).toBe(0);
  await last.until('stderr', LEADS);
  expect(Date.now() - stoppedAt).toBeLessThan(10_000);
});
