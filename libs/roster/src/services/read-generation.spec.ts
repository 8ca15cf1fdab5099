import { type DataSource, MoreThan } from 'typeorm';
import { ReadCache, ReadGeneration } from '@sc/db';
import { OutboxEvent } from '@sc/events';
import { Place } from '../entities/place.entity';
import { stableId } from '../seed/caichang';
import { caller, ROSTER_DATABASES, type RosterServices } from './spec-helpers';

const admin = caller(['ADMIN'], 'admin-1');

/**
 * The read generation of the public-read cache (ADR 0050) on both databases: every committed change
 * of a served table bumps it in its own transaction, a refused or rolled back one and bookkeeping
 * writes (the relay marking events published) do not, and a cache keeps answers for one generation.
 */
describe.each(ROSTER_DATABASES)('ReadGeneration on %s', (_database, seeded) => {
  let ds: DataSource;
  let services: RosterServices;
  let generation: ReadGeneration;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ ds, services, close } = await seeded());
    generation = await new ReadGeneration(ds, { ignoreTables: ['signboard_refresh'] }).install();
    // Installing twice keeps the one row and the one subscriber.
    await generation.install();
  });
  afterAll(async () => close?.());

  it('is bumped once by each committed rename (and once more by the signboard refresh it causes)', async () => {
    const g0 = await generation.current();
    await services.places.rename(admin, 'COURTYARD', stableId('courtyard:正街:粮站院'), '粮站院·一');
    const g1 = await generation.current();
    expect(g1).toBe(g0 + 1);
    await services.places.rename(admin, 'STREET', stableId('street:正街'), '正街·一');
    // The rename's transaction, then the refresh pass that flags the street's boards.
    expect(await generation.current()).toBe(g1 + 2);
  });

  it('is not bumped by a refused change, a rolled back transaction or a bookkeeping write', async () => {
    const g0 = await generation.current();
    await expect(
      services.places.rename(admin, 'STREET', stableId('street:新街'), '正街·一'),
    ).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    await expect(
      ds.transaction(async (m) => {
        await m.getRepository(Place).update({ id: stableId('street:新街') }, { name: '新街·回滚' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await ds.getRepository(OutboxEvent).update({ seq: MoreThan(0) }, { publishedAt: new Date() });
    expect(await generation.current()).toBe(g0);
  });

  it('lets a cache serve an answer only under the generation it was computed at', async () => {
    const cache = new ReadCache({ maxEntries: 2 });
    const g = await generation.current();
    cache.set('a', { n: 1 }, g);
    expect(cache.get('a', g)).toEqual({ n: 1 });
    // A request that read an older generation neither reads nor fills the cache.
    expect(cache.get('a', g - 1)).toBeUndefined();
    cache.set('b', { n: 2 }, g - 1);
    expect(cache.get('b', g)).toBeUndefined();
    await services.places.rename(admin, 'STREET', stableId('street:正街'), '正街·二');
    const next = await generation.current();
    expect(next).toBeGreaterThan(g);
    expect(cache.get('a', next)).toBeUndefined();
    expect(cache.stats.invalidations).toBe(1);
    // Bounded: the least recently used answer leaves first.
    cache.set('x', 1, next);
    cache.set('y', 2, next);
    cache.get('x', next);
    cache.set('z', 3, next);
    expect([cache.get('x', next), cache.get('y', next), cache.get('z', next)]).toEqual([1, undefined, 3]);
  });
});
