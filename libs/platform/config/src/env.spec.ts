import { z } from 'zod';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, envVar, parseEnv } from './env';
import { dataDir } from './paths';

const schema = z.object({
  SERVICE_PORT: envVar.port(4001),
  DATABASE_URL: envVar.databaseUrl(),
  KAFKA_BROKERS: envVar.list(),
  PRETTY: envVar.bool(false),
});

describe('parseEnv', () => {
  it('applies defaults and parses lists and booleans', () => {
    const env = parseEnv(schema, {
      DATABASE_URL: 'sqlite:.data/x.sqlite',
      KAFKA_BROKERS: 'a:1, b:2',
      PRETTY: 'yes',
    });
    expect(env).toEqual({
      SERVICE_PORT: 4001,
      DATABASE_URL: 'sqlite:.data/x.sqlite',
      KAFKA_BROKERS: ['a:1', 'b:2'],
      PRETTY: true,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(
      parseEnv(schema, { DATABASE_URL: 'mysql://root@127.0.0.1:3306/roster', SERVICE_PORT: '' }).SERVICE_PORT,
    ).toBe(4001);
  });

  it('names every wrong or missing variable in one message', () => {
    let caught: unknown;
    try {
      parseEnv(schema, { SERVICE_PORT: 'abc', PRETTY: 'maybe' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^SERVICE_PORT: /m);
    expect(problems).toMatch(/^DATABASE_URL: /m);
    expect(problems).toMatch(/^PRETTY: expected true or false/m);
  });

  it('rejects a database URL of an unknown kind', () => {
    expect(() => parseEnv(schema, { DATABASE_URL: 'postgres://x/y' })).toThrow(
      /DATABASE_URL: expected mysql/,
    );
  });

  it('takes sqlite:<file> for the embedded database, and sqljs:<file> from earlier versions', () => {
    for (const url of ['sqlite:.data/roster.sqlite', 'sqljs:/var/lib/sc/people.sqlite']) {
      expect(parseEnv(schema, { DATABASE_URL: url }).DATABASE_URL).toBe(url);
    }
    expect(() => parseEnv(schema, { DATABASE_URL: 'sqlite:' })).toThrow(
      /DATABASE_URL: expected .*sqlite:<file>/,
    );
  });
});

describe('DATA_DIR', () => {
  const withDataDir = z.object({ DATA_DIR: envVar.dataDir(), LOG: envVar.logLevel() });

  it('defaults to .data when unset, and keeps an empty neighbour unset', () => {
    expect(parseEnv(withDataDir, { LOG: '' })).toEqual({ DATA_DIR: '.data', LOG: 'info' });
  });

  it.each([[''], ['   ']])('refuses DATA_DIR=%j instead of taking it for unset', (value) => {
    expect(() => parseEnv(withDataDir, { DATA_DIR: value })).toThrow(
      new ConfigError(['DATA_DIR: must not be empty (unset it for the default, .data)']),
    );
  });

  it('dataDir() refuses an empty folder instead of resolving it to the working directory', () => {
    expect(() => dataDir('')).toThrow(/^DATA_DIR: must not be empty/);
    expect(() => dataDir(' ')).toThrow(ConfigError);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-data-dir-'));
    try {
      expect(dataDir(path.join(dir, 'nested'))).toBe(path.join(dir, 'nested'));
      expect(fs.statSync(path.join(dir, 'nested')).isDirectory()).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
