import { parseInput, parsePage } from '@sc/graphql';
import type { PlaceKind } from '../entities/place.entity';
import type { Resolvers } from '../__generated__/resolvers-types';
import * as inputs from './inputs';

const PLACE_TYPE = {
  COMMUNITY: 'Community',
  RESIDENT_GROUP: 'ResidentGroup',
  STREET: 'Street',
  COURTYARD: 'Courtyard',
} as const satisfies Record<PlaceKind, string>;

/** Signboards (公示牌): public; their content follows the roster. */
export const signboardResolvers = {
  Query: {
    signboards: (_, args, ctx) => ctx.signboards.list(ctx, args.outOfDate ?? null, parsePage(args)),
    signboard: (_, { code }, ctx) => ctx.signboards.byCode(ctx, code),
  },
  Mutation: {
    createSignboard: (_, { input }, ctx) =>
      ctx.signboards.create(ctx, parseInput(inputs.createSignboardInput, input)),
    markSignboardReprinted: (_, args, ctx) => {
      const { id } = parseInput(inputs.idArgs, args, 'args');
      return ctx.signboards.markReprinted(ctx, id);
    },
  },
  Signboard: {
    __resolveReference: (ref, ctx) => ctx.signboards.get(ctx, ref.id),
    place: (b, _, ctx) => ctx.places.required(ctx, null, b.placeId),
    scope: (b, _, ctx) => ctx.places.required(ctx, null, b.scopePlaceId),
    content: (b, _, ctx) => ctx.signboards.content(ctx, b),
    publicPath: (b) => `/signboards/${b.code}`,
  },
  SignboardPlace: {
    __resolveType: (p) => PLACE_TYPE[p.kind],
  },
} satisfies Resolvers;
