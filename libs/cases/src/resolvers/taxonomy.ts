import { parseInput } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';
import { resolveLimit, respondLimit } from '../services/taxonomy.service';
import * as inputs from './inputs';

/** The taxonomy (9大类29项) and the working-day calendar: public. */
export const taxonomyResolvers = {
  Query: {
    taxonomy: (_, __, ctx) => ctx.taxonomy.categories(),
    workCalendar: (_, args, ctx) => ctx.taxonomy.calendarYear(parseInput(inputs.year, args.year, 'year')),
  },
  CalendarDay: {
    date: (d) => d.day,
  },
  CaseCategory: {
    items: (c, _, ctx) => ctx.loaders.itemsOfCategory.load(c.code),
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
  },
} satisfies Resolvers;
