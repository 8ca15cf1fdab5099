import { parseInput, parseOrderedPage, parsePage } from '@sc/graphql';
import { PLACE_ORDERS } from '../repositories/orders';
import type { RosterContext } from '../context';
import type { PlaceKind, PlaceStatus } from '../entities/place.entity';
import type { RenamePlaceInput, Resolvers, RetirePlaceInput } from '../__generated__/resolvers-types';
import * as inputs from './inputs';

/** The `status` argument, ACTIVE by default (the schema's default, also when a client sends null). */
const statusOf = (args: { status?: PlaceStatus | null }): PlaceStatus => args.status ?? 'ACTIVE';

const reference = (kind: PlaceKind) => (ref: { id: string }, ctx: RosterContext) =>
  ctx.places.get(ctx, kind, ref.id);

const rename = (ctx: RosterContext, kind: PlaceKind, input: RenamePlaceInput) => {
  const { id, name } = parseInput(inputs.renamePlaceInput, input);
  return ctx.places.rename(ctx, kind, id, name);
};
const retire = (ctx: RosterContext, kind: PlaceKind, input: RetirePlaceInput) => {
  const { id, reason } = parseInput(inputs.retirePlaceInput, input);
  return ctx.places.retire(ctx, kind, id, reason);
};

/** The places (community › resident group › street › courtyard): public reads, ADMIN writes. */
export const placeResolvers = {
  Query: {
    community: (_, { code }, ctx) => ctx.places.community(ctx, code),
    communities: (_, args, ctx) =>
      ctx.places.list(ctx, 'COMMUNITY', statusOf(args), parseOrderedPage(args, PLACE_ORDERS)),
    residentGroup: (_, { id }, ctx) => ctx.places.get(ctx, 'RESIDENT_GROUP', id),
    street: (_, { id }, ctx) => ctx.places.get(ctx, 'STREET', id),
    courtyard: (_, { id }, ctx) => ctx.places.get(ctx, 'COURTYARD', id),
    streets: (_, args, ctx) => {
      // Refuses a cursor of another order, also on the owner lists' original path below.
      const page = parseOrderedPage(args, PLACE_ORDERS);
      const ownerId = args.residentGroupId ?? args.communityId;
      if (args.orderBy && typeof ownerId === 'string') {
        const via = typeof args.residentGroupId === 'string' ? 'parent' : 'community';
        return ctx.places.list(ctx, 'STREET', statusOf(args), page, { via, id: ownerId });
      }
      if (typeof args.residentGroupId === 'string')
        return ctx.places.children(ctx, 'STREET', 'parent', args.residentGroupId, statusOf(args), page);
      if (typeof args.communityId === 'string')
        return ctx.places.children(ctx, 'STREET', 'community', args.communityId, statusOf(args), page);
      return ctx.places.list(ctx, 'STREET', statusOf(args), page);
    },
  },
  Mutation: {
    createCommunity: (_, { input }, ctx) => {
      const { name, code } = parseInput(inputs.createCommunityInput, input);
      return ctx.places.create(ctx, { kind: 'COMMUNITY', name, code });
    },
    renameCommunity: (_, { input }, ctx) => rename(ctx, 'COMMUNITY', input),
    retireCommunity: (_, { input }, ctx) => retire(ctx, 'COMMUNITY', input),
    createResidentGroup: (_, { input }, ctx) => {
      const { name, communityId } = parseInput(inputs.createResidentGroupInput, input);
      return ctx.places.create(ctx, { kind: 'RESIDENT_GROUP', name, parentId: communityId });
    },
    renameResidentGroup: (_, { input }, ctx) => rename(ctx, 'RESIDENT_GROUP', input),
    retireResidentGroup: (_, { input }, ctx) => retire(ctx, 'RESIDENT_GROUP', input),
    createStreet: (_, { input }, ctx) => {
      const { name, residentGroupId } = parseInput(inputs.createStreetInput, input);
      return ctx.places.create(ctx, { kind: 'STREET', name, parentId: residentGroupId });
    },
    renameStreet: (_, { input }, ctx) => rename(ctx, 'STREET', input),
    retireStreet: (_, { input }, ctx) => retire(ctx, 'STREET', input),
    createCourtyard: (_, { input }, ctx) => {
      const { name, streetId } = parseInput(inputs.createCourtyardInput, input);
      return ctx.places.create(ctx, { kind: 'COURTYARD', name, parentId: streetId });
    },
    renameCourtyard: (_, { input }, ctx) => rename(ctx, 'COURTYARD', input),
    retireCourtyard: (_, { input }, ctx) => retire(ctx, 'COURTYARD', input),
  },
  Community: {
    __resolveReference: reference('COMMUNITY'),
    code: (p) => p.code ?? '',
    residentGroups: (p, args, ctx) =>
      ctx.places.children(ctx, 'RESIDENT_GROUP', 'parent', p.id, statusOf(args), parsePage(args)),
    streets: (p, args, ctx) =>
      ctx.places.children(ctx, 'STREET', 'community', p.id, statusOf(args), parsePage(args)),
  },
  ResidentGroup: {
    __resolveReference: reference('RESIDENT_GROUP'),
    community: (p, _, ctx) => ctx.places.required(ctx, 'COMMUNITY', p.communityId),
    streets: (p, args, ctx) =>
      ctx.places.children(ctx, 'STREET', 'parent', p.id, statusOf(args), parsePage(args)),
  },
  Street: {
    __resolveReference: reference('STREET'),
    residentGroup: (p, _, ctx) => ctx.places.required(ctx, 'RESIDENT_GROUP', p.parentId),
    community: (p, _, ctx) => ctx.places.required(ctx, 'COMMUNITY', p.communityId),
    courtyards: (p, args, ctx) =>
      ctx.places.children(ctx, 'COURTYARD', 'parent', p.id, statusOf(args), parsePage(args)),
  },
  Courtyard: {
    __resolveReference: reference('COURTYARD'),
    street: (p, _, ctx) => ctx.places.required(ctx, 'STREET', p.parentId),
  },
} satisfies Resolvers;
