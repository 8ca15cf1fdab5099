import { parseInput } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';
import * as inputs from './inputs';

/** Open311 client systems (ADR 0042): ADMIN issues, rotates and revokes their API keys. */
export const open311Resolvers = {
  Query: {
    open311Clients: (_, __, ctx) => ctx.open311.clients(ctx.principal),
  },
  Mutation: {
    createOpen311Client: (_, { input }, ctx) =>
      ctx.open311.createClient(ctx.principal, parseInput(inputs.createOpen311ClientInput, input)),
    rotateOpen311ClientKey: (_, args, ctx) =>
      ctx.open311.rotateKey(ctx.principal, parseInput(inputs.open311ClientId, args.id, 'id')),
    revokeOpen311Client: (_, args, ctx) =>
      ctx.open311.revoke(ctx.principal, parseInput(inputs.open311ClientId, args.id, 'id')),
  },
} satisfies Resolvers;
