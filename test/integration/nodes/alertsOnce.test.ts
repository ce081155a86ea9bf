// Three Ringside processes on one PostgreSQL database, each configured with the same webhook receiver (a real HTTP
// server on 127.0.0.1:0): one node leads (alert evaluation and webhook delivery), so a breach opens one incident and
// the receiver gets one POST per change however many nodes run; batches posted to the other nodes reach the leader
// through the database's notifications. The leader is killed with SIGKILL: exactly one other node takes the lead
// and delivers the next change, once; stopped with SIGTERM, it hands the lead over as it exits. A standard changed
// through one node judges on the others at once. The takeovers are waited for on the nodes' own log lines; their
// deadlines only end a wait for one that is not coming (how soon a node takes over is the database's and the 2 s
// check's, not asserted here).
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { IngestResponse } from '../../../server/src/protocol';
import { calls, startReceiver, type Receiver } from '../support/alertSupport';
import { startCli, type CliServer } from '../support/cli';
import { byDeadline } from '../support/deadline';
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
/** Generous: a node asks every 2 s; this only ends a wait for a takeover that never comes. */
const TAKEOVER_DEADLINE_MS = 20_000;

/** The first of `candidates` to log that it leads. */
function nextLeader(candidates: CliServer[], after: string): Promise<CliServer> {
  const first = Promise.race(candidates.map((n) => n.until('stderr', LEADS).then(() => n)));
  return byDeadline(first, TAKEOVER_DEADLINE_MS, () => `no node took the lead after ${after}`);
}

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

it('the leader killed with SIGKILL: exactly one other node takes the lead, and delivers the next change once', async () => {
  const others = nodes.slice(1);
  expect(others.map((n) => LEADS.test(n.stderr()))).toEqual([false, false]); // none led while the leader lived
  nodes[0]!.child.kill('SIGKILL');
  await nodes[0]!.exit;
  // The database ends the dead node's session at once (its socket closed); the others ask every 2 s.
  const next = await nextLeader(others, "the leader's SIGKILL");
  expect(others.filter((n) => LEADS.test(n.stderr()))).toEqual([next]);

  const other = others.find((n) => n !== next)!;
  await post(other, calls(300, 0, Date.now() - 60_000)); // through the node that does not lead: recovered
  await next.until('stderr', DELIVERED);
  expect(receiver.requests[1]!.body).toMatchObject({ change: { kind: 'recovered' } });
  expect(await rows('SELECT kind FROM incident_changes ORDER BY seq')).toEqual([{ kind: 'opened' }, { kind: 'recovered' }]);
  expect(await rows('SELECT change_seq::int, status, attempts::int FROM incident_deliveries ORDER BY change_seq')).toEqual([
    { change_seq: 1, status: 'delivered', attempts: 1 },
    { change_seq: 2, status: 'delivered', attempts: 1 },
  ]);
  // One POST per change in all: each delivery id once, the second by the new leader alone.
  expect(receiver.requests.map((r) => [r.headers['x-ringside-delivery'], r.body.change.kind])).toEqual([
    ['1', 'opened'],
    ['2', 'recovered'],
  ]);
  expect([LEADS.test(other.stderr()), DELIVERED.test(other.stderr())]).toEqual([false, false]);
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
  expect(LEADS.test(last.stderr())).toBe(false); // it had not led before
  leader.child.kill('SIGTERM');
  expect(await leader.exit).toBe(0);
  expect(await nextLeader([last], "the leader's SIGTERM")).toBe(last);
});
