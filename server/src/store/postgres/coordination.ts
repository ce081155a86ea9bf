// Nodes on one PostgreSQL database: a leader, and word of what the others committed. Both ride on one connection of
// the node's own, outside the pool:
//  - the leadership is a session-level advisory lock. The node that holds it leads; the lock lives exactly as long
//    as that session. A node that dies (kill -9, a crash) has its socket closed by the operating system and its
//    session ends at once; a node whose machine or network vanishes is found dead by the TCP keepalives set on
//    the session below (within about 11 s). The others try for the lock every few seconds and one of them takes it.
//    The leader checks its session on each try and, when the check fails (or times out), gives up leading before
//    PostgreSQL can give the lock to another node.
//  - signals are LISTEN/NOTIFY on the channel `ringside`: a write transaction sends `pg_notify` (delivered at commit,
//    never for a rolled-back write), each listening node hears it and ignores its own.
// Lost notifications (the connection dropped and came back) are covered by a 'resync' signal: read again.
//  - settings a node does not keep in the store but answers with (its zone, its organisation) go on the same channel:
//    `hello <node> <json>` when its session opens, answered `here <node> <json>` by every other node, so each pair of
//    nodes compares them once whichever started first. A node of a release without them ignores both.
import pg from 'pg';
import type { Coordination, NodeSettings, NodeSignal } from '../port';
import type { Sql } from './db';

/** The advisory lock of the leadership ("rs-lead"); writes take another (store.ts). */
const LEADER_LOCK = 0x72732d6c656164n;
const CHANNEL = 'ringside';
const SIGNALS: readonly NodeSignal[] = ['stored', 'standards', 'cases', 'sites'];

/**
 * Dead peers are found by the server within tcp_keepalives_idle + interval × count = 5 + 2 × 3 s, and unacknowledged
 * writes give up after tcp_user_timeout: then PostgreSQL ends the session and releases the lock.
 */
const SESSION_SETTINGS = 'SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3; SET tcp_user_timeout = 10000';
/** A check of the session slower than this counts as a lost session: the node stops leading. */
const CHECK_TIMEOUT_MS = 4_000;

/** Inside a write transaction: tells the other nodes, once it commits, what it changed. */
export async function notifyNodes(s: Sql, nodeId: string, signal: NodeSignal): Promise<void> {
  await s.run('SELECT pg_notify(?, ?)', [CHANNEL, `${signal} ${nodeId}`]);
}

export class PgCoordination implements Coordination {
  private client: pg.Client | null = null;
  private leading = false;
  private everConnected = false;
  private closed = false;
  private readonly listeners = new Set<(signal: NodeSignal) => void>();
  private settings: { mine: NodeSettings; listener: (nodeId: string, theirs: NodeSettings) => void } | null = null;

  constructor(
    private readonly url: string,
    readonly nodeId: string,
  ) {}

  async lead(): Promise<boolean> {
    const client = await this.session();
    if (!client) return false;
    try {
      if (this.leading) await client.query('SELECT 1'); // the session, so the lock, is still ours
      else this.leading = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LEADER_LOCK.toString()])).rows[0]?.ok === true;
      return this.leading;
    } catch {
      this.drop(client);
      return false;
    }
  }

  onSignal(listener: (signal: NodeSignal) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  compareSettings(settings: NodeSettings, listener: (nodeId: string, theirs: NodeSettings) => void): () => void {
    const entry = { mine: settings, listener };
    this.settings = entry;
    if (this.client) this.say(this.client, 'hello'); // else when the session opens (the leadership's first ask)
    return () => {
      if (this.settings === entry) this.settings = null;
    };
  }

  /** Ends the session: the lock is released at once, so another node leads without waiting. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    this.leading = false;
    await client?.end().catch(() => undefined);
  }

  /** The node's session, opened (and listening) if there is none; null while the database cannot be reached. */
  private async session(): Promise<pg.Client | null> {
    if (this.client || this.closed) return this.client;
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, connectionTimeoutMillis: CHECK_TIMEOUT_MS, query_timeout: CHECK_TIMEOUT_MS });
    client.on('error', () => this.drop(client));
    client.on('notification', (message) => this.heard(message.payload ?? ''));
    try {
      await client.connect();
      await client.query(SESSION_SETTINGS);
      await client.query(`LISTEN ${CHANNEL}`);
    } catch {
      await client.end().catch(() => undefined);
      return null;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return null;
    }
    this.client = client;
    if (this.everConnected) this.tell('resync'); // notifications sent while the session was away are lost
    this.everConnected = true;
    this.say(client, 'hello');
    return client;
  }

  /** Sends this node's settings (`hello`: asking the others for theirs; `here`: answering one). */
  private say(client: pg.Client, word: 'hello' | 'here'): void {
    if (!this.settings) return;
    client.query('SELECT pg_notify($1, $2)', [CHANNEL, `${word} ${this.nodeId} ${JSON.stringify(this.settings.mine)}`]).catch(() => undefined);
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.leading = false;
    void client.end().catch(() => undefined);
  }

  private heard(payload: string): void {
    const [signal, node] = payload.split(' ');
    if ((signal === 'hello' || signal === 'here') && node !== this.nodeId) return this.heardSettings(signal, node!, payload.slice(signal.length + node!.length + 2));
    if (node === this.nodeId || !SIGNALS.includes(signal as NodeSignal)) return;
    this.tell(signal as NodeSignal);
  }

  private heardSettings(word: 'hello' | 'here', node: string, json: string): void {
    if (!this.settings) return;
    let theirs: unknown;
    try {
      theirs = JSON.parse(json);
    } catch {
      return;
    }
    if (typeof theirs !== 'object' || theirs === null || Array.isArray(theirs)) return;
    if (word === 'hello' && this.client) this.say(this.client, 'here');
    this.settings.listener(node, theirs as NodeSettings);
  }

  private tell(signal: NodeSignal): void {
    for (const listener of this.listeners) listener(signal);
  }
}
