// Requests node:http cannot parse never reach the app; they are still answered with problem details saying why
// (before: a bare "400 Bad Request" or "431" with no body), and the server keeps answering after them.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { answerClientError, headerLimitOf } from '../../../server/src/http/clientErrors';
import { useTestServer } from '../support/testServer';

const server = useTestServer();

/** Sends raw bytes to `base` (the test server's) and reads the answer until the server closes the connection. */
function raw(text: string, base = server().url): Promise<{ status: number; headers: string; body: any }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), headers: head, body: body ? JSON.parse(body) : null });
    });
  });
}

/** A bare node:http server with the product's client-error handler, listening on 127.0.0.1:0; its address. */
async function listening(bare: Server): Promise<{ port: number; url: string }> {
  bare.on('clientError', answerClientError(headerLimitOf(bare)));
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const { port } = bare.address() as AddressInfo;
  return { port, url: `http://127.0.0.1:${port}` };
}

describe('requests node:http cannot parse', () => {
  it('answers each with problem details naming why', async () => {
    const cases: Array<[string, number, string, RegExp]> = [
      ['POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, 'malformed-request', /Content-Length/],
      ['GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', 400, 'malformed-request', /header token/],
      ['GARBAGE\r\n\r\n', 400, 'malformed-request', /method/],
      [`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers-too-large', /16 KB/],
    ];
    for (const [text, status, slug, why] of cases) {
      const res = await raw(text);
      expect({ sent: text.slice(0, 40), status: res.status }).toEqual({ sent: text.slice(0, 40), status });
      expect(res.headers).toMatch(/\r\nContent-Type: application\/problem\+json; charset=utf-8\r\n/);
      expect(res.body).toMatchObject({ type: `https://ringside.dev/problems/${slug}`, status, detail: expect.stringMatching(why) });
      expect(res.body.errors).toHaveLength(1);
    }
    expect((await fetch(`${server().url}/api/v1/health`)).status).toBe(200);
  });
});

describe('a malformed request pipelined behind a response already streaming', () => {
  it('closes the connection without writing a 400 into that response', async () => {
    // A bare node:http server with the same clientError answer, whose one route flushes its headers and a first
    // chunk and then holds the response open (as an export does between batches) until the test ends it.
    let streaming: ServerResponse | undefined;
    const bare = createServer((_req, res) => {
      streaming = res;
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first chunk\n');
    });
    const { port } = await listening(bare);
    try {
      const received = await new Promise<string>((resolve, reject) => {
        let answer = '';
        let sentGarbage = false;
        const socket = connect(port, '127.0.0.1', () => socket.write('GET /export HTTP/1.1\r\nHost: x\r\n\r\n'));
        socket.on('data', (chunk) => {
          answer += chunk.toString('utf8');
          // The response has begun: now the next request on this connection, which node cannot parse.
          if (!sentGarbage && answer.includes('first chunk')) {
            sentGarbage = true;
            socket.write('GARBAGE\r\n\r\n');
          }
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(answer));
      });
      expect(received).toMatch(/^HTTP\/1\.1 200 /);
      expect(received).toContain('first chunk');
      expect(received).not.toContain('HTTP/1.1 400');
      expect(received).not.toContain('malformed-request');
      expect(streaming?.writableEnded).toBe(false);
    } finally {
      streaming?.destroy();
      bare.closeAllConnections();
      await new Promise<void>((resolve) => bare.close(() => resolve()));
    }
  });
});

describe('headers over the limit', () => {
  it("name the server's own limit, not a copied default", async () => {
    const bare = createServer({ maxHeaderSize: 4096 }, (_req, res) => res.end());
    const { url } = await listening(bare);
    try {
      const res = await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`, url);
      expect(res.headers).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
      expect(res.body).toMatchObject({ status: 431, errors: [{ path: '(headers)', message: 'exceed 4 KB in all' }] });
    } finally {
      await new Promise<void>((resolve) => bare.close(() => resolve()));
    }
  });
});
