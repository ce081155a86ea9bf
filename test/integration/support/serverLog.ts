// The server's log lines, as an in-process test server writes them: pino writes JSON lines to fd 2 with
// fs.writeSync (server/src/logger.ts); this records them instead (the test's output stays its own).
import fs from 'node:fs';
import { vi } from 'vitest';

export function captureLog(): { lines(): Array<Record<string, any>>; stop(): void } {
  const text: string[] = [];
  const original = fs.writeSync.bind(fs) as (...args: unknown[]) => number;
  const spy = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 2 || typeof data !== 'string') return original(fd, data, ...rest);
    text.push(data);
    return Buffer.byteLength(data);
  }));
  return {
    lines: () =>
      text
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, any>),
    stop: () => spy.mockRestore(),
  };
}
