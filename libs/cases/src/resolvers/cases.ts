import { parseInput, parseOrderedPage, parsePage, storedEnum } from '@sc/graphql';
import { CASE_ORDERS } from '../repositories/case.repository';
import { CASE_HISTORY_ACTIONS } from '../domain/lifecycle';
import type { Resolvers } from '../__generated__/resolvers-types';
import { maskPublicText } from '../domain/public-text';
import * as inputs from './inputs';

const ref = (id: string | null) => (id ? { id } : null);

/** Cases: the public view for everyone, the full view for those entitled (services/access.ts). */
export const caseResolvers = {
  Query: {
    case: (_, args, ctx) => ctx.cases.get(ctx, parseInput(inputs.caseActionInput.shape.id, args.id, 'id')),
    cases: (_, args, ctx) =>
      ctx.cases.list(
        ctx,
        parseInput(inputs.caseFilter, args.filter, 'filter'),
        parseOrderedPage(args, CASE_ORDERS),
      ),
    caseLedger: (_, args, ctx) => {
      const a = parseInput(inputs.ledgerArgs, args, 'args');
      return ctx.ledger.query(ctx.principal, {
        scopeKind: a.scope.kind,
        scopeId: a.scope.id,
        fromMonth: a.fromMonth,
        toMonth: a.toMonth,
        groupBy: a.groupBy ?? [],
      });
    },
  },
  LedgerRow: {
    category: (r, _, ctx) => (r.categoryCode ? ctx.loaders.category.load(r.categoryCode) : null),
  },
  Mutation: {
    reportCase: (_, { input }, ctx) => ctx.cases.report(ctx, parseInput(inputs.reportCaseInput, input)),
    acceptCase: (_, { input }, ctx) => ctx.cases.accept(ctx, parseInput(inputs.acceptCaseInput, input)),
    assignCase: (_, { input }, ctx) => ctx.cases.assign(ctx, parseInput(inputs.assignCaseInput, input)),
    startCase: (_, { input }, ctx) => ctx.cases.start(ctx, parseInput(inputs.caseActionInput, input)),
    resolveCase: (_, { input }, ctx) => ctx.cases.resolve(ctx, parseInput(inputs.resolveCaseInput, input)),
    escalateCase: (_, { input }, ctx) => ctx.cases.escalate(ctx, parseInput(inputs.escalateCaseInput, input)),
    rejectCase: (_, { input }, ctx) => ctx.cases.reject(ctx, parseInput(inputs.caseActionInput, input)),
    markCaseDuplicate: (_, { input }, ctx) =>
      ctx.cases.markDuplicate(ctx, parseInput(inputs.markDuplicateInput, input)),
    rateCase: (_, { input }, ctx) => ctx.cases.rate(ctx, parseInput(inputs.rateCaseInput, input)),
    confirmRectification: (_, { input }, ctx) =>
      ctx.cases.confirmRectification(ctx, parseInput(inputs.caseActionInput, input)),
    reopenCase: (_, { input }, ctx) => ctx.cases.reopen(ctx, parseInput(inputs.caseActionInput, input)),
    addCaseNote: (_, { input }, ctx) => ctx.cases.addNote(ctx, parseInput(inputs.addCaseNoteInput, input)),
  },
  Case: {
    __resolveReference: (r, ctx) => ctx.cases.get(ctx, r.id),
    fullView: (c, _, ctx) => ctx.cases.fullView(ctx, c),
    state: (c) => c.status,
    item: (c, _, ctx) => ctx.cases.itemOf(ctx, c),
    category: (c, _, ctx) => (c.categoryCode ? ctx.loaders.category.load(c.categoryCode) : null),
    street: (c) => ({ id: c.streetId }),
    courtyard: (c) => ref(c.courtyardId),
    grid: (c) => ref(c.gridId),
    location: (c) =>
      c.latitude !== null && c.longitude !== null ? { latitude: c.latitude, longitude: c.longitude } : null,
    description: (c, _, ctx) => (ctx.cases.fullView(ctx, c) ? c.description : null),
    reporter: (c, _, ctx) => (ctx.cases.fullView(ctx, c) ? ref(c.reporterResidentId) : null),
    externalNumber: (c, _, ctx) => (ctx.cases.fullView(ctx, c) ? c.externalNumber : null),
    respondBy: (c) => c.respondDueAt,
    resolveBy: (c) => c.resolveDueAt,
    overdue: (c, _, ctx) => ctx.cases.overdue(c),
    urgentAdvice: (c, _, ctx) => ctx.cases.urgentAdvice(ctx, c),
    assignee: (c) =>
      c.assigneeKind
        ? {
            kind: c.assigneeKind,
            chief: ref(c.assigneeKind === 'CHIEF' ? c.assigneeId : null),
            name: c.assigneeName,
          }
        : null,
    resolution: (c, _, ctx) =>
      c.resolution === null ? null : ctx.cases.fullView(ctx, c) ? c.resolution : maskPublicText(c.resolution),
    duplicateOf: (c, _, ctx) => (c.duplicateOfId ? ctx.cases.get(ctx, c.duplicateOfId) : null),
    notes: (c, args, ctx) => ctx.cases.notes(ctx, c, parsePage(args)),
    transitions: (c, args, ctx) => ctx.cases.transitions(ctx, c, parsePage(args)),
  },
  CaseNote: {
    body: (n) => (n.visibility === 'PUBLIC' ? maskPublicText(n.body) : n.body),
  },
  CaseTransition: {
    actionType: (t) => storedEnum(t.action, CASE_HISTORY_ACTIONS),
    // Resolved (and refused to non-staff) by the roster, which owns accounts.
    actorAccount: (t) => ({ id: t.actor }),
    from: (t) => t.fromStatus,
    to: (t) => t.toStatus,
  },
} satisfies Resolvers;
