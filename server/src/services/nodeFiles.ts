// The files a node joining a shared store (PostgreSQL) must hold before it starts: the first node's
// audit-signing.json and audit.secret (docs/deployment.md). Both are checked before either is read or made, so a
// node started without them names every missing one in one refusal and leaves no file of its own behind (a key or
// secret made here would only be refused at the next start as not the store's).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreReads } from '../store/port';
import { SECRET_FILE } from './audit';
import { IDENTITY_FILE } from './signing';

/** Throws naming every file the store records one of (its first node's) that `dataDir` lacks; a new store needs none. */
export async function refuseMissingNodeFiles(reads: StoreReads, dataDir: string): Promise<void> {
  const [signingKey, secret] = await Promise.all([reads.audit.signingKey(), reads.audit.secret()]);
  const missing = [
    ...(signingKey && !existsSync(join(dataDir, IDENTITY_FILE)) ? [`${IDENTITY_FILE} (the export signing key: the store's is ${signingKey.keyId}, instance ${signingKey.instanceId})`] : []),
    ...(secret && !existsSync(join(dataDir, SECRET_FILE)) ? [`${SECRET_FILE} (the retention checkpoint key: the store's has fingerprint ${secret.fingerprint})`] : []),
  ];
  if (missing.length === 0) return;
  const files = missing.map((m) => m.split(' ')[0]).join(' and ');
  throw new Error(
    `${dataDir} holds no ${missing.join(' and no ')}, which every node on this shared store must hold: copy ${files} from the --data folder of a node that runs on this store ` +
      `(the first node's) into ${dataDir} (owner the server's user, mode 0600) and start again (docs/deployment.md); no file was made here`,
  );
}
