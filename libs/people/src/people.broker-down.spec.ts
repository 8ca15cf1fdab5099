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

  it('starts, serves reads while the grid consumer keeps retrying, and stops promptly', async () => {
    const env = {
      NODE_ENV: 'test',
      DATA_DIR: dir,
      PEOPLE_HOST: '127.0.0.1',
      PEOPLE_PORT: '0',
      KAFKA_BROKERS: '127.0.0.1:1',
    };
    const started = Date.now();
    const people = await peopleService.start({
      env: env,
      logger: createLogger({ service: 'test', level: 'silent' }),
      keyResolver: new StaticKeyResolver([loadOrCreateDevSigningKey(dir)]),
    });
    try {
      expect(Date.now() - started).toBeLessThan(10_000);
      const res = await gqlRequest<{ populationStats: { residents: number } }>(
        `${people.url}/graphql`,
        '{ populationStats { residents } }',
        {},
        tokenMinter(dir).mint(['TOWN_OFFICER']),
      );
      expect(res.data?.populationStats.residents).toBe(0);
    } finally {
      const stopping = Date.now();
      await people.close();
      expect(Date.now() - stopping).toBeLessThan(5_000);
    }
  });
});
