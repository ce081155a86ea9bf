// Who this Ringside instance is, and the Ed25519 key it signs export manifests with: created at first start in
// the data directory (<data>/audit-signing.json, mode 0600, never in the database, like audit.secret), read back
// on every later start. Nodes sharing one PostgreSQL database share it by having the same file (docs/audit.md).
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE } from '../domain/fileModes';
import { SIGNATURE_ALGORITHM, signingKeyId, signManifest } from '../domain/manifestSignature';
import type { Store } from '../store/port';

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
 * Records this node's public key for the store on first start, and checks it on every later one: a node signing with
 * another key than the one recorded (its audit-signing.json not copied, or lost) makes exports that verify only with
 * its own key. On a shared store (PostgreSQL: several nodes) that node refuses to start; on a node's own SQLite file
 * (a restored database, a lost key file) it starts but says so loudly through `warn` at every start.
 */
export async function checkStoreSigningKey(store: Store, identity: SigningIdentity, shared: boolean, warn: (message: string) => void): Promise<string> {
  const mine = identity.publicKey(null);
  const recorded = await store.write((tx) => tx.writes.signingKey({ keyId: mine.keyId, publicKey: mine.publicKey, instanceId: mine.instanceId }));
  if (recorded.keyId === mine.keyId) return recorded.keyId;
  const message =
    `this node signs exports with key ${mine.keyId} (instance ${mine.instanceId}, ${IDENTITY_FILE} in its data directory), but the store's exports ` +
    `are signed with key ${recorded.keyId} (instance ${recorded.instanceId}, recorded ${new Date(recorded.recordedAtMs).toISOString()}): ` +
    `copy ${IDENTITY_FILE} from a node that has key ${recorded.keyId} into this node's data directory and start again (docs/deployment.md)`;
  if (shared) throw new Error(message);
  warn(`${message}; until then, this node's exports verify only with its own public key`);
  return recorded.keyId;
}
