import { parseInput, parsePage } from '@sc/graphql';
import { id } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';
import { TARGET_LABELS } from '../services/campaign.service';
import * as inputs from './inputs';

const DAY_MS = 86_400_000;

/** Campaigns (百日攻坚): public progress, staff create them, staff and chiefs record actions. */
export const campaignResolvers = {
  Query: {
    campaigns: (_, args, ctx) => ctx.campaigns.list(parsePage(args), ctx.loaders.campaigns),
    campaign: (_, args, ctx) => ctx.loaders.campaigns.campaign.load(parseInput(id(), args.id, 'id')),
  },
  Mutation: {
    createCampaign: (_, { input }, ctx) =>
      ctx.campaigns.create(ctx.principal, parseInput(inputs.createCampaignInput, input)),
    recordCampaignAction: (_, { input }, ctx) =>
      ctx.campaigns.record(ctx.principal, parseInput(inputs.recordCampaignActionInput, input)),
  },
  Campaign: {
    __resolveReference: (r, ctx) => ctx.loaders.campaigns.campaign.load(r.id),
    scope: (c) => ({
      kind: c.scopeKind,
      id: c.scopeId,
      street: c.scopeKind === 'STREET' ? { id: c.scopeId } : null,
      grid: c.scopeKind === 'GRID' ? { id: c.scopeId } : null,
    }),
    firstDay: (c) => c.startsOn,
    lastDay: (c) => c.endsOn,
    days: (c) => Math.round((c.endsAt.getTime() - c.startsAt.getTime()) / DAY_MS),
    state: (c, _, ctx) => ctx.campaigns.state(c),
    targets: (c, _, ctx) => ctx.loaders.campaigns.targets.load(c.id),
  },
  CampaignTarget: {
    label: (t) => TARGET_LABELS[t.name],
    rate: (t) => t.achieved / t.goal,
  },
  CampaignAction: {
    date: (a) => a.day,
    street: (a) => ({ id: a.streetId }),
    courtyard: (a) => (a.courtyardId ? { id: a.courtyardId } : null),
  },
} satisfies Resolvers;
