import { BallotCount, ElectorateMember, Matter } from '../entities';
import { listHash } from './matter.service';
import { residentPrincipal, STAFF, type DeliberationFixture } from './spec-helpers';

/**
 * The running counts (ADR 0047) against the ballots, on either database: concurrent casts and
 * replacements keep them equal to a count of the current ballots, the close publishes them, the
 * recount (from the ballots) agrees; the electorate frozen by INSERT … SELECT has the size and hash of
 * the voters it should hold; the counters hold no voter, ballot or time.
 */
export async function checkRunningCounts(f: DeliberationFixture): Promise<void> {
  const adults = f.households.flatMap((h) => [h.head, h.adult]);
  const matterId = await f.discussed({ choices: ['甲', '乙', '丙'], maxSelections: 2 });
  await f.matters.openVoting(f.req(STAFF), matterId, new Date('2026-12-10T00:00:00Z'), '表决');
  let matter = await f.ds.getRepository(Matter).findOneByOrFail({ id: matterId });
  expect([matter.electorateSize, matter.electorateHash]).toEqual([adults.length, listHash(adults)]);
  expect(await f.ds.getRepository(BallotCount).countBy({ matterId })).toBe(4 * 16);

  // Every adult casts three ballots at once (the last to commit counts); some replace others.
  const picks = [['甲'], ['乙', '丙'], ['丙']];
  await Promise.all(
    adults.flatMap((voter) =>
      picks.map((choices) => f.matters.castBallot(f.req(residentPrincipal(voter)), matterId, choices)),
    ),
  );
  const running = await f.matters.runningCounts(matter);
  const counted = await f.matters.count(f.ds.manager, matter);
  expect(running?.participants).toBe(adults.length);
  expect(running?.counts).toEqual(counted.counts);
  expect(counted.participants).toBe(adults.length);
  expect(Object.values(counted.counts).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(adults.length);

  await f.matters.closeVote(f.req(STAFF), matterId, '结束');
  matter = await f.ds.getRepository(Matter).findOneByOrFail({ id: matterId });
  const recount = await f.matters.recount(matterId);
  expect(recount.agrees).toBe(true);
  expect(matter.tally?.counts).toEqual(counted.counts);
  expect(matter.tally?.ballotsHash).toBe(counted.ballotsHash);
  expect(recount.recomputed.counts).toEqual(matter.tally?.counts);

  // What a dump of the counters shows: matter, option, shard and sums — nobody's ballot.
  const [row] = (await f.ds.query('SELECT * FROM ballot_count WHERE matter_id = ?', [matterId])) as Record<
    string,
    unknown
  >[];
  expect(Object.keys(row ?? {}).sort()).toEqual(['area', 'ballots', 'choice', 'matter_id', 'shard']);

  // A household vote: the households of the scope, cast by their heads.
  const households = await f.discussed({ electorateKind: 'HOUSEHOLDS' });
  await f.matters.openVoting(f.req(STAFF), households, new Date('2026-12-10T00:00:00Z'), '表决');
  const frozen = await f.ds.getRepository(Matter).findOneByOrFail({ id: households });
  expect([frozen.electorateSize, frozen.electorateHash]).toEqual([
    f.households.length,
    listHash(f.households.map((h) => h.id)),
  ]);
  const members = await f.ds.getRepository(ElectorateMember).findBy({ matterId: households });
  expect(new Map(members.map((e) => [e.voterId, e.casterResidentId]))).toEqual(
    new Map(f.households.map((h) => [h.id, h.head])),
  );

  // A vote without counters (opened before them) is counted from its ballots at close.
  await f.matters.castBallot(f.req(residentPrincipal(f.households[0]?.head ?? '')), households, ['FOR']);
  await f.ds.getRepository(BallotCount).delete({ matterId: households });
  await f.matters.closeVote(f.req(STAFF), households, '结束');
  const old = await f.ds.getRepository(Matter).findOneByOrFail({ id: households });
  expect([old.tally?.participants, old.tally?.counts['FOR']]).toEqual([1, 1]);
  expect((await f.matters.recount(households)).agrees).toBe(true);
}
