// Trusted timestamps (RFC 3161) on signed manifests, when a TSA is configured (--tsa-url, RINGSIDE_TSA_URL): after
// the manifest is signed, its SHA-256 (domain/manifestSignature.ts timestampedText) is sent to the TSA and the token
// it returns goes into the manifest's `timestamp` field, outside what is signed. A TSA that is down, slow or refuses
// never fails the export: the field then says the timestamp is missing and why. A connection the TSA closed under the
// request (an idle keep-alive connection it dropped as we reused it) is tried once more on a new one, within the same
// deadline: the request carries a fresh nonce and nothing is stored until a token comes back, so a repeat is harmless.
import { createHash, randomBytes } from 'node:crypto';
import { timestampedText } from '../domain/manifestSignature';
import { timestampRequest, tokenInfo, tokenOfResponse } from '../domain/timestamp';

const TIMEOUT_MS = 10_000;
const ATTEMPTS = 2;

/** Socket errors that mean the connection went away under the request, not that the TSA is down or slow. */
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

const causeOf = (error: unknown): { code?: string; message?: string } | undefined =>
  (error as { cause?: { code?: string; message?: string } }).cause;

const connectionLost = (error: unknown): boolean => CONNECTION_LOST.has(causeOf(error)?.code ?? '');

/** fetch says only "fetch failed"; what failed is in its cause. */
const reasonOf = (error: unknown): string => {
  const cause = causeOf(error)?.message;
  const message = (error as Error).message;
  return cause && cause !== message ? `${message}: ${cause}` : message;
};

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
    const deadline = AbortSignal.timeout(TIMEOUT_MS);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return { ...base, ...(await this.ask(digest, deadline)) };
      } catch (error) {
        if (attempt < ATTEMPTS && connectionLost(error) && !deadline.aborted) continue;
        return { ...base, missing: `no answer from the TSA (${reasonOf(error)})` };
      }
    }
  }

  private async ask(digest: Buffer, signal: AbortSignal): Promise<Pick<TimestampField, 'token' | 'time' | 'missing'>> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: new Uint8Array(timestampRequest(digest, randomBytes(8))),
      signal,
    });
    if (!res.ok) return { missing: `the TSA answered HTTP ${res.status}` };
    const { status, token } = tokenOfResponse(Buffer.from(await res.arrayBuffer()));
    if (status > 1 || token === null) return { missing: `the TSA refused the request (status ${status})` };
    const info = tokenInfo(token);
    if (info.hashedMessage !== digest.toString('hex')) return { missing: 'the TSA stamped another message imprint' };
    return { token: token.toString('base64'), time: info.genTime };
  }
}
