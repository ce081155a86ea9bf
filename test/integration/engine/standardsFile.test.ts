// The standards file: every problem listed (path + reason), startup refusal (exit 2 from the CLI),
// SIGHUP-style reload keeping the last good set, and the live snapshot carrying every configured standard.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../server/src/protocol';
import { parseStandardsConfig, readStandardsFile, reloadStandardsFile } from '../../../server/src/services/standardsFile';
import { openTestCore } from '../support/core';
import { watchOutput } from '../support/childOutput';
import { removeDir, tempDataDir } from '../support/testServer';
import { buildEngineCli, startEngineServer, type EngineServer } from './support';

// The full example in docs/standards.md ("Standards") is the one tested here.
const STANDARDS_DOC = readFileSync(new URL('../../../docs/standards.md', import.meta.url), 'utf8');
const GOOD = /<!-- standards-example -->\s*```yaml\n([\s\S]*?)```/.exec(STANDARDS_DOC)![1]!;

const BAD = `
standards:
  - id: call-answer-2-rings
    name: Calls answered within 2 rings
    eventType: call
    measure: greetSeconds
    threshold: -2
    target: 0.9
  - id: call-answer-2-rings
    name: dup
    eventType: fax
    measure: rings
    threshold: 2
    target: 90
    formula: F9
    colour: red
sites:
  - id: paris
    timeZone: Europe/Paris-Nord
    ringCycleSeconds: -5
    hours: { mon: ["9-17"] }
`;

describe('parsing a standards file', () => {
  it('accepts the example of docs/standards.md', () => {
    const parsed = parseStandardsConfig(GOOD, 'yaml');
    expect(parsed.ok).toBe(true);
  });
  it('lists every problem with its path', () => {
    const parsed = parseStandardsConfig(BAD, 'yaml');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => p.path).sort()).toEqual(
      [
        'standards.0.measure', // greetSeconds is not a call field
        'standards.0.threshold',
        'standards.1.eventType',
        'standards.1.target',
        'standards.1.formula',
        'standards.1.colour',
        'standards.1.id', // duplicate id
        'sites.0.timeZone',
        'sites.0.ringCycleSeconds',
        'sites.0.hours.mon.0',
      ].sort(),
    );
    expect(parsed.problems.find((p) => p.path === 'standards.1.id')!.message).toMatch(/duplicates standards\.0\.id/);
  });
  it('refuses a window listed twice, in the words the API uses', () => {
    const file = 'standards:\n  - id: calls\n    name: Calls\n    eventType: call\n    measure: rings\n    threshold: 2\n    target: 0.9\n    windows: [1h, today, 1h]\n';
    expect(parseStandardsConfig(file, 'yaml')).toEqual({ ok: false, problems: [{ path: 'standards.0.windows.2', message: 'repeats "1h", already windows.0: list each window once' }] });
  });
  it('refuses a ring cycle outside 1–30 s', () => {
    const parsed = parseStandardsConfig('sites:\n  - id: quick\n    ringCycleSeconds: 0.001\n  - id: slow\n    ringCycleSeconds: 31\n  - id: fine\n    ringCycleSeconds: 3\n', 'yaml');
    expect(parsed).toEqual({
      ok: false,
      problems: [
        { path: 'sites.0.ringCycleSeconds', message: 'must be between 1 and 30 seconds' },
        { path: 'sites.1.ringCycleSeconds', message: 'must be between 1 and 30 seconds' },
      ],
    });
  });
  it('reports YAML and JSON syntax errors and unknown top-level keys', () => {
    expect(parseStandardsConfig('standards: [\n', 'yaml')).toMatchObject({ ok: false, problems: [{ path: '(file)' }] });
    expect(parseStandardsConfig('{"standards": ', 'json')).toMatchObject({ ok: false, problems: [{ path: '(file)', message: expect.stringMatching(/not valid JSON/) }] });
    expect(parseStandardsConfig('{"standard": []}', 'json')).toMatchObject({ ok: false, problems: [{ path: 'standard', message: 'is not a known field (did you mean "standards"?)' }] });
  });
  it('names an unknown top-level key beside every problem of the rest of the file, not instead of them', () => {
    const file = 'standard: []\nstandards:\n  - { id: x, name: X, eventType: call, measure: rings, threshold: 2, target: 90 }\nsites:\n  - { id: y, ringCycleSeconds: 0 }\n';
    expect(parseStandardsConfig(file, 'yaml')).toEqual({
      ok: false,
      problems: [
        { path: 'standard', message: 'is not a known field (did you mean "standards"?)' },
        { path: 'standards.0.target', message: 'must be a share above 0 and at most 1 (0.9 for 90 %)' },
        { path: 'sites.0.ringCycleSeconds', message: expect.stringMatching(/^must be/) },
      ],
    });
  });
  it('names the file when it is not a mapping, refuses aliases that expand without end, and says why .inf is no threshold', () => {
    expect(parseStandardsConfig('- 1\n- 2\n', 'yaml')).toEqual({ ok: false, problems: [{ path: '(file)', message: 'must be a JSON object (got a list)' }] });
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`), 'standards: []'].join('\n');
    expect(parseStandardsConfig(laughs, 'yaml')).toEqual({ ok: false, problems: [{ path: '(file)', message: expect.stringMatching(/^is not valid YAML: .*alias/i) }] });
    const infinite = 'standards:\n  - {id: t, name: T, eventType: call, measure: rings, threshold: .inf, target: .nan}\n';
    expect(parseStandardsConfig(infinite, 'yaml')).toEqual({
      ok: false,
      problems: [
        { path: 'standards.0.threshold', message: 'must be a finite number (got Infinity)' },
        { path: 'standards.0.target', message: 'must be a finite number (got NaN)' },
      ],
    });
  });
  it('refuses text that is not well-formed Unicode, naming the field, and a file that is not UTF-8', () => {
    const standard = (name: string) => ({ id: 'calls', name, eventType: 'call', measure: 'rings', threshold: 2, target: 0.9, scope: { queues: ['sales', 'q\ud800'] } });
    // JSON.stringify writes the lone surrogates as \u escapes, which JSON and YAML both read back as such.
    const json = JSON.stringify({ standards: [standard('Calls \udfff')], sites: [{ id: 'lobby\udfff', name: 'Lobby' }] });
    const yaml = `standards:\n  - id: calls\n    name: "Calls \\udfff"\n    eventType: call\n    measure: rings\n    threshold: 2\n    target: 0.9\n    scope: { queues: [sales, "q\\ud800"] }\nsites:\n  - id: "lobby\\udfff"\n`;
    for (const [text, kind] of [[json, 'json'], [yaml, 'yaml']] as const) {
      expect(parseStandardsConfig(text, kind)).toEqual({
        ok: false,
        problems: [
          { path: 'standards.0.name', message: 'must be well-formed Unicode text (found an unpaired surrogate at position 6)' },
          { path: 'standards.0.scope.queues.1', message: 'must be well-formed Unicode text (found an unpaired surrogate at position 1)' },
          { path: 'sites.0.id', message: 'must be well-formed Unicode text (found an unpaired surrogate at position 5)' },
        ],
      });
    }
    const dir = tempDataDir();
    try {
      const file = join(dir, 'standards.yaml');
      writeFileSync(file, Buffer.concat([Buffer.from('standards:\n  - id: calls\n    name: Calls '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
      expect(() => readStandardsFile(file)).toThrow(expect.objectContaining({ problems: [{ path: '(file)', message: 'is not valid UTF-8: the first bad byte is 0xC3, at line 3, column 17 (byte 42)' }] }));
    } finally {
      removeDir(dir);
    }
  });
});

describe('a server started with --standards', () => {
  let server: EngineServer;
  let file: string;
  let dir: string;
  beforeAll(async () => {
    dir = tempDataDir();
    file = join(dir, 'standards.yaml');
    writeFileSync(file, GOOD);
    server = await startEngineServer({ standardsFile: file });
  });
  afterAll(async () => {
    await server.close();
    removeDir(server.dataDir);
    removeDir(dir);
  });

  it('loads standards and sites; the defaults stay at version 1 when the file repeats them', async () => {
    const list = (await server.send('GET', '/api/v1/standards')).body.standards;
    expect(list.map((s: any) => [s.id, s.version])).toEqual([
      ['call-answer-2-rings', 1],
      ['call-answer-20s-sales', 1],
      ['visit-greet-30s', 1],
    ]);
    expect((await server.send('GET', '/api/v1/sites/london')).body).toMatchObject({ name: 'London Bridge', ringCycleSeconds: 3, timeZone: 'Europe/London' });
  });

  it('a bad reload changes nothing and lists every problem; a good one makes new versions; the snapshot follows', async () => {
    writeFileSync(file, BAD);
    const refused = await server.reloadStandards();
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.problems.length).toBe(10);
    expect((await server.send('GET', '/api/v1/standards/call-answer-2-rings')).body.version).toBe(1);

    const client = io(server.url, { forceNew: true, reconnection: false, auth: { token: server.apiKey } });
    const snapshots: Snapshot[] = [];
    const nextSnapshot = () => new Promise<void>((resolve) => client.once('snapshot', () => resolve()));
    client.on('snapshot', (s) => snapshots.push(s));
    try {
      await nextSnapshot();
      expect(snapshots[0]!.standards.map((s) => s.id)).toContain('call-answer-20s-sales');
      expect(snapshots[0]!.standards.find((s) => s.id === 'call-answer-20s-sales')!.bands).toEqual({ green: 0.8, amber: 0.7 });
      writeFileSync(file, GOOD.replace('threshold: 2\n', 'threshold: 3\n') + '\n  - id: paris\n    timeZone: Europe/Paris\n');
      // One push for the standards the reload changed, one for its sites (their names), in that order.
      const pushed = new Promise<void>((resolve) => {
        const check = () => (snapshots.length >= 3 ? resolve() : client.once('snapshot', () => setImmediate(check)));
        check();
      });
      const applied = await server.reloadStandards();
      expect(applied).toEqual({ ok: true, applied: { standards: ['call-answer-2-rings'], sites: ['paris'], skipped: [] } });
      await pushed;
      expect(snapshots).toHaveLength(3);
      const last = snapshots[2]!;
      expect(last.standards.find((s) => s.id === 'call-answer-2-rings')).toMatchObject({ version: 2, threshold: 3 });
      expect(last.today.map((f) => f.standardId).sort()).toEqual(['call-answer-2-rings', 'call-answer-20s-sales', 'visit-greet-30s']);
      expect(last.sites).toEqual(expect.arrayContaining([{ id: 'paris', name: 'paris' }, { id: 'london', name: 'London Bridge' }]));
    } finally {
      client.close();
    }
    const versions = (await server.send('GET', '/api/v1/standards/call-answer-2-rings/versions')).body.versions;
    expect(versions.map((v: any) => [v.version, v.threshold])).toEqual([
      [1, 2],
      [2, 3],
    ]);
  });

  it('a reload bringing a site whose id is a stored one\'s but for letter case is refused whole, naming it', async () => {
    const good = readFileSync(file, 'utf8');
    expect(good).toContain('  - id: paris\n');
    writeFileSync(file, good.replace('threshold: 3\n', 'threshold: 4\n').replace('  - id: paris\n', '  - id: PARIS\n'));
    const refused = await server.reloadStandards();
    expect(refused).toEqual({
      ok: false,
      problems: [{ path: expect.stringMatching(/^sites\.\d+\.id$/), message: 'new site "PARIS" differs from another site only in letter case: site ids are case-sensitive, so it would be a second site (did you mean "paris"?)' }],
    });
    // Nothing of the file was applied: no new standard version, no site.
    expect((await server.send('GET', '/api/v1/standards/call-answer-2-rings')).body.version).toBe(2);
    expect((await server.send('GET', '/api/v1/sites/PARIS')).status).toBe(404);
    // The stored spelling itself is the site it configures.
    writeFileSync(file, good + '    name: Paris Nord\n');
    expect(await server.reloadStandards()).toEqual({ ok: true, applied: { standards: [], sites: ['paris'], skipped: [] } });
    // Two new sites of the file that differ only in letter case: the later one is refused, naming the earlier.
    writeFileSync(file, `${good}    name: Paris Nord\n  - id: harbour\n  - id: Harbour\n`);
    const twins = await server.reloadStandards();
    expect(twins.ok).toBe(false);
    if (!twins.ok) {
      expect(twins.problems).toEqual([
        { path: expect.stringMatching(/^sites\.\d+\.id$/), message: expect.stringMatching(/^new site "Harbour" differs from another site only in letter case: .*\(did you mean "harbour"\?\); the file names it at sites\.\d+\.id$/) },
      ]);
    }
    expect((await server.send('GET', '/api/v1/sites/harbour')).status).toBe(404);
  });
});

describe('a reload the store fails under', () => {
  it('is refused like a bad file, saying why, rather than thrown (a SIGHUP must not take the server down)', async () => {
    const dir = tempDataDir();
    try {
      const file = join(dir, 'standards.yaml');
      writeFileSync(file, GOOD);
      const core = await openTestCore(join(dir, 'data'));
      await core.close(); // its store is gone from under the services: every read fails
      const result = await reloadStandardsFile(core, file);
      expect(result).toEqual({ ok: false, problems: [{ path: '(file)', message: expect.stringMatching(/^could not be applied: .*database connection is not open/) }] });
    } finally {
      removeDir(dir);
    }
  });
});

describe('a standard retired over the API', () => {
  let server: EngineServer;
  let file: string;
  let dir: string;
  beforeAll(async () => {
    dir = tempDataDir();
    file = join(dir, 'standards.yaml');
    writeFileSync(file, GOOD);
    server = await startEngineServer({ standardsFile: file });
  });
  afterAll(async () => {
    await server.close();
    removeDir(server.dataDir);
    removeDir(dir);
  });

  it('is not revived by a reload, even when the file changes it; the result lists it as skipped', async () => {
    expect((await server.send('DELETE', '/api/v1/standards/call-answer-20s-sales')).status).toBe(200);
    expect(await server.reloadStandards()).toEqual({ ok: true, applied: { standards: [], sites: [], skipped: ['call-answer-20s-sales'] } });
    writeFileSync(file, GOOD.replace('threshold: 20\n', 'threshold: 25\n'));
    expect(await server.reloadStandards()).toEqual({ ok: true, applied: { standards: [], sites: [], skipped: ['call-answer-20s-sales'] } });
    expect((await server.send('GET', '/api/v1/standards')).body.standards.map((s: any) => s.id)).toEqual(['call-answer-2-rings', 'visit-greet-30s']);
    const versions = (await server.send('GET', '/api/v1/standards/call-answer-20s-sales/versions')).body.versions;
    expect(versions.map((v: any) => [v.version, v.threshold, v.retired])).toEqual([
      [1, 20, false],
      [2, 20, true],
    ]);
    // Re-created over the API it is in force again, and the file manages it as before.
    expect((await server.send('POST', '/api/v1/standards', { ...(await server.send('GET', '/api/v1/standards/call-answer-20s-sales')).body, retired: undefined })).status).toBe(201);
    expect(await server.reloadStandards()).toEqual({ ok: true, applied: { standards: ['call-answer-20s-sales'], sites: [], skipped: [] } });
    expect((await server.send('GET', '/api/v1/standards/call-answer-20s-sales')).body).toMatchObject({ version: 4, threshold: 25, retired: false });
  });
});

describe('a reload that changes only a standard\'s validFrom', () => {
  let server: EngineServer;
  let file: string;
  let dir: string;
  beforeAll(async () => {
    dir = tempDataDir();
    file = join(dir, 'standards.yaml');
    writeFileSync(file, GOOD);
    server = await startEngineServer({ standardsFile: file });
  });
  afterAll(async () => {
    await server.close();
    removeDir(server.dataDir);
    removeDir(dir);
  });
  // The file's visit standard is the default's definition; only its validFrom is edited.
  const withValidFrom = (iso: string) => GOOD.replace('    threshold: 30  ', `    validFrom: "${iso}"\n    threshold: 30  `);

  it('follows the rules of PUT: a backdated one over judged events is refused naming it, a valid one makes a version', async () => {
    expect(withValidFrom('x')).not.toBe(GOOD);
    expect((await server.postEvents({ type: 'visit', site: 'london', occurredAt: '2026-02-02T10:00:00Z', outcome: 'greeted', greetSeconds: 5 })).status).toBe(201);

    writeFileSync(file, withValidFrom('2026-02-01T00:00:00Z'));
    const refused = await server.reloadStandards();
    expect(refused).toMatchObject({ ok: false, problems: [{ path: 'standards.1.validFrom', message: expect.stringContaining('already judged') }] });
    expect((await server.send('GET', '/api/v1/standards/visit-greet-30s')).body).toMatchObject({ version: 1, validFrom: null });

    writeFileSync(file, withValidFrom('2099-01-01T00:00:00Z'));
    expect(await server.reloadStandards()).toEqual({ ok: true, applied: { standards: ['visit-greet-30s'], sites: [], skipped: [] } });
    // Loaded again as it is: nothing to change.
    expect(await server.reloadStandards()).toEqual({ ok: true, applied: { standards: [], sites: [], skipped: [] } });
    const versions = (await server.send('GET', '/api/v1/standards/visit-greet-30s/versions')).body.versions;
    expect(versions.map((v: any) => [v.version, v.validFrom, v.threshold])).toEqual([
      [1, null, 30],
      [2, '2099-01-01T00:00:00.000Z', 30],
    ]);
  });
});

describe('the CLI with a bad standards file', () => {
  let cli: string;
  beforeAll(async () => {
    cli = await buildEngineCli();
  });
  afterAll(() => rmSync(cli, { force: true }));
  it('exits 2 and names every problem', () => {
    const dir = tempDataDir();
    try {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, BAD);
      const res = spawnSync(process.execPath, [cli, '--port', '0', '--data', join(dir, 'data'), '--standards', file, '--log-level', 'silent'], { encoding: 'utf8', timeout: 20_000 });
      expect(res.status).toBe(2);
      expect(res.stdout).not.toMatch(/listening/);
      for (const path of ['standards.0.measure', 'standards.1.formula', 'sites.0.timeZone', 'sites.0.hours.mon.0']) expect(res.stderr).toContain(path);
      // A file the YAML parser cannot read says where it stopped.
      writeFileSync(file, 'standards: [');
      const unread = spawnSync(process.execPath, [cli, '--port', '0', '--data', join(dir, 'data'), '--standards', file, '--log-level', 'silent'], { encoding: 'utf8', timeout: 20_000 });
      expect(unread.status).toBe(2);
      expect(unread.stderr).toContain('(file): is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ], at line 1, column 13 (the end of the file)');
    } finally {
      removeDir(dir);
    }
  });
});

describe('the CLI with --standards and SIGHUP', () => {
  it('reloads on SIGHUP: a bad file is logged with every problem and changes nothing; a good one applies', async () => {
    const cli = await buildEngineCli();
    const dir = tempDataDir();
    const file = join(dir, 'standards.yaml');
    writeFileSync(file, GOOD);
    const key = 'rs_sighup-test-key-0123456789abcdef';
    // Logs at info: each reload says on stderr what it did, which is what the test waits for.
    const child = spawn(process.execPath, [cli, '--port', '0', '--data', join(dir, 'data'), '--standards', file, '--log-level', 'info'], { env: { ...process.env, RINGSIDE_API_KEY: key } });
    const output = watchOutput(child);
    try {
      const url = (await output.until('stdout', /listening on (\S+)/))[1]!;
      const threshold = async () => ((await (await fetch(`${url}/api/v1/standards/call-answer-2-rings`, { headers: { authorization: `Bearer ${key}` } })).json())).threshold;
      expect(await threshold()).toBe(2);
      writeFileSync(file, BAD);
      child.kill('SIGHUP');
      await output.until('stderr', /keeping the last good set/);
      for (const path of ['standards.0.measure', 'standards.1.id', 'sites.0.ringCycleSeconds']) expect(output.stderr()).toContain(path);
      expect(await threshold()).toBe(2);
      // A file the YAML parser cannot read: the log says where it stopped.
      writeFileSync(file, 'standards:\n  - id: x\n   name: X\n');
      child.kill('SIGHUP');
      await output.until('stderr', /"path":"\(file\)","message":"is not valid YAML: Sequence item without - indicator, at line 3, column 1"/);
      expect(await threshold()).toBe(2);
      writeFileSync(file, GOOD.replace('threshold: 2\n', 'threshold: 3\n'));
      child.kill('SIGHUP');
      await output.until('stderr', /"standards":\["call-answer-2-rings"\].*"msg":"standards file reloaded"/);
      expect(await threshold()).toBe(3);
      // A standard retired over the API stays retired; the reload says so in a warning naming it.
      const retired = await fetch(`${url}/api/v1/standards/call-answer-20s-sales`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
      expect(retired.status).toBe(200);
      child.kill('SIGHUP');
      await output.until('stderr', /"standard":"call-answer-20s-sales"/);
      expect(output.stderr()).toMatch(/"standard":"call-answer-20s-sales".*retired over the API; re-create it with POST \/api\/v1\/standards to use it again/);
      // SIGTERM: the signal is logged as the reason, and every line on stderr is JSON (a log shipper reads them all).
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.once('exit', r))).toBe(0);
      expect(output.stderr()).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/);
      const notJson = output.stderr().split('\n').filter((line) => line !== '' && !isJson(line));
      expect(notJson).toEqual([]);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(cli, { force: true });
      removeDir(dir);
    }
  }, 30_000);

  it('says so when SIGHUP comes to a server started without --standards', async () => {
    const cli = await buildEngineCli();
    const dir = tempDataDir();
    const child = spawn(process.execPath, [cli, '--port', '0', '--data', join(dir, 'data'), '--log-level', 'info'], { env: { ...process.env, RINGSIDE_API_KEY: 'rs_sighup-test-key-0123456789abcdef' } });
    const output = watchOutput(child);
    try {
      await output.until('stdout', /listening on (\S+)/);
      child.kill('SIGHUP');
      await output.until('stderr', /"level":40.*"msg":"nothing to reload: the server was started without --standards"/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(cli, { force: true });
      removeDir(dir);
    }
  }, 30_000);
});

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
