// An export whose store fails after the response started: the client sees an incomplete transfer (no terminating
// chunk), the file's last line says why, it never ends with a manifest, and the offline verifier refuses it naming the
// failure. Real failures: a SQLite file with the pages of the table the rows come from overwritten (SQLITE_CORRUPT
// when the rows are read), and a PostgreSQL backend terminated (pg_terminate_backend) while the export waits for
// its rows.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/cli';
import { copyWithCorruptPages } from '../support/corruptPages';
import { captureLog } from '../support/serverLog';
import { testDatabases } from '../support/postgres';
import { adminHeaders, call, removeDir, startTestServer, type TestServer } from '../support/testServer';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-20T00:00:00Z');
const FROM = new Date(T0 - 20 * DAY).toISOString();
const TO = new Date(T0).toISOString();
const EVENTS = Array.from({ length: 40 }, (_, i) => call({ id: `c${i}`, site: i % 2 ? 'harbour' : 'airport', occurredAt: new Date(T0 - 12 * 3600_000 * (i + 1)).toISOString(), rings: i % 4 }));
const script = join(process.cwd(), 'scripts', 'verify-export.mjs');

interface Download {
  status: number;
  requestId: string;
  transferEncoding: string | undefined;
  /** Whether the response ended properly (its terminating chunk came). */
  complete: boolean;
  text: string;
}

/** GET with node's http client, which tells a response that ended from one whose connection closed first. */
function download(server: TestServer, path: string, apiKey = server.apiKey): Promise<Download> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${server.url}/api/v1${path}`, { headers: adminHeaders(apiKey) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      const done = (complete: boolean) => () =>
        resolve({ status: res.statusCode!, requestId: String(res.headers['x-request-id']), transferEncoding: res.headers['transfer-encoding'], complete, text });
      res.on('end', done(true));
      res.on('aborted', done(false));
      res.on('error', () => undefined); // 'aborted' says it
    });
    req.on('error', reject);
  });
}

/** The saved file through the offline verifier. */
function verify(dir: string, name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  return runNode([script, file]);
}

/** What every client of a failed export sees, whatever failed. */
function expectFailedExport(d: Download, format: 'csv' | 'ndjson' | 'json', rowsBefore: RegExp) {
  expect(d.status).toBe(200);
  expect(d.transferEncoding).toBe('chunked');
  expect(d.complete).toBe(false);
  expect(d.text).not.toMatch(/manifest/);
  expect(d.text).toMatch(rowsBefore);
  const line = d.text.trimEnd().split('\n').at(-1)!;
  const json = format === 'csv' ? line.replace(/^# error /, '') : format === 'ndjson' ? line : `{${line}}`;
  const failure = (format === 'ndjson' ? JSON.parse(json).error : format === 'csv' ? JSON.parse(json) : JSON.parse(json).error) as Record<string, string>;
  expect(failure).toEqual({ code: 'export-failed', requestId: d.requestId, detail: expect.stringContaining(`request id ${d.requestId}`) });
  expect(failure.detail).toMatch(/^the export failed after it started: .*; this file is incomplete, export it again$/);
  return failure;
}

describe('on SQLite, a table the rows come from is corrupt', () => {
  let base: string;
  const dirs: string[] = [];
  beforeAll(async () => {
    const server = await startTestServer({ logLevel: 'silent' });
    expect((await server.postEvents({ events: EVENTS })).status).toBe(201);
    await server.close();
    base = server.dataDir;
  });
  afterAll(() => [base, ...dirs].forEach(removeDir));

  /** A copy of the data with every page of `tables` (and their indexes) overwritten, served by a fresh server. */
  async function serverWithCorrupt(tables: string[]): Promise<TestServer> {
    const dir = copyWithCorruptPages(base, tables);
    dirs.push(dir);
    return startTestServer({ dataDir: dir, logLevel: 'error' });
  }

  const range = `from=${FROM}&to=${TO}`;
  // The compliance export checks its rollup rows against their judgements: with the judgements corrupt, it fails there.
  const CASES = [
    { kind: 'compliance', tables: ['judgements'], query: `${range}&period=day` },
    { kind: 'events', tables: ['judgements'], query: range },
    { kind: 'incidents', tables: ['incident_changes'], query: range },
  ];
  for (const { kind, tables, query } of CASES) {
    for (const format of ['csv', 'ndjson', 'json'] as const) {
      it(`the ${kind} export as ${format}: started, then an error line and no end; the verifier refuses the file`, async () => {
        const server = await serverWithCorrupt(tables);
        const logged = captureLog();
        try {
          const d = await download(server, `/export/${kind}?${query}&format=${format}`);
          // The server's log has what the client is not told, under the same request id.
          expect(logged.lines().find((l) => l.msg === 'export failed')).toMatchObject({ reqId: d.requestId, export: kind, format, keyId: 'env', err: { message: 'database disk image is malformed' } });
          const header = format === 'csv' ? /^# ringside-export \{"kind":"/ : /^\{"export":\{"kind":"/;
          const failure = expectFailedExport(d, format, header);
          // SQLITE_CORRUPT is not a storage failure the service knows: its text stays in the server's log.
          expect(failure.detail).toContain('an internal error stopped it');
          expect(failure.detail).not.toMatch(/malformed|SQLITE/i);
          const verdict = await verify(server.dataDir, `${kind}.${format}`, d.text);
          expect(verdict.status, verdict.stdout + verdict.stderr).toBe(1);
          expect(verdict.stdout).toMatch(new RegExp(`the export failed on the server after 0 data rows \\(request id ${d.requestId}\\): the export failed after it started`));
        } finally {
          logged.stop();
          await server.close();
        }
      });
    }
  }

  // The audit-log export records itself in the audit log before it starts: with that table corrupt, it fails there.
  const BEFORE_START = [{ kind: 'audit-log', tables: ['audit_log'], query: range }];
  for (const { kind, tables, query } of BEFORE_START) {
    it(`the ${kind} export failing before the first byte: a 500 that names the request id and no internals`, async () => {
      const server = await serverWithCorrupt(tables);
      const logged = captureLog();
      try {
        const res = await fetch(`${server.url}/api/v1/export/${kind}?${query}&format=csv`, { headers: adminHeaders(server.apiKey) });
        expect(res.status).toBe(500);
        const requestId = res.headers.get('x-request-id');
        expect(await res.json()).toMatchObject({ title: 'Export failed', detail: `an internal error stopped it; the server logged it with request id ${requestId}` });
        expect(logged.lines().find((l) => l.msg === 'export failed')).toMatchObject({ reqId: requestId, export: kind });
      } finally {
        logged.stop();
        await server.close();
      }
    });
  }
});

describe('on PostgreSQL, the export backend is terminated while it waits for its rows', () => {
  const databases = testDatabases('ringside_exportfail');
  let server: TestServer;
  let url: string;
  beforeAll(async () => {
    url = await databases.create();
    server = await startTestServer({ databaseUrl: url, logLevel: 'silent', alerts: { enabled: false } });
    expect((await server.postEvents({ events: EVENTS })).status).toBe(201);
  });
  afterAll(async () => {
    await server.close();
    removeDir(server.dataDir);
    await databases.dropAll();
  });

  // The rows are read from these tables: held by this lock, the export has started and waits for them. (The
  // compliance export reads its rows before its first line, to check them against their judgements.)
  const LOCKED = [
    { kind: 'milestones', tables: 'milestones', query: '' },
  ];
  for (const { kind, tables, query } of LOCKED) {
    it(`the ${kind} export: the client sees the first line, an error line and no end; the verifier refuses it`, async () => {
      const locker = new pg.Client({ connectionString: url });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE ${tables} IN ACCESS EXCLUSIVE MODE`);
        const answer = download(server, `/export/${kind}?from=${FROM}&to=${TO}${query}&format=ndjson`);
        // The export's snapshot waiting for the lock (alert evaluation, which reads the rollups too, is off).
        let pid: number | undefined;
        while (pid === undefined) {
          const waiting = await locker.query<{ pid: number }>('SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE NOT l.granted AND c.relname = ANY($1)', [tables.split(', ')]);
          pid = waiting.rows[0]?.pid;
        }
        await locker.query('SELECT pg_terminate_backend($1)', [pid]);
        await locker.query('ROLLBACK');
        const d = await answer;
        const failure = expectFailedExport(d, 'ndjson', new RegExp(`^\\{"export":\\{"kind":"${kind}"`));
        expect(failure.detail).toContain('the database could not be read');
        const verdict = await verify(server.dataDir, `${kind}.ndjson`, d.text);
        expect(verdict.status).toBe(1);
        expect(verdict.stdout).toContain(`the export failed on the server after 0 data rows (request id ${d.requestId}): the export failed after it started: the database could not be read`);
      } finally {
        await locker.end();
      }
      // The server goes on: the next export is whole and passes every check (without the key, that no row of a
      // milestone export without since= was removed is not proven: NOT PROVEN).
      const again = await download(server, `/export/${kind}?from=${FROM}&to=${TO}${query}&format=csv`);
      expect(again.complete).toBe(true);
      expect((await verify(server.dataDir, `${kind}-again.csv`, again.text)).stdout).toMatch(/^NOT PROVEN: /);
    });
  }
});
