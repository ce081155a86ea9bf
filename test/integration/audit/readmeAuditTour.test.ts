// The README's auditor tour, run as written: its shell blocks are taken from README.md and run by bash against a
// real server, with only the values a reader would paste in replaced (the data folder, the key it printed, the
// head it recorded, the paths of the two scripts). Every export kind of the tour must verify with the public key
// against the recorded head, although each export moves the head (its own audit-log entry) and an event arrives
// after the head was recorded; the month has a void and an amendment, and its compliance rows are recomputed from
// its events.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, call, removeDir, startTestServer, tempDataDir, visit, type TestServer } from '../support/testServer';

const postgres = process.env.RINGSIDE_TEST_BACKEND === 'postgres'; // the tour's `keys create` works on the SQLite file
let server: TestServer;
let work: string;

/** The ```sh blocks of the README's auditor tour. */
function tourBlocks(): string[] {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const start = readme.indexOf('### Auditor: export a month and verify it offline');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Runs `script` in bash, asynchronously: the server answering its curl calls lives in this process. */
const bash = (script: string, env: Record<string, string>) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile('bash', ['-c', script], { cwd: work, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });

beforeAll(async () => {
  if (postgres) return;
  server = await startTestServer({ logLevel: 'error', organisation: 'Northwind Clinics' });
  work = tempDataDir();
  const events = [
    call({ id: 'c1', occurredAt: '2026-12-01T09:00:00+01:00', rings: 1 }),
    call({ id: 'c2', site: 'airport', occurredAt: '2026-12-01T10:00:00+01:00', rings: 5 }),
    visit({ id: 'v1', occurredAt: '2026-12-02T11:00:00+01:00', greetSeconds: 20 }),
  ];
  expect((await server.postEvents({ events })).status).toBe(201);
  const correct = (path: string, body: unknown) => fetch(`${server.url}/api/v1/events/${path}`, { method: 'POST', headers: { ...adminHeaders(server.apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await correct('c2/amend', { reason: 'PBX clock was off', changes: { rings: 2 } })).status).toBe(201);
  expect((await correct('v1/void', { reason: 'a test visit' })).status).toBe(201);
});
afterAll(async () => {
  if (postgres) return;
  await server.close();
  removeDir(server.dataDir);
  removeDir(work);
});

describe.skipIf(postgres)("the README's auditor tour", () => {
  it('works as written for every export kind and the report', async () => {
    const blocks = tourBlocks();
    expect(blocks.length).toBe(5);
    const paths = (text: string) =>
      text
        .replaceAll('server/dist/main.js', join(process.cwd(), 'server', 'dist', 'main.js'))
        .replaceAll('scripts/verify-export.mjs', join(process.cwd(), 'scripts', 'verify-export.mjs'))
        .replaceAll('--data .ringside', `--data ${server.dataDir}`);
    const env = { RS: `${server.url}/api/v1` };

    // 1. The administrator creates the key; the reader pastes the line it printed.
    const created = await bash(paths(blocks[0]!.split('\n')[0]!), env);
    expect(created.status, created.stderr).toBe(0);
    const key = created.stdout.trim();
    const withKey = { ...env, AUDITOR: key };
    // 2. The public key, saved as the tour says.
    expect((await bash(paths(blocks[1]!), withKey)).status).toBe(0);
    expect(JSON.parse(readFileSync(join(work, 'ringside-key.json'), 'utf8'))).toMatchObject({ algorithm: 'Ed25519', organisation: 'Northwind Clinics' });
    // 3. The recorded head; then the store moves on (a late event of the month).
    const head = JSON.parse((await bash(paths(blocks[2]!), withKey)).stdout) as { seq: number; hash: string };
    const recorded = (text: string) => text.replaceAll('since=1889', `since=${head.seq}`).replaceAll('asOf=1889', `asOf=${head.seq}`).replaceAll('049e8c9e8fa7c228afbd828df61a539e72065de1499dddcbc89dc5477198f2b1', head.hash);
    expect((await server.postEvents({ events: [call({ id: 'late', occurredAt: '2026-12-02T15:00:00+01:00' })] })).status).toBe(201);
    // 4. The exports and the report; 5. the verification loop.
    const exported = await bash(paths(recorded(blocks[3]!)), withKey);
    expect(exported.status, exported.stderr).toBe(0);
    // Every file is as of the recorded head: the late event is in none of them, so they agree with each other.
    expect(readFileSync(join(work, 'events-2026-12.csv'), 'utf8')).not.toContain('late');
    expect(readFileSync(join(work, 'events-2026-12.csv'), 'utf8')).toContain('c1');
    const verified = await bash(paths(recorded(blocks[4]!)), withKey);
    expect(verified.stdout).not.toContain('FAILED');
    for (const kind of ['events', 'compliance', 'incidents', 'alerts', 'audit-log']) {
      expect(verified.stdout).toMatch(new RegExp(`VERIFIED: ${kind}-2026-12\\.csv \\(${kind}, csv, \\d+ rows`));
    }
    // The loop's five files, then the compliance file again with its events file (both checked).
    expect(verified.stdout.match(/signature valid: .*organisation "Northwind Clinics", requested by key "auditor 2026"/g)).toHaveLength(7);
    expect(verified.stdout.match(new RegExp(`the published head ${head.hash}`, 'g'))).toHaveLength(7);
    expect(verified.stdout).toContain('corrected view recomputed from 2 chained correction records');
    expect(verified.stdout).toMatch(/VERIFIED: compliance-2026-12\.csv[^\n]*\n( {2}[^\n]*\n)* {2}\d+ rows recomputed from the events export/);
    // The report, with the command the tour gives for it.
    const reportCommand = /`(node scripts\/verify-export\.mjs report-2026-12\.html\s+--public-key ringside-key\.json)`/.exec(readFileSync(join(process.cwd(), 'README.md'), 'utf8'))![1]!.replace(/\s+/g, ' ');
    const report = await bash(paths(reportCommand), withKey);
    expect(report.status, report.stdout).toBe(0);
    expect(report.stdout).toMatch(/^VERIFIED: report-2026-12\.html \(report, html/);
    // And an edited figure in the exported compliance file fails, as the tour says.
    const file = join(work, 'compliance-2026-12.csv');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/,(\d+),(\d+),/, (_all, n: string, d: string) => `,${d},${d === n ? Number(d) + 1 : d},`));
    expect((await bash(paths(recorded(blocks[4]!)), withKey)).stdout).toMatch(/FAILED: compliance-2026-12\.csv/);
  });
});
