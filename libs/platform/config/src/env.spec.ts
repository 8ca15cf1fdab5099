import { z } from 'zod';
import { ConfigError, envVar, parseEnv } from './env';

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
