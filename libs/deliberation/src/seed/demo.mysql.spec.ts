import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { deliberationFixture, type DeliberationFixture } from '../services/spec-helpers';
import { checkSeed, fillDemoReadModels } from './demo-spec-helpers';

describe('deliberation demo seed on MariaDB [needs: MariaDB]', () => {
  let db: TestDatabase;
  let f: DeliberationFixture;
  beforeAll(async () => {
    db = await freshMysqlDatabase('delib_seed');
    f = await deliberationFixture(db.url, 0);
    await fillDemoReadModels(f);
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    await db?.drop();
  });

  it('seeds the four matters with opinions, a meeting, supervisors, tasks and progress; runs once', () =>
    checkSeed(f));
});
