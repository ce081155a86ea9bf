// The local Redis (127.0.0.1:6379, or RINGSIDE_TEST_REDIS_URL) for tests of several nodes. Where none answers, the
// test fails with what to start: it never skips.
import { Socket } from 'node:net';

const REDIS_URL = process.env.RINGSIDE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Resolves when Redis answers PING; rejects with what to do when it does not. */
export async function requireRedis(url = REDIS_URL): Promise<string> {
  const { hostname, port } = new URL(url);
  const answer = await new Promise<string>((resolve) => {
    const socket = new Socket();
    const done = (text: string) => (socket.destroy(), resolve(text));
    socket.setTimeout(3000, () => done('no answer within 3 s'));
    socket.once('error', (error) => done(error.message));
    socket.once('data', (data) => done(data.toString('utf8').trim()));
    socket.connect(Number(port || 6379), hostname, () => socket.write('PING\r\n'));
  });
  if (answer !== '+PONG') {
    throw new Error(`Redis is not reachable at ${url} (${answer}). These tests need a Redis server on 127.0.0.1:6379: install it (apt-get install redis-server) and start it (service redis-server start), or set RINGSIDE_TEST_REDIS_URL.`);
  }
  return url;
}
