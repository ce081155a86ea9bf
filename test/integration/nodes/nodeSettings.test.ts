// Nodes on one PostgreSQL store answer with settings each keeps for itself: its zone (every request's default tz:
// exports, the report, figures) and its organisation (named in every signed export). Two nodes that differ answer the
// same request with other files behind one load balancer, so each says so, naming the other node and both values, as
// soon as both run, whichever started first; nodes that agree say nothing. Two nodes in this process (one zone, one
// organisation) and one built node in a child process with another TZ and another --organisation, on a real database.
import { hostname } from 'node:os';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { serverTimeZone } from '../../../server/src/domain/zonedTime';
import { buildServer, startCli, type CliServer } from '../support/cli';
import { nodeDataDir } from '../support/nodeDataDir';
import { testDatabases } from '../support/postgres';
import { captureLog } from '../support/serverLog';
import { removeDir, startTestServer, type TestServer } from '../support/testServer';

const SAID = 'another node on this store runs with other settings than this one';
const databases = testDatabases('ringside_node_settings');
const here = serverTimeZone();
const elsewhere = here === 'America/New_York' ? 'Asia/Tokyo' : 'America/New_York';
const log = captureLog();
const inProcess: TestServer[] = [];
let child: CliServer | undefined;
let childDir: string | undefined;

beforeAll(buildServer);
afterAll(async () => {
  child?.child.kill('SIGTERM');
  await child?.exit;
  for (const node of inProcess) await node.close();
  for (const dir of [...inProcess.map((n) => n.dataDir), ...(childDir ? [childDir] : [])]) removeDir(dir);
  log.stop();
  await databases.dropAll();
});

interface Said {
  otherNode: { id: string; node: string | null };
  differences: Array<{ setting: string; here: string | null; there: string | null }>;
}

/** What the nodes in this process said of other nodes' settings. */
const saidHere = (): Said[] => log.lines().filter((l) => l.msg?.startsWith(SAID)) as unknown as Said[];

it('a node with another zone and organisation is named by each node that differs, with both values, once; nodes that agree say nothing', async () => {
  const databaseUrl = await databases.create();
  for (let i = 0; i < 2; i += 1) inProcess.push(await startTestServer({ dataDir: nodeDataDir(), databaseUrl, organisation: 'Northwind Clinics', logLevel: 'error' }));
  childDir = nodeDataDir();
  child = await startCli(['--port', '0', '--data', childDir, '--database', databaseUrl, '--organisation', 'Southwind Clinics'], { TZ: elsewhere, RINGSIDE_REDIS_URL: '' });

  // The node started last hears each node before it answer its hello.
  const inChild = async () =>
    child!
      .stderr()
      .split('\n')
      .filter((l) => l.includes(SAID))
      .map((l) => JSON.parse(l) as Said & { msg: string; level: number });
  await vi.waitFor(async () => expect(await inChild()).toHaveLength(2), { timeout: 20_000, interval: 50 });
  const theirs = await inChild();
  expect(theirs.map((l) => l.otherNode.node).sort()).toEqual(inProcess.map((n) => `${hostname()} ${n.url}`).sort());
  for (const line of theirs) {
    expect(line.level).toBe(50);
    expect(line.differences).toEqual([
      { setting: 'timeZone', here: elsewhere, there: here },
      { setting: 'organisation', here: 'Southwind Clinics', there: 'Northwind Clinics' },
    ]);
    expect(line.msg).toMatch(/the time zone \(TZ\) is every request's default tz: .*; the organisation \(--organisation\) is named in every signed export .*; give every node the same \(docs\/deployment\.md\)$/);
  }

  // Each node that started first heard the hello and says the same from its side; the two alike say nothing of each other.
  await vi.waitFor(() => expect(saidHere()).toHaveLength(2), { timeout: 20_000, interval: 50 });
  for (const line of saidHere()) {
    expect(line.otherNode.node).toBe(`${hostname()} ${child.url}`);
    expect(line.differences).toEqual([
      { setting: 'timeZone', here, there: elsewhere },
      { setting: 'organisation', here: 'Northwind Clinics', there: 'Southwind Clinics' },
    ]);
  }
});
