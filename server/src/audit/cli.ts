// Offline audit commands of server/dist/main.js (issue #6):
//   verify --data DIR [--json]              recompute the hash chain; exit 0 intact, 1 not
//   prune --data DIR --retain-days N        delete raw events older than N days (rollups stay), signed checkpoint
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { databasePath, openDatabase } from '../store/sqlite/database';
import { readSecret } from './auditStore';
import { pruneEvents } from './retention';
import { verifyChain, type VerifyResult } from './verify';

export const AUDIT_COMMANDS = ['verify', 'prune'] as const;

export function isAuditCommand(argv: readonly string[]): boolean {
  return (AUDIT_COMMANDS as readonly string[]).includes(argv[0] ?? '');
}

export function runAuditCommand(argv: readonly string[], io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) }): number {
  const [command, ...args] = argv;
  let values: { data?: string; json?: boolean; 'retain-days'?: string };
  try {
    ({ values } = parseArgs({ args: [...args], strict: true, options: { data: { type: 'string' }, json: { type: 'boolean' }, 'retain-days': { type: 'string' } } }));
  } catch (error) {
    io.err(`ringside ${command}: ${(error as Error).message}\n`);
    return 2;
  }
  if (!values.data) {
    io.err(`ringside ${command}: --data DIR is required\n`);
    return 2;
  }
  const dataDir = resolve(values.data);
  try {
    if (command === 'verify') {
      if (!existsSync(databasePath(dataDir))) {
        io.err(`ringside verify: no database in ${dataDir}\n`);
        return 1;
      }
      const db = new Database(databasePath(dataDir), { readonly: true, fileMustExist: true });
      try {
        db.exec('BEGIN');
        const result = verifyChain(db, readSecret(dataDir, false));
        db.exec('COMMIT');
        io.out(values.json ? JSON.stringify(result) + '\n' : verifyText(result));
        return result.intact ? 0 : 1;
      } finally {
        db.close();
      }
    }
    const days = values['retain-days'];
    if (days === undefined || !/^\d+$/.test(days) || Number(days) < 1) {
      io.err('ringside prune: --retain-days N (a whole number of days, at least 1) is required\n');
      return 2;
    }
    const db = openDatabase(dataDir);
    try {
      const r = pruneEvents(db, Number(days), readSecret(dataDir, true)!, Date.now());
      io.out(`pruned ${r.events} events and ${r.judgements} judgements before ${new Date(r.prunedBeforeMs).toISOString()}${r.checkpointSeq ? `; checkpoint ${r.checkpointSeq}` : ''}\n`);
      return 0;
    } finally {
      db.close();
    }
  } catch (error) {
    io.err(`ringside ${command}: ${(error as Error).message}\n`);
    return 1;
  }
}

/** The summary line, then one line per problem found (the chain is checked to its end, whatever it finds). */
function verifyText(result: VerifyResult): string {
  const lines = [`${result.intact ? 'INTACT' : 'BROKEN'}: ${result.message}`];
  for (const p of result.problems) lines.push(`  ${p.seq > 0 ? `record ${p.seq} (${p.kind} ${p.ref})` : `${p.kind} ${p.ref}`}: ${p.problem}`);
  if (result.moreProblems > 0) lines.push(`  … and ${result.moreProblems} more`);
  return lines.join('\n') + '\n';
}
