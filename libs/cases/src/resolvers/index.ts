import { DateScalar, DateTimeScalar } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';
import { campaignResolvers } from './campaigns';
import { caseResolvers } from './cases';
import { graphResolvers } from './graph';
import { intakeResolvers } from './intake';
import { open311Resolvers } from './open311';
import { taxonomyResolvers } from './taxonomy';

/**
 * The cases service's resolver map, typed by the generated `Resolvers` (npm run codegen): thin —
 * parse the input with zod, call a service (access checks live there).
 */
export const resolvers = {
  DateTime: DateTimeScalar,
  Date: DateScalar,
  ...taxonomyResolvers,
  ...caseResolvers,
  ...graphResolvers,
  ...campaignResolvers,
  ...intakeResolvers,
  Query: {
    ...taxonomyResolvers.Query,
    ...caseResolvers.Query,
    ...campaignResolvers.Query,
    ...intakeResolvers.Query,
    ...open311Resolvers.Query,
  },
  Mutation: {
    ...taxonomyResolvers.Mutation,
    ...caseResolvers.Mutation,
    ...campaignResolvers.Mutation,
    ...intakeResolvers.Mutation,
    ...open311Resolvers.Mutation,
  },
  Case: { ...caseResolvers.Case, ...intakeResolvers.Case },
} satisfies Resolvers;
