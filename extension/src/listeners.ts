// A minimal typed event emitter, so connection.ts and liveState.ts stay free of `vscode` and are easy to reason about.
export type Listener<T> = (value: T) => void;

export interface Subscription {
  dispose(): void;
}

export class Listeners<T> {
  private readonly listeners = new Set<Listener<T>>();

  /** Same call shape as vscode.Event, so it can be handed out as one. */
  readonly event = (listener: Listener<T>): Subscription => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }

  clear(): void {
    this.listeners.clear();
  }
}
