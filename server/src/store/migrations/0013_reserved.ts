// Migration 13 stands in for the events migration developed alongside this one (events of any type, their
// measures); it changes nothing. When both meet, that migration takes this number and this file goes.
import type { Migration } from './types';

export const MIGRATION_0013: Migration = {
  version: 13,
  name: 'reserved',
  sql: `SELECT 1;`,
};
