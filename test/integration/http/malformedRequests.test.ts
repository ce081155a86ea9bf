// Requests node:http cannot parse never reach the app; they are still answered with problem details saying why
// (before: a bare "400 Bad Request" or "431" with no body), and the server keeps answering after them.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../support/testServer';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

/** Sends raw bytes and reads the answer until the server closes the connection. */
function raw(text: string): Promise<{ status: number; headers: string; body: any }> {
  const { hostname, port } = new URL(server.url);
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
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
  });
});
