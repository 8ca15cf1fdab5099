import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

const run = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'apps/county-feed/src/main.ts'], {
    cwd: root,
    env: { ...process.env, KAFKA_BROKERS: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('county-feed main [starts: the county-feed app as a child process]', () => {
  it('stops start-up with one line naming each wrong variable, without printing values', () => {
    const result = run({
      KAFKA_BROKERS: '127.0.0.1:9092',
      COUNTY_FEED_PORT: 'not-a-port',
      COUNTY_FEED_DATABASE_URL: 'postgres://secret@db/x',
      COUNTY_FEED_GROUP_ID: 'no spaces allowed',
    });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^county-feed: invalid configuration: /);
    for (const name of ['COUNTY_FEED_PORT', 'COUNTY_FEED_DATABASE_URL', 'COUNTY_FEED_GROUP_ID'])
      expect(lines[0]).toContain(name);
    expect(lines[0]).not.toContain('secret');
  });

  it('refuses to start without Kafka brokers (the in-process bus is the embedded app’s only)', () => {
    const result = run({});
    expect(result.status).toBe(78);
    expect(result.stderr.trim()).toBe(
      'county-feed: invalid configuration: KAFKA_BROKERS: expected the Kafka brokers',
    );
  });
});
