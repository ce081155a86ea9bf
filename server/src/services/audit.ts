// The audit side: the chain head, verification of the whole chain (one snapshot), and the HMAC key of retention
// checkpoints (<data>/audit.secret: created on first use, mode 0600, never in the database).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE } from '../domain/fileModes';
import { verifyChain, type VerifyResult } from '../domain/verify';
import type { ChainHead, Snapshot, Store } from '../store/port';

const SECRET_FILE = 'audit.secret';

export function readSecret(dataDir: string, create: boolean): Buffer | null {
  const file = join(dataDir, SECRET_FILE);
  if (!existsSync(file)) {
    if (!create) return null;
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: PRIVATE_FILE_MODE });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

/** Verifies the chain as one snapshot holds it. */
export async function verifySnapshot(s: Snapshot, secret: Buffer | null): Promise<VerifyResult> {
  return verifyChain({ links: s.chain.links(), checkpoints: await s.chain.checkpoints(), unchained: s.chain.unchained() }, secret);
}

export class AuditService {
  private secretKey: Buffer | null = null;

  constructor(
    private readonly store: Store,
    private readonly dataDir: string,
  ) {}

  head(): Promise<ChainHead> {
    return this.store.reads.audit.head();
  }

  /** The whole chain recomputed; checkpoints checked with the secret when there is one. */
  verify(): Promise<VerifyResult> {
    return this.store.snapshot((s) => verifySnapshot(s, readSecret(this.dataDir, false)));
  }

  /** The HMAC key of retention checkpoints (created on first use). */
  secret(): Buffer {
    this.secretKey ??= readSecret(this.dataDir, true)!;
    return this.secretKey;
  }

  /** The key if there is one (verification without creating it). */
  existingSecret(): Buffer | null {
    return this.secretKey ?? readSecret(this.dataDir, false);
  }
}
