// The files a node joining a shared store (PostgreSQL) must hold before it starts: the first node's
// audit-signing.json and audit.secret (docs/deployment.md). Both are checked before either is read or made, so a
// node started without them names every missing one in one refusal and leaves no file of its own behind (a key or
// secret made here would only be refused at the next start as not the store's). The other way round, the same files
// without a SQLite database beside them are a store's that this start would not open; and a database restored from a
// backup into a new folder has neither beside it (they travel beside a backup, not in it).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { secretFingerprint } from '../domain/retention';
import type { Store, StoreReads } from '../store/port';
import { StartupRefused } from './access';
import { readSecret, SECRET_FILE } from './audit';
import { IDENTITY_FILE, SigningIdentity } from './signing';

/**
 * Refuses a start that would make a new SQLite store (`databaseFile`, absent) in a folder holding audit files: they
 * belong to a store, a PostgreSQL node's (its URL missing: an unset or misspelt RINGSIDE_DATABASE_URL) or this
 * folder's lost database, and a new store there would take events no other node or backup ever sees. Checked before
 * anything is created; `keys create --init` makes a new store there on purpose.
 */
export function refuseNewStoreBesideNodeFiles(dataDir: string, databaseFile: string): void {
  const present = [SECRET_FILE, IDENTITY_FILE].filter((f) => existsSync(join(dataDir, f)));
  if (present.length === 0) return;
  throw new StartupRefused(
    `${dataDir} holds ${present.join(' and ')} but no ${databaseFile}: this start would make a new, empty SQLite store beside the audit files of another store ` +
      `(a PostgreSQL node's, or the database this folder lost). On PostgreSQL: start with --database postgres://… or RINGSIDE_DATABASE_URL (is it set, and spelt so, where the server starts?). ` +
      `A lost database: put it back, or restore a backup (node server/dist/main.js restore --from FILE --data ${dataDir}). ` +
      `A new store here on purpose: make it first (node server/dist/main.js keys create --data ${dataDir} --init --name NAME --scope admin). Nothing was created`,
  );
}

/**
 * A node starting on a shared store, under the store's write lock, so that of nodes started together on a new store
 * one is its first and the others find its files recorded: refused (naming every file `dataDir` lacks) when the store
 * records files this folder does not hold; on a store that records neither and was never pruned, this node's
 * audit-signing.json and audit.secret made (or the copies it holds taken) and both recorded. Without the lock each
 * node found nothing recorded, made a key of its own and was then refused for it, leaving that file behind and naming
 * audit.secret only at the next start. The checks after this (checkStoreSigningKey, AuditService.open) still compare
 * the files with the store's.
 */
export async function joinSharedStore(store: Store, dataDir: string, nowMs: number): Promise<void> {
  await store.write(async (tx) => {
    await refuseMissingNodeFiles(tx, dataDir);
    if ((await tx.audit.signingKey()) || (await tx.audit.secret()) || (await tx.audit.horizon())) return;
    const mine = SigningIdentity.open(dataDir, nowMs).publicKey(null);
    await tx.writes.signingKey({ keyId: mine.keyId, publicKey: mine.publicKey, instanceId: mine.instanceId });
    await tx.writes.auditSecret(secretFingerprint(readSecret(dataDir, true)!));
  });
}

/** Throws naming every file the store records one of (its first node's) that `dataDir` lacks; a new store needs none. */
async function refuseMissingNodeFiles(reads: StoreReads, dataDir: string): Promise<void> {
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

/**
 * What a folder a backup was just restored into still needs before its first start, in words (null: nothing). A start
 * without audit-signing.json makes a new signing key, which the store's does not match (its exports then verify only
 * with the new one); one without audit.secret does not prune until the store's secret is there.
 */
export function auditFilesToCopy(dataDir: string): string | null {
  const missing = [IDENTITY_FILE, SECRET_FILE].filter((f) => !existsSync(join(dataDir, f)));
  if (missing.length === 0) return null;
  const without = [
    ...(missing.includes(IDENTITY_FILE) ? ['makes a new export signing key (its exports then verify only with that key, not with the public key published for this store)'] : []),
    ...(missing.includes(SECRET_FILE) ? ["does not prune until the store's audit.secret is there"] : []),
  ];
  return (
    `${dataDir} holds no ${missing.join(' and no ')}, which travel beside a backup, not in it: before the first start, copy ${missing.length > 1 ? 'them' : 'it'} ` +
    `from the --data folder the backup was taken from (or from where they are kept with the backups) into ${dataDir} (owner the server's user, mode 0600); ` +
    `a start without ${missing.length > 1 ? 'them' : 'it'} ${without.join(' and ')}`
  );
}
