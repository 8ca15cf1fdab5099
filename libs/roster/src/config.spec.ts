import { ConfigError, parseEnv } from '@sc/config';
import { rosterEnvSchema } from './config';

describe('roster configuration', () => {
  it('keeps its data under .data unless DATA_DIR says otherwise', () => {
    expect(parseEnv(rosterEnvSchema, {}).DATA_DIR).toBe('.data');
    expect(parseEnv(rosterEnvSchema, { DATA_DIR: '/srv/roster' }).DATA_DIR).toBe('/srv/roster');
  });

  it('refuses an empty DATA_DIR (it would be the working directory) with the one-line error', () => {
    expect(() => parseEnv(rosterEnvSchema, { DATA_DIR: '' })).toThrow(
      new ConfigError(['DATA_DIR: must not be empty (unset it for the default, .data)']),
    );
  });
});
