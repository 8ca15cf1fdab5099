import { parseInput, parsePage } from '@sc/graphql';
import { SENSITIVE_FIELDS } from '../services/access-log';
import type { Resolvers } from '../__generated__/resolvers-types';
import { enumList } from './info';
import * as inputs from './inputs';

/** Population statistics (aggregates, no personal data), the access log of whole views, snapshots. */
export const statsResolvers = {
  Query: {
    populationStats: (_, args, ctx) =>
      ctx.stats.population(ctx, parseInput(inputs.statsScope, args.scope, 'scope')),
    accessLog: (_, args, ctx) => ctx.accessLogQueries.list(ctx, args.residentId ?? null, parsePage(args)),
  },
  Mutation: {
    publishPeopleSnapshot: (_, __, ctx) => ctx.snapshots.publishFor(ctx),
  },
  Street: {
    __resolveReference: (ref) => ({ id: ref.id }),
    counts: (s, _, ctx) => ctx.stats.tallyOf(ctx, 'STREET', s.id),
  },
  Grid: {
    __resolveReference: (ref) => ({ id: ref.id }),
    counts: (g, _, ctx) => ctx.stats.tallyOf(ctx, 'GRID', g.id),
  },
  StreetCount: {
    street: (s) => ({ id: s.placeId }),
  },
  CourtyardCount: {
    courtyard: (c) => ({ id: c.placeId }),
  },
  AccessLogEntry: {
    // Resolved (and refused to non-staff) by the roster, which owns accounts.
    actorAccount: (a) => ({ id: a.actor }),
    id: (a) => String(a.seq),
    roles: (a) => (a.roles ? a.roles.split(',') : []),
    fields: (a) => enumList(a.fields, SENSITIVE_FIELDS),
  },
} satisfies Resolvers;
