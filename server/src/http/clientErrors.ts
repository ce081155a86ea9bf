// Requests node:http cannot parse (a malformed request line or header, a Content-Length that is no number, headers
// over its size limit) never reach the app: node answers them itself with a bare status and no body. This answers
// them as every refusal is answered, with problem details saying why, and closes the connection (the parser cannot
// tell where the next request would start).
import { maxHeaderSize as nodeMaxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { sizeText } from './fallbacks';
import { problem } from './problems';
import type { ProblemDetails } from '../protocol';

type ClientError = Error & { code?: string; reason?: string };

/** The socket as node:http leaves it: the response in progress on it, if any (what node's own handler reads). */
type HttpSocket = Duplex & { _httpMessage?: { headersSent?: boolean } | null };

/**
 * The header limit node's parser applies on a server: its own `maxHeaderSize` option when given, else node's
 * default (`http.maxHeaderSize`, which --max-http-header-size changes). Read, never restated, so the answer says
 * the limit that was actually applied.
 */
export function headerLimitOf(server: object): number {
  const own = (server as { maxHeaderSize?: unknown }).maxHeaderSize;
  return typeof own === 'number' && own > 0 ? own : nodeMaxHeaderSize;
}

/** For `httpServer.on('clientError', …)`; `maxHeaderBytes` is the server's header limit (headerLimitOf). */
export function answerClientError(maxHeaderBytes: number): (err: ClientError, socket: Duplex) => void {
  const headerLimit = sizeText(maxHeaderBytes);
  return (err, socket) => {
    // A client that went away, or a socket already answered: nothing to say to anyone. A response already begun on
    // this keep-alive socket (a pipelined request after an export that is streaming) must not get a status line
    // written into its body: close the connection so the client sees it cut short, as node's own handler does.
    if (err.code === 'ECONNRESET' || !socket.writable || (socket as HttpSocket)._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const why = (err.reason ?? err.message).replace(/[\r\n]/g, ' ');
    const p =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? problem(431, 'headers-too-large', 'Request headers too large', `the request's headers exceed the server's limit (${headerLimit} in all)`, [{ path: '(headers)', message: `exceed ${headerLimit} in all` }])
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? problem(408, 'request-timeout', 'Request timeout', 'the request did not arrive whole in time', [{ path: '(request)', message: 'did not arrive whole in time' }])
          : problem(400, 'malformed-request', 'Malformed HTTP request', `the request is not valid HTTP/1.1: ${why}`, [{ path: '(request)', message: `is not valid HTTP/1.1: ${why}` }]);
    socket.end(rawProblem(p));
  };
}

/** A problem as a whole HTTP/1.1 response for a connection no request of which is parsed, which it then closes. */
export function rawProblem(p: ProblemDetails, headers: readonly string[] = []): string {
  const body = JSON.stringify(p);
  const head = [`HTTP/1.1 ${p.status} ${STATUS_CODES[p.status] ?? 'Bad Request'}`, 'Content-Type: application/problem+json; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`, ...headers, 'Connection: close'];
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}
