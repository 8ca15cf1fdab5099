import { randomUUID } from 'node:crypto';
import { IsNull } from 'typeorm';
import { stableId } from '@sc/demo';
import { KafkaEventProbe } from '@sc/events';
import { HouseholdsTopic, ResidentsTopic } from '@sc/people-contracts';
import { HouseholdMember, makeTestIdNumber } from '@sc/people';
import { errorCodes, gqlRequest, TEST_KAFKA_BROKERS } from '@sc/testing';
import { publishGrid, waitForGrid } from './people-helpers';
import { startStack, type Stack } from './stack';

const STREET = stableId('street:文昌街');
const OTHER_STREET = stableId('street:南街');
const MOVE_IN = `mutation MoveIn($i: MoveInInput!) { moveIn(input: $i) { id status household { id memberCount } } }`;
const CHANGE = `mutation($i: ChangeHouseholdInput!) { changeHousehold(input: $i) { id household { id } } }`;

/** A checksum-valid test ID number of region 511823 (汉源县) born on the given day of 1990. */
const testIdNumber = (day: number, seq: number) =>
  makeTestIdNumber('511823', new Date(Date.UTC(1990, 0, 1 + day)).toISOString().slice(0, 10), seq, 'MALE');

interface MoveInResult {
  moveIn: { id: string; status: string; household: { id: string; memberCount: number } | null };
}

describe('moves through the gateway [starts: roster and people subgraphs on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  let probe: KafkaEventProbe;
  const gridId = randomUUID();
  const run = Math.floor(Math.random() * 300);

  beforeAll(async () => {
    stack = await startStack('people_moves');
    probe = await KafkaEventProbe.start({
      brokers: TEST_KAFKA_BROKERS,
      topics: [ResidentsTopic.name, HouseholdsTopic.name],
      topicPrefix: stack.topicPrefix,
    });
    await publishGrid(stack, gridId, [STREET]);
    await waitForGrid(stack, gridId);
  }, 120_000);
  afterAll(async () => {
    await probe?.stop();
    await stack?.stop();
  });

  const chief = () =>
    stack.tokens.mint(['STREET_CHIEF'], { scopes: [`grid:${gridId}`], subject: 'chief-moves' });
  const moveIn = (idNumber: string, extra: Record<string, unknown> = {}, street = STREET) =>
    gqlRequest<MoveInResult>(
      stack.gatewayUrl,
      MOVE_IN,
      {
        i: {
          idNumber,
          name: '测试住户',
          phone: '13700001234',
          origin: '汉源县',
          category: 'MIGRANT_LONG_TERM',
          address: { streetId: street, building: '2', unit: '1', door: `${run}01` },
          needs: ['WORK'],
          ...extra,
        },
      },
      chief(),
    );

  it('lets the chief move a resident into the grid and publishes moved-in without personal data', async () => {
    const idNumber = testIdNumber(run, 11);
    const res = await moveIn(idNumber, { newHousehold: { housing: 'RENTED' } });
    expect(res.errors).toBeUndefined();
    const { id, household } = res.data!.moveIn;
    expect(household?.memberCount).toBe(1);
    const seen = await probe.waitFor(
      (m) => m.key === id && m.event?.type === 'cn.caichang.people.resident.moved-in.v1',
    );
    expect(seen.event).toMatchObject({
      source: '/caichang/people',
      subject: id,
      data: {
        id,
        category: 'MIGRANT_LONG_TERM',
        origin: '汉源县',
        streetId: STREET,
        householdId: household!.id,
        relationship: 'HEAD',
        firstRegistration: true,
        actor: 'chief-moves',
      },
    });
    await probe.waitFor(
      (m) => m.key === household!.id && m.event?.type === 'cn.caichang.people.household.created.v1',
    );
    expect(seen.value).not.toContain(idNumber);
    expect(seen.value).not.toContain('13700001234');
    expect(seen.value).not.toContain('测试住户');
  });

  it('refuses the chief an address outside the grid (FORBIDDEN), and a bad ID number (BAD_USER_INPUT)', async () => {
    const outside = await moveIn(testIdNumber(run, 12), {}, OTHER_STREET);
    expect(errorCodes(outside)).toEqual(['FORBIDDEN']);
    const bad = await moveIn('511823199001011230');
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors?.[0]?.extensions?.['field']).toBe('input.idNumber');
  });

  it('refuses a second move-in of the same ID number with CONFLICT, even when sent concurrently', async () => {
    const idNumber = testIdNumber(run, 13);
    const results = await Promise.all(Array.from({ length: 5 }, () => moveIn(idNumber)));
    expect(results.filter((r) => !r.errors).length).toBe(1);
    for (const r of results.filter((x) => x.errors)) expect(errorCodes(r)).toEqual(['CONFLICT']);
  });

  it('never holds a resident twice in a household, under concurrent requests', async () => {
    const head = await moveIn(testIdNumber(run, 14), { newHousehold: { housing: 'OWNED' } });
    const household = head.data!.moveIn.household!.id;
    const member = await moveIn(testIdNumber(run, 15));
    const residentId = member.data!.moveIn.id;
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        gqlRequest(
          stack.gatewayUrl,
          CHANGE,
          { i: { residentId, householdId: household, relationship: 'SPOUSE' } },
          chief(),
        ),
      ),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    for (const r of results.filter((x) => x.errors)) expect(errorCodes(r)).toEqual(['CONFLICT']);
    const members = stack.people.dataSource.getRepository(HouseholdMember);
    expect(await members.countBy({ residentId, leftAt: IsNull() })).toBe(1);
    expect(await members.countBy({ householdId: household, residentId })).toBe(1);
    await probe.waitFor(
      (m) =>
        m.key === residentId &&
        m.event?.type === 'cn.caichang.people.resident.household-changed.v1' &&
        (m.event.data as { toHouseholdId: string }).toHouseholdId === household,
    );
  });

  it('moves a resident out, leaving the household, and publishes moved-out', async () => {
    const res = await moveIn(testIdNumber(run, 16), { newHousehold: { housing: 'RENTED' } });
    const { id, household } = res.data!.moveIn;
    const out = await gqlRequest<{ moveOut: { status: string; household: unknown } }>(
      stack.gatewayUrl,
      'mutation($i: MoveOutInput!) { moveOut(input: $i) { status household { id } } }',
      { i: { residentId: id, destination: '成都市', date: '2026-11-20' } },
      chief(),
    );
    expect(out.errors).toBeUndefined();
    expect(out.data?.moveOut).toEqual({ status: 'MOVED_OUT', household: null });
    const seen = await probe.waitFor(
      (m) => m.key === id && m.event?.type === 'cn.caichang.people.resident.moved-out.v1',
    );
    expect(seen.event?.data).toMatchObject({
      id,
      householdId: household!.id,
      destination: '成都市',
      date: '2026-11-20',
    });
    const again = await gqlRequest(
      stack.gatewayUrl,
      'mutation($i: MoveOutInput!) { moveOut(input: $i) { status } }',
      { i: { residentId: id, destination: '成都市' } },
      chief(),
    );
    expect(errorCodes(again)).toEqual(['CONFLICT']);

    // The history stays readable, newest first, for staff of the community.
    const history = await gqlRequest<{
      resident: {
        status: string;
        moves: {
          totalCount: number;
          nodes: {
            kind: string;
            occurredOn: string;
            place: string | null;
            fromHousehold: { id: string } | null;
            toHousehold: { id: string } | null;
          }[];
        };
      };
    }>(
      stack.gatewayUrl,
      'query($id: ID!) { resident(id: $id) { status moves { totalCount nodes { kind occurredOn place fromHousehold { id } toHousehold { id } } } } }',
      { id },
      stack.tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'], subject: 'staff-moves' }),
    );
    expect(history.errors).toBeUndefined();
    expect(history.data?.resident.status).toBe('MOVED_OUT');
    expect(history.data?.resident.moves.totalCount).toBe(2);
    expect(history.data?.resident.moves.nodes).toEqual([
      {
        kind: 'MOVE_OUT',
        occurredOn: '2026-11-20',
        place: '成都市',
        fromHousehold: { id: household!.id },
        toHousehold: null,
      },
      expect.objectContaining({ kind: 'MOVE_IN', fromHousehold: null, toHousehold: { id: household!.id } }),
    ]);
  });
});
