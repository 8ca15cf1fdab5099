import { ConfigError, parseEnv } from '@sc/config';
import { peopleEnvSchema } from './config';

describe('people configuration', () => {
  it('keeps its data under .data unless DATA_DIR says otherwise', () => {
    expect(parseEnv(peopleEnvSchema, {}).DATA_DIR).toBe('.data');
    expect(parseEnv(peopleEnvSchema, { DATA_DIR: '/srv/people' }).DATA_DIR).toBe('/srv/people');
  });

  it('refuses an empty DATA_DIR (it would be the working directory) with the one-line error', () => {
    expect(() => parseEnv(peopleEnvSchema, { DATA_DIR: '' })).toThrow(
      new ConfigError(['DATA_DIR: must not be empty (unset it for the default, .data)']),
    );
  });
});
