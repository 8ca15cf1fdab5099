import { parseInput, parseOrderedPage, parsePage } from '@sc/graphql';
import { RESIDENT_NEEDS } from '../entities';
import type { Resolvers } from '../__generated__/resolvers-types';
import { RESIDENT_ORDERS } from '../repositories/resident.repository';
import { enumList, operationOf, selectedSensitiveFields } from './info';
import * as inputs from './inputs';

const ref = (id: string | null) => (id ? { id } : null);

/** Residents (实有人口) and their moves; scope rules and whole values live in ResidentService. */
export const residentResolvers = {
  Query: {
    resident: (_, { id }, ctx) => ctx.residents.get(ctx, id),
    residents: (_, args, ctx) =>
      ctx.residents.list(
        ctx,
        parseInput(inputs.residentFilter, args.filter, 'filter'),
        parseOrderedPage(args, RESIDENT_ORDERS),
      ),
  },
  Mutation: {
    moveIn: (_, { input }, ctx) => {
      const { idNumber, ...rest } = parseInput(inputs.moveInInput, input);
      return ctx.residents.moveIn(ctx, { ...rest, ...idNumber });
    },
    moveOut: (_, { input }, ctx) => ctx.residents.moveOut(ctx, parseInput(inputs.moveOutInput, input)),
    changeHousehold: (_, { input }, ctx) =>
      ctx.residents.changeHousehold(ctx, parseInput(inputs.changeHouseholdInput, input)),
    reportNeeds: (_, { input }, ctx) =>
      ctx.residents.reportNeeds(ctx, parseInput(inputs.reportNeedsInput, input)),
  },
  Resident: {
    __resolveReference: (r, ctx) => ctx.residents.reference(ctx, r.id),
    needs: (r) => enumList(r.needs, RESIDENT_NEEDS),
    movedInOn: (r) => r.movedInAt,
    movedOutOn: (r) => r.movedOutAt,
    languages: (r) => (r.languages ? r.languages.split(',') : []),
    address: (r, _, ctx) => (r.addressId ? ctx.loaders.address.load(r.addressId) : null),
    street: (r) => ref(r.streetId),
    courtyard: (r) => ref(r.courtyardId),
    household: (r, _, ctx) => (r.householdId ? ctx.households.get(ctx, r.householdId) : null),
    // The resident was scope-checked when it was resolved; its moves come with it.
    moves: (r, args, ctx) => ctx.loaders.movePage(r.id, parsePage(args)),
    sensitive: (r, args, ctx, info) => {
      const purpose = parseInput(inputs.purpose, args.purpose, 'purpose');
      return ctx.residents.reveal(ctx, r, selectedSensitiveFields(info), purpose, operationOf(info));
    },
  },
  ResidentSensitive: {
    // The same revealed birth date (BIRTH_DATE, logged) as `birthDate`, as a Date.
    bornOn: (r) => {
      // Selecting bornOn reveals BIRTH_DATE (info.ts): absent here would be a fault of ours.
      if (r.birthDate === undefined) throw new Error('bornOn selected but the birth date was not revealed');
      return r.birthDate;
    },
  },
  ResidentMove: {
    date: (m) => m.occurredOn,
    recordedAt: (m) => m.occurredAt,
    fromHousehold: (m, _, ctx) => (m.fromHouseholdId ? ctx.households.get(ctx, m.fromHouseholdId) : null),
    toHousehold: (m, _, ctx) => (m.toHouseholdId ? ctx.households.get(ctx, m.toHouseholdId) : null),
  },
} satisfies Resolvers;
