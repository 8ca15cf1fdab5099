import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, transaction } from '@sc/db';
import type { CloudEvent, EventContract } from '@sc/events';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import {
  PEOPLE_SOURCE,
  PeopleEvents,
  PeopleSnapshotEvents,
  ResidentsImported,
  type SnapshotResident,
} from './events';
import { activeResident, applyResidentEvent, ResidentRef } from './read-models';

function envelope<T>(contract: EventContract<T>, subject: string, data: T): CloudEvent<unknown> {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: PEOPLE_SOURCE,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    ...contract.build(subject, data),
  };
}

const S1 = 'street-1';
const S2 = 'street-2';
const movedIn = (id: string, version: number | undefined, streetId = S1) =>
  envelope(PeopleEvents.residentMovedIn, id, {
    id,
    category: 'REGISTERED',
    origin: '汉源县',
    addressId: 'address-1',
    streetId,
    courtyardId: null,
    householdId: null,
    relationship: null,
    date: '2026-01-02',
    firstRegistration: true,
    actor: 'staff',
    ...(version === undefined ? {} : { version }),
  });
const householdChanged = (id: string, version: number, householdId: string) =>
  envelope(PeopleEvents.residentHouseholdChanged, id, {
    id,
    fromHouseholdId: null,
    toHouseholdId: householdId,
    relationship: 'SPOUSE',
    actor: 'staff',
    version,
  });
const movedOut = (id: string, version: number) =>
  envelope(PeopleEvents.residentMovedOut, id, {
    id,
    category: 'REGISTERED',
    streetId: S1,
    courtyardId: null,
    householdId: null,
    destination: '雅安市',
    date: '2026-03-04',
    actor: 'staff',
    version,
  });
const item = (id: string, version: number, over: Partial<SnapshotResident> = {}): SnapshotResident => ({
  id,
  status: 'ACTIVE',
  birthYear: 1980,
  householdId: null,
  relationship: null,
  streetId: S1,
  courtyardId: null,
  version,
  ...over,
});
const snapshot = (...residents: SnapshotResident[]) => {
  const snapshotId = randomUUID();
  return envelope(PeopleSnapshotEvents.residents, snapshotId, { snapshotId, part: 1, residents });
};

/**
 * The residents read model (roster's and cases' `people_resident`) against people's snapshots (ADR
 * 0023): snapshot parts travel on their own topic, in no order with a resident's events, so every item
 * and event carries the resident's version and the model keeps the newest it saw.
 */
describe('residents read model with snapshots [real: MariaDB]', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const apply = (...events: CloudEvent<unknown>[]) =>
    transaction(ds, async (m) => {
      for (const e of events) await applyResidentEvent(e, m);
    });
  const held = async () =>
    (await ds.getRepository(ResidentRef).find({ order: { id: 'ASC' } })).map((r) => ({ ...r }));

  beforeAll(async () => {
    db = await freshMysqlDatabase('people_residents_rm');
    ds = createDataSource({ url: db.url, entities: [ResidentRef], migrations: [] });
    await ds.initialize();
    await ds.synchronize();
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });
  beforeEach(() => ds.getRepository(ResidentRef).clear());

  it('fills an empty model from a snapshot, and the same snapshot twice changes nothing', async () => {
    const s = snapshot(
      item('r1', 3),
      item('r2', 1, { status: 'MOVED_OUT', streetId: S2 }),
      item('r3', 7, { status: 'DECEASED', householdId: 'h1', relationship: 'HEAD' }),
    );
    await apply(s);
    const once = await held();
    expect(once).toEqual([
      { id: 'r1', status: 'ACTIVE', householdId: null, streetId: S1, courtyardId: null, version: 3 },
      { id: 'r2', status: 'MOVED_OUT', householdId: null, streetId: S2, courtyardId: null, version: 1 },
      { id: 'r3', status: 'DECEASED', householdId: 'h1', streetId: S1, courtyardId: null, version: 7 },
    ]);
    await apply(s);
    await apply(snapshot(item('r1', 3), item('r2', 1, { status: 'MOVED_OUT', streetId: S2 })));
    expect(await held()).toEqual(once);
    await transaction(ds, async (m) => {
      expect(await activeResident(m, 'r1')).not.toBeNull();
      expect(await activeResident(m, 'r3')).toBeNull();
    });
  });

  it('never lets an older snapshot item overwrite a newer live version, whichever comes first', async () => {
    // Live changes first (the snapshot was read before them and arrives late).
    await apply(movedIn('r1', 1), householdChanged('r1', 2, 'h9'), movedIn('r2', 1), movedOut('r2', 2));
    await apply(snapshot(item('r1', 1), item('r2', 1)));
    expect(await held()).toEqual([
      { id: 'r1', status: 'ACTIVE', householdId: 'h9', streetId: S1, courtyardId: null, version: 2 },
      { id: 'r2', status: 'MOVED_OUT', householdId: null, streetId: S1, courtyardId: null, version: 2 },
    ]);
    // A newer snapshot first, then a live event it already contains (older or the same version).
    await apply(snapshot(item('r1', 4, { streetId: S2, householdId: 'h2', relationship: 'HEAD' })));
    await apply(householdChanged('r1', 3, 'h7'), movedIn('r1', 4, S1));
    expect((await held())[0]).toEqual({
      id: 'r1',
      status: 'ACTIVE',
      householdId: 'h2',
      streetId: S2,
      courtyardId: null,
      version: 4,
    });
    // A live change after the snapshot applies.
    await apply(movedOut('r1', 5));
    expect((await held())[0]).toMatchObject({ status: 'MOVED_OUT', version: 5 });
  });

  it('applies events without a version (written before it was added) and lets a snapshot correct them', async () => {
    await apply(movedIn('r1', undefined, S2));
    expect((await held())[0]).toMatchObject({ streetId: S2, version: 0 });
    await apply(snapshot(item('r1', 6)));
    expect((await held())[0]).toMatchObject({ streetId: S1, version: 6 });
  });

  it('applies an import batch in one go, each item only when newer than what is held', async () => {
    await apply(snapshot(item('r1', 3, { householdId: 'h1', relationship: 'HEAD' }), item('r2', 1)));
    const importId = randomUUID();
    const imported = (id: string, version: number, streetId: string) => ({
      id,
      change: 'UPDATED' as const,
      version,
      category: 'REGISTERED' as const,
      origin: '汉源县',
      streetId,
      courtyardId: null,
      addressId: null,
      movedInAt: '2026-01-02',
      birthYear: 1980,
    });
    const batch = envelope(ResidentsImported, importId, {
      importId,
      batch: 1,
      part: 1,
      actor: 'import',
      residents: [imported('r1', 2, S2), imported('r2', 2, S2), imported('r3', 1, S2)],
    });
    await apply(batch);
    expect(await held()).toEqual([
      { id: 'r1', status: 'ACTIVE', householdId: 'h1', streetId: S1, courtyardId: null, version: 3 },
      { id: 'r2', status: 'ACTIVE', householdId: null, streetId: S2, courtyardId: null, version: 2 },
      { id: 'r3', status: 'ACTIVE', householdId: null, streetId: S2, courtyardId: null, version: 1 },
    ]);
  });
});
