import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { toConnection } from '@sc/db';
import { DateTimeScalar, parseInput, parsePage } from '@sc/graphql';
import type { RosterContext } from '../context';
import type { Account } from '../entities/account.entity';
import type { Place, PlaceKind } from '../entities/place.entity';
import type { ListArgs } from '../loaders';
import { accountRoles, accountScopes } from '../services/account.service';
import { chiefResolvers } from './chiefs';
import * as inputs from './inputs';

type Args = Record<string, unknown>;
type Resolver<TParent = unknown> = (parent: TParent, args: Args, ctx: RosterContext) => unknown;

const listArgs = (args: Args): ListArgs => args as ListArgs;

/** `__resolveReference` through the batched loader; a reference of the wrong kind is null. */
const reference =
  (kind: PlaceKind) =>
  (ref: { id: string }, ctx: RosterContext): Promise<Place | null> =>
    ctx.loaders.place(ref.id, kind);

const placeTimestamps = {
  createdAt: (p: Place) => p.createdAt,
  updatedAt: (p: Place) => p.updatedAt,
  retiredAt: (p: Place) => p.retiredAt,
};

/** The three mutations every place kind has, with input validated at the edge. */
function placeMutations(
  kind: PlaceKind,
  createSchema:
    | typeof inputs.createStreetInput
    | typeof inputs.createResidentGroupInput
    | typeof inputs.createCourtyardInput,
  parentField: string,
  prefix: string,
): Record<string, Resolver> {
  return {
    [`create${prefix}`]: (_, args, ctx) => {
      const input = parseInput(createSchema, args['input']) as Record<string, string>;
      return ctx.places.create(ctx.principal, { kind, name: input['name']!, parentId: input[parentField] });
    },
    [`rename${prefix}`]: (_, args, ctx) => {
      const input = parseInput(inputs.renamePlaceInput, args['input']);
      return ctx.places.rename(ctx.principal, kind, input.id, input.name);
    },
    [`retire${prefix}`]: (_, args, ctx) => {
      const input = parseInput(inputs.retirePlaceInput, args['input']);
      return ctx.places.retire(ctx.principal, kind, input.id, input.reason);
    },
  };
}

export const resolvers = {
  DateTime: DateTimeScalar,
  ...chiefResolvers,
  Query: {
    ...chiefResolvers.Query,
    community: (_: unknown, args: Args, ctx: RosterContext) => {
      const code = String(args['code']).trim().toLowerCase();
      return ctx.loaders.communityByCode(code);
    },
    communities: (_: unknown, args: Args, ctx: RosterContext) => ctx.loaders.all('COMMUNITY', listArgs(args)),
    residentGroup: (_: unknown, args: Args, ctx: RosterContext) =>
      ctx.loaders.place(String(args['id']), 'RESIDENT_GROUP'),
    street: (_: unknown, args: Args, ctx: RosterContext) => ctx.loaders.place(String(args['id']), 'STREET'),
    courtyard: (_: unknown, args: Args, ctx: RosterContext) =>
      ctx.loaders.place(String(args['id']), 'COURTYARD'),
    streets: (_: unknown, args: Args, ctx: RosterContext) => {
      const a = listArgs(args);
      if (typeof args['residentGroupId'] === 'string')
        return ctx.loaders.children('STREET', 'parent', args['residentGroupId'], a);
      if (typeof args['communityId'] === 'string')
        return ctx.loaders.children('STREET', 'community', args['communityId'], a);
      return ctx.loaders.all('STREET', a);
    },
    me: (_: unknown, __: Args, ctx: RosterContext) => ctx.accounts.me(ctx.principal),
    accounts: async (_: unknown, args: Args, ctx: RosterContext) => {
      const page = parsePage(args);
      const { rows, total } = await ctx.accounts.list(ctx.principal, page.first + 1, page.afterKey);
      return { ...toConnection(rows, page.first, (a) => a.username), totalCount: total };
    },
  },
  Mutation: {
    ...chiefResolvers.Mutation,
    login: async (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.loginInput, args, 'login');
      return ctx.accounts.login(input.username, input.password, ctx.clientAddress);
    },
    createCommunity: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.createCommunityInput, args['input']);
      return ctx.places.create(ctx.principal, { kind: 'COMMUNITY', name: input.name, code: input.code });
    },
    renameCommunity: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.renamePlaceInput, args['input']);
      return ctx.places.rename(ctx.principal, 'COMMUNITY', input.id, input.name);
    },
    retireCommunity: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.retirePlaceInput, args['input']);
      return ctx.places.retire(ctx.principal, 'COMMUNITY', input.id, input.reason);
    },
    ...placeMutations('RESIDENT_GROUP', inputs.createResidentGroupInput, 'communityId', 'ResidentGroup'),
    ...placeMutations('STREET', inputs.createStreetInput, 'residentGroupId', 'Street'),
    ...placeMutations('COURTYARD', inputs.createCourtyardInput, 'streetId', 'Courtyard'),
    createAccount: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.createAccountInput, args['input']);
      return ctx.accounts.create(ctx.principal, input);
    },
  },
  Community: {
    __resolveReference: reference('COMMUNITY'),
    ...placeTimestamps,
    code: (p: Place) => p.code ?? '',
    residentGroups: (p: Place, args: Args, ctx: RosterContext) =>
      ctx.loaders.children('RESIDENT_GROUP', 'parent', p.id, listArgs(args)),
    streets: (p: Place, args: Args, ctx: RosterContext) =>
      ctx.loaders.children('STREET', 'community', p.id, listArgs(args)),
  },
  ResidentGroup: {
    __resolveReference: reference('RESIDENT_GROUP'),
    ...placeTimestamps,
    community: (p: Place, _: Args, ctx: RosterContext) => ctx.loaders.place(p.communityId, 'COMMUNITY'),
    streets: (p: Place, args: Args, ctx: RosterContext) =>
      ctx.loaders.children('STREET', 'parent', p.id, listArgs(args)),
  },
  Street: {
    __resolveReference: reference('STREET'),
    ...placeTimestamps,
    residentGroup: (p: Place, _: Args, ctx: RosterContext) =>
      ctx.loaders.place(p.parentId ?? '', 'RESIDENT_GROUP'),
    community: (p: Place, _: Args, ctx: RosterContext) => ctx.loaders.place(p.communityId, 'COMMUNITY'),
    courtyards: (p: Place, args: Args, ctx: RosterContext) =>
      ctx.loaders.children('COURTYARD', 'parent', p.id, listArgs(args)),
  },
  Courtyard: {
    __resolveReference: reference('COURTYARD'),
    ...placeTimestamps,
    street: (p: Place, _: Args, ctx: RosterContext) => ctx.loaders.place(p.parentId ?? '', 'STREET'),
  },
  Account: {
    roles: (a: Account) => accountRoles(a),
    scopes: (a: Account) => accountScopes(a),
  },
};

export type RosterResolvers = GraphQLResolverMap<RosterContext>;
