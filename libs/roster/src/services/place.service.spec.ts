import type { DataSource } from 'typeorm';
import { createLogger } from '@sc/config';
import { OutboxEvent } from '@sc/events';
import { Place } from '../entities/place.entity';
import { seedCaichang, stableId } from '../seed/caichang';
import type { PlaceService } from './place.service';
import { caller, ROSTER_DATABASES, type RosterServices } from './spec-helpers';

const admin = caller(['ADMIN'], 'admin-1');
const chief = caller(['STREET_CHIEF'], 'chief-1');

describe.each(ROSTER_DATABASES)('PlaceService on %s', (_database, seeded) => {
  let ds: DataSource;
  let places: PlaceService;
  let services: RosterServices;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ ds, services, close } = await seeded());
    places = services.places;
  });
  afterAll(async () => close?.());

  const count = (kind: Place['kind']) => ds.getRepository(Place).countBy({ kind, status: 'ACTIVE' });

  it('seeds Caichang: 1 community, 3 resident groups, 21 streets, 72 courtyards, with one event each', async () => {
    expect([
      await count('COMMUNITY'),
      await count('RESIDENT_GROUP'),
      await count('STREET'),
      await count('COURTYARD'),
    ]).toEqual([1, 3, 21, 72]);
    expect(await ds.getRepository(OutboxEvent).countBy({ topic: 'caichang.roster.places.v1' })).toBe(
      1 + 3 + 21 + 72,
    );
  });

  it('seeding twice changes nothing', async () => {
    expect(await seedCaichang(ds, services, createLogger({ service: 'test', level: 'silent' }))).toBe(false);
    expect(await count('STREET')).toBe(21);
  });

  it('orders children by their materialised path under the parent', async () => {
    const street = await places.create(admin, {
      kind: 'STREET',
      parentId: stableId('group:2'),
      name: '新建路',
    });
    expect(street.sortKey).toBe('0001.0002.0008');
    expect(street.communityId).toBe(stableId('community'));
  });

  it('only lets ADMIN change places', async () => {
    await expect(
      places.create(chief, { kind: 'STREET', parentId: stableId('group:2'), name: '越权路' }),
    ).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    await expect(
      places.create({ principal: null }, { kind: 'STREET', parentId: stableId('group:2'), name: '越权路' }),
    ).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('keeps names unique among active siblings but lets a retired name be reused', async () => {
    const group = stableId('group:3');
    const first = await places.create(admin, { kind: 'STREET', parentId: group, name: '临时街' });
    await expect(
      places.create(admin, { kind: 'STREET', parentId: group, name: '临时街' }),
    ).rejects.toMatchObject({
      extensions: { code: 'CONFLICT' },
    });
    // Same name under another parent is fine.
    await places.create(admin, { kind: 'STREET', parentId: stableId('group:1'), name: '临时街' });
    await places.retire(admin, 'STREET', first.id, '并入幸福路');
    const again = await places.create(admin, { kind: 'STREET', parentId: group, name: '临时街' });
    expect(again.id).not.toBe(first.id);
    expect(again.sortKey > first.sortKey).toBe(true);
  });

  it("refuses a rename to an active sibling's name with CONFLICT on input.name, changing nothing", async () => {
    const group = stableId('group:2');
    const a = await places.create(admin, { kind: 'STREET', parentId: group, name: '改名甲街' });
    const b = await places.create(admin, { kind: 'STREET', parentId: group, name: '改名乙街' });
    const events = () => ds.getRepository(OutboxEvent).countBy({ aggregateId: b.id });
    const before = await events();
    await expect(places.rename(admin, 'STREET', b.id, '改名甲街')).rejects.toMatchObject({
      message: 'An active street named 改名甲街 already exists here',
      extensions: { code: 'CONFLICT', field: 'input.name' },
    });
    expect(await ds.getRepository(Place).findOneByOrFail({ id: b.id })).toMatchObject({
      name: '改名乙街',
      version: b.version,
    });
    expect(await events()).toBe(before);
    // Once the sibling is retired its name is free.
    await places.retire(admin, 'STREET', a.id, '并入');
    await expect(places.rename(admin, 'STREET', b.id, '改名甲街')).resolves.toMatchObject({
      name: '改名甲街',
    });
  });

  it('refuses to add under a retired parent and to retire a parent with active children', async () => {
    const street = await places.create(admin, {
      kind: 'STREET',
      parentId: stableId('group:3'),
      name: '待撤街',
    });
    const yard = await places.create(admin, { kind: 'COURTYARD', parentId: street.id, name: '待撤院' });
    await expect(places.retire(admin, 'STREET', street.id, '撤销')).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', currentState: 'ACTIVE' },
    });
    await places.retire(admin, 'COURTYARD', yard.id, '拆除');
    await places.retire(admin, 'STREET', street.id, '撤销');
    await expect(
      places.create(admin, { kind: 'COURTYARD', parentId: street.id, name: '新院' }),
    ).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', currentState: 'RETIRED' },
    });
    await expect(places.rename(admin, 'STREET', street.id, '复活街')).rejects.toMatchObject({
      extensions: { code: 'CONFLICT' },
    });
  });

  it('treats an id of another kind as not found', async () => {
    await expect(places.rename(admin, 'COURTYARD', stableId('street:正街'), 'x')).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('writes the rename event with the previous name, in the same transaction', async () => {
    const id = stableId('street:南街');
    await places.rename(admin, 'STREET', id, '南大街');
    const event = await ds
      .getRepository(OutboxEvent)
      .findOne({ where: { aggregateId: id }, order: { seq: 'DESC' } });
    expect(event?.type).toBe('cn.caichang.roster.street.renamed.v1');
    expect(JSON.parse(event!.envelope).data).toEqual({
      id,
      kind: 'STREET',
      name: '南大街',
      previousName: '南街',
      actor: 'admin-1',
    });
  });
});
