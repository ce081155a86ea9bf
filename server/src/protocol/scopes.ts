// What an API key may do. admin ⊇ audit ⊇ read; ingest is separate (an integration that posts events cannot read
// them back), and admin also holds ingest. metrics is separate too: a monitoring system scrapes the server's own
// figures with it and can read nothing of the data. Which route needs which scope is the server's (http/scopes.ts).
export const API_SCOPES = ['ingest', 'read', 'audit', 'admin', 'metrics'] as const;
export type ApiScope = (typeof API_SCOPES)[number];
