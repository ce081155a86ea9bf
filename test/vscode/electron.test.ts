// The @vscode/test-electron runner (desktop VS Code). It needs a VS Code executable (or a download), which this
// environment does not have, so it only runs when VSCODE_EXECUTABLE points at one; codeServer.test.ts runs the
// same suite here. Elsewhere: `VSCODE_EXECUTABLE=/path/to/code npx vitest run --project vscode`, or run the runner
// directly (see runElectron.ts).
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { buildForVsCodeTests } from './harness/build';
import { electronRunner } from './harness/paths';

it.skipIf(!process.env.VSCODE_EXECUTABLE)('passes the extension integration suite in desktop VS Code (@vscode/test-electron)', () => {
  buildForVsCodeTests();
  const output = execFileSync(process.execPath, [electronRunner], { encoding: 'utf8', env: process.env, timeout: 240_000 });
  console.log(output);
  expect(output).toMatch(/passing/);
  expect(output).not.toMatch(/failing/);
});
