// Live fan-out between Ringside nodes (--redis redis://… or RINGSIDE_REDIS_URL): Socket.IO's Redis adapter, so a
// push a node makes (io.emit: judged events, compliance, incidents, snapshots) reaches the clients of every node.
//
// Why the pub/sub adapter (@socket.io/redis-adapter) rather than the Redis Streams one: what it carries is a hint
// that can be recomputed, never the record itself (that is in the database); it is the one with years of use, has
// the lowest latency (no polling of a stream), and keeps nothing in Redis. A client that misses pushes (Redis down,
// a node restarted) catches up from the database with replay(afterSeq) on reconnect, on whichever node it lands.
// ioredis reconnects by itself and subscribes again; pushes made while Redis is away wait in ioredis' offline queue
// and are published when it returns within its retries (about 30 s); a push whose retries run out is dropped, with
// no harm to the node (the adapter does not handle a failed publish: the wrapper below does).
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redactedUrl } from '../domain/redactedUrl';
import type { LiveServer } from './liveServer';

/** A Redis URL without its password, for logs. */
function redacted(url: string): string {
  return redactedUrl(url, 'Redis');
}

/**
 * The publishing client as the adapter sees it: a publish that fails (Redis away longer than the retries) resolves
 * instead of rejecting; the adapter does not catch it, and an unhandled rejection would end the process.
 */
function quietPublisher(pub: Redis): Redis {
  return new Proxy(pub, {
    get(target, property) {
      if (property === 'publish') return (...args: Parameters<Redis['publish']>) => target.publish(...args).catch(() => 0);
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Joins `io` to the other nodes of its deployment through Redis at `url`; resolves once both connections are up.
 * `onResumed` is called when the connection that hears the other nodes is back after it was lost (and subscribed
 * again): the pushes made meanwhile are gone, so the caller brings this node's own clients up to date.
 * `storeKeyId` names the deployment: the nodes of one store share it, so their pushes go on channels of their own and
 * another deployment on the same Redis (staging beside production) neither hears them nor is heard.
 */
export async function joinNodes(io: LiveServer, url: string, storeKeyId: string, logger: Logger, onResumed: () => void = () => undefined): Promise<{ close(): Promise<void> }> {
  const pub = new Redis(url, { lazyConnect: true, connectTimeout: 5000 });
  const sub = pub.duplicate();
  let warned = false;
  // Whether the subscribing connection was lost since it last subscribed: what other nodes pushed meanwhile never
  // reached this node's clients, and nothing else would tell them (their own connection to this node stayed up).
  let missed = false;
  sub.on('close', () => (missed = joined));
  sub.on('ready', () => {
    if (!missed) return;
    missed = false;
    // ioredis sends the subscriptions again as it turns ready; a PING sent after them is answered after Redis took
    // them, so what the caller reads from the database then is followed by every push made after it.
    void sub.ping().then(onResumed, () => (missed = true));
  });
  // Until both connections are up, an error is the start's to report: connect() itself rejects only with "Connection
  // is closed.", so the first error seen (ENOTFOUND, ECONNREFUSED, a refused password) is the cause the refusal names.
  let joined = false;
  let firstError: Error | undefined;
  for (const client of [pub, sub]) {
    client.on('error', (err: Error) => {
      if (!joined) return void (firstError ??= err);
      // Ingest and queries go on without Redis; only the fan-out waits. Said once per outage.
      if (!warned) logger.warn({ err: err.message, redis: redacted(url) }, 'live fan-out between nodes interrupted: Redis unreachable; retrying');
      warned = true;
    });
    client.on('ready', () => {
      if (warned) logger.info({ redis: redacted(url) }, 'live fan-out between nodes resumed');
      warned = false;
    });
  }
  try {
    await Promise.all([pub.connect(), sub.connect()]);
    joined = true;
  } catch (error) {
    pub.disconnect();
    sub.disconnect();
    throw new Error(`cannot reach Redis at ${redacted(url)}: ${(firstError ?? (error as Error)).message}`, { cause: error });
  }
  io.adapter(createAdapter(quietPublisher(pub), sub, { key: `ringside#${storeKeyId}` }));
  return {
    close: async () => {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
