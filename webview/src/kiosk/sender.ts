// Sends the kiosk's outbox to POST /api/v1/milestones, in order, whenever the network lets it. Every milestone keeps
// its id and content, so a request whose answer was lost is simply sent again: the server answers what it already
// has as a duplicate. A milestone the server refuses for good (400: bad field; 409: posted before with other
// content) is dropped and reported, so it cannot block those behind it; a refused key (401/403) stops sending until
// the page is reloaded with another key. Anything else (offline, 429, 5xx) is retried with a growing pause.
import type { QueuedMilestone } from './desk';

/** What sending found out, for the status line. */
export type SendStatus =
  | { kind: 'sent' }
  | { kind: 'offline'; retryInMs: number }
  | { kind: 'refused-key'; detail: string }
  | { kind: 'dropped'; milestone: QueuedMilestone; detail: string };

export interface SenderDeps {
  /** The outbox as saved now. */
  outbox: () => readonly QueuedMilestone[];
  /** The server settled these ids (stored, duplicate, or refused for good): remove them and save. */
  settle: (ids: readonly string[]) => void;
  report: (status: SendStatus) => void;
  post: (milestones: readonly QueuedMilestone[]) => Promise<{ status: number; body: unknown }>;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

const BATCH = 500;
const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 60_000;

export class Sender {
  private running = false;
  private again = false;
  private stopped = false;
  private retryMs = FIRST_RETRY_MS;
  private timer: unknown = null;
  /** This drain dropped a tap the server refused. */
  private dropped = false;

  constructor(private readonly deps: SenderDeps) {}

  /**
   * Sends nothing more until the page is reloaded: the server refused the kiosk's site, so it would refuse every tap
   * (each dropped, one by one); kept on the tablet instead, the taps are not thrown away by a kiosk that cannot help it.
   */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Sends what is queued; called after every tap, when the network returns, and by its own retry timer. */
  flush(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = null;
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.flush();
      }
    });
  }

  private async drain(): Promise<void> {
    this.dropped = false;
    for (let batch = this.deps.outbox().slice(0, BATCH); batch.length > 0; batch = this.deps.outbox().slice(0, BATCH)) {
      const answer = await this.attempt(batch);
      if (answer === 'wait') return;
      if (answer === 'one-by-one' && !(await this.oneByOne(batch))) return;
    }
    this.retryMs = FIRST_RETRY_MS;
    // A tap refused on the way stays on the line (until the next send): "everything sent" would say it was stored.
    if (!this.dropped) this.deps.report({ kind: 'sent' });
  }

  /** One request: settled, retried later ('wait'), or refused for one of its items ('one-by-one'). */
  private async attempt(batch: readonly QueuedMilestone[]): Promise<'settled' | 'wait' | 'one-by-one'> {
    let answer: { status: number; body: unknown };
    try {
      answer = await this.deps.post(batch);
    } catch {
      return this.stopped ? 'wait' : this.later();
    }
    // Stopped while the request was out: what it found is not reported over the reason it stopped (kept, its taps are
    // sent again, as duplicates, once the kiosk is opened again).
    if (this.stopped) return 'wait';
    if (answer.status === 200 || answer.status === 201) {
      this.deps.settle(batch.map((m) => m.id));
      return 'settled';
    }
    if (answer.status === 401 || answer.status === 403) {
      this.stopped = true;
      this.deps.report({ kind: 'refused-key', detail: detailOf(answer.body) });
      return 'wait';
    }
    if (answer.status === 400 || answer.status === 409) return batch.length === 1 ? this.drop(batch[0]!, answer.body) : 'one-by-one';
    return this.later();
  }

  /** Finds the refused item of a batch by sending each alone; false when sending had to stop. */
  private async oneByOne(batch: readonly QueuedMilestone[]): Promise<boolean> {
    for (const milestone of batch) if ((await this.attempt([milestone])) === 'wait') return false;
    return true;
  }

  private drop(milestone: QueuedMilestone, body: unknown): 'settled' {
    this.dropped = true;
    this.deps.settle([milestone.id]);
    this.deps.report({ kind: 'dropped', milestone, detail: detailOf(body) });
    return 'settled';
  }

  private later(): 'wait' {
    const wait = this.retryMs;
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    this.timer = this.deps.setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
    this.deps.report({ kind: 'offline', retryInMs: wait });
    return 'wait';
  }
}

function detailOf(body: unknown): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  return typeof detail === 'string' ? detail : 'refused by the server';
}
