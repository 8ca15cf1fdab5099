import { parseInput, parsePage } from '@sc/graphql';
import { CASE_STATES } from '@sc/cases-contracts';
import { z } from 'zod';
import type { Resolvers } from '../__generated__/resolvers-types';

const state = z.enum(CASE_STATES).nullish();

/**
 * One graph: the fields cases adds to the roster's and people's entities. Each list is a batched
 * child list (one ranked statement for all parents of a tick) and each case a batched load; access
 * as on `case`/`cases` (services/access.ts).
 */
export const graphResolvers = {
  Street: {
    __resolveReference: (ref) => ({ id: ref.id }),
    cases: (s, args, ctx) =>
      ctx.loaders.streetCases(s.id, parseInput(state, args.state, 'state') ?? null, parsePage(args)),
  },
  Grid: {
    __resolveReference: (ref) => ({ id: ref.id }),
    openCases: (g, args, ctx) => ctx.loaders.gridOpenCases(g.id, parsePage(args)),
  },
  StreetChief: {
    __resolveReference: (ref) => ({ id: ref.id }),
    caseload: async (c, _, ctx) => {
      if (!ctx.cases.seesCaseload(ctx.principal, await ctx.loaders.chiefGrid.load(c.id))) return null;
      return ctx.loaders.caseload.load(c.id);
    },
  },
  Resident: {
    __resolveReference: (ref) => ({ id: ref.id }),
    cases: (r, args, ctx) => {
      const page = parsePage(args);
      return ctx.cases.seesResidentCases(ctx.principal, r.id) ? ctx.loaders.residentCases(r.id, page) : null;
    },
  },
} satisfies Resolvers;
