import { parseInput, parseOrderedPage, parsePage, storedEnum } from '@sc/graphql';
import { CHIEF_ORDERS } from '../repositories/orders';
import { CHIEF_ACTIONS } from '../services/chief-lifecycle';
import type { Resolvers } from '../__generated__/resolvers-types';
import * as inputs from './inputs';

/** Street chiefs from nomination to retirement; visibility rules live in ChiefService. */
export const chiefResolvers = {
  Query: {
    chiefs: (_, args, ctx) =>
      ctx.chiefs.list(ctx, args.status ?? 'APPOINTED', parseOrderedPage(args, CHIEF_ORDERS)),
    chief: (_, { id }, ctx) => ctx.chiefs.get(ctx, id),
  },
  Mutation: {
    nominateChief: (_, { input }, ctx) =>
      ctx.chiefs.nominate(ctx, parseInput(inputs.nominateChiefInput, input)),
    vetChief: (_, { input }, ctx) => {
      const vetting = parseInput(inputs.vetChiefInput, input);
      return ctx.chiefs.vet(ctx, vetting.id, vetting);
    },
    fileChief: (_, { input }, ctx) => {
      const filing = parseInput(inputs.fileChiefInput, input);
      return ctx.chiefs.file(ctx, filing.id, filing);
    },
    appointChief: (_, { input }, ctx) => {
      const appointment = parseInput(inputs.appointChiefInput, input);
      return ctx.chiefs.appoint(ctx, appointment.id, appointment);
    },
    suspendChief: (_, { input }, ctx) => {
      const { id, reason } = parseInput(inputs.chiefTransitionInput, input);
      return ctx.chiefs.suspend(ctx, id, reason);
    },
    resumeChief: (_, { input }, ctx) => {
      const { id, reason } = parseInput(inputs.chiefTransitionInput, input);
      return ctx.chiefs.resume(ctx, id, reason);
    },
    retireChief: (_, { input }, ctx) => {
      const { id, reason } = parseInput(inputs.chiefTransitionInput, input);
      return ctx.chiefs.retire(ctx, id, reason);
    },
    rejectChief: (_, { input }, ctx) => {
      const { id, reason } = parseInput(inputs.chiefTransitionInput, input);
      return ctx.chiefs.reject(ctx, id, reason);
    },
  },
  StreetChief: {
    __resolveReference: (ref, ctx) => ctx.chiefs.get(ctx, ref.id),
    resident: (c) => ({ __typename: 'Resident', id: c.residentId }),
    phone: (c, _, ctx) => ctx.chiefs.phone(ctx, c),
    grid: (c, _, ctx) => (c.gridId ? ctx.grids.get(ctx, c.gridId) : null),
    vettingNotes: (c, _, ctx) => ctx.chiefs.vettingOf(ctx, c).notes,
    vettingOpinions: (c, _, ctx) => ctx.chiefs.vettingOf(ctx, c).opinions,
    nominations: (c, args, ctx) => ctx.chiefs.nominations(ctx, c, parsePage(args)),
    transitions: (c, args, ctx) => ctx.chiefs.transitions(ctx, c, parsePage(args)),
    trainings: (c, args, ctx) => ctx.activities.chiefTrainings(ctx, c, parsePage(args)),
    patrols: (c, args, ctx) => ctx.activities.patrols(ctx, c, parsePage(args)),
  },
  ChiefTransition: {
    actionType: (t) => storedEnum(t.action, CHIEF_ACTIONS),
    actorAccount: (t, _, ctx) => ctx.accounts.asActor(ctx, t.actor),
  },
  ChiefNomination: {
    nominator: (n) => ({ __typename: 'Resident', id: n.nominatorResidentId }),
  },
} satisfies Resolvers;
