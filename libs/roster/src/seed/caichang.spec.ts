import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createLogger } from '@sc/config';
import { openDatabase } from '@sc/db';
import { OutboxEvent } from '@sc/events';
import { Account } from '../entities/account.entity';
import { Place } from '../entities/place.entity';
import { roster } from '../roster.service';
import { rosterServices } from '../services/spec-helpers';
import { DEMO_ACCOUNTS, seedCaichang } from './caichang';

const silent = createLogger({ service: 'test', level: 'silent' });

describe('the demo roster seed [embedded SQLite]', () => {
  let dir: string;
  let ds: DataSource;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-roster-seed-'));
    ds = await openDatabase({
      url: `sqlite:${dir}/roster.sqlite`,
      entities: roster.entities,
      migrations: [],
    });
  });
  afterEach(async () => {
    await ds.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is all or nothing: a seed that fails at its last account leaves no place, event or account, and the next one seeds it whole', async () => {
    const services = rosterServices(ds, dir);
    // The last demo account already exists, so the seed fails at its very last insert.
    const last = DEMO_ACCOUNTS.at(-1)!;
    await services.accounts.createUnchecked({ ...last, password: 'a-long-enough-password' });

    await expect(seedCaichang(ds, services, silent)).rejects.toMatchObject({
      extensions: { code: 'CONFLICT' },
    });
    expect(await ds.getRepository(Place).count()).toBe(0);
    expect(await ds.getRepository(OutboxEvent).count()).toBe(0);
    expect(await ds.getRepository(Account).count()).toBe(1);

    await ds.getRepository(Account).delete({ username: last.username });
    expect(await seedCaichang(ds, services, silent)).toBe(true);
    expect(await ds.getRepository(Account).count()).toBe(DEMO_ACCOUNTS.length);
    expect(await ds.getRepository(Place).countBy({ kind: 'STREET' })).toBe(21);
    // Seeded once: a second call finds the community and does nothing.
    expect(await seedCaichang(ds, services, silent)).toBe(false);
    expect(await ds.getRepository(Account).count()).toBe(DEMO_ACCOUNTS.length);
  });
});
