// Request bodies must be UTF-8 (RFC 8259 §8.1 for JSON). body-parser would decode invalid bytes to U+FFFD
// without a word, so a client's text would be stored as something it never sent; this `verify` hook refuses
// the body first. Other charsets are refused too: one encoding, checked once, for every JSON route.
import { isUtf8 } from 'node:buffer';
import { nonUtf8Where } from '../protocol/utf8';

type BodyError = Error & { status: number; type: string; where?: string };

/** An error as body-parser makes them: the fallback error handler answers by its `type`. */
export function bodyError(status: number, type: string, message: string): BodyError {
  return Object.assign(new Error(message), { status, type });
}

/** For express.json({ verify }): `encoding` is the request's charset (body-parser's default: utf-8). */
export function rejectNonUtf8(_req: unknown, _res: unknown, body: Buffer, encoding: string | null): void {
  if (encoding !== null && encoding.toLowerCase() !== 'utf-8') throw bodyError(415, 'charset.unsupported', `unsupported charset "${encoding}"`);
  if (!isUtf8(body)) throw Object.assign(bodyError(400, 'entity.invalid.utf8', 'the request body is not valid UTF-8'), { where: nonUtf8Where(body) });
}
