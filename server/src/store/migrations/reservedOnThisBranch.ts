// Placeholders on this branch only: migrations 13–15 (PostgreSQL 4–6) are other branches' to release, and the list
// must number without gaps. DELETE this file and its use in both index.ts files when those branches are merged;
// nothing here changes a schema.
import type { Migration } from './types';
import type { PgMigration } from './postgres/types';

const placeholder = (version: number) => ({ version, name: `reserved ${version}`, sql: '' });

export const RESERVED_SQLITE: readonly Migration[] = [13, 14, 15].map(placeholder);
export const RESERVED_PG: readonly PgMigration[] = [4, 5, 6].map(placeholder);
