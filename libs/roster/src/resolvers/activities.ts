import { parseInput, parsePage } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';
import * as inputs from './inputs';

/** Trainings (业务培训) and patrols (巡查). */
export const activityResolvers = {
  Query: {
    trainings: (_, args, ctx) => ctx.activities.trainings(ctx, parsePage(args)),
  },
  Mutation: {
    recordTraining: (_, { input }, ctx) =>
      ctx.activities.recordTraining(ctx, parseInput(inputs.recordTrainingInput, input)),
    recordPatrol: (_, { input }, ctx) =>
      ctx.activities.recordPatrol(ctx, parseInput(inputs.recordPatrolInput, input)),
  },
  Training: {
    attendees: (t, args, ctx) =>
      ctx.activities.attendees(ctx, t, parsePage(args), (c) => ctx.chiefs.visible(ctx, c)),
  },
  Patrol: {
    chief: (p, _, ctx) => ctx.activities.chiefOf(ctx, p),
    street: (p, _, ctx) => ctx.places.required(ctx, 'STREET', p.streetId),
    grid: (p, _, ctx) => ctx.activities.gridOf(ctx, p),
  },
} satisfies Resolvers;
