import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { deliberationFixture, type DeliberationFixture } from './spec-helpers';
import { checkRunningCounts } from './tally-spec-helpers';

describe('running counts of a vote on MariaDB [needs: MariaDB]', () => {
  let db: TestDatabase;
  let f: DeliberationFixture;
  beforeAll(async () => {
    db = await freshMysqlDatabase('delib_tally');
    f = await deliberationFixture(db.url, 6);
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    await db?.drop();
  });

  it('keeps the counts equal to the ballots under concurrent casts; close publishes them, recount agrees', () =>
    checkRunningCounts(f));
});
