import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevSigningKey, StaticKeyResolver } from '@sc/auth';
import { createLogger } from '@sc/config';
import { gqlRequest, tokenMinter } from '@sc/testing';
import { people as peopleService } from './people.service';

describe('people with no reachable broker [starts: people subgraph on SQLite, Kafka pointed at a closed port]', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-people-nobroker-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // No wall-clock bounds: start and close must resolve at all (a consumer stuck on the broker would hang
  // them past the test's timeout); how long they take is not this spec's business.
  it('starts, serves reads while the grid consumer keeps retrying, and stops', async () => {
    const env = {
      NODE_ENV: 'test',
      DATA_DIR: dir,
      PEOPLE_HOST: '127.0.0.1',
      PEOPLE_PORT: '0',
      KAFKA_BROKERS: '127.0.0.1:1',
    };
    const people = await peopleService.start({
      env: env,
      logger: createLogger({ service: 'test', level: 'silent' }),
      keyResolver: new StaticKeyResolver([loadOrCreateDevSigningKey(dir)]),
    });
    try {
      const res = await gqlRequest<{ populationStats: { residents: number } }>(
        `${people.url}/graphql`,
        '{ populationStats { residents } }',
        {},
        tokenMinter(dir).mint(['TOWN_OFFICER']),
      );
      expect(res.data?.populationStats.residents).toBe(0);
    } finally {
      await people.close();
    }
  });
});
