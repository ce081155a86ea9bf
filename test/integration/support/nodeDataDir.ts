// A data folder for one node of several sharing a PostgreSQL store. Such nodes must sign exports with one key and
// retention checkpoints with one secret, so each folder gets a copy of the same audit-signing.json and audit.secret
// before the node first starts, as docs/deployment.md has operators do (a node with a key or secret of its own
// refuses to start on a shared store).
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ServerOptions } from '../../../server/src/server';
import { testDatabases } from './postgres';
import { removeDir, startTestServer, tempDataDir, type TestServer } from './testServer';

let sharedIdentity: string | null = null;
let sharedSecret: string | null = null;

export function nodeDataDir(): string {
  sharedIdentity ??= JSON.stringify({
    instanceId: randomUUID(),
    createdAt: new Date().toISOString(),
    privateKey: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  });
  sharedSecret ??= randomBytes(32).toString('hex') + '\n';
  const dir = tempDataDir();
  writeFileSync(join(dir, 'audit-signing.json'), sharedIdentity, { mode: 0o600 });
  writeFileSync(join(dir, 'audit.secret'), sharedSecret, { mode: 0o600 });
  return dir;
}

/**
 * Nodes in this process on one new PostgreSQL database (named after `prefix`), each with its own data folder and
 * the given options (one test clock for all of them, say): started before the file's tests, which read them from
 * the list returned, and closed (the database dropped) after them.
 */
export function nodesOnOneDatabase(prefix: string, count: number, options: Partial<ServerOptions> = {}): readonly TestServer[] {
  const databases = testDatabases(prefix);
  const nodes: TestServer[] = [];
  beforeAll(async () => {
    const databaseUrl = await databases.create();
    for (let i = 0; i < count; i += 1) nodes.push(await startTestServer({ dataDir: nodeDataDir(), databaseUrl, ...options }));
  });
  afterAll(async () => {
    for (const node of nodes) await node.close();
    for (const node of nodes) removeDir(node.dataDir);
    await databases.dropAll();
  });
  return nodes;
}
