import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql } from 'graphql';
import type { DataSource } from 'typeorm';
import { BetterSqlite3QueryRunner } from 'typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner';
import { MysqlQueryRunner } from 'typeorm/driver/mysql/MysqlQueryRunner';
import type { Principal } from '@sc/auth';
import type { RosterContext } from '../context';
import { Account } from '../entities/account.entity';
import { RosterLoaders } from '../loaders';
import { RosterRepository } from '../repositories/roster.repository';
import { rosterTypeDefs } from '../schema';
import {
  principal,
  seededEmbeddedRoster,
  seededMysqlRoster,
  type RosterServices,
} from '../services/spec-helpers';
import { resolvers } from '.';

const REFS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id displayName } } }`;

describe.each([
  ['MariaDB [real: MariaDB]', seededMysqlRoster, MysqlQueryRunner.prototype],
  ['SQLite', seededEmbeddedRoster, BetterSqlite3QueryRunner.prototype],
] as const)('Account references: actors of histories, for staff (%s)', (_database, seeded, runner) => {
  let ds: DataSource;
  let services: RosterServices;
  let close: () => Promise<void>;
  let accounts: Account[];
  const schema = buildSubgraphSchema([{ typeDefs: rosterTypeDefs(), resolvers }]);

  beforeAll(async () => {
    ({ ds, services, close } = await seeded());
    const issued = await Promise.all(
      ['actor-a', 'actor-b', 'actor-c'].map((username) =>
        services.accounts.create(
          { principal: principal(['ADMIN']) },
          {
            username,
            displayName: `社区工作人员 ${username}`,
            password: 'a long enough password',
            roles: ['COMMUNITY_STAFF'],
            scopes: [],
          },
        ),
      ),
    );
    accounts = await ds.getRepository(Account).findBy(issued.map((a) => ({ id: a.id })));
  });
  afterAll(async () => close?.());

  const run = (source: string, variableValues: Record<string, unknown>, caller: Principal | null) => {
    const context: Partial<RosterContext> = {
      principal: caller,
      loaders: new RosterLoaders(ds, new RosterRepository(ds)),
      ...services,
    };
    return graphql({ schema, source, variableValues, contextValue: context });
  };
  const representations = () => [
    ...accounts.map((a) => ({ __typename: 'Account', id: a.id })),
    { __typename: 'Account', id: 'seed' },
  ];

  it('answers staff the accounts of many actors in one statement, null for an actor that is no account', async () => {
    const spy = jest.spyOn(runner, 'query');
    try {
      const res = await run(REFS, { r: representations() }, principal(['TOWN_OFFICER']));
      expect(res.errors).toBeUndefined();
      expect((res.data as { _entities: unknown[] })._entities).toEqual([
        ...accounts.map((a) => ({ id: a.id, displayName: a.displayName })),
        null,
      ]);
      const reads = spy.mock.calls.filter(([sql]) => /FROM\s+[`"]?account[`"]?/i.test(String(sql)));
      expect(reads).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('answers null to callers who may not see accounts, and the account whole to itself', async () => {
    for (const caller of [null, principal(['STREET_CHIEF'], 'chief-x'), principal(['RESIDENT'])]) {
      const res = await run(REFS, { r: representations() }, caller);
      expect(res.errors).toBeUndefined();
      expect((res.data as { _entities: unknown[] })._entities).toEqual([null, null, null, null]);
    }
    const self = accounts[0]!;
    const own = await run(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { username } } }`,
      { r: [{ __typename: 'Account', id: self.id }] },
      principal(['COMMUNITY_STAFF'], self.id),
    );
    expect(own.errors).toBeUndefined();
    expect(own.data).toEqual({ _entities: [{ username: self.username }] });
  });

  it('refuses staff the sign-in name, roles and scopes of an account reached as an actor', async () => {
    for (const field of ['username', 'roles', 'scopes', 'createdAt']) {
      const res = await run(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { ${field} } } }`,
        { r: [{ __typename: 'Account', id: accounts[0]!.id }] },
        principal(['COMMUNITY_STAFF']),
      );
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    }
  });
});
