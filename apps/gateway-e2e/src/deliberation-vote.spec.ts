import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { stableId } from '@sc/demo';
import { OutboxEvent } from '@sc/events';
import { Ballot, ElectorateMember, Matter, Participation } from '@sc/deliberation';
import { makeTestIdNumber } from '@sc/people';
import { PeopleSnapshotEvents, PeopleSnapshotMark, PeopleVoter } from '@sc/people-contracts';
import { RosterPlace } from '@sc/roster-contracts';
import { errorCodes, gqlRequest } from '@sc/testing';
import { startStack, type Stack } from './stack';

const STREET = stableId('street:正街');
const MATTER = `id status version electorate { size hash } turnout { participants missingForQuorum abstainingCanBlock }
  tally { participants quorumMet outcome counts { option count } receipts ballotsHash }`;

/** Polls until `check` holds (presence of what an event brings, never absence). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

describe('deliberation: a vote through the gateway [starts: roster, people, deliberation on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  const ds = () => {
    const s = stack.services['deliberation'];
    if (!s) throw new Error('deliberation did not start');
    return s.dataSource;
  };
  const staff = () =>
    stack.tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'], subject: 'staff-delib' });
  const residentToken = (id: string) =>
    stack.tokens.mint(['RESIDENT'], { scopes: [`resident:${id}`], subject: `resident-${id}` });
  const gql = <T>(query: string, variables: Record<string, unknown>, token?: string) =>
    gqlRequest<T>(stack.gatewayUrl, query, variables, token);
  const cast = (token: string, matterId: string, choices: string[]) =>
    gql<{ castBallot: { receipt: string } }>(
      'mutation($i: CastBallotInput!) { castBallot(input: $i) { receipt } }',
      { i: { matterId, choices } },
      token,
    );

  let matterId: string;

  beforeAll(async () => {
    stack = await startStack('delib_vote', { people: { PEOPLE_SEED_DEMO: 'true' } });
    // The people seed published a snapshot: wait until deliberation's read model applied it.
    const completed = await stack.people.dataSource
      .getRepository(OutboxEvent)
      .findOneByOrFail({ type: PeopleSnapshotEvents.completed.type });
    await until('the people snapshot in the voters read model', () =>
      ds().getRepository(PeopleSnapshotMark).existsBy({ snapshotId: completed.aggregateId }),
    );
    await until('the roster street in the places read model', () =>
      ds().getRepository(RosterPlace).existsBy({ id: STREET }),
    );
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('walks a matter to VOTING by role, freezing the electorate; refusals are typed', async () => {
    const resident = await ds()
      .getRepository(PeopleVoter)
      .findOneByOrFail({ streetId: STREET, status: 'ACTIVE' });
    // A resident may not open a discussion; an unknown scope is NOT_FOUND; a bad id BAD_USER_INPUT.
    const draft = (input: Record<string, unknown>, token: string) =>
      gql<{ draftMatter: { id: string; status: string } }>(
        'mutation($i: DraftMatterInput!) { draftMatter(input: $i) { id status } }',
        { i: input },
        token,
      );
    const input = {
      title: '正街停车位分配方案',
      description: '按户轮换分配',
      kind: 'PARKING',
      scopeKind: 'STREET',
      scopeId: STREET,
      electorateKind: 'ADULT_RESIDENTS',
    };
    expect(
      errorCodes(await draft({ ...input, scopeId: '00000000-0000-4000-8000-000000000000' }, staff())),
    ).toEqual(['NOT_FOUND']);
    expect(errorCodes(await draft({ ...input, scopeId: 'not-a-uuid' }, staff()))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await draft(input, ''))).toEqual(['UNAUTHENTICATED']);
    const drafted = await draft(input, residentToken(resident.id));
    expect(drafted.errors).toBeUndefined();
    matterId = drafted.data!.draftMatter.id;
    const move = (op: string, token: string, extra = '') =>
      gql<Record<string, { status: string }>>(
        `mutation($id: ID!) { ${op}(id: $id${extra}) { status } }`,
        { id: matterId },
        token,
      );
    expect(errorCodes(await move('openDiscussion', residentToken(resident.id)))).toEqual(['FORBIDDEN']);
    const conflict = await move('startImplementing', staff());
    expect(errorCodes(conflict)).toEqual(['CONFLICT']);
    expect(conflict.errors?.[0]?.message).toContain('DRAFT');
    expect((await move('openDiscussion', staff())).data).toEqual({
      openDiscussion: { status: 'DISCUSSION' },
    });
    const closesAt = new Date(Date.now() + 86_400_000).toISOString();
    const opened = await gql<{ openVoting: { status: string; electorate: { size: number; hash: string } } }>(
      'mutation($id: ID!, $c: DateTime!) { openVoting(id: $id, closesAt: $c, reason: "街区会后表决") { status electorate { size hash } } }',
      { id: matterId, c: closesAt },
      staff(),
    );
    expect(opened.errors).toBeUndefined();
    const members = await ds().getRepository(ElectorateMember).findBy({ matterId });
    const sorted = members.map((m) => m.voterId).sort();
    expect(opened.data?.openVoting).toEqual({
      status: 'VOTING',
      electorate: {
        size: members.length,
        hash: createHash('sha256').update(sorted.join('\n')).digest('hex'),
      },
    });
    expect(members.length).toBeGreaterThan(100);
    const transitions = await gql<{
      matter: { transitions: { toState: string; actor: string; actionType: string }[] };
    }>('query($id: ID!) { matter(id: $id) { transitions { toState actor actionType } } }', { id: matterId });
    expect(transitions.data?.matter.transitions.map((t) => t.toState)).toEqual([
      'DRAFT',
      'DISCUSSION',
      'VOTING',
    ]);
    // The action as a MatterAction enum value (issue 15 §4); stored as the method name (openDiscussion).
    expect(transitions.data?.matter.transitions.map((t) => t.actionType)).toEqual([
      'DRAFT',
      'OPEN_DISCUSSION',
      'OPEN_VOTING',
    ]);
  });

  it('keeps the electorate frozen: a move-out after opening changes nothing, a move-in cannot vote', async () => {
    const before = await ds().getRepository(Matter).findOneByOrFail({ id: matterId });
    // The leaver must be a resident this stack's people knows (the electorate comes from the read
    // model), and not one of the 100 voters of the next test (the first 100 by id).
    const members = await ds()
      .getRepository(ElectorateMember)
      .find({ where: { matterId }, order: { voterId: 'ASC' } });
    const local = new Set(
      (
        (await stack.people.dataSource.query("SELECT id FROM resident WHERE status = 'ACTIVE'")) as {
          id: string;
        }[]
      ).map((r) => r.id),
    );
    const leaver = members
      .slice(100)
      .reverse()
      .find((e) => local.has(e.voterId));
    if (!leaver) throw new Error('no member of the electorate beyond the first 100 lives in this stack');
    const out = await gql(
      'mutation($i: MoveOutInput!) { moveOut(input: $i) { status } }',
      { i: { residentId: leaver.voterId, destination: '成都市' } },
      staff(),
    );
    expect(out.errors).toBeUndefined();
    const idNumber = makeTestIdNumber('511823', '1990-05-05', Math.floor(Math.random() * 400) + 50, 'MALE');
    const moved = await gql<{ moveIn: { id: string } }>(
      'mutation($i: MoveInInput!) { moveIn(input: $i) { id } }',
      {
        i: {
          idNumber,
          name: '新住户',
          origin: '汉源县',
          category: 'FLOATING',
          address: { streetId: STREET, building: '8', unit: '1', door: `${Date.now() % 1000}` },
        },
      },
      staff(),
    );
    expect(moved.errors).toBeUndefined();
    const newcomer = moved.data!.moveIn.id;
    await until('the move-in and move-out in the voters read model', async () => {
      const rows = await ds()
        .getRepository(PeopleVoter)
        .findBy([{ id: newcomer }, { id: leaver.voterId, status: 'MOVED_OUT' }]);
      return rows.length === 2;
    });
    expect(errorCodes(await cast(residentToken(newcomer), matterId, ['FOR']))).toEqual(['FORBIDDEN']);
    // The one who left was in the frozen electorate: still entitled to this vote.
    expect((await cast(residentToken(leaver.voterId), matterId, ['AGAINST'])).errors).toBeUndefined();
    const after = await ds().getRepository(Matter).findOneByOrFail({ id: matterId });
    expect([after.electorateSize, after.electorateHash]).toEqual([
      before.electorateSize,
      before.electorateHash,
    ]);
    expect(await ds().getRepository(ElectorateMember).countBy({ matterId })).toBe(before.electorateSize);
  });

  it('takes 1,000 concurrent ballot attempts by 100 voters: one current ballot each, tally = recount', async () => {
    const members = await ds()
      .getRepository(ElectorateMember)
      .find({ where: { matterId }, order: { voterId: 'ASC' }, take: 100 });
    const options = ['FOR', 'AGAINST', 'ABSTAIN'];
    const attempts = members.flatMap((m, i) =>
      Array.from({ length: 10 }, (_, k) => ({
        token: residentToken(m.voterId),
        choice: options[(i + k * 7) % 3] as string,
      })),
    );
    const results = await Promise.all(attempts.map((a) => cast(a.token, matterId, [a.choice])));
    const failures = results.filter((r) => r.errors);
    expect(failures.map((f) => f.errors?.[0]?.message)).toEqual([]);
    const receipts = results.map((r) => r.data!.castBallot.receipt);
    expect(new Set(receipts).size).toBe(1_000);
    // 100 + the leaver of the previous test.
    expect(await ds().getRepository(Participation).countBy({ matterId })).toBe(101);
    const current = await ds()
      .getRepository(Ballot)
      .createQueryBuilder('b')
      .where('b.matter_id = :matterId AND b.current_slot IS NOT NULL', { matterId })
      .getCount();
    expect(current).toBe(101);
    expect(await ds().getRepository(Ballot).countBy({ matterId })).toBe(1_001);

    const live = await gql<{ matter: { turnout: { participants: number } } }>(
      'query($id: ID!) { matter(id: $id) { turnout { participants } } }',
      { id: matterId },
    );
    expect(live.data?.matter.turnout.participants).toBe(101);

    const closed = await gql<{
      closeVote: {
        status: string;
        tally: { participants: number; receipts: string[]; counts: { count: number }[] };
      };
    }>(
      `mutation($id: ID!) { closeVote(id: $id, reason: "表决结束") { ${MATTER} } }`,
      { id: matterId },
      staff(),
    );
    expect(closed.errors).toBeUndefined();
    const tally = closed.data!.closeVote.tally;
    expect(tally.participants).toBe(101);
    expect(tally.counts.reduce((s, c) => s + c.count, 0)).toBe(101);
    expect(closed.data!.closeVote.status).toBe('REJECTED'); // 101 of hundreds: quorum missed
    const recount = await gql<{ recount: { agrees: boolean; tamperedBallots: number } }>(
      'query($id: ID!) { recount(matterId: $id) { agrees tamperedBallots } }',
      { id: matterId },
    );
    expect(recount.data?.recount).toEqual({ agrees: true, tamperedBallots: 0 });
    const statuses = await Promise.all(
      receipts.map((r) =>
        gql<{ verifyReceipt: string }>(
          'query($m: ID!, $r: String!) { verifyReceipt(matterId: $m, receipt: $r) }',
          { m: matterId, r },
        ),
      ),
    );
    const counted = statuses.filter((s) => s.data?.verifyReceipt === 'COUNTED').length;
    expect(counted).toBe(100);
    expect(statuses.filter((s) => s.data?.verifyReceipt === 'REPLACED').length).toBe(900);
    expect(new Set(tally.receipts)).toEqual(
      new Set(
        receipts
          .filter((_, i) => statuses[i]?.data?.verifyReceipt === 'COUNTED')
          .concat(tally.receipts.filter((r) => !receipts.includes(r))),
      ),
    );
    // After close ballots are immutable.
    expect(errorCodes(await cast(residentToken(members[0]!.voterId), matterId, ['FOR']))).toEqual([
      'CONFLICT',
    ]);
  }, 180_000);

  it('a mysqldump of the database cannot link a voter to a choice', () => {
    const db = stack.dbs['deliberation'];
    if (!db) throw new Error('no deliberation database');
    const dump = execFileSync(
      'mysqldump',
      ['-h', '127.0.0.1', '-u', 'root', '--skip-extended-insert', db.name],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
    );
    const ballotLines = dump.split('\n').filter((l) => l.startsWith('INSERT INTO `ballot`'));
    expect(ballotLines.length).toBe(1_001);
    const participationLines = dump.split('\n').filter((l) => l.startsWith('INSERT INTO `participation`'));
    expect(participationLines.length).toBe(101);
    const voters = participationLines
      .map((l) => /'[^']*','([0-9a-f-]{36})'/.exec(l)?.[1])
      .filter((v): v is string => !!v);
    expect(voters).toHaveLength(101);
    const ballots = ballotLines.join('\n');
    for (const v of voters) {
      expect(ballots).not.toContain(v);
      // Not even an unkeyed hash of (matter, voter): the slot is an HMAC under a key outside the database.
      expect(ballots).not.toContain(createHash('sha256').update(`${matterId}\n${v}`).digest('hex'));
    }
    // Participation keeps no choice on a secret ballot (its open_choices column is NULL).
    expect(participationLines.every((l) => /,NULL,/.test(l))).toBe(true);
    const ballotTable = /CREATE TABLE `ballot` \(([\s\S]*?)\) ENGINE/.exec(dump)?.[1] ?? '';
    expect(ballotTable).not.toMatch(/voter|resident|_at`/);
  });

  it('a tampered ballot row makes recount disagree', async () => {
    const victim = await ds()
      .getRepository(Ballot)
      .createQueryBuilder('b')
      .where('b.matter_id = :matterId AND b.current_slot IS NOT NULL', { matterId })
      .andWhere('b.choices <> :f', { f: '["FOR"]' })
      .getOneOrFail();
    await ds().query('UPDATE ballot SET choices = ? WHERE id = ?', ['["FOR"]', victim.id]);
    const recount = await gql<{ recount: { agrees: boolean; tamperedBallots: number } }>(
      'query($id: ID!) { recount(matterId: $id) { agrees tamperedBallots } }',
      { id: matterId },
    );
    expect(recount.data?.recount).toEqual({ agrees: false, tamperedBallots: 1 });
  });
});
