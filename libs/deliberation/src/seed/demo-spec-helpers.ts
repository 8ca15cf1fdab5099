import { randomUUID } from 'node:crypto';
import { createLogger } from '@sc/config';
import { demoGridId, stableId } from '@sc/demo';
import { PeopleSnapshotMark, PeopleVoter } from '@sc/people-contracts';
import { GridPlace, RosterPlace } from '@sc/roster-contracts';
import { Matter, MatterSupervisor, MatterTask, Meeting, Opinion, TaskReport } from '../entities';
import { DeliberationLoaders } from '../loaders';
import { ImplementationService } from '../services/implementation.service';
import { PLACES, type DeliberationFixture } from '../services/spec-helpers';
import { seedDemoMatters } from './demo';

/** 正街 with three courtyards of eight households each, as people's snapshot would have said. */
export async function fillDemoReadModels(f: DeliberationFixture): Promise<void> {
  const street = stableId('street:正街');
  const courtyards = [randomUUID(), randomUUID(), randomUUID()].sort();
  const place = (id: string, kind: RosterPlace['kind'], name: string, parentId: string) => ({
    id,
    kind,
    name,
    parentId,
    communityId: PLACES.community,
    status: 'ACTIVE' as const,
  });
  await f.ds
    .getRepository(RosterPlace)
    .save([
      place(street, 'STREET', '正街', PLACES.community),
      ...courtyards.map((id, i) => place(id, 'COURTYARD', `院${i + 1}`, street)),
    ]);
  // The demo grid holding 正街 (the seed's chief acts in it, ADR 0047).
  await f.ds.getRepository(GridPlace).insert({ gridId: demoGridId(1), placeId: street, kind: 'STREET' });
  const voters: PeopleVoter[] = courtyards.flatMap((courtyardId) =>
    Array.from({ length: 8 }, () => {
      const householdId = randomUUID();
      const member = (relationship: string, birthYear: number): PeopleVoter => ({
        id: randomUUID(),
        relationship,
        birthYear,
        status: 'ACTIVE',
        householdId,
        streetId: street,
        courtyardId,
        version: 1,
      });
      return [member('HEAD', 1965), member('SPOUSE', 1968)];
    }).flat(),
  );
  await f.ds.getRepository(PeopleVoter).save(voters);
  await f.ds
    .getRepository(PeopleSnapshotMark)
    .save({ snapshotId: randomUUID(), residents: voters.length, houses: 0, takenAt: new Date() });
}

/** Runs the seed twice (four matters with discussion and implementation, then nothing) and reads them back. */
export async function checkSeed(f: DeliberationFixture): Promise<void> {
  const implementation = new ImplementationService(
    f.ds,
    f.outbox,
    () => undefined,
    () => f.clock.now,
  );
  const logger = createLogger({ service: 'seed-spec', level: 'silent' });
  const run = () =>
    seedDemoMatters(f.ds, f.matters, logger, () => f.clock.now, { discussion: f.discussion, implementation });
  expect(await run()).toEqual({ matters: 4 });
  const matters = await f.ds.getRepository(Matter).find();
  expect(matters.map((m) => m.status).sort()).toEqual(['IMPLEMENTED', 'IMPLEMENTING', 'REJECTED', 'VOTING']);
  const parking = matters.find((m) => m.status === 'VOTING') as Matter;
  const cleaning = matters.find((m) => m.status === 'IMPLEMENTING') as Matter;
  expect(await f.ds.getRepository(Opinion).countBy({ matterId: parking.id })).toBe(2);
  expect(await f.ds.getRepository(Meeting).countBy({ matterId: parking.id })).toBe(1);
  expect(await f.ds.getRepository(MatterSupervisor).countBy({ matterId: cleaning.id })).toBe(2);
  expect(await f.ds.getRepository(MatterTask).countBy({ matterId: cleaning.id })).toBe(2);
  expect(await f.ds.getRepository(TaskReport).countBy({ matterId: cleaning.id })).toBe(1);
  // What the public view reads, through the loaders' statements.
  const loaders = new DeliberationLoaders(f.ds, f.discussion, () => f.clock.now);
  const page = { first: 10, afterKey: null };
  const opinions = await loaders.matterOpinions(parking.id, page);
  expect([opinions.nodes.length, await opinions.totalCount()]).toEqual([1, 1]);
  const [first] = opinions.nodes;
  expect(await (await loaders.opinionReplies(first?.id ?? '', page)).totalCount()).toBe(1);
  const meetings = await loaders.matterMeetings(parking.id, page);
  expect(meetings.nodes).toHaveLength(1);
  expect(await loaders.presence.load(meetings.nodes[0]?.id ?? '')).toEqual({
    present: 0,
    adultsPresent: 0,
    householdsPresent: 0,
  });
  expect((await loaders.matterTasks(cleaning.id, page)).nodes).toHaveLength(2);
  expect(await loaders.progress.load(cleaning.id)).toEqual({ tasks: 2, done: 0, overdue: 0, percent: 30 });
  expect((await loaders.supervisors.load(cleaning.id)).map((s) => s.kind)).toEqual(['CHIEF', 'RESIDENT']);
  expect(await loaders.receipts.load(cleaning.id)).toHaveLength(cleaning.tally?.participants ?? -1);
  expect(await run()).toBeNull();
  expect(await f.ds.getRepository(Matter).count()).toBe(4);
}
