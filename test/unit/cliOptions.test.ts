import { describe, expect, it } from 'vitest';
import { parseCli } from '../../server/src/cli/options';

describe('CLI options', () => {
  it('defaults to port 4870 on 127.0.0.1 with ./.ringside and no demo', () => {
    expect(parseCli([])).toEqual({ kind: 'run', options: { port: 4870, host: '127.0.0.1', dataDir: '.ringside', demo: false, logLevel: 'info' } });
  });
  it('reads --port, --data, --demo, --host, --seed', () => {
    expect(parseCli(['--port', '0', '--data', '/tmp/x', '--demo', '--host', '0.0.0.0', '--seed', '9'])).toEqual({
      kind: 'run',
      options: { port: 0, host: '0.0.0.0', dataDir: '/tmp/x', demo: true, demoSeed: 9, logLevel: 'info' },
    });
    expect(parseCli(['--port=5000'])).toMatchObject({ kind: 'run', options: { port: 5000 } });
  });
  it('reads --organisation (named in every export manifest), trimmed', () => {
    expect(parseCli(['--organisation', ' Northwind Clinics '])).toMatchObject({ kind: 'run', options: { organisation: 'Northwind Clinics' } });
  });
  it('reads --tsa-url (the RFC 3161 timestamp authority of every manifest), an http(s) URL', () => {
    expect(parseCli(['--tsa-url', 'http://tsa.example/ts'])).toMatchObject({ kind: 'run', options: { tsaUrl: 'http://tsa.example/ts' } });
    expect(parseCli(['--tsa-url', 'ftp://tsa.example'])).toEqual({ kind: 'error', message: '--tsa-url must be an http:// or https:// URL, got "ftp://tsa.example"' });
  });
  it('refuses a --database or --redis that is no URL of its kind without echoing its password', () => {
    expect(parseCli(['--database', 'postgress://ringside:s3cret@db.example/ringside'])).toEqual({
      kind: 'error',
      message: '--database must be a PostgreSQL URL (postgres://user@host:5432/database), got "postgress://ringside:***@db.example/ringside"',
    });
    expect(parseCli(['--database', 'ringside:s3cret@db.example/ringside'])).toEqual({
      kind: 'error',
      message: '--database must be a PostgreSQL URL (postgres://user@host:5432/database), got "(an invalid database URL)"',
    });
    expect(parseCli(['--redis', 'http://:s3cret@cache.example:6379'])).toEqual({ kind: 'error', message: '--redis must be a Redis URL (redis://host:6379 or rediss://…), got "http://:***@cache.example:6379/"' });
    expect(parseCli(['--database', 'postgresq://db.example/ringside?password=s3cret'])).toEqual({
      kind: 'error',
      message: '--database must be a PostgreSQL URL (postgres://user@host:5432/database), got "postgresq://db.example/ringside?password=***"',
    });
  });
  it('reads --database-pool: the PostgreSQL pool of this node', () => {
    expect(parseCli(['--database', 'postgres://db/r', '--database-pool', '25'])).toMatchObject({ kind: 'run', options: { databaseUrl: 'postgres://db/r', databasePoolSize: 25 } });
    for (const bad of ['0', '1', '1001', 'ten', '']) {
      expect(parseCli(['--database', 'postgres://db/r', '--database-pool', bad])).toEqual({ kind: 'error', message: `--database-pool must be a whole number of connections from 2 to 1000 (got "${bad}")` });
    }
  });
  it('shows help', () => expect(parseCli(['--help'])).toEqual({ kind: 'help' }));
  it('names the range a negative number is outside of, given apart or joined', () => {
    const portRange = { kind: 'error', message: '--port must be a whole number from 0 to 65535 (got "-1")' };
    expect(parseCli(['--port', '-1'])).toEqual(portRange);
    expect(parseCli(['--port=-1'])).toEqual(portRange);
    expect(parseCli(['--retain-days', '-5', '--demo'])).toEqual({ kind: 'error', message: '--retain-days must be a whole number of days, at least 1 (got "-5")' });
    // An option after a string option is still an option: only a number is taken as its value.
    expect(parseCli(['--data', '--demo']).kind).toBe('error');
  });
  it('takes the last of an option given twice, so a wrapper\'s default can be overridden', () => {
    expect(parseCli(['--log-level', 'warn', '--log-level', 'info'])).toMatchObject({ kind: 'run', options: { logLevel: 'info' } });
  });
  it.each([
    [['--port', 'abc'], /--port must be a whole number/],
    [['--port', '70000'], /--port/],
    [['--port', '-1'], /port/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['extra'], /positional|extra/i],
    [['--data', ''], /--data must not be empty/],
    [['--organisation', ' '], /--organisation must not be empty/],
    [['--log-level', 'loud'], /--log-level/],
    [['--log-level', 'wran'], /^--log-level must be one of fatal, error, warn, info, debug, trace, silent \(got "wran"\) \(did you mean "warn"\?\)$/],
    [['--port'], /argument missing|--port/],
  ])('rejects %j clearly', (argv, message) => {
    const result = parseCli(argv);
    expect(result.kind).toBe('error');
    if (result.kind === 'error') expect(result.message).toMatch(message);
  });
});
