import { parseInput, parseOrderedPage } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';
import { HOUSEHOLD_ORDERS } from '../repositories/household.repository';
import * as inputs from './inputs';

const ref = (id: string | null) => (id ? { id } : null);

/** Households (户), standard addresses (标准地址) and houses (实有房屋). */
export const householdResolvers = {
  Query: {
    household: (_, { id }, ctx) => ctx.households.get(ctx, id),
    households: (_, args, ctx) =>
      ctx.households.list(
        ctx,
        parseInput(inputs.householdFilter, args.filter, 'filter'),
        parseOrderedPage(args, HOUSEHOLD_ORDERS),
      ),
    standardAddress: (_, { id }, ctx) => ctx.households.address(ctx, id),
  },
  Mutation: {
    createHousehold: (_, { input }, ctx) =>
      ctx.households.create(ctx, parseInput(inputs.createHouseholdInput, input)),
  },
  Household: {
    // Scope-checked like `household(id)`; anonymous callers get null (as Resident references).
    __resolveReference: (h, ctx) => (ctx.principal ? ctx.households.get(ctx, h.id) : null),
    address: (h, _, ctx) => ctx.loaders.requiredAddress(h.addressId),
    enteredOn: (h) => h.entryDate,
    street: (h) => ({ id: h.streetId }),
    courtyard: (h) => ref(h.courtyardId),
    head: (h, _, ctx) => (h.headResidentId ? ctx.residents.get(ctx, h.headResidentId) : null),
    landlord: (h, _, ctx) => (h.landlordResidentId ? ctx.residents.get(ctx, h.landlordResidentId) : null),
    members: (h, _, ctx) => ctx.households.members(ctx, h),
    memberCount: async (h, _, ctx) => (await ctx.loaders.members.load(h.id)).length,
  },
  HouseholdMember: {
    resident: (m, _, ctx) => ctx.households.memberResident(ctx, m),
  },
  StandardAddress: {
    entrance: (a) => a.unit,
    street: (a) => ({ id: a.streetId }),
    courtyard: (a) => ref(a.courtyardId),
    house: (a, _, ctx) => ctx.units.house(ctx, a.id),
  },
  House: {
    address: (h, _, ctx) => ctx.loaders.requiredAddress(h.addressId),
    ownerResident: (h, _, ctx) => (h.ownerResidentId ? ctx.residents.get(ctx, h.ownerResidentId) : null),
    ownerUnit: (h, _, ctx) => (h.ownerUnitId ? ctx.units.get(ctx, h.ownerUnitId) : null),
  },
} satisfies Resolvers;
