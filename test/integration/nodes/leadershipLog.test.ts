// Who leads (evaluates alerts, delivers webhooks) is news only where nodes can share the work: a node on PostgreSQL
// or joined to others through Redis logs taking the lead at info; a lone SQLite node, which always leads, says it at
// debug, so its start-up log at the default level is not about a cluster it is not in. The built server, its log
// read as it writes it.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { buildServer, startCli, type CliServer } from '../support/cli';
import { testDatabases } from '../support/postgres';
import { requireRedis } from '../support/redis';
import { removeDir, tempDataDir } from '../support/testServer';

const LEADERSHIP = ['this node leads: it evaluates alerts and delivers webhooks', 'alert evaluation and webhook delivery run on this node'];
const databases = testDatabases('ringside_leadership_log');
const dirs: string[] = [];
let node: CliServer | undefined;

/** Stops the running node (SIGTERM), its exit awaited. */
async function stop(): Promise<void> {
  node?.child.kill('SIGTERM');
  expect(await node?.exit).toBe(0);
  node = undefined;
}

beforeAll(buildServer);
afterEach(stop);
afterAll(async () => {
  await databases.dropAll();
  dirs.forEach(removeDir);
});

/** The leadership lines a node logged by the time it said it started: their message and level. */
async function leadershipLines(args: string[]): Promise<Array<{ msg: string; level: number }>> {
  const dir = tempDataDir();
  dirs.push(dir);
  node = await startCli(['--port', '0', '--data', dir, ...args], { RINGSIDE_DATABASE_URL: '', RINGSIDE_REDIS_URL: '' });
  await node.until('stderr', /"msg":"server started"/);
  return node
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; level: number })
    .filter((l) => LEADERSHIP.includes(l.msg))
    .map(({ msg, level }) => ({ msg, level }));
}

it('a lone SQLite node says it leads at debug only', async () => {
  expect(await leadershipLines([])).toEqual([]);
  await stop();
  expect(await leadershipLines(['--log-level', 'debug'])).toEqual(LEADERSHIP.map((msg) => ({ msg, level: 20 })));
});

it('a node on PostgreSQL, and one joined through Redis, say it at info', async () => {
  expect(await leadershipLines(['--database', await databases.create()])).toEqual(LEADERSHIP.map((msg) => ({ msg, level: 30 })));
  await stop();
  expect(await leadershipLines(['--redis', await requireRedis()])).toEqual(LEADERSHIP.map((msg) => ({ msg, level: 30 })));
});
