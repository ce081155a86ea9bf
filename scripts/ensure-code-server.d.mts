// Types for the plain-ESM script, so the TypeScript test harness can import it.
export declare const CODE_SERVER_VERSION: string;
export interface CodeServerInstall {
  dir: string;
  /** node_modules/code-server/out/node/entry.js: start it with `node`. */
  entry: string;
  version: string;
}
export declare function codeServerDir(): string;
export declare function codeServerEntry(dir?: string): string;
export declare function ensureDebianBinary(binary: string, pkg: string): void;
export declare function ensureCodeServer(options?: { dir?: string }): CodeServerInstall;
