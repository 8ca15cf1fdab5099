import { ConfigError } from '@sc/config';
import { roster } from './roster.service';

describe('roster configuration', () => {
  it('keeps its data under .data unless DATA_DIR says otherwise', () => {
    expect(roster.parseConfig({}).dataDir).toBe('.data');
    expect(roster.parseConfig({ DATA_DIR: '/srv/roster' }).dataDir).toBe('/srv/roster');
  });

  it('refuses an empty DATA_DIR (it would be the working directory) with the one-line error', () => {
    expect(() => roster.parseConfig({ DATA_DIR: '' })).toThrow(
      new ConfigError(['DATA_DIR: must not be empty (unset it for the default, .data)']),
    );
  });
});
