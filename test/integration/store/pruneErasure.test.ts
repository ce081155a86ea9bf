// Retention is how an operator erases the agent names and ids of old calls: once an event is pruned its bytes must
// be gone from the SQLite files, not only from its table. A deleted row's bytes otherwise stay in the page's free
// space, or on a free page, until new rows happen to overwrite them (any `strings ringside.db` shows them), and the
// page as it was before the prune stays in the database file while the -wal holds its new state. SQLite only.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, restartTestServer, startTestServer, tempDataDir, type TestServer } from '../support/testServer';
import { testClock } from '../support/testClock';
import { postMilestones } from '../clocks/support';

const NOW = Date.parse('2026-06-30T12:00:00Z');
const DAY = 86_400_000;
const clock = testClock(NOW);
const dir = tempDataDir();
let server: TestServer;

const OLD_AGENT = 'Erika-Mustermann-pruned';
const OLD_ID = 'call-4915100000001-pruned';
const OLD_CASE_AGENT = 'Hans-Beispiel-pruned';
const KEPT_AGENT = 'Ada-Lovelace-kept';

const call = (id: string, agent: string, atMs: number) => ({ id, type: 'call', site: 'harbour', occurredAt: new Date(atMs).toISOString(), outcome: 'answered', rings: 1, agent, queue: 'sales' });

beforeAll(async () => {
  const first = await startTestServer({ dataDir: dir, clock });
  expect((await first.postEvents({ events: [call(OLD_ID, OLD_AGENT, NOW - 20 * DAY), call('call-kept', KEPT_AGENT, NOW - DAY)] })).status).toBe(201);
  const at = (ms: number) => new Date(ms).toISOString();
  const milestones = [
    { type: 'call', site: 'harbour', caseId: 'C-OLD', milestone: 'started', at: at(NOW - 20 * DAY), queue: 'sales' },
    { type: 'call', site: 'harbour', caseId: 'C-OLD', milestone: 'answered', at: at(NOW - 20 * DAY + 6_000), agent: OLD_CASE_AGENT },
  ];
  expect((await postMilestones(first, { milestones })).status).toBe(201);
  // Prunes at start, and runs on: its connections stay open, as a server's do.
  server = await restartTestServer(first, { clock, retainDays: 7 });
});
afterAll(async () => {
  await server.close();
  removeDir(dir);
});

/** The database's bytes on disk as a running server left them: the file and its write-ahead log. */
const onDisk = (): string => ['ringside.db', 'ringside.db-wal'].map((f) => readFileSync(`${dir}/${f}`, { flag: 'r' }).toString('latin1')).join('\n');

describe('pruning erases the bytes of what it deletes', () => {
  it('pruned the old call and the old case, and kept the recent call', async () => {
    const verify = (await server.getJson('/api/v1/audit/verify')).body;
    expect(verify).toMatchObject({ intact: true, checkpoints: 1 });
    expect((await server.getJson(`/api/v1/events/call-kept`)).status).toBe(200);
    expect((await server.getJson(`/api/v1/events/${OLD_ID}`)).status).toBe(410);
  });

  it('leaves no agent name or id of a pruned event or milestone in the database file or its -wal', () => {
    const bytes = onDisk();
    expect(bytes).toContain(KEPT_AGENT); // the search reads what is stored
    for (const gone of [OLD_AGENT, OLD_ID, OLD_CASE_AGENT]) expect(bytes.includes(gone), gone).toBe(false);
  });
});
