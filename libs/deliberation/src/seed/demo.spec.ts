import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deliberationFixture, type DeliberationFixture } from '../services/spec-helpers';
import { checkSeed, fillDemoReadModels } from './demo-spec-helpers';

// The embedded database (node:sqlite, schema from the entities): the new tables and the loaders' SQL.
describe('deliberation demo seed on the embedded database [needs: nothing]', () => {
  let dir: string;
  let f: DeliberationFixture;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-delib-seed-'));
    f = await deliberationFixture(`sqlite:${dir}/deliberation.sqlite`, 0);
    await fillDemoReadModels(f);
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('seeds the four matters with opinions, a meeting, supervisors, tasks and progress; runs once', () =>
    checkSeed(f));
});
