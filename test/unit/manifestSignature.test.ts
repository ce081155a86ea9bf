// The manifest signature rule (domain/manifestSignature.ts) and the offline verifier's copy of it agree: the
// verifier accepts what the server signs and refuses any change to a signed field.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestSignatureValid, signingKeyId, signManifest } from '../../server/src/domain/manifestSignature';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const manifest = { kind: 'alerts', format: 'ndjson', rowCount: 0, dataSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', chainHead: { seq: 0, hash: '0'.repeat(64) }, filters: { to: 'b', from: 'a' }, organisation: 'Ümlaut & Co' };

describe('manifest signatures', () => {
  it('sign the canonical JSON without the signature: key order does not matter, any changed value does', () => {
    const signed = signManifest(manifest, privateKey);
    expect(signed.signature).toMatchObject({ algorithm: 'Ed25519', keyId: signingKeyId(publicKey) });
    expect(signingKeyId(privateKey)).toBe(signingKeyId(publicKey));
    expect(manifestSignatureValid(signed, publicKey)).toBe(true);
    const reordered = Object.fromEntries(Object.entries(signed).reverse());
    expect(manifestSignatureValid(reordered, publicKey)).toBe(true);
    expect(manifestSignatureValid({ ...signed, rowCount: 1 }, publicKey)).toBe(false);
    expect(manifestSignatureValid({ ...signed, extra: null }, publicKey)).toBe(false);
    expect(manifestSignatureValid({ ...signed, signature: undefined }, publicKey)).toBe(false);
    expect(manifestSignatureValid(signed, generateKeyPairSync('ed25519').publicKey)).toBe(false);
    // The trusted timestamp is added after signing, outside what is signed.
    expect(manifestSignatureValid({ ...signed, timestamp: { tsa: 'http://tsa', missing: 'down' } }, publicKey)).toBe(true);
  });

  it('scripts/verify-export.mjs checks them the same way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringside-sig-'));
    try {
      const pem = join(dir, 'key.pem');
      writeFileSync(pem, publicKey.export({ type: 'spki', format: 'pem' }));
      const file = join(dir, 'export.ndjson');
      const run = (m: Record<string, unknown>) => {
        writeFileSync(file, `${JSON.stringify({ export: { kind: 'alerts', format: 'ndjson', filters: manifest.filters } })}\n${JSON.stringify({ manifest: m })}\n`);
        return spawnSync(process.execPath, [join(process.cwd(), 'scripts', 'verify-export.mjs'), file, '--public-key', pem], { encoding: 'utf8' });
      };
      const signed = signManifest(manifest, privateKey);
      expect(run(signed).status, run(signed).stdout).toBe(0);
      const stamped = run({ ...signed, timestamp: { tsa: 'http://tsa', hashAlgorithm: 'SHA-256', missing: 'no answer from the TSA' } });
      expect(stamped.status, stamped.stdout).toBe(0);
      expect(stamped.stdout).toContain('trusted timestamp missing: no answer from the TSA (http://tsa)');
      expect(run({ ...signed, organisation: 'Other' }).stdout).toContain('BAD SIGNATURE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
