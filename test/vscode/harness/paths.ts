// Absolute locations the harness needs. Found by walking up to pnpm-workspace.yaml, so this also works
// from the esbuild bundle in test/vscode/dist (runElectron) and does not depend on the cwd.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${start}`);
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const extensionDir = join(repoRoot, 'extension');
export const serverMain = join(repoRoot, 'server', 'dist', 'main.js');
export const suiteBundle = join(repoRoot, 'test', 'vscode', 'dist', 'suite', 'index.js');
export const electronRunner = join(repoRoot, 'test', 'vscode', 'dist', 'runElectron.mjs');
export const testResultsDir = join(repoRoot, 'test-results');
