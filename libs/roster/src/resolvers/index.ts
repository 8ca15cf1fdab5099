import { DateScalar, DateTimeScalar } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';
import { accountResolvers } from './accounts';
import { activityResolvers } from './activities';
import { chiefResolvers } from './chiefs';
import { gridResolvers } from './grids';
import { placeResolvers } from './places';
import { signboardResolvers } from './signboards';

/**
 * The roster's resolver map, typed by the generated `Resolvers` (npm run codegen): thin — parse the
 * input with zod, call a service (rules and access checks live there), return what it returns.
 */
export const resolvers = {
  DateTime: DateTimeScalar,
  Date: DateScalar,
  ...placeResolvers,
  ...chiefResolvers,
  ...gridResolvers,
  ...signboardResolvers,
  ...activityResolvers,
  ...accountResolvers,
  Query: {
    ...placeResolvers.Query,
    ...chiefResolvers.Query,
    ...gridResolvers.Query,
    ...signboardResolvers.Query,
    ...activityResolvers.Query,
    ...accountResolvers.Query,
  },
  Mutation: {
    ...placeResolvers.Mutation,
    ...chiefResolvers.Mutation,
    ...gridResolvers.Mutation,
    ...signboardResolvers.Mutation,
    ...activityResolvers.Mutation,
    ...accountResolvers.Mutation,
  },
} satisfies Resolvers;
