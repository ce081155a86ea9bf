// Signed export manifests, as an auditor meets them: the instance's public key (endpoint and CLI), every export kind
// verified offline with it against a head published after the period, and forgeries an attacker with the file can
// make (rows edited and their hash recomputed, manifest or first line edited, columns swapped, an audit-log entry
// deleted, the signature removed or made with another key), each failed and named by scripts/verify-export.mjs.
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { csvQuote } from '../../../server/src/services/exports/encoders';
import { adminHeaders, call, removeDir, startTestServer, tempDataDir, useTestServer, visit } from '../support/testServer';
import { runNode } from '../support/cli';

const server = useTestServer({ logLevel: 'error', organisation: 'Northwind Clinics' });
let auditorKey: string;
let published: { seq: number; hash: string };
let pemFile: string;
const FROM = '2026-03-01T00:00:00Z';
const TO = '2026-04-01T00:00:00Z';
const Q = `from=${FROM}&to=${TO}&tz=UTC`;
const script = join(process.cwd(), 'scripts', 'verify-export.mjs');
const main = join(process.cwd(), 'server', 'dist', 'main.js');
const node = (...args: string[]) => runNode(args);
const verify = (file: string, ...args: string[]) => node(script, file, ...args);
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const asAuditor = (path: string) => fetch(`${server().url}/api/v1${path}`, { headers: { authorization: `Bearer ${auditorKey}` } });

async function saved(name: string, path: string): Promise<string> {
  const res = await asAuditor(path);
  expect(res.status, path).toBe(200);
  const file = join(server().dataDir, name);
  writeFileSync(file, await res.text());
  return file;
}

/** A CSV export's parts (the test data has no line breaks inside cells). */
function csvParts(text: string) {
  const lines = text.split('\r\n');
  const firstTrailer = lines.findIndex((l, i) => i > 0 && l.startsWith('#'));
  return { first: lines[0]!, columns: lines[1]!, rows: lines.slice(2, firstTrailer), trailer: lines.slice(firstTrailer).filter((l) => l !== '') };
}

/** What an attacker does after editing rows: recompute rowCount and dataSha256 in the manifest line. */
function resealed(parts: ReturnType<typeof csvParts>): string {
  const data = parts.rows.map((r) => r + '\r\n').join('');
  const trailer = parts.trailer.map((l) => {
    if (!l.startsWith('# manifest ')) return l;
    const m = JSON.parse(l.slice('# manifest '.length));
    return `# manifest ${JSON.stringify({ ...m, rowCount: parts.rows.length, dataSha256: sha(data) })}`;
  });
  return [parts.first, parts.columns, ...parts.rows, ...trailer, ''].join('\r\n');
}

function editedManifest(text: string, edit: (m: Record<string, any>) => void): string {
  return text.replace(/# manifest (.*)\r\n$/, (_all, json: string) => {
    const m = JSON.parse(json);
    edit(m);
    return `# manifest ${JSON.stringify(m)}\r\n`;
  });
}

async function failsWith(file: string, text: string, expected: RegExp): Promise<void> {
  writeFileSync(file, text);
  const r = await verify(file, '--public-key', pemFile, '--head', published.hash);
  expect(r.status, r.stdout).toBe(1);
  expect(r.stdout).toMatch(/^FAILED/);
  expect(r.stdout).toMatch(expected);
}

beforeAll(async () => {
  const events = [
    call({ id: 'c1', occurredAt: '2026-03-02T09:00:00Z', rings: 1 }),
    call({ id: 'c2', occurredAt: '2026-03-02T10:00:00Z', rings: 4 }),
    call({ id: 'c3', site: 'airport', occurredAt: '2026-03-09T10:00:00Z', outcome: 'abandoned', rings: 3 }),
    visit({ id: 'v1', occurredAt: '2026-03-10T11:00:00Z', greetSeconds: 12 }),
    visit({ id: 'v2', site: 'airport', occurredAt: '2026-03-20T11:00:00Z', greetSeconds: 50 }),
  ];
  expect((await server().postEvents({ events })).status).toBe(201);
  const created = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'auditor 2026', scopes: ['audit'] }) });
  auditorKey = ((await created.json()) as { key: string }).key;
  // The head is published after the period; then life goes on: a late event, a correction, the exports' own log entries.
  published = (await (await asAuditor('/audit/head')).json()) as { seq: number; hash: string };
  expect((await server().postEvents({ events: [call({ id: 'late', occurredAt: '2026-03-30T10:00:00Z' })] })).status).toBe(201);
  const voided = await fetch(`${server().url}/api/v1/events/c2/void`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'test call' }) });
  expect(voided.status).toBe(201);
  const pub = await fetch(`${server().url}/api/v1/audit/public-key`); // public: no key needed
  expect(pub.status).toBe(200);
  pemFile = join(server().dataDir, 'ringside-public-key.pem');
  writeFileSync(pemFile, ((await pub.json()) as { publicKey: string }).publicKey);
});

describe('the signing key', () => {
  it('is published at GET /audit/public-key and printed by the public-key command, the same key', async () => {
    const info = (await (await fetch(`${server().url}/api/v1/audit/public-key`)).json()) as Record<string, string | null>;
    expect(info).toMatchObject({ algorithm: 'Ed25519', organisation: 'Northwind Clinics' });
    expect(info.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    expect(info.instanceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(info.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const cli = await node(main, 'public-key', '--data', server().dataDir);
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toBe(info.publicKey);
    expect(cli.stderr).toContain(`key ${info.keyId} of instance ${info.instanceId}`);
    const json = await node(main, 'public-key', '--data', server().dataDir, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ keyId: info.keyId, instanceId: info.instanceId, publicKey: info.publicKey });
  });

  it('is created once, at first start, and kept across restarts (the data directory holds it, mode 0600)', async () => {
    const dir = tempDataDir();
    try {
      const first = await startTestServer({ logLevel: 'error', dataDir: dir });
      const before = await (await fetch(`${first.url}/api/v1/audit/public-key`)).json();
      await first.close();
      const again = await startTestServer({ logLevel: 'error', dataDir: dir });
      const after = await (await fetch(`${again.url}/api/v1/audit/public-key`)).json();
      await again.close();
      expect(after).toEqual(before);
      expect(before.organisation).toBeNull();
      if (process.platform !== 'win32') expect((statSync(join(dir, 'audit-signing.json')).mode & 0o777).toString(8)).toBe('600');
    } finally {
      removeDir(dir);
    }
  });
});

describe('every export kind verifies with the public key against a head published after the period', () => {
  const kinds = [
    { kind: 'events', query: `${Q}&format=csv`, rows: 6 },
    { kind: 'compliance', query: `${Q}&period=month&format=csv&since=PUB`, rows: 4 },
    { kind: 'compliance', query: `${Q}&period=day&format=ndjson&since=PUB`, rows: null },
    { kind: 'compliance', query: `${Q}&period=week&format=json&since=PUB`, rows: null },
    { kind: 'milestones', query: `${Q}&format=csv&since=PUB`, rows: 0 },
    { kind: 'incidents', query: `${Q}&format=csv&since=PUB`, rows: 0 },
    { kind: 'alerts', query: `${Q}&format=csv&since=PUB`, rows: 0 },
    { kind: 'audit-log', query: `from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z&format=csv&since=PUB`, rows: null },
  ];
  it.each(kinds)('$kind ($query)', async ({ kind, query, rows }) => {
    const file = await saved(`${kind}-${rows ?? 'n'}.${/format=(\w+)/.exec(query)![1]}`, `/export/${kind}?${query.replace('PUB', String(published.seq))}`);
    const r = await verify(file, '--public-key', pemFile, '--head', published.hash);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^VERIFIED: .*\\(${kind}, `));
    if (rows !== null) expect(r.stdout).toContain(`, ${rows} rows,`);
    expect(r.stdout).toMatch(/signature valid: key ed25519:[0-9a-f]{16}, instance [0-9a-f-]{36}, organisation "Northwind Clinics", requested by key "auditor 2026"/);
    expect(r.stdout).toMatch(/the published head [0-9a-f]{64} is link \d+ of the verified chain/);
  });

  it('an export of a kind without linked rows, asked for without since=, says how to prove the published head', async () => {
    const file = await saved('compliance-no-since.csv', `/export/compliance?${Q}&format=csv`);
    expect((await verify(file, '--public-key', pemFile)).status).toBe(0); // signed, just not linked to that head
    const r = await verify(file, '--public-key', pemFile, '--head', published.hash);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('carries no chain proof: export it again with since=<seq of the published head>');
  });

  it('refuses a since= that is not a link of the chain (400 naming since)', async () => {
    for (const since of ['abc', '0', '99999999']) {
      const res = await asAuditor(`/export/compliance?${Q}&since=${since}`);
      expect(res.status, since).toBe(400);
      const problem = (await res.json()) as { errors?: Array<{ path: string }>; detail?: string };
      expect(JSON.stringify(problem)).toContain('since');
    }
  });

  it('refuses a since= after the asOf it is exported at, naming asOf as the head it is after, not the chain head', async () => {
    const res = await asAuditor(`/export/compliance?${Q}&asOf=1&since=2`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors?: unknown }).errors).toEqual([{ path: 'since', message: 'link 2 is after asOf (link 1), the head this export is made at' }]);
  });

  it('without --public-key it says the signature was not checked; the JSON answer of the endpoint serves as the key file', async () => {
    const file = await saved('events-nokey.csv', `/export/events?${Q}&format=csv`);
    const r = await verify(file);
    expect(r.status).toBe(3); // every check passed; where it starts only the signature binds
    expect(r.stdout).toMatch(/signature \(key ed25519:[0-9a-f]{16}\) not checked: pass --public-key FILE/);
    const keyJson = join(server().dataDir, 'ringside-key.json');
    writeFileSync(keyJson, await (await fetch(`${server().url}/api/v1/audit/public-key`)).text());
    const withJson = await verify(file, '--public-key', keyJson);
    expect(withJson.status, withJson.stdout).toBe(0);
    expect(withJson.stdout).toContain('signature valid');
    const notAKey = await verify(file, '--public-key', file);
    expect(notAKey.status).toBe(2);
    expect(notAKey.stderr).toMatch(/is not a public key \(PEM, or the JSON of GET \/api\/v1\/audit\/public-key\)/);
  });

  it('without --public-key a file only the signature proves (a report, an incidents or alerts export) is NOT PROVEN, exit 3, forged or not', async () => {
    const files = [
      await saved('report-nokey.html', `/export/report?${Q}&period=day`),
      await saved('incidents-nokey.csv', `/export/incidents?${Q}&format=csv`),
      await saved('alerts-nokey.csv', `/export/alerts?${Q}&format=csv`),
    ];
    // A forgery anyone can make: a row added to the incidents export, its row count and SHA-256 recomputed.
    const parts = csvParts(readFileSync(files[1]!, 'utf8'));
    const forged = join(server().dataDir, 'incidents-forged.csv');
    writeFileSync(forged, resealed({ ...parts, rows: [...parts.rows, parts.columns.split(',').map(() => '1').join(',')] }));
    for (const file of [...files, forged]) {
      const bare = await verify(file);
      expect({ file, status: bare.status }).toEqual({ file, status: 3 });
      expect(bare.stdout).toMatch(new RegExp(`^NOT PROVEN: ${file.replace(/[.\\/]/g, '\\$&')} \\((report, html, document|(incidents|alerts), csv, \\d+ rows, data) SHA-256 [0-9a-f]{64}; no --public-key\\)\n`));
      expect(bare.stdout).toMatch(/without --public-key nothing (in it is proven|proves them)/);
      expect(bare.stdout).not.toContain('VERIFIED');
      const json = await verify(file, '--json');
      expect(json.status).toBe(3);
      expect(JSON.parse(json.stdout)).toMatchObject({ verdict: 'not-proven', ok: true, proven: false, problems: [] });
    }
    for (const file of files) {
      const signed = await verify(file, '--public-key', pemFile);
      expect(signed.status, signed.stdout).toBe(0);
      expect(signed.stdout).toMatch(/^VERIFIED: /);
      expect(JSON.parse((await verify(file, '--public-key', pemFile, '--json')).stdout)).toMatchObject({ verdict: 'verified', ok: true, proven: true });
    }
    const caught = await verify(forged, '--public-key', pemFile);
    expect(caught.status).toBe(1);
    expect(caught.stdout).toMatch(/^FAILED: [\s\S]*BAD SIGNATURE/);
  });

  it('a compliance export is NOT PROVEN without the key, with --events too: a row made met with its counts and ratio recomputed passes every other check', async () => {
    const file = await saved('compliance-nokey.csv', `/export/compliance?${Q}&period=month&format=csv`);
    const events = await saved('compliance-nokey-events.csv', `/export/events?${Q}&format=csv`);
    const parts = csvParts(readFileSync(file, 'utf8'));
    const col = parts.columns.split(',');
    const i = parts.rows.findIndex((r) => r.split(',')[col.indexOf('met_target')] === 'no');
    expect(i, 'the fixture has a compliance row below its target').toBeGreaterThanOrEqual(0);
    const cells = parts.rows[i]!.split(',');
    cells[col.indexOf('numerator')] = cells[col.indexOf('denominator')]!;
    cells[col.indexOf('ratio')] = '1';
    cells[col.indexOf('met_target')] = 'yes';
    const forged = join(server().dataDir, 'compliance-forged.csv');
    writeFileSync(forged, resealed({ ...parts, rows: parts.rows.map((r, k) => (k === i ? cells.join(',') : r)) }));
    for (const f of [file, forged]) {
      const bare = await verify(f);
      expect({ f, status: bare.status }).toEqual({ f, status: 3 });
      expect(bare.stdout).toMatch(/^NOT PROVEN: .*\(compliance, csv, \d+ rows, data SHA-256 [0-9a-f]{64}; no --public-key\)\n/);
      expect(bare.stdout).toContain("a compliance row's numerator and denominator are sums no chain record holds");
      expect(JSON.parse((await verify(f, '--json')).stdout)).toMatchObject({ verdict: 'not-proven', ok: true, proven: false });
    }
    // Recounted from the chained events, every row agrees, but the events export is proven only from its first row on
    // (where it starts only the signature binds): not proven without the key, verified with it. The forgery is named.
    const recounted = await verify(file, '--events', events);
    expect(recounted.status, recounted.stdout).toBe(3);
    expect(recounted.stdout).toMatch(/^NOT PROVEN: .*\(compliance, csv, /);
    expect(recounted.stdout).toMatch(/\d+ rows recomputed from the events export/);
    expect(recounted.stdout).toContain('only the signature binds where the export starts');
    expect(JSON.parse((await verify(file, '--events', events, '--json')).stdout)).toMatchObject({ verdict: 'not-proven', proven: false });
    expect(JSON.parse((await verify(file, '--events', events, '--public-key', pemFile, '--json')).stdout)).toMatchObject({ verdict: 'verified', proven: true });
    const caught = await verify(forged, '--events', events);
    expect(caught.status).toBe(1);
    expect(caught.stdout).toMatch(/^FAILED: [\s\S]*numerator/);
  });

  it('a damaged signing key file stops the server at start, saying so (never a silent new key)', async () => {
    const dir = tempDataDir();
    try {
      // On a store (a folder with audit files and no database is refused before the key is read: services/nodeFiles.ts).
      await (await startTestServer({ logLevel: 'silent', dataDir: dir })).close();
      writeFileSync(join(dir, 'audit-signing.json'), '{"instanceId":"x","privateKey":"garbage"}');
      await expect(startTestServer({ logLevel: 'error', dataDir: dir })).rejects.toThrow(/cannot read the export signing key .*audit-signing\.json/);
      expect(readFileSync(join(dir, 'audit-signing.json'), 'utf8')).toContain('garbage');
    } finally {
      removeDir(dir);
    }
  });
});

describe('the audit report', () => {
  it('carries its signed manifest after the document; an edited figure, or the hash recomputed too, fails', async () => {
    const file = await saved('report.html', `/export/report?${Q}&period=month`);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/<\/html>\n<!-- ringside-manifest \{.*\} -->\n$/);
    const ok = await verify(file, '--public-key', pemFile);
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^VERIFIED: .* \(report, html, document SHA-256 [0-9a-f]{64}\)/);
    expect(ok.stdout).toContain('requested by key "auditor 2026"');
    const forged = join(server().dataDir, 'report-forged.html');
    const at = html.lastIndexOf('<!-- ringside-manifest ');
    const doc = html.slice(0, at).replace('<h1>Service standards audit report</h1>', '<h1>Service standards audit report (all targets met)</h1>');
    writeFileSync(forged, doc + html.slice(at));
    const edited = await verify(forged, '--public-key', pemFile);
    expect(edited.status).toBe(1);
    expect(edited.stdout).toMatch(/the document hashes to [0-9a-f]{64}, the manifest says [0-9a-f]{64} \(the report was edited\)/);
    const m = JSON.parse(html.slice(at + '<!-- ringside-manifest '.length, html.lastIndexOf(' -->')));
    m.documentSha256 = sha(doc);
    writeFileSync(forged, `${doc}<!-- ringside-manifest ${JSON.stringify(m)} -->\n`);
    const resigned = await verify(forged, '--public-key', pemFile);
    expect(resigned.status).toBe(1);
    expect(resigned.stdout).toContain('BAD SIGNATURE');
  });
});

describe('forgeries are failed and named', () => {
  let compliance: string;
  let file: string;
  beforeAll(async () => {
    file = join(server().dataDir, 'forged.csv');
    compliance = readFileSync(await saved('compliance-attack.csv', `/export/compliance?${Q}&period=month&format=csv&since=${published.seq}`), 'utf8');
  });

  it('a compliance row edited (a miss turned into met) with the manifest hash recomputed: bad signature', async () => {
    const parts = csvParts(compliance);
    const i = parts.rows.findIndex((r) => r.includes(',call-answer-2-rings,'));
    const cells = parts.rows[i]!.split(',');
    const col = parts.columns.split(',');
    cells[col.indexOf('numerator')] = cells[col.indexOf('denominator')]!;
    cells[col.indexOf('ratio')] = '1';
    cells[col.indexOf('met_target')] = 'yes';
    parts.rows[i] = cells.join(',');
    await failsWith(file, resealed(parts), /BAD SIGNATURE: the manifest's signature does not verify with key ed25519:/);
  });

  it('the same edit without recomputing the hash: the rows no longer hash to the manifest', async () => {
    const parts = csvParts(compliance);
    parts.rows[0] = parts.rows[0]!.replace(/,(\d+),(\d+),/, ',$2,$2,');
    await failsWith(file, [parts.first, parts.columns, ...parts.rows, ...parts.trailer, ''].join('\r\n'), /data rows hash to [0-9a-f]{64}, the manifest says/);
  });

  it('a forged row added, or a row deleted, with count and hash recomputed: bad signature', async () => {
    const added = csvParts(compliance);
    added.rows.push(added.rows[0]!.replace('downtown', 'harbour'));
    await failsWith(file, resealed(added), /BAD SIGNATURE/);
    const removed = csvParts(compliance);
    removed.rows.splice(0, 1);
    await failsWith(file, resealed(removed), /BAD SIGNATURE/);
  });

  it('a manifest field edited (the period, the chain head, who asked): bad signature', async () => {
    await failsWith(file, editedManifest(compliance, (m) => (m.filters.to = '2026-03-15T00:00:00.000Z')), /BAD SIGNATURE|filters in the first line and in the manifest differ/);
    await failsWith(file, editedManifest(compliance, (m) => (m.requestedBy.keyName = 'regulator')), /BAD SIGNATURE/);
    await failsWith(file, editedManifest(compliance, (m) => (m.period = 'day')), /BAD SIGNATURE/);
  });

  it('the first line edited: named, though the manifest is intact', async () => {
    const text = compliance.replace(/^# ringside-export (.*)\r\n/, (_all, json: string) => `# ringside-export ${JSON.stringify({ ...JSON.parse(json), organisation: 'Someone Else' })}\r\n`);
    await failsWith(file, text, /the first line's "organisation" \("Someone Else"\) is not the manifest's \("Northwind Clinics"\): the first line was edited/);
  });

  it('two column names swapped (numerator and denominator), the rows untouched', async () => {
    const parts = csvParts(compliance);
    parts.columns = parts.columns.replace('numerator,denominator', 'denominator,numerator');
    await failsWith(file, [parts.first, parts.columns, ...parts.rows, ...parts.trailer, ''].join('\r\n'), /the column names row \(.*denominator,numerator.*\) is not the manifest's columns/);
  });

  it('a column renamed in an event export: the column names row is the first problem named, before the rows it breaks', async () => {
    // Every event row is read by the column names, so each fails on its own; the verifier prints the first 20
    // problems and keeps 1,000, so in a real month's export the cause must come first to be seen at all.
    const parts = csvParts(readFileSync(await saved('events-renamed.csv', `/export/events?${Q}&format=csv`), 'utf8'));
    parts.columns = parts.columns.replace('event_id', 'eventid');
    writeFileSync(file, [parts.first, parts.columns, ...parts.rows, ...parts.trailer, ''].join('\r\n'));
    const r = await verify(file, '--public-key', pemFile);
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout.split('\n')[1]).toMatch(/^ {2}the column names row \(event_seq,eventid,.*\) is not the manifest's columns \(event_seq,event_id,.*\): the rows were read by the file's names/);
  });

  it('the signature removed, or the file re-signed with another instance key', async () => {
    await failsWith(file, editedManifest(compliance, (m) => delete m.signature), /the manifest is not signed, but a public key was given/);
    const other = tempDataDir();
    try {
      // Another instance: a store of its own (public-key refuses a folder with neither a store nor a key).
      expect((await node(main, 'keys', 'create', '--data', other, '--init', '--name', 'x', '--scope', 'read')).status).toBe(0);
      const pem = (await node(main, 'public-key', '--data', other)).stdout;
      writeFileSync(file, compliance);
      const otherPem = join(other, 'other.pem');
      writeFileSync(otherPem, pem);
      const r = await verify(file, '--public-key', otherPem);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/the manifest was signed by key ed25519:[0-9a-f]{16}, but the public key given is ed25519:[0-9a-f]{16}/);
    } finally {
      removeDir(other);
    }
  });

  it('a proof link edited: the chain to the signed head breaks', async () => {
    const lines = compliance.split('\r\n');
    const i = lines.findIndex((l, k) => l.startsWith('# link ') && k > lines.findIndex((x) => x.startsWith('# link ')));
    const link = JSON.parse(lines[i]!.slice('# link '.length));
    lines[i] = `# link ${JSON.stringify({ ...link, digest: sha('forged') })}`;
    await failsWith(file, lines.join('\r\n'), new RegExp(`proof link ${link.seq} does not follow from link ${link.seq - 1}`));
  });

  it('an audit-log entry deleted (a standard change hidden) with count and hash recomputed: bad signature', async () => {
    const log = readFileSync(await saved('audit-log-attack.csv', `/export/audit-log?from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z&format=csv&since=${published.seq}`), 'utf8');
    const parts = csvParts(log);
    const i = parts.rows.findIndex((r) => r.includes('event.void'));
    expect(i).toBeGreaterThanOrEqual(0);
    parts.rows.splice(i, 1);
    await failsWith(file, resealed(parts), /BAD SIGNATURE/);
  });

  it('an alerts export with a row slipped in, count and hash recomputed: bad signature', async () => {
    const alerts = readFileSync(await saved('alerts-attack.csv', `/export/alerts?${Q}&format=csv&since=${published.seq}`), 'utf8');
    const parts = csvParts(alerts);
    parts.rows.push('1,breach,critical,call-answer-2-rings,1,downtown,0.8,2026-03-02T09:00:00.000Z,,,,,,forged');
    await failsWith(file, resealed(parts), /BAD SIGNATURE/);
  });

  it('an NDJSON compliance row edited with the hash recomputed: bad signature', async () => {
    const nd = readFileSync(await saved('compliance-attack.ndjson', `/export/compliance?${Q}&period=month&format=ndjson&since=${published.seq}`), 'utf8');
    const lines = nd.trimEnd().split('\n');
    const dataIdx = lines.map((l, i) => [l, i] as const).filter(([l, i]) => i > 0 && !l.startsWith('{"link":') && !l.startsWith('{"manifest":')).map(([, i]) => i);
    const row = JSON.parse(lines[dataIdx[0]!]!);
    lines[dataIdx[0]!] = JSON.stringify({ ...row, numerator: row.denominator, met_target: 'yes' });
    const m = JSON.parse(lines.at(-1)!).manifest;
    m.dataSha256 = sha(dataIdx.map((i) => lines[i] + '\n').join(''));
    lines[lines.length - 1] = JSON.stringify({ manifest: m });
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await verify(file, '--public-key', pemFile);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/BAD SIGNATURE/);
  });

  it('an event export: a result flipped, a void hidden, a formula changed, rows reordered, hash recomputed: bad signature', async () => {
    const events = readFileSync(await saved('events-columns.csv', `/export/events?${Q}&format=csv`), 'utf8');
    const col = csvParts(events).columns.split(',');
    const cellEdit = (match: (cells: string[]) => boolean, edit: (cells: string[]) => void) => {
      const parts = csvParts(events);
      const i = parts.rows.findIndex((r) => match(parse(r)[0]!));
      expect(i).toBeGreaterThanOrEqual(0);
      const cells = parse(parts.rows[i]!)[0]!;
      edit(cells);
      parts.rows[i] = cells.map(csvQuote).join(',');
      return resealed(parts);
    };
    const at = (name: string) => col.indexOf(name);
    // With the key, each is a bad signature (test/integration/audit/provenExports.test.ts: the chain alone catches them too).
    await failsWith(file, cellEdit((c) => c[at('result')] === 'missed', (c) => ((c[at('result')] = 'met'), (c[at('corrected_met')] = '1'))), /BAD SIGNATURE/);
    await failsWith(file, cellEdit((c) => c[at('result')] === 'voided', (c) => ((c[at('result')] = 'missed'), (c[at('correction')] = ''), (c[at('correction_seq')] = ''))), /BAD SIGNATURE/);
    await failsWith(file, cellEdit((c) => c[at('formula')] === 'F3', (c) => (c[at('formula')] = 'F1')), /BAD SIGNATURE/);
    const reordered = csvParts(events);
    reordered.rows.reverse();
    await failsWith(file, resealed(reordered), /BAD SIGNATURE/);
  });

  it('an event omitted behind digest-only proof lines fails the completeness check, and the signature', async () => {
    const full = readFileSync(await saved('events-full.csv', `/export/events?${Q}&format=csv`), 'utf8');
    // The links of the airport events, as a downtown-only export lists them (digests only).
    const downtownOnly = readFileSync(await saved('events-downtown.csv', `/export/events?${Q}&site=downtown&format=csv`), 'utf8');
    const parts = csvParts(full);
    const i = parts.rows.findIndex((r) => r.includes(',c3,'));
    const eventSeq = Number(parts.rows[i]!.split(',')[0]);
    const hidden = csvParts(downtownOnly).trailer.filter((l) => l.startsWith('# link ')).map((l) => JSON.parse(l.slice(7)) as { seq: number; kind: string; ref: string }).filter((l) => (l.kind === 'event' && l.ref === String(eventSeq)) || (l.kind === 'judgement' && l.ref.startsWith(`${eventSeq}/`)));
    expect(hidden.length).toBe(2); // the event and its judgement
    parts.rows.splice(i, 1);
    const links = [...parts.trailer.filter((l) => l.startsWith('# link ')).map((l) => JSON.parse(l.slice(7)) as { seq: number }), ...hidden].sort((a, b) => a.seq - b.seq);
    const records = parts.trailer.filter((l) => l.startsWith('# correction ') || l.startsWith('# standard '));
    parts.trailer = [...records, ...links.map((l) => `# link ${JSON.stringify(l)}`), parts.trailer.find((l) => l.startsWith('# manifest '))!];
    writeFileSync(file, resealed(parts));
    // Without the key the proof lines' tags show the event matches the filters (completeness.test.ts has more).
    const chainOnly = await verify(file, '--head', published.hash);
    expect(chainOnly.status, chainOnly.stdout).toBe(1);
    expect(chainOnly.stdout).toContain(`event ${eventSeq} (site airport, occurred 2026-03-09T10:00:00Z) matches the export's filters but is missing`);
    await failsWith(file, resealed(parts), /BAD SIGNATURE/);
  });

  it('an event export: a manifest field edited fails the signature; a row edited fails its chain link', async () => {
    const events = readFileSync(await saved('events-attack.csv', `/export/events?${Q}&format=csv`), 'utf8');
    await failsWith(file, editedManifest(events, (m) => (m.standardVersions = ['call-answer-2-rings@1'])), /BAD SIGNATURE/);
    const parts = csvParts(events);
    parts.rows[0] = parts.rows[0]!.replace(',answered,', ',abandoned,');
    await failsWith(file, resealed(parts), /the event record does not hash to its chain link/);
  });
});
