// Types for the plain-ESM script, so the TypeScript tests can import it.
import type { SpawnSyncReturns, StdioOptions } from 'node:child_process';
/** Runs `<name>/build.mjs` when its bundle is missing or older than its inputs; null when it was fresh. */
export declare function buildIfStale(name: 'webview' | 'server', stdio?: StdioOptions): SpawnSyncReturns<string> | null;
