import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deliberationFixture, type DeliberationFixture } from './spec-helpers';
import { checkRunningCounts } from './tally-spec-helpers';

// The embedded database (node:sqlite): the same raw statements as on MariaDB.
describe('running counts of a vote on the embedded database [needs: nothing]', () => {
  let dir: string;
  let f: DeliberationFixture;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-delib-tally-'));
    f = await deliberationFixture(`sqlite:${dir}/deliberation.sqlite`, 6);
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the counts equal to the ballots under concurrent casts; close publishes them, recount agrees', () =>
    checkRunningCounts(f));
});
