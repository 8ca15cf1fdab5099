import { DateTimeScalar } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';
import { caseResolvers } from './cases';
import { taxonomyResolvers } from './taxonomy';

/**
 * The cases service's resolver map, typed by the generated `Resolvers` (npm run codegen): thin —
 * parse the input with zod, call a service (access checks live there).
 */
export const resolvers = {
  DateTime: DateTimeScalar,
  ...taxonomyResolvers,
  ...caseResolvers,
  Query: { ...taxonomyResolvers.Query, ...caseResolvers.Query },
  Mutation: { ...caseResolvers.Mutation },
} satisfies Resolvers;
