import { parseInput } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';
import { requireAdmin } from '../services/taxonomy-admin.service';
import { resolveLimit, respondLimit } from '../services/taxonomy.service';
import * as inputs from './inputs';

/**
 * The taxonomy (9大类29项) and the working-day calendar: public reads; ADMIN's edits (ADR 0048),
 * which check the role before the input (UNAUTHENTICATED / FORBIDDEN first, then BAD_USER_INPUT).
 */
export const taxonomyResolvers = {
  Query: {
    taxonomy: (_, __, ctx) => ctx.taxonomy.categories(),
    workCalendar: (_, args, ctx) => ctx.taxonomy.calendarYear(parseInput(inputs.year, args.year, 'year')),
    taxonomyItemHistory: (_, args, ctx) => {
      requireAdmin(ctx.principal);
      return ctx.taxonomyAdmin.history(ctx.principal, parseInput(inputs.taxonomyCode, args.code, 'code'));
    },
  },
  Mutation: {
    reviseTaxonomyItem: (_, { input }, ctx) => {
      requireAdmin(ctx.principal);
      return ctx.taxonomyAdmin.revise(ctx.principal, parseInput(inputs.reviseTaxonomyItemInput, input));
    },
    addTaxonomyItem: (_, { input }, ctx) => {
      requireAdmin(ctx.principal);
      return ctx.taxonomyAdmin.add(ctx.principal, parseInput(inputs.addTaxonomyItemInput, input));
    },
    retireTaxonomyItem: (_, { input }, ctx) => {
      requireAdmin(ctx.principal);
      return ctx.taxonomyAdmin.retire(ctx.principal, parseInput(inputs.retireTaxonomyItemInput, input));
    },
    setWorkingCalendar: (_, { input }, ctx) => {
      requireAdmin(ctx.principal);
      return ctx.taxonomyAdmin.setCalendar(ctx.principal, parseInput(inputs.setWorkingCalendarInput, input));
    },
    removeCalendarDay: (_, args, ctx) => {
      requireAdmin(ctx.principal);
      return ctx.taxonomyAdmin.removeCalendarDay(ctx.principal, {
        date: parseInput(inputs.calendarDay, args.date, 'date'),
        reason: parseInput(inputs.editReason, args.reason, 'reason'),
      });
    },
  },
  CalendarDay: {
    date: (d) => d.day,
  },
  CaseCategory: {
    items: async (c, args, ctx) => {
      const items = await ctx.loaders.itemsOfCategory.load(c.code);
      return args.includeRetired ? items : items.filter((i) => i.active);
    },
  },
  CaseItem: {
    code: (v) => v.itemCode,
    category: async (v, _, ctx) => {
      const category = await ctx.loaders.category.load(v.categoryCode);
      if (!category) throw new Error(`category ${v.categoryCode} is referenced but does not exist`);
      return category;
    },
    respondLimit: (v) => respondLimit(v),
    resolveLimit: (v) => resolveLimit(v),
    since: (v) => v.createdAt,
  },
} satisfies Resolvers;
