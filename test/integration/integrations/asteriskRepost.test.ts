// POST /api/v1/integrations/asterisk/queue-log on a real server, SQLite or PostgreSQL: a backlog posted again (an
// integration re-sends after a crash or a timeout), whole, line by line or in two overlapping parts, adds and changes
// nothing: the same milestones, cases, events, judgements and chain links, and the same answers. Its calls' first
// stays end by every verb app_queue writes, their starts never stored (not in the file, expired, or too old to be a
// live clock), some of the same callers then queued again and still waiting: a SYSCOMPAT (no wait on the line, so no
// start to tell its stay by) is known by when it stopped.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { readFile } from '../support/database';
import { testClock } from '../support/testClock';
import { adminHeaders, databaseUrlOf, removeDir, startTestServer, type TestServer } from '../support/testServer';

const N = 1_772_438_400; // "now" on the server's clock, epoch seconds as queue_log writes them
const OLD = N - 2 * 86_400; // two days back: a case whose start never came has expired by then

async function postQueueLog(server: TestServer, body: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}/api/v1/integrations/asterisk/queue-log?site=hq`, { method: 'POST', headers: { 'content-type': 'text/plain', ...adminHeaders(server.apiKey) }, body });
  return { status: res.status, body: await res.json() };
}

const log = (...lines: string[]) => lines.map((l) => `${l}\n`).join('');

/** Each verb that ends a stay (app_queue.c), as it ends call `id`'s stay at `at` after a 40 s wait (10 s of it ringing). */
const ENDS: Record<string, (id: string, at: number) => string[]> = {
  // No wait on the line: app_queue writes the verb and one empty field.
  SYSCOMPAT: (id, at) => [`${at}|${id}|support|PJSIP/a|SYSCOMPAT|`],
  CONNECT: (id, at) => [`${at}|${id}|support|PJSIP/a|CONNECT|40|x|1`],
  ABANDON: (id, at) => [`${at}|${id}|support|NONE|ABANDON|1|1|40`],
  EXITWITHTIMEOUT: (id, at) => [`${at}|${id}|support|NONE|EXITWITHTIMEOUT|1|1|40`],
  EXITEMPTY: (id, at) => [`${at}|${id}|support|NONE|EXITEMPTY|1|1|40`],
  WITHDRAW: (id, at) => [`${at}|${id}|support|NONE|WITHDRAW|1|1|40|`],
  EXITWITHKEY: (id, at) => [`${at}|${id}|support|NONE|EXITWITHKEY|1|1|1|40`],
  // A member who did not answer: the caller waits on, and leaves by abandoning.
  RINGNOANSWER: (id, at) => [`${at - 10}|${id}|support|PJSIP/a|RINGNOANSWER|10000`, `${at}|${id}|support|NONE|ABANDON|1|1|40`],
  // Answered after 40 s, ended 30 s later: holdtime|calltime|origposition after what each verb writes first.
  COMPLETEAGENT: (id, at) => answered(id, at, 'COMPLETEAGENT|40|30|1'),
  COMPLETECALLER: (id, at) => answered(id, at, 'COMPLETECALLER|40|30|1'),
  TRANSFER: (id, at) => answered(id, at, 'TRANSFER|200|default|40|30|1'),
  BLINDTRANSFER: (id, at) => answered(id, at, 'BLINDTRANSFER|200|default|40|30|1'),
  ATTENDEDTRANSFER: (id, at) => answered(id, at, 'ATTENDEDTRANSFER|BRIDGE|1234|40|30|1'),
};
function answered(id: string, at: number, end: string): string[] {
  return [`${at}|${id}|support|PJSIP/a|CONNECT|40|x|1`, `${at + 30}|${id}|support|PJSIP/a|${end}`];
}
const VERBS = Object.keys(ENDS);

/**
 * For each verb, two callers whose first stay it ends: one whose ENTERQUEUE is not in the file (two days back: its
 * case has expired), one whose ENTERQUEUE is in it but too old to be a live clock, who is then queued again and still
 * waiting. In the file's order, by epoch.
 */
const BACKLOG = VERBS.flatMap((verb, v) => {
  const [gone, late] = [`${9400 + v}.1`, `${9400 + v}.2`];
  return [...ENDS[verb]!(gone, OLD + v * 120), `${N - 900 + v}|${late}|support|NONE|ENTERQUEUE||555|1`, ...ENDS[verb]!(late, N - 860 + v), `${N - 40 + v}|${late}|support|NONE|ENTERQUEUE||555|1`];
}).sort((a, b) => Number(a.split('|')[0]) - Number(b.split('|')[0]));

// The records a re-post must leave as they are (the rows, by each table's own order).
const TABLES: Record<string, string> = {
  milestones: 'SELECT seq, id, case_id, milestone, at_ms, content FROM milestones ORDER BY seq',
  cases: "SELECT case_id, state, opened_at_ms, closed_at_ms, expired, event_seq FROM cases WHERE type = 'call' ORDER BY case_id",
  events: 'SELECT seq, id, outcome, answer_seconds FROM events ORDER BY seq',
  judgements: 'SELECT event_seq, standard_id, met FROM judgements ORDER BY event_seq, standard_id',
  caseJudgements: 'SELECT case_id, standard_id FROM case_judgements ORDER BY case_id, standard_id',
  chain: 'SELECT seq, kind, ref, hash FROM audit_chain ORDER BY seq',
};

/** The server's own database (its SQLite file or PostgreSQL database), table by table. */
async function stored(server: TestServer): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  const url = await databaseUrlOf(server.dataDir);
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const [name, sql] of Object.entries(TABLES)) out[name] = (await client.query(sql.replace(/ORDER BY case_id/, 'ORDER BY case_id COLLATE "C"'))).rows;
    } finally {
      await client.end();
    }
    return out;
  }
  const db = readFile(server.dataDir);
  try {
    for (const [name, sql] of Object.entries(TABLES)) out[name] = db.prepare(sql).all();
  } finally {
    db.close();
  }
  return out;
}

/** What the server answers of the calls: the clocks running, and the standard's figure over the backlog's days. */
async function answers(server: TestServer): Promise<unknown> {
  await server.testApi.clocksIdle();
  const range = `from=${new Date((OLD - 3600) * 1000).toISOString()}&to=${new Date((N + 1) * 1000).toISOString()}&site=hq`;
  return { clocks: (await server.getJson('/api/v1/clocks?type=call')).body, compliance: (await server.getJson(`/api/v1/compliance?${range}`)).body };
}

async function withServer(run: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer({ clock: testClock(N * 1000) });
  try {
    const standard = { id: 'support-20', name: 'Support answered within 20 s', eventType: 'call', measure: 'answerSeconds', operator: '<=', threshold: 20, target: 0.8, formula: 'F2', countOutsideHours: true };
    const res = await fetch(`${server.url}/api/v1/standards`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) }, body: JSON.stringify(standard) });
    expect(res.status).toBe(201);
    await run(server);
  } finally {
    await server.close();
    removeDir(server.dataDir);
  }
}

/** Posts `body` (200), then expects the database and the answers as `before` left them. */
async function expectUnchanged(server: TestServer, body: string, before: { db: unknown; answers: unknown }): Promise<void> {
  const answer = await postQueueLog(server, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.stored.new).toBe(0);
  expect(await stored(server)).toEqual(before.db);
  expect(await answers(server)).toEqual(before.answers);
}

describe('a queue_log backlog posted again', () => {
  it('adds and changes nothing, whole or line by line, with first stays ended by every verb and their starts never stored', async () => {
    await withServer(async (server) => {
      const first = await postQueueLog(server, log(...BACKLOG));
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      const before = { db: await stored(server), answers: await answers(server) };
      // Every caller queued again is waiting, on a case of that stay.
      expect((before.answers as { clocks: { clocks: Array<{ caseId: string }> } }).clocks.clocks.map((c) => c.caseId).sort()).toEqual(VERBS.map((_, v) => `${9400 + v}.2@support#${N - 40 + v}`));
      await expectUnchanged(server, log(...BACKLOG), before);
      for (const line of BACKLOG) await expectUnchanged(server, log(line), before);
      await expectUnchanged(server, log(...BACKLOG), before);
    });
  });

  it('adds and changes nothing when it came in two overlapping parts and each is posted again', async () => {
    await withServer(async (server) => {
      // Cut mid-call: the second part repeats the first's last third, each stay's start in one part and its end in both.
      const cut = Math.floor(BACKLOG.length / 2);
      const parts = [log(...BACKLOG.slice(0, cut + Math.floor(cut / 3))), log(...BACKLOG.slice(cut - Math.floor(cut / 3)))];
      for (const part of parts) expect((await postQueueLog(server, part)).status).toBe(200);
      const before = { db: await stored(server), answers: await answers(server) };
      for (const part of [...parts, log(...BACKLOG), parts[1]!, parts[0]!]) await expectUnchanged(server, part, before);
    });
  });

  it('keeps apart a caller queued again whose SYSCOMPAT comes in the second an earlier stay\'s did, that stay\'s start never stored', async () => {
    await withServer(async (server) => {
      // The first stay: its ENTERQUEUE too old to be a live clock, so what is stored of it is its SYSCOMPAT alone.
      const firstStay = log(`${N - 900}|9500.1|support|NONE|ENTERQUEUE||555|1`, `${N - 30}|9500.1|support|PJSIP/a|SYSCOMPAT|`);
      // Back in the queue in that second, a live clock, and another SYSCOMPAT in the same second (another member).
      const secondStay = log(`${N - 30}|9500.1|support|NONE|ENTERQUEUE||555|1`, `${N - 30}|9500.1|support|PJSIP/b|SYSCOMPAT|`);
      expect((await postQueueLog(server, firstStay)).status).toBe(200);
      const second = await postQueueLog(server, secondStay);
      expect(second.status, JSON.stringify(second.body)).toBe(200);
      expect(second.body.stored).toEqual({ new: 2, duplicates: 0 });
      const db = await stored(server);
      expect((db.cases as Array<{ case_id: string }>).map((c) => c.case_id)).toEqual(['9500.1@support', `9500.1@support#${N - 30}`]);
      expect((db.milestones as Array<{ id: string }>).map((m) => m.id).sort()).toEqual([`aq:9500.1@support#${N - 30}:ENTERQUEUE`, `aq:9500.1@support#${N - 30}:SYSCOMPAT`, 'aq:9500.1@support:SYSCOMPAT']);
      // Either stay posted again, or both at once, finds its own case.
      const before = { db, answers: await answers(server) };
      for (const body of [firstStay, secondStay, firstStay + secondStay, secondStay]) await expectUnchanged(server, body, before);
    });
  });
});
