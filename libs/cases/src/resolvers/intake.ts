import { parseInput, parsePage, storedEnum } from '@sc/graphql';
import { CASE_HISTORY_ACTIONS } from '../domain/lifecycle';
import type { Resolvers } from '../__generated__/resolvers-types';
import { EVIDENCE_PATH } from '../services/evidence.service';
import * as inputs from './inputs';

/** Intake (h-cases-intake): me too, similar open cases, corrections, the reporter's updates, CSV. */
export const intakeResolvers = {
  Query: {
    similarOpenCases: (_, args, ctx) =>
      ctx.intake.similarOpenCases(ctx, parseInput(inputs.similarArgs, args, 'args')),
    myCaseUpdates: (_, args, ctx) => ctx.intake.myCaseUpdates(ctx, parsePage(args)),
    casesCsv: (_, args, ctx) =>
      ctx.csv.caseList(
        ctx.principal,
        parseInput(inputs.caseFilter, args.filter, 'filter'),
        parsePage({ first: args.first ?? 1000, after: args.after }, 5000),
      ),
    caseLedgerCsv: (_, args, ctx) => {
      const a = parseInput(inputs.ledgerArgs, args, 'args');
      return ctx.csv.ledgerCsv(ctx.principal, {
        scopeKind: a.scope.kind,
        scopeId: a.scope.id,
        fromMonth: a.fromMonth,
        toMonth: a.toMonth,
        groupBy: a.groupBy ?? [],
      });
    },
  },
  Mutation: {
    supportCase: (_, args, ctx) =>
      ctx.intake.support(ctx, parseInput(inputs.caseActionInput.shape.id, args.id, 'id')),
    correctCase: (_, { input }, ctx) => ctx.intake.correct(ctx, parseInput(inputs.correctCaseInput, input)),
    addToResolvedCase: (_, { input }, ctx) =>
      ctx.intake.addToResolved(ctx, parseInput(inputs.addToResolvedCaseInput, input)),
    attachCaseEvidence: (_, { input }, ctx) =>
      ctx.evidence.attach(ctx, parseInput(inputs.attachCaseEvidenceInput, input)),
  },
  Case: {
    supportCount: (c) => c.supportCount,
    supportedByMe: (c, _, ctx) => ctx.intake.supportedByMe(ctx, c),
    evidence: (c, _, ctx) => ctx.evidence.ofCase(ctx, c),
  },
  CaseEvidence: {
    phase: (e) => e.phase ?? 'BEFORE',
    public: (e) => e.isPublic,
    url: (e) => `${EVIDENCE_PATH}/${e.id}`,
  },
  CaseUpdate: {
    actionType: (n) => storedEnum(n.action, CASE_HISTORY_ACTIONS),
    case: async (n, _, ctx) => {
      const c = await ctx.loaders.case.load(n.caseId);
      if (!c) throw new Error(`case ${n.caseId} of update ${n.id} is missing`);
      return c;
    },
    note: (n, _, ctx) => (n.noteId ? ctx.loaders.note(n.noteId) : null),
  },
} satisfies Resolvers;
