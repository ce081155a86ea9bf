// Requests node:http cannot parse (a malformed request line or header, a Content-Length that is no number, headers
// over its size limit) never reach the app: node answers them itself with a bare status and no body. This answers
// them as every refusal is answered, with problem details saying why, and closes the connection (the parser cannot
// tell where the next request would start).
import type { Duplex } from 'node:stream';
import { problem } from './problems';

type ClientError = Error & { code?: string; reason?: string };

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** For `httpServer.on('clientError', …)`. */
export function answerClientError(err: ClientError, socket: Duplex): void {
  // A client that went away, or a socket already answered: nothing to say to anyone.
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const p =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? problem(431, 'headers-too-large', 'Request headers too large', "the request's headers exceed the server's limit (16 KB in all)", [{ path: '(headers)', message: 'exceed 16 KB in all' }])
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? problem(408, 'request-timeout', 'Request timeout', 'the request did not arrive whole in time', [{ path: '(request)', message: 'did not arrive whole in time' }])
        : problem(400, 'malformed-request', 'Malformed HTTP request', `the request is not valid HTTP/1.1: ${(err.reason ?? err.message).replace(/[\r\n]/g, ' ')}`, [
            { path: '(request)', message: `is not valid HTTP/1.1: ${(err.reason ?? err.message).replace(/[\r\n]/g, ' ')}` },
          ]);
  const body = JSON.stringify(p);
  socket.end(
    `HTTP/1.1 ${p.status} ${STATUS_TEXT[p.status] ?? 'Bad Request'}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
