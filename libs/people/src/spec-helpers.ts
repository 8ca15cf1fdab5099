import type { DataSource } from 'typeorm';
import { CAICHANG, stableId } from '@sc/demo';
import { GridPlace, RosterPlace } from '@sc/roster-contracts';
import { gqlRequest, type GraphQLResponse } from '@sc/testing';
import { StatsRepository } from './repositories/stats.repository';

/**
 * Makes the places read model (`roster_place`) know the Caichang demo places, as the roster's seed
 * events would (specs that start people without the roster): addresses name only known places.
 */
export async function knownDemoPlaces(ds: DataSource): Promise<number> {
  const community = stableId('community');
  const rows: RosterPlace[] = [
    {
      id: community,
      kind: 'COMMUNITY',
      name: CAICHANG.name,
      parentId: null,
      communityId: community,
      status: 'ACTIVE',
    },
  ];
  CAICHANG.groups.forEach((group, g) => {
    const groupId = stableId(`group:${g + 1}`);
    rows.push({
      id: groupId,
      kind: 'RESIDENT_GROUP',
      name: group.name,
      parentId: community,
      communityId: community,
      status: 'ACTIVE',
    });
    for (const [street, yards] of group.streets) {
      const streetId = stableId(`street:${street}`);
      rows.push({
        id: streetId,
        kind: 'STREET',
        name: street,
        parentId: groupId,
        communityId: community,
        status: 'ACTIVE',
      });
      for (const yard of yards) {
        rows.push({
          id: stableId(`courtyard:${street}:${yard}`),
          kind: 'COURTYARD',
          name: yard,
          parentId: streetId,
          communityId: community,
          status: 'ACTIVE',
        });
      }
    }
  });
  await ds.getRepository(RosterPlace).upsert(rows, ['id']);
  return rows.length;
}

/**
 * `Street.counts` and `Grid.counts` (issue 15 §4) against a people subgraph holding the demo
 * population: every street and a grid of two streets and a courtyard of a third, in one request
 * through `_entities` (as the gateway asks), batched into one statement per type, equal to what
 * `populationStats` and a plain count of the units say; null without an error for callers who may
 * not read statistics. Shared by the SQLite and the MariaDB specs.
 */
export async function checkPlaceCounts(
  url: string,
  ds: DataSource,
  tokens: { reader: string; resident: string },
): Promise<void> {
  const streets = CAICHANG.groups.flatMap((g) => g.streets.map(([name]) => stableId(`street:${name}`)));
  const [first, second, third] = CAICHANG.groups[0]!.streets;
  const gridId = stableId('grid:counts-spec');
  const yard = stableId(`courtyard:${third![0]}:${third![1][0]}`);
  await ds.getRepository(GridPlace).delete({ gridId });
  await ds.getRepository(GridPlace).insert([
    { gridId, placeId: stableId(`street:${first![0]}`), kind: 'STREET' },
    { gridId, placeId: stableId(`street:${second![0]}`), kind: 'STREET' },
    { gridId, placeId: yard, kind: 'COURTYARD' },
  ]);
  const query = `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Street { id counts { residents migrants households units } }
      ... on Grid { id counts { residents migrants households units } } } }`;
  const representations = [
    ...streets.map((id) => ({ __typename: 'Street', id })),
    { __typename: 'Grid', id: gridId },
    { __typename: 'Grid', id: '00000000-0000-4000-8000-00000000c0de' },
  ];
  type Tally = { residents: number; migrants: number; households: number; units: number };
  type Answer = { _entities: { id: string; counts: Tally | null }[] };
  const byStreets = jest.spyOn(StatsRepository.prototype, 'byStreets');
  const byGrids = jest.spyOn(StatsRepository.prototype, 'byGrids');
  let res: GraphQLResponse<Answer>;
  try {
    res = await gqlRequest<Answer>(url, query, { r: representations }, tokens.reader);
    // One statement for all 21 streets, one for the grids: no statement per street.
    expect(byStreets).toHaveBeenCalledTimes(1);
    expect(byGrids).toHaveBeenCalledTimes(1);
  } finally {
    byStreets.mockRestore();
    byGrids.mockRestore();
  }
  expect(res.errors).toBeUndefined();
  const answers = res.data!._entities;

  const units = new Map(
    (
      (await ds.query(
        `SELECT street_id AS s, COUNT(*) AS n FROM real_unit WHERE status = 'ACTIVE' GROUP BY street_id`,
      )) as { s: string; n: unknown }[]
    ).map((r) => [r.s, Number(r.n)]),
  );
  const stats = await gqlRequest<{
    all: { byStreet: { street: { id: string }; residents: number; households: number; migrants: number }[] };
    grid: { residents: number; households: number; migrants: number };
  }>(
    url,
    `query($g: ID) { all: populationStats { byStreet { street { id } residents households migrants } }
       grid: populationStats(scope: { gridId: $g }) { residents households migrants } }`,
    { g: gridId },
    tokens.reader,
  );
  expect(stats.errors).toBeUndefined();
  const expected = new Map(stats.data!.all.byStreet.map((s) => [s.street.id, s]));
  streets.forEach((id, i) => {
    const want = expected.get(id)!;
    expect(answers[i]).toEqual({
      id,
      counts: {
        residents: want.residents,
        migrants: want.migrants,
        households: want.households,
        units: units.get(id) ?? 0,
      },
    });
  });
  expect([...units.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

  const gridUnits = (await ds.query(
    `SELECT COUNT(*) AS n FROM real_unit WHERE status = 'ACTIVE' AND (street_id IN (?, ?) OR courtyard_id = ?)`,
    [stableId(`street:${first![0]}`), stableId(`street:${second![0]}`), yard],
  )) as { n: unknown }[];
  expect(answers[streets.length]).toEqual({
    id: gridId,
    counts: { ...stats.data!.grid, units: Number(gridUnits[0]!.n) },
  });
  expect(stats.data!.grid.residents).toBeGreaterThan(
    expected.get(stableId(`street:${first![0]}`))!.residents,
  );
  // A grid the read model does not hold: null, no error.
  expect(answers[streets.length + 1]).toEqual({ id: '00000000-0000-4000-8000-00000000c0de', counts: null });

  // Callers who may not read statistics: null counts, no error (the roster's types are public).
  for (const token of [undefined, tokens.resident]) {
    const other = await gqlRequest<Answer>(url, query, { r: representations.slice(0, 2) }, token);
    expect(other.errors).toBeUndefined();
    expect(other.data!._entities.map((e) => e.counts)).toEqual([null, null]);
  }
}
