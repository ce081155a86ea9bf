// Builds what the VS Code tests load: dashboard, server, extension, and the bundled mocha suite.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

/** Runs one package's build.mjs (esbuild, a second or less). */
export function runBuild(script: string): void {
  const path = join(repoRoot, script);
  if (!existsSync(path)) throw new Error(`${script} does not exist yet; cannot build what the VS Code tests need`);
  try {
    execFileSync(process.execPath, [path], { cwd: repoRoot, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    // Quiet on success; on failure the build's own messages are the useful part.
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${script} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

export function buildForVsCodeTests(): void {
  for (const script of ['webview/build.mjs', 'server/build.mjs', 'extension/build.mjs', 'test/vscode/build.mjs']) runBuild(script);
}
