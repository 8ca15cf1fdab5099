import { randomUUID } from 'node:crypto';
import { createLogger } from '@sc/config';
import { stableId } from '@sc/demo';
import { PeopleSnapshotMark, PeopleVoter } from '@sc/people-contracts';
import { RosterPlace } from '@sc/roster-contracts';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { Matter, MatterSupervisor, MatterTask, Meeting, Opinion, TaskReport } from '../entities';
import { ImplementationService } from '../services/implementation.service';
import { deliberationFixture, PLACES, type DeliberationFixture } from '../services/spec-helpers';
import { seedDemoMatters } from './demo';

describe('deliberation demo seed on MariaDB [needs: MariaDB]', () => {
  let db: TestDatabase;
  let f: DeliberationFixture;
  beforeAll(async () => {
    db = await freshMysqlDatabase('delib_seed');
    f = await deliberationFixture(db.url, 0);
    // 正街 with three courtyards of eight households each, as people's snapshot would have said.
    const street = stableId('street:正街');
    const courtyards = [randomUUID(), randomUUID(), randomUUID()].sort();
    await f.ds.getRepository(RosterPlace).save([
      {
        id: street,
        kind: 'STREET',
        name: '正街',
        parentId: PLACES.community,
        communityId: PLACES.community,
        status: 'ACTIVE',
      },
      ...courtyards.map((id, i) => ({
        id,
        kind: 'COURTYARD' as const,
        name: `院${i + 1}`,
        parentId: street,
        communityId: PLACES.community,
        status: 'ACTIVE' as const,
      })),
    ]);
    const voters: PeopleVoter[] = courtyards.flatMap((courtyardId) =>
      Array.from({ length: 8 }, () => {
        const householdId = randomUUID();
        return [
          { id: randomUUID(), relationship: 'HEAD', birthYear: 1965 },
          { id: randomUUID(), relationship: 'SPOUSE', birthYear: 1968 },
        ].map((v) => ({
          ...v,
          status: 'ACTIVE' as const,
          householdId,
          streetId: street,
          courtyardId,
          version: 1,
        }));
      }).flat(),
    );
    await f.ds.getRepository(PeopleVoter).save(voters);
    await f.ds
      .getRepository(PeopleSnapshotMark)
      .save({ snapshotId: randomUUID(), residents: voters.length, houses: 0, takenAt: new Date() });
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    await db?.drop();
  });

  it('seeds the four matters with opinions, a meeting, supervisors, tasks and progress; runs once', async () => {
    const implementation = new ImplementationService(
      f.ds,
      f.outbox,
      () => undefined,
      () => f.clock.now,
    );
    const logger = createLogger({ service: 'seed-spec', level: 'silent' });
    const run = () =>
      seedDemoMatters(f.ds, f.matters, logger, () => f.clock.now, {
        discussion: f.discussion,
        implementation,
      });
    expect(await run()).toEqual({ matters: 4 });
    const matters = await f.ds.getRepository(Matter).find();
    expect(matters.map((m) => m.status).sort()).toEqual([
      'IMPLEMENTED',
      'IMPLEMENTING',
      'REJECTED',
      'VOTING',
    ]);
    const parking = matters.find((m) => m.status === 'VOTING');
    const cleaning = matters.find((m) => m.status === 'IMPLEMENTING');
    expect(await f.ds.getRepository(Opinion).countBy({ matterId: parking?.id })).toBe(2);
    expect(await f.ds.getRepository(Meeting).countBy({ matterId: parking?.id })).toBe(1);
    expect(await f.ds.getRepository(MatterSupervisor).countBy({ matterId: cleaning?.id })).toBe(2);
    expect(await f.ds.getRepository(MatterTask).countBy({ matterId: cleaning?.id })).toBe(2);
    expect(await f.ds.getRepository(TaskReport).countBy({ matterId: cleaning?.id })).toBe(1);
    expect(await run()).toBeNull();
    expect(await f.ds.getRepository(Matter).count()).toBe(4);
  });
});
