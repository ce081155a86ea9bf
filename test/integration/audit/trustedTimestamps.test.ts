// RFC 3161 trusted timestamps on signed manifests (--tsa-url): a local TSA (openssl ts, with a CA and a TSA certificate
// made in a temp directory, served by a small HTTP server here) stamps every export's manifest; the offline verifier
// checks the token's message imprint, prints the TSA time, and with --tsa-ca runs `openssl ts -verify`. An edited
// manifest fails; a TSA that is down leaves the export whole, its manifest saying the timestamp is missing.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenInfo, tokenOfResponse, timestampRequest } from '../../../server/src/domain/timestamp';
import { adminHeaders, call, removeDir, startTestServer, type TestServer } from '../support/testServer';

const Q = 'from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&tz=UTC';
let pki: string;
let tsa: Server;
let tsaUrl: string;
let server: TestServer;
let requests = 0;
/** How many of the next requests the TSA drops by closing their connection unanswered. */
let dropped = 0;

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: pki, stdio: 'pipe' });
const opensslAsync = (...args: string[]) =>
  new Promise<void>((resolve, reject) => execFile('openssl', args, { cwd: pki }, (error) => (error ? reject(new Error(error.message)) : resolve())));

/** A CA, a TSA certificate it issued (extended key usage timeStamping), and the `openssl ts` configuration. */
function makePki(): void {
  pki = mkdtempSync(join(tmpdir(), 'ringside-tsa-'));
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Ringside Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', '/CN=Ringside Test TSA');
  writeFileSync(join(pki, 'tsa.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n');
  openssl('x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tsa.pem', '-days', '2', '-extfile', 'tsa.ext');
  writeFileSync(join(pki, 'tsaserial'), '01\n');
  writeFileSync(join(pki, 'ts.cnf'), `[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = ${pki}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`);
}

/** The TSA over HTTP: each query answered by `openssl ts -reply` (one at a time: it numbers tokens from one file). */
function startTsa(): Promise<void> {
  let queue = Promise.resolve();
  tsa = createServer((req, res) => {
    if (dropped > 0) {
      dropped -= 1;
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      queue = queue.then(async () => {
        const n = (requests += 1);
        writeFileSync(join(pki, `q${n}.tsq`), Buffer.concat(chunks));
        await opensslAsync('ts', '-reply', '-config', 'ts.cnf', '-queryfile', `q${n}.tsq`, '-out', `r${n}.tsr`);
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(readFileSync(join(pki, `r${n}.tsr`)));
      }).catch(() => void res.writeHead(500).end());
    });
  });
  // Idle keep-alive connections are kept for the tests' length, so that only `dropped` closes one under a request
  // (the server asks again once; Node's 5 s would add closes of its own on a busy machine).
  tsa.keepAliveTimeout = 120_000;
  return new Promise((resolve) => tsa.listen(0, '127.0.0.1', () => ((tsaUrl = `http://127.0.0.1:${(tsa.address() as AddressInfo).port}/tsa`), resolve())));
}

/** A port nothing listens on: one the system gave a server that has closed since. */
const freedPort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

const verify = (...args: string[]) =>
  new Promise<{ status: number; stdout: string }>((resolve) => {
    execFile(process.execPath, [join(process.cwd(), 'scripts', 'verify-export.mjs'), ...args], { encoding: 'utf8' }, (error, stdout) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout }));
  });
const get = async (s: TestServer, path: string) => {
  const res = await fetch(`${s.url}/api/v1${path}`, { headers: adminHeaders(s.apiKey) });
  expect(res.status, path).toBe(200);
  return res.text();
};
const manifestOf = (csv: string) => JSON.parse(/# manifest (.*)\r\n$/.exec(csv)![1]!) as Record<string, any>;

beforeAll(async () => {
  makePki();
  await startTsa();
  server = await startTestServer({ logLevel: 'error', tsaUrl });
  expect((await server.postEvents({ events: [call({ id: 'c1', occurredAt: '2026-03-02T09:00:00Z' })] })).status).toBe(201);
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
  await new Promise((resolve) => tsa.close(resolve));
  rmSync(pki, { recursive: true, force: true });
});

describe('trusted timestamps', () => {
  it('the request is the DER openssl reads, and its answer carries our imprint', async () => {
    const digest = Buffer.alloc(32, 7);
    writeFileSync(join(pki, 'own.tsq'), timestampRequest(digest, Buffer.from('ff00112233445566', 'hex')));
    const text = openssl('ts', '-query', '-in', 'own.tsq', '-text').toString();
    expect(text).toContain('Hash Algorithm: sha256');
    expect(text).toContain('Certificate required: yes');
    await opensslAsync('ts', '-reply', '-config', 'ts.cnf', '-queryfile', 'own.tsq', '-out', 'own.tsr');
    const { status, token } = tokenOfResponse(readFileSync(join(pki, 'own.tsr')));
    expect(status).toBe(0);
    expect(tokenInfo(token!).hashedMessage).toBe(digest.toString('hex'));
  });

  it('every export manifest carries a token for its signed bytes; the verifier checks it, and with --tsa-ca its signature', async () => {
    for (const kind of ['events', 'compliance', 'audit-log']) {
      const csv = await get(server, `/export/${kind}?${Q}&format=csv`);
      const t = manifestOf(csv).timestamp;
      expect(t, kind).toMatchObject({ tsa: tsaUrl, hashAlgorithm: 'SHA-256' });
      expect(t.token, `${kind}: ${t.missing}`).toMatch(/^[A-Za-z0-9+/]+=*$/);
      const file = join(pki, `${kind}.csv`);
      writeFileSync(file, csv);
      // Every check passes; without the key a compliance export's sums, where an events export starts and where an
      // audit-log export's entries start and end are not proven (NOT PROVEN, 3).
      const plain = await verify(file);
      expect(plain.status, plain.stdout).toBe(3);
      expect(plain.stdout).toContain(`trusted timestamp: TSA time ${t.time} (${tsaUrl}); message imprint matches the signed manifest`);
      const full = await verify(file, '--tsa-ca', join(pki, 'ca.pem'));
      expect(full.status, full.stdout).toBe(3);
      expect(full.stdout).toContain('trusted timestamp verified');
    }
    const report = await get(server, `/export/report?${Q}`);
    writeFileSync(join(pki, 'report.html'), report);
    expect((await verify(join(pki, 'report.html'), '--tsa-ca', join(pki, 'ca.pem'))).stdout).toContain('trusted timestamp verified');
  });

  it('a manifest edited after it was stamped fails (the signature aside: no public key given)', async () => {
    const csv = await get(server, `/export/compliance?${Q}&format=csv`);
    const edited = csv.replace(/# manifest (.*)\r\n$/, (_all, json: string) => `# manifest ${JSON.stringify({ ...JSON.parse(json), organisation: 'Someone Else' })}\r\n`);
    const file = join(pki, 'edited.csv');
    writeFileSync(file, edited.replace(/^# ringside-export (.*)\r\n/, (_all, json: string) => `# ringside-export ${JSON.stringify({ ...JSON.parse(json), organisation: 'Someone Else' })}\r\n`));
    const r = await verify(file);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/the trusted timestamp stamps [0-9a-f]{64}, but the signed manifest hashes to [0-9a-f]{64}/);
  });

  it('a request whose connection the TSA closed is asked once more on a new one; closed twice, the timestamp is missing and says why', async () => {
    dropped = 1;
    const before = requests;
    const stamped = manifestOf(await get(server, `/export/events?${Q}&format=csv`)).timestamp;
    expect(stamped.token, stamped.missing).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(requests - before).toBe(1);
    expect(dropped).toBe(0);

    dropped = 2;
    const missing = manifestOf(await get(server, `/export/events?${Q}&format=csv`)).timestamp;
    expect(missing.token).toBeUndefined();
    expect(missing.missing).toMatch(/^no answer from the TSA \(fetch failed: other side closed\)$/);
    expect(dropped).toBe(0);
  });

  it('with the TSA down the export still succeeds, its manifest saying the timestamp is missing', async () => {
    const port = await freedPort();
    const down = await startTestServer({ logLevel: 'error', tsaUrl: `http://127.0.0.1:${port}/tsa` });
    try {
      const csv = await get(down, `/export/events?${Q}&format=csv`);
      const t = manifestOf(csv).timestamp;
      expect(t.token).toBeUndefined();
      expect(t.missing).toBe(`no answer from the TSA (fetch failed: connect ECONNREFUSED 127.0.0.1:${port})`);
      const file = join(pki, 'missing.csv');
      writeFileSync(file, csv);
      const r = await verify(file);
      expect(r.status, r.stdout).toBe(3); // every check passes: a missing timestamp is a note
      expect(r.stdout).toContain('trusted timestamp missing: no answer from the TSA');
    } finally {
      await down.close();
      removeDir(down.dataDir);
    }
  });
});
