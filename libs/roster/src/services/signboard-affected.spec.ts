import type { DataSource } from 'typeorm';
import { Place } from '../entities/place.entity';
import { SignboardRefresh } from '../entities/signboard-refresh.entity';
import { Signboard } from '../entities/signboard.entity';
import { stableId } from '../seed/caichang';
import { caller, ROSTER_DATABASES, type RosterServices } from './spec-helpers';

const admin = caller(['ADMIN'], 'admin-1');
const sorted = (lists: string[][]) => lists.map((ids) => [...ids].sort());

/**
 * The one-statement path of `affectedBy` for renames and retirements (ADR 0052) names exactly the
 * boards the general four-query path names, for every place of the demo roster, one at a time and
 * all at once; and a rename records a refresh exactly when some board can show the place.
 */
describe.each(ROSTER_DATABASES)('boards a place change can alter, on %s', (_database, seeded) => {
  let ds: DataSource;
  let services: RosterServices;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ ds, services, close } = await seeded());
  });
  afterAll(async () => close?.());

  it('are the same on the plain path as on the general one, for every place', async () => {
    const places = await ds.getRepository(Place).find({ order: { sortKey: 'ASC' } });
    const changes = places.map((p) => ({ places: [p.id] }));
    const fast = await services.signboards.affectedBy(ds.manager, changes);
    const general = await services.signboards.affectedByAnyChange(ds.manager, changes);
    expect(sorted(fast)).toEqual(sorted(general));
    // The demo has boards shown by streets (their grids) and places no board shows (courtyards
    // outside every grid): both kinds are compared.
    expect(fast.some((ids) => ids.length > 1)).toBe(true);
    expect(fast.some((ids) => ids.length === 0)).toBe(true);
    // Several places in one change: the union.
    const two = [{ places: [stableId('street:正街'), stableId('courtyard:正街:粮站院')] }];
    expect(sorted(await services.signboards.affectedBy(ds.manager, two))).toEqual(
      sorted(await services.signboards.affectedByAnyChange(ds.manager, two)),
    );
  });

  it('refreshes exactly the boards a street rename can alter, after which none is pending', async () => {
    const street = stableId('street:正街');
    const [shown = []] = await services.signboards.affectedBy(ds.manager, [{ places: [street] }]);
    const before = new Map((await ds.getRepository(Signboard).find()).map((b) => [b.id, b.contentHash]));
    await services.places.rename(admin, 'STREET', street, '正街·改');
    expect(await ds.getRepository(SignboardRefresh).count()).toBe(0);
    const after = await ds.getRepository(Signboard).find();
    const changed = after.filter((b) => b.contentHash !== before.get(b.id));
    // Every board that shows the street prints its name: each one changed and is out of date.
    expect(changed.map((b) => b.id).sort()).toEqual([...shown].sort());
    expect(changed.every((b) => b.outOfDate && b.outOfDateSince !== null)).toBe(true);
  });
});
