import { parseInput, parseOrderedPage, parsePage } from '@sc/graphql';
import { GRID_ORDERS } from '../repositories/orders';
import { parseStringList } from '../repositories/json-columns';
import type { Resolvers } from '../__generated__/resolvers-types';
import * as inputs from './inputs';

/** Grids (网格), the streets without a chief, and a grid's change history. */
export const gridResolvers = {
  Query: {
    grids: (_, args, ctx) => ctx.grids.list(ctx, parseOrderedPage(args, GRID_ORDERS)),
    grid: (_, { id }, ctx) => ctx.grids.get(ctx, id),
    uncoveredStreets: (_, args, ctx) => ctx.grids.uncoveredStreets(ctx, parsePage(args)),
  },
  Mutation: {
    createGrid: (_, { input }, ctx) => ctx.grids.create(ctx, parseInput(inputs.createGridInput, input)),
    setGridPlaces: (_, { input }, ctx) => {
      const membership = parseInput(inputs.setGridPlacesInput, input);
      return ctx.grids.setMembers(ctx, membership.id, membership);
    },
  },
  Grid: {
    __resolveReference: (ref, ctx) => ctx.grids.get(ctx, ref.id),
    streets: (g, args, ctx) => ctx.grids.streets(ctx, g, parsePage(args)),
    courtyards: (g, args, ctx) => ctx.grids.courtyards(ctx, g, parsePage(args), args.include ?? 'OWN'),
    chief: (g, _, ctx) => ctx.chiefs.ofGrid(ctx, g.id),
    history: (g, args, ctx) => ctx.grids.history(ctx, g, parsePage(args)),
  },
  GridChange: {
    actorAccount: (c, _, ctx) => ctx.accounts.asActor(ctx, c.actor),
    streetIds: (c) => parseStringList(c.streetIds),
    courtyardIds: (c) => parseStringList(c.courtyardIds),
  },
} satisfies Resolvers;
