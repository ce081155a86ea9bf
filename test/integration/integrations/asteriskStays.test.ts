// POST /api/v1/integrations/asterisk/queue-log on a real server: a channel that enters the same queue again (a Queue()
// with a timeout, an announcement, back into the queue) is a case per stay, whether its lines come in one request or
// many, and a re-post is all duplicates (in a request of its own or in the same body), making no new case (a first stay that left nothing stored but its close
// among them); a body whose last line has no line end is refused; a start the end disagrees with is refused alike in
// one request and across two; every problem of a line is named.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { recentEvent } from '../clocks/support';
import { readFile } from '../support/database';
import { testClock } from '../support/testClock';
import { adminHeaders, databaseUrlOf, removeDir, startTestServer, type TestServer } from '../support/testServer';

const N = 1_772_438_400; // "now" on the server's clock, epoch seconds as queue_log writes them

async function postQueueLog(server: TestServer, body: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}/api/v1/integrations/asterisk/queue-log?site=hq`, { method: 'POST', headers: { 'content-type': 'text/plain', ...adminHeaders(server.apiKey) }, body });
  return { status: res.status, body: await res.json() };
}

const log = (...lines: string[]) => lines.map((l) => `${l}\n`).join('');

/** The trial's file: 9000.1 times out of support, hears an announcement and is queued again, then answered; 9000.2 calls. */
const REENTRY = [
  `${N - 50}|9000.1|support|NONE|ENTERQUEUE||555|1`,
  `${N - 40}|9000.1|support|NONE|EXITWITHTIMEOUT|1|1|10`,
  `${N - 30}|9000.1|support|NONE|ENTERQUEUE||555|1`,
  `${N - 26}|9000.1|support|PJSIP/a|CONNECT|4|x|1`,
  `${N - 5}|9000.2|support|NONE|ENTERQUEUE||556|1`,
];

async function withServer(run: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer({ clock: testClock(N * 1000) });
  try {
    await run(server);
  } finally {
    await server.close();
    removeDir(server.dataDir);
  }
}

async function openCaseIds(server: TestServer): Promise<string[]> {
  await server.testApi.clocksIdle();
  return ((await server.getJson('/api/v1/clocks?type=call')).body.clocks as Array<{ caseId: string }>).map((c) => c.caseId);
}

describe('a channel entering the same queue again', () => {
  it('is a case per stay in one request: the first keeps callid@queue, the later one gets #<its ENTERQUEUE epoch>; a re-post is all duplicates', async () => {
    await withServer(async (server) => {
      const answer = await postQueueLog(server, log(...REENTRY));
      expect(answer).toMatchObject({ status: 200, body: { lines: 5, answered: 1, abandoned: 1, openClocks: 1, stored: { new: 5, duplicates: 0 } } });
      expect(await recentEvent(server, 'aq:9000.1@support:EXITWITHTIMEOUT')).toMatchObject({ event: { outcome: 'abandoned', answerSeconds: 10 } });
      expect(await recentEvent(server, `aq:9000.1@support#${N - 30}:CONNECT`)).toMatchObject({ event: { outcome: 'answered', answerSeconds: 4 } });
      expect(await openCaseIds(server)).toEqual(['9000.2@support']);
      expect((await postQueueLog(server, log(...REENTRY))).body.stored).toEqual({ new: 0, duplicates: 5 });
    });
  });

  it('is the same cases when each line comes in a request of its own, and either way of posting then re-posts as duplicates', async () => {
    await withServer(async (server) => {
      const answers = [];
      for (const line of REENTRY) answers.push(await postQueueLog(server, log(line)));
      expect(answers.map((a) => [a.status, a.body.stored?.new])).toEqual([
        [200, 1],
        [200, 1],
        [200, 1],
        [200, 1],
        [200, 1],
      ]);
      expect(await recentEvent(server, 'aq:9000.1@support:EXITWITHTIMEOUT')).toMatchObject({ event: { outcome: 'abandoned' } });
      expect(await recentEvent(server, `aq:9000.1@support#${N - 30}:CONNECT`)).toMatchObject({ event: { outcome: 'answered' } });
      expect(await openCaseIds(server)).toEqual(['9000.2@support']);
      expect((await postQueueLog(server, log(...REENTRY))).body.stored).toEqual({ new: 0, duplicates: 5 });
      for (const line of REENTRY) expect((await postQueueLog(server, log(line))).body.stored).toEqual({ new: 0, duplicates: 1 });
    });
  });

  it('is the same cases when one body holds the lines twice (files joined with an overlap): the copy is all duplicates', async () => {
    await withServer(async (server) => {
      const twice = await postQueueLog(server, log(...REENTRY, ...REENTRY));
      expect(twice).toMatchObject({ status: 200, body: { lines: 10, stored: { new: 5, duplicates: 5 } } });
      expect(await openCaseIds(server)).toEqual(['9000.2@support']);
      // One abandoned stay and one answered: the copy's lines are those stays again, not a third and fourth.
      expect((await storedCases(server)).map((c) => c.case_id)).toEqual(['9000.1@support', `9000.1@support#${N - 30}`, '9000.2@support']);
      const figures = (await server.getJson(`/api/v1/compliance?site=hq&from=${new Date((N - 3600) * 1000).toISOString()}&to=${new Date((N + 1) * 1000).toISOString()}`)).body;
      expect(figures.standards.find((s: { standardId: string }) => s.standardId === 'call-answer-2-rings')).toMatchObject({ total: 2 });
      expect((await postQueueLog(server, log(...REENTRY))).body.stored).toEqual({ new: 0, duplicates: 5 });
    });
  });

  it('finds the later stay of an end whose wait puts its start a second from its ENTERQUEUE, in another request', async () => {
    await withServer(async (server) => {
      // app_queue takes the stay's start and the line's epoch from time(NULL) at different moments: N-30 less 3 s is N-33.
      const first = log(REENTRY[0]!, REENTRY[1]!, `${N - 32}|9000.1|support|NONE|ENTERQUEUE||555|1`);
      const end = log(`${N - 29}|9000.1|support|PJSIP/a|CONNECT|4|x|1`);
      expect((await postQueueLog(server, first)).body).toMatchObject({ openClocks: 1, stored: { new: 3 } });
      expect(await openCaseIds(server)).toEqual([`9000.1@support#${N - 32}`]);
      expect((await postQueueLog(server, end)).body).toMatchObject({ answered: 1, stored: { new: 1 } });
      expect(await recentEvent(server, `aq:9000.1@support#${N - 32}:CONNECT`)).toMatchObject({ event: { answerSeconds: 4 } });
      expect(await openCaseIds(server)).toEqual([]);
      expect((await postQueueLog(server, first + end)).body.stored).toEqual({ new: 0, duplicates: 4 });
    });
  });
});

type StoredCase = { case_id: string; state: string; event_seq: number | null };
const CASES_SQL = "SELECT case_id, state, event_seq FROM cases WHERE type = 'call' AND site = 'hq' ORDER BY case_id";

/** The call cases stored at `hq`, read from the server's own database (its SQLite file or PostgreSQL database). */
async function storedCases(server: TestServer): Promise<StoredCase[]> {
  const url = await databaseUrlOf(server.dataDir);
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Ordered as SQLite orders the ids (by their bytes), whatever the database's collation.
      const { rows } = await client.query<StoredCase>(CASES_SQL.replace('ORDER BY case_id', 'ORDER BY case_id COLLATE "C"'));
      return rows.map((r) => ({ ...r, event_seq: r.event_seq === null ? null : Number(r.event_seq) }));
    } finally {
      await client.end();
    }
  }
  const db = readFile(server.dataDir);
  try {
    return db.prepare(CASES_SQL).all() as StoredCase[];
  } finally {
    db.close();
  }
}

describe('a first stay that ends with no outcome and whose start was never stored', () => {
  // A backlog: each channel's first stay ends without an outcome (a key, or a wait gone negative) and its ENTERQUEUE is
  // not stored, being older than a live clock (9200.1) or not in the file at all (the others); 9200.1 and 9200.2 are
  // then queued again and answered; 9200.3 leaves with a key once more, its start again never stored: nothing tells
  // that stay apart from its first once stored, so it is that case (and no case is left with nothing in it).
  const BACKLOG = [
    `${N - 600}|9200.1|support|NONE|ENTERQUEUE||555|1`,
    `${N - 590}|9200.1|support|NONE|EXITWITHKEY|1|1|1|10`,
    `${N - 580}|9200.2|support|NONE|EXITWITHKEY|1|1|1|20`,
    `${N - 570}|9200.3|support|NONE|EXITWITHKEY|1|1`,
    `${N - 560}|9200.4|support|PJSIP/a|CONNECT|-3|x|1`,
    `${N - 500}|9200.1|support|NONE|ENTERQUEUE||555|1`,
    `${N - 495}|9200.1|support|PJSIP/a|CONNECT|5|x|1`,
    `${N - 450}|9200.2|support|NONE|ENTERQUEUE||556|1`,
    `${N - 440}|9200.2|support|PJSIP/a|CONNECT|10|x|1`,
    `${N - 420}|9200.3|support|NONE|EXITWITHKEY|1|1|1|5`,
  ];
  const CASES = ['9200.1@support', `9200.1@support#${N - 500}`, '9200.2@support', `9200.2@support#${N - 450}`, '9200.3@support', '9200.4@support'];

  it('is the same case when the backlog is posted again, whole or line by line: all duplicates, no new case', async () => {
    await withServer(async (server) => {
      expect((await postQueueLog(server, log(...BACKLOG))).body).toMatchObject({ withdrawn: 4, unmeasured: { count: 1 }, answered: 2, stored: { new: 2, duplicates: 0 } });
      const cases = await storedCases(server);
      expect(cases.map((c) => c.case_id)).toEqual(CASES);
      expect((await postQueueLog(server, log(...BACKLOG))).body).toMatchObject({ unmeasured: { caseIds: ['9200.4@support'] }, stored: { new: 0, duplicates: 2 } });
      for (const line of BACKLOG) expect((await postQueueLog(server, log(line))).status).toBe(200);
      expect(await storedCases(server)).toEqual(cases);
    });
  });

  it('is the same cases when each line first comes in a request of its own, and the whole backlog then re-posts as duplicates', async () => {
    await withServer(async (server) => {
      for (const line of BACKLOG) expect((await postQueueLog(server, log(line))).status).toBe(200);
      const cases = await storedCases(server);
      expect(cases.map((c) => c.case_id)).toEqual(CASES);
      expect((await postQueueLog(server, log(...BACKLOG))).body.stored).toEqual({ new: 0, duplicates: 2 });
      expect(await storedCases(server)).toEqual(cases);
    });
  });
});

describe('a body whose last line has no line end', () => {
  it('is refused naming that line, and nothing of it is stored', async () => {
    await withServer(async (server) => {
      const answer = await postQueueLog(server, `${log(REENTRY[0]!)}${N - 45}|9000.1|support|PJSIP/a|CONNECT|1`);
      expect(answer).toMatchObject({
        status: 400,
        body: {
          type: expect.stringMatching(/\/invalid-queue-log$/),
          errors: [{ path: 'line 2', message: 'has no line end: queue_log lines end in LF; a line cut short would be stored with wrong figures — send whole lines' }],
        },
      });
      expect(await openCaseIds(server)).toEqual([]);
      expect(await postQueueLog(server, log(REENTRY[0]!))).toMatchObject({ status: 200, body: { stored: { new: 1 } } });
    });
  });
});

describe('an end whose wait disagrees with its stay’s ENTERQUEUE', () => {
  const enter = `${N - 50}|9000.5|support|NONE|ENTERQUEUE||555|1`;
  // Ended at N-10 after a 4 s wait: it began at N-14, not at N-50.
  const connect = `${N - 10}|9000.5|support|PJSIP/a|CONNECT|4|x|1`;
  const refusal = {
    status: 409,
    body: {
      type: expect.stringMatching(/\/record-conflict$/),
      errors: [{ path: 'line 2 (aq:9000.5@support:CONNECT): occurredAt', message: expect.stringMatching(/^is 2026-03-02T07:59:50\.000Z, the end of a 4 s wait that began at 2026-03-02T07:59:46\.000Z, but call "9000\.5@support" at "hq" started at 2026-03-02T07:59:10\.000Z /) }],
    },
  };

  it('is refused in one request as in two, and nothing of the request is stored', async () => {
    await withServer(async (server) => {
      expect(await postQueueLog(server, log(enter, connect))).toMatchObject(refusal);
      expect(await openCaseIds(server)).toEqual([]);
    });
    await withServer(async (server) => {
      expect((await postQueueLog(server, log(enter))).status).toBe(200);
      const apart = await postQueueLog(server, log('', connect));
      expect(apart).toMatchObject(refusal);
      expect(await openCaseIds(server)).toEqual(['9000.5@support']);
    });
  });
});

describe('a line with several bad values', () => {
  it('names each of them', async () => {
    await withServer(async (server) => {
      const answer = await postQueueLog(server, log(`${N - 5}000|9000.1|NONE|PJSIP/a|CONNECT|soon|x|1`));
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([
        { path: 'line 1 epoch', message: `must be seconds since 1970, not milliseconds: got "${N - 5}000" (as milliseconds 2026-03-02T07:59:55.000Z)` },
        { path: 'line 1 queuename', message: 'must name the queue for CONNECT, got "NONE"' },
        { path: 'line 1 data1 (holdtime)', message: 'must be whole seconds, got "soon"' },
      ]);
    });
  });
});
