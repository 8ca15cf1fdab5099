import { parseInput, parseOrderedPage, parsePage } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';
import { UNIT_ORDERS } from '../repositories/unit.repository';
import { operationOf } from './info';
import * as inputs from './inputs';

/** Real units (实有单位) and their safety-check visits. */
export const unitResolvers = {
  Query: {
    units: (_, args, ctx) =>
      ctx.units.list(
        ctx,
        parseInput(inputs.unitFilter, args.filter, 'filter'),
        parseOrderedPage(args, UNIT_ORDERS),
      ),
    unit: (_, { id }, ctx) => ctx.units.get(ctx, id),
  },
  Mutation: {
    registerUnit: (_, { input }, ctx) => ctx.units.register(ctx, parseInput(inputs.registerUnitInput, input)),
    recordUnitInspection: (_, { input }, ctx) =>
      ctx.units.recordInspection(ctx, parseInput(inputs.recordInspectionInput, input)),
  },
  Unit: {
    address: (u, _, ctx) => ctx.loaders.requiredAddress(u.addressId),
    street: (u) => ({ id: u.streetId }),
    // The unit was scope-checked when it was resolved; its visits come with it.
    inspections: (u, args, ctx) => ctx.loaders.inspectionPage(u.id, parsePage(args)),
    sensitive: (u, args, ctx, info) => {
      const purpose = parseInput(inputs.purpose, args.purpose, 'purpose');
      return ctx.units.reveal(ctx, u, purpose, operationOf(info));
    },
  },
  UnitInspection: {
    // Resolved (and refused to non-staff) by the roster, which owns accounts.
    inspectorAccount: (i) => ({ id: i.inspector }),
  },
} satisfies Resolvers;
