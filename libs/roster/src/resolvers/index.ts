import { toConnection } from '@sc/db';
import { DateTimeScalar, parseInput, parsePage } from '@sc/graphql';
import type { RosterContext } from '../context';
import type { Account } from '../entities/account.entity';
import type { Place, PlaceKind } from '../entities/place.entity';
import { accountRoles, accountScopes } from '../services/account.service';
import type { RenamePlaceInput, Resolvers, RetirePlaceInput } from './__generated__/resolvers-types';
import { chiefResolvers } from './chiefs';
import * as inputs from './inputs';

type Args = Record<string, unknown>;

/** `__resolveReference` through the batched loader; a reference of the wrong kind is null. */
const reference =
  (kind: PlaceKind) =>
  (ref: { id: string }, ctx: RosterContext): Promise<Place | null> =>
    ctx.loaders.place(ref.id, kind);

const rename = (ctx: RosterContext, kind: PlaceKind, input: RenamePlaceInput) => {
  const { id, name } = parseInput(inputs.renamePlaceInput, input);
  return ctx.places.rename(ctx.principal, kind, id, name);
};
const retire = (ctx: RosterContext, kind: PlaceKind, input: RetirePlaceInput) => {
  const { id, reason } = parseInput(inputs.retirePlaceInput, input);
  return ctx.places.retire(ctx.principal, kind, id, reason);
};

/**
 * The places (community › resident group › street › courtyard), typed by the generated `Resolvers`
 * (npm run codegen): parents are the Place entity (resolvers/mappers.ts), arguments come typed from
 * the schema, and a field the schema declares non-null cannot be given a resolver that may return
 * null. Input is still parsed with zod: the schema types say which fields exist, not their rules.
 */
export const placeResolvers = {
  Query: {
    community: (_, { code }, ctx) => ctx.loaders.communityByCode(code.trim().toLowerCase()),
    communities: (_, args, ctx) => ctx.loaders.all('COMMUNITY', args),
    residentGroup: (_, { id }, ctx) => ctx.loaders.place(id, 'RESIDENT_GROUP'),
    street: (_, { id }, ctx) => ctx.loaders.place(id, 'STREET'),
    courtyard: (_, { id }, ctx) => ctx.loaders.place(id, 'COURTYARD'),
    streets: (_, args, ctx) => {
      if (typeof args.residentGroupId === 'string')
        return ctx.loaders.children('STREET', 'parent', args.residentGroupId, args);
      if (typeof args.communityId === 'string')
        return ctx.loaders.children('STREET', 'community', args.communityId, args);
      return ctx.loaders.all('STREET', args);
    },
  },
  Mutation: {
    createCommunity: (_, { input }, ctx) => {
      const { name, code } = parseInput(inputs.createCommunityInput, input);
      return ctx.places.create(ctx.principal, { kind: 'COMMUNITY', name, code });
    },
    renameCommunity: (_, { input }, ctx) => rename(ctx, 'COMMUNITY', input),
    retireCommunity: (_, { input }, ctx) => retire(ctx, 'COMMUNITY', input),
    createResidentGroup: (_, { input }, ctx) => {
      const { name, communityId } = parseInput(inputs.createResidentGroupInput, input);
      return ctx.places.create(ctx.principal, { kind: 'RESIDENT_GROUP', name, parentId: communityId });
    },
    renameResidentGroup: (_, { input }, ctx) => rename(ctx, 'RESIDENT_GROUP', input),
    retireResidentGroup: (_, { input }, ctx) => retire(ctx, 'RESIDENT_GROUP', input),
    createStreet: (_, { input }, ctx) => {
      const { name, residentGroupId } = parseInput(inputs.createStreetInput, input);
      return ctx.places.create(ctx.principal, { kind: 'STREET', name, parentId: residentGroupId });
    },
    renameStreet: (_, { input }, ctx) => rename(ctx, 'STREET', input),
    retireStreet: (_, { input }, ctx) => retire(ctx, 'STREET', input),
    createCourtyard: (_, { input }, ctx) => {
      const { name, streetId } = parseInput(inputs.createCourtyardInput, input);
      return ctx.places.create(ctx.principal, { kind: 'COURTYARD', name, parentId: streetId });
    },
    renameCourtyard: (_, { input }, ctx) => rename(ctx, 'COURTYARD', input),
    retireCourtyard: (_, { input }, ctx) => retire(ctx, 'COURTYARD', input),
  },
  Community: {
    __resolveReference: reference('COMMUNITY'),
    code: (p) => p.code ?? '',
    residentGroups: (p, args, ctx) => ctx.loaders.children('RESIDENT_GROUP', 'parent', p.id, args),
    streets: (p, args, ctx) => ctx.loaders.children('STREET', 'community', p.id, args),
  },
  ResidentGroup: {
    __resolveReference: reference('RESIDENT_GROUP'),
    community: (p, _, ctx) => ctx.loaders.placeOf(p.communityId, 'COMMUNITY'),
    streets: (p, args, ctx) => ctx.loaders.children('STREET', 'parent', p.id, args),
  },
  Street: {
    __resolveReference: reference('STREET'),
    residentGroup: (p, _, ctx) => ctx.loaders.placeOf(p.parentId, 'RESIDENT_GROUP'),
    community: (p, _, ctx) => ctx.loaders.placeOf(p.communityId, 'COMMUNITY'),
    courtyards: (p, args, ctx) => ctx.loaders.children('COURTYARD', 'parent', p.id, args),
  },
  Courtyard: {
    __resolveReference: reference('COURTYARD'),
    street: (p, _, ctx) => ctx.loaders.placeOf(p.parentId, 'STREET'),
  },
} satisfies Resolvers;

export const resolvers = {
  DateTime: DateTimeScalar,
  ...chiefResolvers,
  ...placeResolvers,
  Query: {
    ...chiefResolvers.Query,
    ...placeResolvers.Query,
    me: (_: unknown, __: Args, ctx: RosterContext) => ctx.accounts.me(ctx.principal),
    accounts: async (_: unknown, args: Args, ctx: RosterContext) => {
      const page = parsePage(args);
      const { rows, total } = await ctx.accounts.list(ctx.principal, page.first + 1, page.afterKey);
      return { ...toConnection(rows, page.first, (a) => a.username), totalCount: total };
    },
  },
  Mutation: {
    ...chiefResolvers.Mutation,
    ...placeResolvers.Mutation,
    login: async (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.loginInput, args, 'login');
      return ctx.accounts.login(input.username, input.password);
    },
    createAccount: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.createAccountInput, args['input']);
      return ctx.accounts.create(ctx.principal, input);
    },
  },
  Account: {
    roles: (a: Account) => accountRoles(a),
    scopes: (a: Account) => accountScopes(a),
  },
};
