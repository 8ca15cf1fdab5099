import { parseInput, parseOrderedPage } from '@sc/graphql';
import { ACCOUNT_ORDERS } from '../repositories/orders';
import { accountRoles, accountScopes, actorOnly, residentIdOf } from '../services/account.service';
import type { Resolvers } from '../__generated__/resolvers-types';
import * as inputs from './inputs';

/** Staff accounts, sign-in and the caller's own account. */
export const accountResolvers = {
  Query: {
    me: (_, __, ctx) => ctx.accounts.me(ctx),
    viewer: (_, __, ctx) => ctx.principal,
    accounts: (_, args, ctx) => ctx.accounts.list(ctx, parseOrderedPage(args, ACCOUNT_ORDERS)),
  },
  Mutation: {
    login: (_, args, ctx) => {
      const { username, password } = parseInput(inputs.loginInput, args, 'login');
      return ctx.accounts.login(username, password, ctx.clientAddress);
    },
    refreshSession: (_, { refreshToken }, ctx) => ctx.accounts.refresh(refreshToken),
    logout: (_, { refreshToken }, ctx) => ctx.accounts.logout(ctx, refreshToken ?? undefined),
    createAccount: (_, { input }, ctx) =>
      ctx.accounts.create(ctx, parseInput(inputs.createAccountInput, input)),
  },
  Viewer: {
    scopes: (p) => p.scopes,
    account: (p, _, ctx) => ctx.accounts.account(ctx, p),
    grids: (p, _, ctx) => ctx.grids.ofScopes(ctx, p.scopes),
    residentId: (p) => residentIdOf(p),
  },
  Account: {
    __resolveReference: (ref, ctx) => ctx.accounts.asActor(ctx, ref.id),
    username: (a) => actorOnly(a, a.username),
    roles: (a) => actorOnly(a, accountRoles(a)),
    scopes: (a) => actorOnly(a, accountScopes(a)),
    createdAt: (a) => actorOnly(a, a.createdAt),
  },
} satisfies Resolvers;
