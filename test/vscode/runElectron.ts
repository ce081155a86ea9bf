// Runs the integration suite in desktop VS Code with @vscode/test-electron — the runner for machines with a
// normal network (or a VS Code already on disk):
//
//   node test/vscode/build.mjs && node test/vscode/dist/runElectron.mjs          (downloads VS Code 1.100.3)
//   VSCODE_EXECUTABLE=/path/to/code node test/vscode/dist/runElectron.mjs          (no download)
//
// On Linux CI without a display: `xvfb-run -a node test/vscode/dist/runElectron.mjs`.
// Where no VS Code can be downloaded, codeServer.test.ts runs the same suite in code-server.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { extensionDir, suiteBundle } from './harness/paths';
import { freePort } from './harness/processes';
import { startRingsideServer } from './harness/ringsideServer';
import { createWorkspace } from './harness/workspace';

const VSCODE_VERSION = '1.100.3';

async function main(): Promise<number> {
  // Incidents open on the first evaluation that wants them: the suite runs on the wall clock (no 2-minute hold).
  const first = await startRingsideServer({ apiKey: true, args: ['--open-after', '0'] });
  const second = await startRingsideServer({ args: ['--open-after', '0'] });
  const outputFile = join(mkdtempSync(join(tmpdir(), 'ringside-suite-')), 'report.txt');
  try {
    const settings = { 'ringside.notifications.quietMinutes': 0, 'ringside.localServer.port': await freePort() };
    const workspace = createWorkspace(first.url, { apiKey: first.apiKey!, secondServerUrl: second.url, outputFile }, settings);
    const executable = process.env.VSCODE_EXECUTABLE;
    await runTests({
      ...(executable ? { vscodeExecutablePath: executable } : { version: VSCODE_VERSION }),
      extensionDevelopmentPath: extensionDir,
      extensionTestsPath: suiteBundle,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
    return 0;
  } catch (error) {
    console.error(`integration suite failed: ${String(error)}`);
    return 1;
  } finally {
    try {
      console.log(readFileSync(outputFile, 'utf8'));
    } catch {
      // the suite never got to write its report
    }
    await Promise.all([first.close(), second.close()]);
  }
}

process.exitCode = await main();
