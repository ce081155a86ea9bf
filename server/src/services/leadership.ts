// Which node leads: the one that evaluates alerts and delivers webhooks, so each happens once however many nodes
// run on the store. The node asks the store every few seconds (store/port.ts Coordination): to keep leading (its
// session is checked), or to take over when the leader is gone. On SQLite the node is alone and leads from the start.
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { Coordination } from '../store/port';

/** How often a node asks: a dead leader is replaced within this much after the database lets its lock go. */
const LEADER_CHECK_MS = 2_000;

export interface LeadershipOptions {
  /**
   * No other node can share this node's work (SQLite without Redis): it always leads, which is then no news to the
   * operator, so the lines about leading are logged at debug; where nodes share a store or Redis, at info.
   */
  alone: boolean;
  /** How often to ask (default LEADER_CHECK_MS). */
  checkMs?: number;
}

export class Leadership {
  /** The level of the lines that say who leads (here and where the alerts follow the lead). */
  readonly logLevel: 'info' | 'debug';
  private readonly checkMs: number;
  private leading = false;
  private timer: unknown = null;
  private checking: Promise<void> | null = null;
  private closed = false;
  private readonly listeners = new Set<(leading: boolean) => void>();

  constructor(
    private readonly coordination: Coordination,
    private readonly clock: Clock,
    private readonly log: Logger,
    options: LeadershipOptions,
  ) {
    this.logLevel = options.alone ? 'debug' : 'info';
    this.checkMs = options.checkMs ?? LEADER_CHECK_MS;
  }

  /** Asks once (so a lone node leads before it serves), then every checkMs. */
  async start(): Promise<void> {
    await this.check();
    if (!this.closed) this.timer = this.clock.setInterval(() => void this.check(), this.checkMs);
  }

  isLeading(): boolean {
    return this.leading;
  }

  /** Hears each change: true when this node took the lead, false when it gave it up. */
  onChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    if (this.timer) this.clock.clearInterval(this.timer);
    this.timer = null;
  }

  /** One question at a time: a slow answer is not overtaken by the next one. */
  private check(): Promise<void> {
    this.checking ??= this.ask().finally(() => (this.checking = null));
    return this.checking;
  }

  private async ask(): Promise<void> {
    const leading = await this.coordination.lead().catch(() => false);
    if (this.closed || leading === this.leading) return;
    this.leading = leading;
    this.log[this.logLevel]({ leading }, leading ? 'this node leads: it evaluates alerts and delivers webhooks' : 'this node no longer leads');
    for (const listener of this.listeners) listener(leading);
  }
}
