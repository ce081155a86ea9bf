export * from './events';
export * from './standards';
export * from './sites';
export * from './compliance';
export * from './live';
export * from './pure';
export * from './distribution';
export * from './problem';
export * from './ingest';
export * from './alerts';
export * from './incidents';
export * from './text';
export * from './retention';
export * from './scopes';
export * from './eventTypes';

export const API_PREFIX = '/api/v1';
export const DEFAULT_PORT = 4870;
export * from './staffing';
