// A tiny real HTTP receiver standing in for a Ringside server: records what each accepted POST carried and can
// be stopped and started again on the same port (a server restart), with event-driven waits for what arrived.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  search: URLSearchParams;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once `test` holds for what has been received. */
  until(test: (requests: ReceivedRequest[]) => boolean): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** `answer` decides each request's status (200 by default); only 2xx requests are recorded. */
export async function startReceiver(answer: (request: ReceivedRequest) => number = () => 200): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<{ test: (r: ReceivedRequest[]) => boolean; resolve: () => void }>();
  const check = () => {
    for (const w of waiters) {
      if (!w.test(requests)) continue;
      waiters.delete(w);
      w.resolve();
    }
  };
  let server: Server | null = null;
  let port = 0;
  const handle = async (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://receiver');
    const request = { path: url.pathname, search: url.searchParams, authorization: req.headers.authorization, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') };
    const status = answer(request);
    if (status < 300) requests.push(request);
    res.writeHead(status, { 'content-type': status < 300 ? 'application/json' : 'application/problem+json' });
    res.end(JSON.stringify(status < 300 ? { ok: true } : { title: 'Refused', detail: 'line 1: not a queue_log line', errors: [{ path: 'line 1', message: 'is not a queue_log line' }] }));
    check();
  };
  const receiver: Receiver = {
    url: '',
    requests,
    until: (test) => new Promise((resolve) => (waiters.add({ test, resolve }), check())),
    start: () =>
      new Promise((resolve, reject) => {
        server = createServer((req, res) => void handle(req, res));
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          port = (server!.address() as AddressInfo).port;
          receiver.url = `http://127.0.0.1:${port}`;
          resolve();
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
        server = null;
      }),
  };
  await receiver.start();
  return receiver;
}
