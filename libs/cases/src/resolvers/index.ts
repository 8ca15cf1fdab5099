import { DateTimeScalar } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';
import { caseResolvers } from './cases';
import { intakeResolvers } from './intake';
import { taxonomyResolvers } from './taxonomy';

/**
 * The cases service's resolver map, typed by the generated `Resolvers` (npm run codegen): thin —
 * parse the input with zod, call a service (access checks live there).
 */
export const resolvers = {
  DateTime: DateTimeScalar,
  ...taxonomyResolvers,
  ...caseResolvers,
  ...intakeResolvers,
  Query: { ...taxonomyResolvers.Query, ...caseResolvers.Query, ...intakeResolvers.Query },
  Mutation: { ...caseResolvers.Mutation, ...intakeResolvers.Mutation },
  Case: { ...caseResolvers.Case, ...intakeResolvers.Case },
} satisfies Resolvers;
