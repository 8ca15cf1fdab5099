import { parseInput, parsePage } from '@sc/graphql';
import { accountRoles, accountScopes } from '../services/account.service';
import type { Resolvers } from '../__generated__/resolvers-types';
import * as inputs from './inputs';

/** Staff accounts, sign-in and the caller's own account. */
export const accountResolvers = {
  Query: {
    me: (_, __, ctx) => ctx.accounts.me(ctx),
    accounts: (_, args, ctx) => ctx.accounts.list(ctx, parsePage(args)),
  },
  Mutation: {
    login: (_, args, ctx) => {
      const { username, password } = parseInput(inputs.loginInput, args, 'login');
      return ctx.accounts.login(username, password, ctx.clientAddress);
    },
    createAccount: (_, { input }, ctx) =>
      ctx.accounts.create(ctx, parseInput(inputs.createAccountInput, input)),
  },
  Account: {
    roles: (a) => accountRoles(a),
    scopes: (a) => accountScopes(a),
  },
} satisfies Resolvers;
