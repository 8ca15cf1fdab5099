import { ConfigError } from '@sc/config';
import { people } from './people.service';

describe('people configuration', () => {
  it('keeps its data under .data unless DATA_DIR says otherwise', () => {
    expect(people.parseConfig({}).dataDir).toBe('.data');
    expect(people.parseConfig({ DATA_DIR: '/srv/people' }).dataDir).toBe('/srv/people');
  });

  it('refuses an empty DATA_DIR (it would be the working directory) with the one-line error', () => {
    expect(() => people.parseConfig({ DATA_DIR: '' })).toThrow(
      new ConfigError(['DATA_DIR: must not be empty (unset it for the default, .data)']),
    );
  });
});
