// Mocha entry point for the extension integration suite: the `run()` that @vscode/test-electron's
// extensionTestsPath expects. code-server loads the very same file (test/vscode/README.md).
// The suite is bundled by esbuild, so test files are registered by calling functions after mocha's
// globals exist, instead of being discovered on disk.
import { writeFileSync } from 'node:fs';
import { format } from 'node:util';
import Mocha from 'mocha';
import { registerExtensionSuite } from './extension.suite';
import { suiteConfig } from './testConfig';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const report = captureReport();
  // Installs describe/it on globalThis, as `mocha` would before loading a file.
  mocha.suite.emit('pre-require', globalThis, 'ringside-suite', mocha);
  registerExtensionSuite();

  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      report.save();
      if (failures > 0) reject(new Error(`${failures} Ringside integration test(s) failed`));
      else resolve();
    });
  });
}

/** Keeps the spec reporter's lines so the runner (outside VS Code) can print them. */
function captureReport() {
  const lines: string[] = [];
  const original = Mocha.reporters.Base.consoleLog;
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => {
    lines.push(format(...args));
    original(...args);
  };
  return {
    save() {
      Mocha.reporters.Base.consoleLog = original;
      const outputFile = suiteConfig().outputFile;
      if (outputFile) writeFileSync(outputFile, `${lines.join('\n')}\n`);
    },
  };
}
