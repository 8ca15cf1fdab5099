import type { DataSource } from 'typeorm';
import type { RosterRequest } from '../context';
import { Place } from '../entities/place.entity';
import { RosterLoaders } from '../loaders';
import { RosterRepository } from '../repositories/roster.repository';
import { seededEmbeddedRoster, type RosterServices } from './spec-helpers';

describe('PlaceService.required: the place a non-null field refers to (embedded database, demo seed)', () => {
  let ds: DataSource;
  let services: RosterServices;
  let close: () => Promise<void>;
  const request = (): RosterRequest => ({
    principal: null,
    loaders: new RosterLoaders(ds, new RosterRepository(ds)),
  });

  beforeAll(async () => {
    ({ ds, services, close } = await seededEmbeddedRoster());
  });
  afterAll(async () => close?.());

  it("returns a street's resident group and community", async () => {
    const street = await ds.getRepository(Place).findOneByOrFail({ kind: 'STREET', name: '正街' });
    await expect(
      services.places.required(request(), 'RESIDENT_GROUP', street.parentId),
    ).resolves.toMatchObject({
      id: street.parentId,
      kind: 'RESIDENT_GROUP',
    });
    await expect(services.places.required(request(), 'COMMUNITY', street.communityId)).resolves.toMatchObject(
      {
        code: 'caichang',
      },
    );
  });

  it('fails (a fault, not a null) when the reference is missing, of another kind, or absent', async () => {
    const street = await ds.getRepository(Place).findOneByOrFail({ kind: 'STREET', name: '正街' });
    await expect(services.places.required(request(), 'COMMUNITY', 'no-such-place')).rejects.toThrow(
      'the roster refers to a COMMUNITY no-such-place that does not exist',
    );
    await expect(services.places.required(request(), 'COMMUNITY', street.id)).rejects.toThrow(
      `the roster refers to a COMMUNITY ${street.id} that does not exist`,
    );
    await expect(services.places.required(request(), 'STREET', null)).rejects.toThrow(
      'the roster refers to a STREET (none) that does not exist',
    );
  });
});
