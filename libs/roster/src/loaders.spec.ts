import type { DataSource } from 'typeorm';
import { Place } from './entities/place.entity';
import { RosterLoaders } from './loaders';
import { PlaceRepository } from './repositories/place.repository';
import { seededEmbeddedRoster } from './services/spec-helpers';

describe('RosterLoaders.placeOf: the place a non-null field refers to (sql.js, demo seed)', () => {
  let ds: DataSource;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ ds, close } = await seededEmbeddedRoster());
  });
  afterAll(async () => close?.());

  it("returns a street's resident group and community", async () => {
    const street = await ds.getRepository(Place).findOneByOrFail({ kind: 'STREET', name: '正街' });
    const loaders = new RosterLoaders(new PlaceRepository(ds));
    await expect(loaders.placeOf(street.parentId, 'RESIDENT_GROUP')).resolves.toMatchObject({
      id: street.parentId,
      kind: 'RESIDENT_GROUP',
    });
    await expect(loaders.placeOf(street.communityId, 'COMMUNITY')).resolves.toMatchObject({
      code: 'caichang',
    });
  });

  it('fails (a fault, not a null) when the reference is missing, of another kind, or absent', async () => {
    const street = await ds.getRepository(Place).findOneByOrFail({ kind: 'STREET', name: '正街' });
    const loaders = new RosterLoaders(new PlaceRepository(ds));
    await expect(loaders.placeOf('no-such-place', 'COMMUNITY')).rejects.toThrow(
      'referenced COMMUNITY no-such-place does not exist',
    );
    await expect(loaders.placeOf(street.id, 'COMMUNITY')).rejects.toThrow(
      `referenced COMMUNITY ${street.id} does not exist`,
    );
    await expect(loaders.placeOf(null, 'STREET')).rejects.toThrow('referenced STREET (no id) does not exist');
  });
});
