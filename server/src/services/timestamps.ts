// Trusted timestamps (RFC 3161) on signed manifests, when a TSA is configured (--tsa-url, RINGSIDE_TSA_URL): after
// the manifest is signed, its SHA-256 (domain/manifestSignature.ts timestampedText) is sent to the TSA and the token
// it returns goes into the manifest's `timestamp` field, outside what is signed. A TSA that is down, slow or refuses
// never fails the export: the field then says the timestamp is missing and why.
import { createHash, randomBytes } from 'node:crypto';
import { timestampedText } from '../domain/manifestSignature';
import { timestampRequest, tokenInfo, tokenOfResponse } from '../domain/timestamp';

const TIMEOUT_MS = 10_000;

export interface TimestampField {
  tsa: string;
  hashAlgorithm: 'SHA-256';
  /** The TimeStampToken (CMS ContentInfo, DER), base64; absent when missing. */
  token?: string;
  /** The TSA's time in the token (genTime), for reading; the token is what counts. */
  time?: string;
  /** Why there is no token. */
  missing?: string;
}

export class TimestampAuthority {
  constructor(private readonly url: string) {}

  /** The signed manifest with its `timestamp` field. */
  async stamp<M extends Record<string, unknown>>(signed: M): Promise<M & { timestamp: TimestampField }> {
    const digest = createHash('sha256').update(timestampedText(signed)).digest();
    return { ...signed, timestamp: await this.token(digest) };
  }

  private async token(digest: Buffer): Promise<TimestampField> {
    const base = { tsa: this.url, hashAlgorithm: 'SHA-256' as const };
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
        body: new Uint8Array(timestampRequest(digest, randomBytes(8))),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!res.ok) return { ...base, missing: `the TSA answered HTTP ${res.status}` };
      const { status, token } = tokenOfResponse(Buffer.from(await res.arrayBuffer()));
      if (status > 1 || token === null) return { ...base, missing: `the TSA refused the request (status ${status})` };
      const info = tokenInfo(token);
      if (info.hashedMessage !== digest.toString('hex')) return { ...base, missing: 'the TSA stamped another message imprint' };
      return { ...base, token: token.toString('base64'), time: info.genTime };
    } catch (error) {
      return { ...base, missing: `no answer from the TSA (${(error as Error).message})` };
    }
  }
}
