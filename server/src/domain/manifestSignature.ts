// How an export's manifest is signed: Ed25519 over the UTF-8 canonical JSON of the manifest without its
// `signature` field. The manifest names the data rows' SHA-256, the columns and the chain head, so the one
// signature covers every row and, through the head, every proof link. docs/audit.md "Signed manifests" states it
// in words; scripts/verify-export.mjs repeats it (tested against this) for auditors who check an export offline.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical';

export const SIGNATURE_ALGORITHM = 'Ed25519';

export interface ManifestSignature {
  algorithm: typeof SIGNATURE_ALGORITHM;
  /** Which key signed: `ed25519:` + the first 16 hex digits of SHA-256 of the public key (DER, SPKI). */
  keyId: string;
  /** The signature, base64. */
  value: string;
}

/** The key id of a public (or private) key: what a manifest names and GET /audit/public-key answers. */
export function signingKeyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return `ed25519:${createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16)}`;
}

/** The bytes signed: the manifest's canonical JSON, without the signature field (nor the timestamp, added after). */
function signedText(manifest: Record<string, unknown>): Buffer {
  const { signature: _ignored, timestamp: _stamped, ...rest } = manifest;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/**
 * The bytes a trusted timestamp (RFC 3161) is requested for: the signed manifest (signature included) as canonical
 * JSON, without the `timestamp` field that carries the token. Its SHA-256 is the token's message imprint.
 */
export function timestampedText(manifest: Record<string, unknown>): Buffer {
  const { timestamp: _stamped, ...rest } = manifest;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/** The manifest with its signature as the last field. */
export function signManifest<M extends Record<string, unknown>>(manifest: M, privateKey: KeyObject): M & { signature: ManifestSignature } {
  const value = sign(null, signedText(manifest), privateKey).toString('base64');
  return { ...manifest, signature: { algorithm: SIGNATURE_ALGORITHM, keyId: signingKeyId(privateKey), value } };
}

/** Whether `manifest.signature` is a valid signature of the rest of it by `publicKey`. */
export function manifestSignatureValid(manifest: Record<string, unknown>, publicKey: KeyObject): boolean {
  const s = manifest.signature as Partial<ManifestSignature> | undefined;
  if (!s || s.algorithm !== SIGNATURE_ALGORITHM || typeof s.value !== 'string') return false;
  return verify(null, signedText(manifest), publicKey, Buffer.from(s.value, 'base64'));
}
