import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { Principal } from '@sc/auth';
import { openDatabase, transaction } from '@sc/db';
import { EventPayloadError, type CloudEvent } from '@sc/events';
import { applyGridEvent, GridPlace } from '@sc/roster-contracts';
import { people } from '../people.service';
import { inScope, PeopleAccess } from './access';

const event = (data: unknown, type = 'cn.caichang.roster.grid.changed.v1'): CloudEvent<unknown> => ({
  specversion: '1.0',
  id: `e-${Math.random()}`,
  source: '/caichang/roster',
  type,
  subject: 'g1',
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  data,
});
const principal = (roles: Principal['roles'], scopes: string[]): Principal => ({
  subject: 's',
  roles,
  scopes,
  tokenId: 't',
  expiresAt: new Date(Date.now() + 60_000),
});

describe('grid read model and view scopes on the embedded database (SQLite)', () => {
  let dir: string;
  let ds: DataSource;
  let access: PeopleAccess;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-grid-'));
    ds = await openDatabase({
      url: `sqlite:${dir}/people.sqlite`,
      entities: people.entities,
      migrations: [],
    });
    access = new PeopleAccess(ds, 'caichang');
  });
  afterAll(async () => {
    await ds.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const apply = (e: CloudEvent<unknown>) => transaction(ds, (m) => applyGridEvent(e, m));

  it('replaces a grid membership with the full membership of each event', async () => {
    await apply(event({ id: 'g1', name: 'A', streetIds: ['s1', 's2'], courtyardIds: ['c1'], actor: 'x' }));
    await apply(event({ id: 'g1', name: 'A', streetIds: ['s2', 's2'], courtyardIds: [], actor: 'x' }));
    expect(await ds.getRepository(GridPlace).findBy({ gridId: 'g1' })).toEqual([
      { gridId: 'g1', placeId: 's2', kind: 'STREET' },
    ]);
  });

  it('skips other roster event types and rejects a payload that breaks the contract', async () => {
    await apply(event({ anything: true }, 'cn.caichang.roster.chief.appointed.v1'));
    await expect(apply(event({ id: 'g1', streetIds: 'not-a-list' }))).rejects.toBeInstanceOf(
      EventPayloadError,
    );
    expect(await ds.getRepository(GridPlace).countBy({ gridId: 'g1' })).toBe(1);
  });

  it('derives each role scope: staff of the community, chiefs by grid, residents for self, others none', async () => {
    await apply(event({ id: 'g2', name: 'B', streetIds: [], courtyardIds: ['c9'], actor: 'x' }));
    expect(await access.scopeOf(principal(['ADMIN'], []))).toEqual({ kind: 'all' });
    expect(await access.scopeOf(principal(['COMMUNITY_STAFF'], ['community:caichang']))).toEqual({
      kind: 'all',
    });
    expect(await access.scopeOf(principal(['COMMUNITY_STAFF'], ['community:other']))).toEqual({
      kind: 'none',
    });
    const chief = await access.scopeOf(principal(['STREET_CHIEF'], ['grid:g1', 'grid:g2']));
    expect(chief).toEqual({ kind: 'places', streetIds: ['s2'], courtyardIds: ['c9'] });
    expect(inScope(chief, { streetId: 's2', courtyardId: 'c0' })).toBe(true);
    expect(inScope(chief, { streetId: 's7', courtyardId: 'c9' })).toBe(true);
    expect(inScope(chief, { streetId: 's7', courtyardId: null })).toBe(false);
    expect(await access.scopeOf(principal(['RESIDENT'], ['resident:r1']))).toEqual({
      kind: 'self',
      residentId: 'r1',
    });
    expect(await access.scopeOf(principal(['COUNTY_VIEWER'], []))).toEqual({ kind: 'none' });
    expect(await access.scopeOf(principal(['TOWN_OFFICER'], ['community:caichang']))).toEqual({
      kind: 'none',
    });
    await expect(access.scopeOf(null)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});
