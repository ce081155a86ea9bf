// Who this Ringside instance is, and the Ed25519 key it signs export manifests with: created at first start in
// the data directory (<data>/audit-signing.json, mode 0600, never in the database, like audit.secret), read back
// on every later start. Nodes sharing one PostgreSQL database share it by having the same file (docs/audit.md).
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE } from '../domain/fileModes';
import { SIGNATURE_ALGORITHM, signingKeyId, signManifest } from '../domain/manifestSignature';
import type { RecordedSigningKey, Store } from '../store/port';

export const IDENTITY_FILE = 'audit-signing.json';

interface IdentityFile {
  instanceId: string;
  createdAt: string;
  /** PKCS #8 PEM of the Ed25519 private key. */
  privateKey: string;
}

/** What GET /audit/public-key answers and the `public-key` command prints. */
export interface PublicKeyInfo {
  algorithm: typeof SIGNATURE_ALGORITHM;
  keyId: string;
  instanceId: string;
  organisation: string | null;
  createdAt: string;
  /** SPKI PEM: what `verify-export.mjs --public-key FILE` reads. */
  publicKey: string;
}

export class SigningIdentity {
  readonly keyId: string;
  private constructor(
    readonly instanceId: string,
    readonly createdAt: string,
    private readonly privateKey: KeyObject,
  ) {
    this.keyId = signingKeyId(privateKey);
  }

  /** Whether `dataDir` holds an identity. */
  static exists(dataDir: string): boolean {
    return existsSync(join(dataDir, IDENTITY_FILE));
  }

  /** The identity in `dataDir`, created there first if there is none (`nowMs` dates it). */
  static open(dataDir: string, nowMs: number): SigningIdentity {
    const file = join(dataDir, IDENTITY_FILE);
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
      const { privateKey } = generateKeyPairSync('ed25519');
      const created: IdentityFile = { instanceId: randomUUID(), createdAt: new Date(nowMs).toISOString(), privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
      try {
        // 'wx': a second process starting at the same moment keeps the first one's key
        writeFileSync(file, JSON.stringify(created, null, 2) + '\n', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    return SigningIdentity.read(file);
  }

  /** The identity in `dataDir`; null when it holds none (none is made). */
  static held(dataDir: string): SigningIdentity | null {
    return SigningIdentity.exists(dataDir) ? SigningIdentity.read(join(dataDir, IDENTITY_FILE)) : null;
  }

  private static read(file: string): SigningIdentity {
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as IdentityFile;
      return new SigningIdentity(stored.instanceId, stored.createdAt, createPrivateKey(stored.privateKey));
    } catch (error) {
      // Never replaced silently: a new key would leave every export signed so far verifiable only with the old one.
      throw new Error(`cannot read the export signing key ${file}: ${(error as Error).message} (restore it from a backup; moving it away makes a new key and instance id at the next start)`, { cause: error });
    }
  }

  publicKey(organisation: string | null): PublicKeyInfo {
    const publicKey = createPublicKey(this.privateKey).export({ type: 'spki', format: 'pem' }) as string;
    return { algorithm: SIGNATURE_ALGORITHM, keyId: this.keyId, instanceId: this.instanceId, organisation, createdAt: this.createdAt, publicKey };
  }

  sign<M extends Record<string, unknown>>(manifest: M): M & { signature: { algorithm: string; keyId: string; value: string } } {
    return signManifest(manifest, this.privateKey);
  }
}

/**
 * Which key signs for a store, the one rule a start and `public-key` both apply: the key the store records (a store
 * recording none takes the first key a node brings). Null when `keyId` (a data folder's key; null: it holds none) is
 * that key, or the store records none yet; else the store's key in words (`key K (instance I, recorded T)`).
 */
function otherStoreKey(recorded: RecordedSigningKey | null, keyId: string | null): string | null {
  if (recorded === null || recorded.keyId === keyId) return null;
  return `key ${recorded.keyId} (instance ${recorded.instanceId}, recorded ${new Date(recorded.recordedAtMs).toISOString()})`;
}

/**
 * Records this node's public key for the store on first start, and checks it on every later one: a node signing with
 * another key than the one recorded (its audit-signing.json not copied, or lost) makes exports that verify only with
 * its own key. On a shared store (PostgreSQL: several nodes) that node refuses to start; on a node's own SQLite file
 * (a restored database, a lost key file) it starts but says so loudly through `warn` at every start.
 */
export async function checkStoreSigningKey(store: Store, identity: SigningIdentity, shared: boolean, warn: (message: string) => void): Promise<string> {
  const mine = identity.publicKey(null);
  const recorded = await store.write((tx) => tx.writes.signingKey({ keyId: mine.keyId, publicKey: mine.publicKey, instanceId: mine.instanceId }));
  const theirs = otherStoreKey(recorded, mine.keyId);
  if (theirs === null) return recorded.keyId;
  const message =
    `this node signs exports with key ${mine.keyId} (instance ${mine.instanceId}, ${IDENTITY_FILE} in its data directory), but the store's exports ` +
    `are signed with ${theirs}: ` +
    `copy ${IDENTITY_FILE} from a node that has key ${recorded.keyId} into this node's data directory and start again (docs/deployment.md)`;
  if (shared) throw new Error(message);
  warn(`${message}; until then, this node's exports verify only with its own public key`);
  return recorded.keyId;
}

/**
 * Why `dataDir`'s key is not to be printed or made as its store's public key (null: it may be), by the rule above:
 * the store (`recorded`: the key it records) has another key, and the folder holds a different one or none (a
 * database restored without its audit-signing.json). The key there verifies none of the store's exports, and one
 * made there would not either, so neither is given to whoever hands the key to an auditor.
 */
export function publicKeyRefusal(dataDir: string, recorded: RecordedSigningKey | null): string | null {
  const file = join(dataDir, IDENTITY_FILE);
  const held = SigningIdentity.held(dataDir)?.publicKey(null) ?? null;
  const theirs = otherStoreKey(recorded, held?.keyId ?? null);
  if (theirs === null || recorded === null) return null;
  const mine = held ? `${file} holds key ${held.keyId} (instance ${held.instanceId})` : `${dataDir} holds no ${IDENTITY_FILE}`;
  const none = held ? `key ${held.keyId} verifies none of them` : 'a key made now would verify none of them, so none was made';
  return (
    `${mine}, but the store in ${dataDir} records that its exports are signed with ${theirs}: ${none}. ` +
    `Copy ${IDENTITY_FILE} from the data folder that has key ${recorded.keyId} (the --data folder the backup was taken from, or where it is kept with the backups) ` +
    `into ${dataDir}${held ? ' in place of this one (keep this one aside: exports signed with it verify only with it)' : ''}, then run public-key again`
  );
}
