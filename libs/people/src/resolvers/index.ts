import { DateScalar, DateTimeScalar } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';
import { householdResolvers } from './households';
import { residentResolvers } from './residents';
import { statsResolvers } from './stats';
import { unitResolvers } from './units';

/**
 * The people service's resolver map, typed by the generated `Resolvers` (npm run codegen): thin —
 * parse the input with zod, call a service (scope checks and whole values live there).
 */
export const resolvers = {
  DateTime: DateTimeScalar,
  Date: DateScalar,
  ...residentResolvers,
  ...householdResolvers,
  ...unitResolvers,
  ...statsResolvers,
  Query: {
    ...residentResolvers.Query,
    ...householdResolvers.Query,
    ...unitResolvers.Query,
    ...statsResolvers.Query,
  },
  Mutation: {
    ...residentResolvers.Mutation,
    ...householdResolvers.Mutation,
    ...unitResolvers.Mutation,
    ...statsResolvers.Mutation,
  },
} satisfies Resolvers;
