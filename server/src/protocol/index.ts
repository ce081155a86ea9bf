export * from './events';
export * from './standards';
export * from './compliance';
export * from './live';
export * from './problem';
export * from './ingest';

export const API_PREFIX = '/api/v1';
export const DEFAULT_PORT = 4870;
