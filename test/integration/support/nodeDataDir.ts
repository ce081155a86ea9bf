// A data folder for one node of several sharing a PostgreSQL store. Such nodes must sign exports with one key, so
// each folder gets a copy of the same audit-signing.json before the node first starts, as docs/deployment.md has
// operators do (a node with a key of its own refuses to start on a shared store).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDataDir } from './testServer';

let sharedIdentity: string | null = null;

export function nodeDataDir(): string {
  sharedIdentity ??= JSON.stringify({
    instanceId: randomUUID(),
    createdAt: new Date().toISOString(),
    privateKey: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  });
  const dir = tempDataDir();
  writeFileSync(join(dir, 'audit-signing.json'), sharedIdentity, { mode: 0o600 });
  return dir;
}
