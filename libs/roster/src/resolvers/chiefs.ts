import { requireAuthenticated, requireRole } from '@sc/auth';
import { ForbiddenError, parseInput } from '@sc/graphql';
import type { RosterContext } from '../context';
import { Patrol, Training } from '../entities/activity.entity';
import { ChiefNomination, ChiefTransition, StreetChief, type ChiefStatus } from '../entities/chief.entity';
import { Grid, GridChange } from '../entities/grid.entity';
import type { Place } from '../entities/place.entity';
import { Signboard } from '../entities/signboard.entity';
import type { OwnedList } from '../repositories/roster.repository';
import { canSeeGridActivities } from '../services/activity.service';
import { canSeeCandidates, CHIEF_READERS } from '../services/chief.service';
import type { SignboardContent } from '../services/signboard-content';
import * as inputs from './inputs';

type Args = Record<string, unknown>;
const page = (args: Args) => ({
  first: args['first'] as number | null | undefined,
  after: args['after'] as string | null | undefined,
});

const LISTS = {
  gridStreets: {
    table: 'grid_member',
    owner: 'grid_id',
    sort: 'sort_key',
    select: 'place_id',
    where: { kind: 'STREET' },
  },
  gridCourtyards: {
    table: 'grid_member',
    owner: 'grid_id',
    sort: 'sort_key',
    select: 'place_id',
    where: { kind: 'COURTYARD' },
  },
  gridHistory: { table: 'grid_change', owner: 'grid_id', sort: 'version', select: 'id' },
  nominations: { table: 'chief_nomination', owner: 'chief_id', sort: 'nominator_resident_id', select: 'id' },
  transitions: { table: 'chief_transition', owner: 'chief_id', sort: 'seq', select: 'id' },
  chiefTrainings: {
    table: 'training_attendance',
    owner: 'chief_id',
    sort: 'sort_key',
    select: 'training_id',
  },
  chiefPatrols: { table: 'patrol', owner: 'chief_id', sort: 'sort_key', select: 'id' },
  attendees: { table: 'training_attendance', owner: 'training_id', sort: 'chief_id', select: 'chief_id' },
} satisfies Record<string, OwnedList>;

/** Appointed chiefs are public; candidates and former chiefs only for COMMUNITY_STAFF and TOWN_OFFICER. */
const visible = (c: StreetChief | null, ctx: RosterContext): StreetChief | null =>
  c && (c.status === 'APPOINTED' || canSeeCandidates(ctx.principal)) ? c : null;

const chiefById = async (id: string, ctx: RosterContext) =>
  visible(await ctx.chiefLoaders.byId(StreetChief, id), ctx);

const PLACE_TYPE: Record<Place['kind'], string> = {
  COMMUNITY: 'Community',
  RESIDENT_GROUP: 'ResidentGroup',
  STREET: 'Street',
  COURTYARD: 'Courtyard',
};

export const chiefResolvers = {
  Query: {
    grids: (_: unknown, args: Args, ctx: RosterContext) =>
      ctx.chiefLoaders.top(Grid, 'grid', 'sort_key', {}, page(args), (g) => g.sortKey),
    grid: (_: unknown, args: Args, ctx: RosterContext) => ctx.chiefLoaders.byId(Grid, String(args['id'])),
    chiefs: (_: unknown, args: Args, ctx: RosterContext) => {
      const status = (args['status'] as ChiefStatus | null | undefined) ?? 'APPOINTED';
      if (status !== 'APPOINTED') requireRole(ctx.principal, ...CHIEF_READERS);
      return ctx.chiefLoaders.top(
        StreetChief,
        'street_chief',
        'sort_key',
        { status },
        page(args),
        (c) => c.sortKey,
      );
    },
    chief: (_: unknown, args: Args, ctx: RosterContext) => chiefById(String(args['id']), ctx),
    uncoveredStreets: (_: unknown, args: Args, ctx: RosterContext) =>
      ctx.chiefLoaders.uncoveredStreets(page(args), ctx.loaders),
    signboards: (_: unknown, args: Args, ctx: RosterContext) => {
      const outOfDate = args['outOfDate'];
      const where: Record<string, number> =
        typeof outOfDate === 'boolean' ? { out_of_date: outOfDate ? 1 : 0 } : {};
      return ctx.chiefLoaders.top(Signboard, 'signboard', 'code', where, page(args), (b) => b.code);
    },
    signboard: async (_: unknown, args: Args, ctx: RosterContext) => {
      const code = String(args['code']).trim().toUpperCase();
      const ids = await ctx.chiefLoaders.top(
        Signboard,
        'signboard',
        'code',
        { code },
        { first: 1 },
        (b) => b.code,
      );
      return ids.nodes[0] ?? null;
    },
    trainings: (_: unknown, args: Args, ctx: RosterContext) => {
      requireAuthenticated(ctx.principal);
      return ctx.chiefLoaders.top(Training, 'training', 'sort_key', {}, page(args), (t) => t.sortKey);
    },
  },
  Mutation: {
    createGrid: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.createGridInput, args['input']);
      return ctx.grids.create(ctx.principal, input);
    },
    setGridPlaces: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.setGridPlacesInput, args['input']);
      return ctx.grids.setMembers(ctx.principal, input.id, input);
    },
    nominateChief: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.nominateChiefInput, args['input']);
      return ctx.chiefs.nominate(ctx.principal, input);
    },
    vetChief: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.vetChiefInput, args['input']);
      return ctx.chiefs.vet(ctx.principal, input.id, input);
    },
    fileChief: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.fileChiefInput, args['input']);
      return ctx.chiefs.file(ctx.principal, input.id, input);
    },
    appointChief: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.appointChiefInput, args['input']);
      return ctx.chiefs.appoint(ctx.principal, input.id, input);
    },
    suspendChief: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.chiefTransitionInput, args['input']);
      return ctx.chiefs.suspend(ctx.principal, input.id, input.reason);
    },
    resumeChief: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.chiefTransitionInput, args['input']);
      return ctx.chiefs.resume(ctx.principal, input.id, input.reason);
    },
    retireChief: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.chiefTransitionInput, args['input']);
      return ctx.chiefs.retire(ctx.principal, input.id, input.reason);
    },
    rejectChief: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.chiefTransitionInput, args['input']);
      return ctx.chiefs.reject(ctx.principal, input.id, input.reason);
    },
    createSignboard: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.createSignboardInput, args['input']);
      return ctx.signboards.create(ctx.principal, input);
    },
    markSignboardReprinted: (_: unknown, args: Args, ctx: RosterContext) => {
      const { id } = parseInput(inputs.chiefTransitionInput.pick({ id: true }), args, 'args');
      return ctx.signboards.markReprinted(ctx.principal, id);
    },
    recordTraining: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.recordTrainingInput, args['input']);
      return ctx.activities.recordTraining(ctx.principal, input);
    },
    recordPatrol: (_: unknown, args: Args, ctx: RosterContext) => {
      const input = parseInput(inputs.recordPatrolInput, args['input']);
      return ctx.activities.recordPatrol(ctx.principal, input);
    },
  },
  Grid: {
    __resolveReference: (ref: { id: string }, ctx: RosterContext) => ctx.chiefLoaders.byId(Grid, ref.id),
    streets: (g: Grid, args: Args, ctx: RosterContext) =>
      ctx.chiefLoaders.owned(LISTS.gridStreets, g.id, page(args), (id) => ctx.loaders.place(id, 'STREET')),
    courtyards: (g: Grid, args: Args, ctx: RosterContext) =>
      ctx.chiefLoaders.owned(LISTS.gridCourtyards, g.id, page(args), (id) =>
        ctx.loaders.place(id, 'COURTYARD'),
      ),
    chief: async (g: Grid, _: Args, ctx: RosterContext) => {
      const holder = await ctx.chiefLoaders.chiefByGrid.load(g.id);
      return holder?.status === 'APPOINTED' ? holder : null;
    },
    history: (g: Grid, args: Args, ctx: RosterContext) => {
      requireRole(ctx.principal, ...CHIEF_READERS);
      return ctx.chiefLoaders.owned(LISTS.gridHistory, g.id, page(args), (id) =>
        ctx.chiefLoaders.byId(GridChange, id),
      );
    },
  },
  GridChange: {
    streetIds: (c: GridChange) => JSON.parse(c.streetIds) as string[],
    courtyardIds: (c: GridChange) => JSON.parse(c.courtyardIds) as string[],
  },
  StreetChief: {
    __resolveReference: (ref: { id: string }, ctx: RosterContext) => chiefById(ref.id, ctx),
    resident: (c: StreetChief) => ({ __typename: 'Resident', id: c.residentId }),
    phone: (c: StreetChief, _: Args, ctx: RosterContext) =>
      c.status === 'APPOINTED' || canSeeCandidates(ctx.principal) ? c.phone : null,
    grid: (c: StreetChief, _: Args, ctx: RosterContext) =>
      c.gridId ? ctx.chiefLoaders.byId(Grid, c.gridId) : null,
    vettingNotes: (c: StreetChief, _: Args, ctx: RosterContext) =>
      canSeeCandidates(ctx.principal) ? c.vettingNotes : null,
    vettingOpinions: (c: StreetChief, _: Args, ctx: RosterContext) =>
      canSeeCandidates(ctx.principal) && c.vettingOpinions
        ? (JSON.parse(c.vettingOpinions) as string[])
        : null,
    nominations: (c: StreetChief, args: Args, ctx: RosterContext) => {
      requireRole(ctx.principal, ...CHIEF_READERS);
      return ctx.chiefLoaders.owned(LISTS.nominations, c.id, page(args), (id) =>
        ctx.chiefLoaders.byId(ChiefNomination, id),
      );
    },
    transitions: (c: StreetChief, args: Args, ctx: RosterContext) => {
      requireRole(ctx.principal, ...CHIEF_READERS);
      return ctx.chiefLoaders.owned(LISTS.transitions, c.id, page(args), (id) =>
        ctx.chiefLoaders.byId(ChiefTransition, id),
      );
    },
    trainings: (c: StreetChief, args: Args, ctx: RosterContext) => {
      requireAuthenticated(ctx.principal);
      return ctx.chiefLoaders.owned(LISTS.chiefTrainings, c.id, page(args), (id) =>
        ctx.chiefLoaders.byId(Training, id),
      );
    },
    patrols: (c: StreetChief, args: Args, ctx: RosterContext) => {
      requireAuthenticated(ctx.principal);
      if (!canSeeGridActivities(ctx.principal, c.gridId))
        throw new ForbiddenError('no access to these patrols');
      return ctx.chiefLoaders.owned(LISTS.chiefPatrols, c.id, page(args), (id) =>
        ctx.chiefLoaders.byId(Patrol, id),
      );
    },
  },
  ChiefNomination: {
    nominator: (n: ChiefNomination) => ({ __typename: 'Resident', id: n.nominatorResidentId }),
  },
  Signboard: {
    __resolveReference: (ref: { id: string }, ctx: RosterContext) => ctx.chiefLoaders.byId(Signboard, ref.id),
    place: (b: Signboard, _: Args, ctx: RosterContext) => ctx.loaders.placeById.load(b.placeId),
    scope: (b: Signboard, _: Args, ctx: RosterContext) => ctx.loaders.placeById.load(b.scopePlaceId),
    content: async (b: Signboard, _: Args, ctx: RosterContext) => {
      const content: SignboardContent = await ctx.chiefLoaders.signboardContent.load(b);
      return {
        title: `${content.scopeName}街长公示牌`,
        location: `${content.placeName} ${content.location}`.trim(),
        scopeName: content.scopeName,
        hash: content.hash,
        entries: content.entries.map((e) => ({
          gridId: e.gridId,
          gridName: e.gridName,
          streets: e.streets,
          courtyards: e.courtyards,
          chiefName: e.chief?.name ?? null,
          chiefPhone: e.chief?.phone ?? null,
          chiefBadge: e.chief?.badge ?? null,
        })),
      };
    },
    publicPath: (b: Signboard) => `/signboards/${b.code}`,
  },
  SignboardPlace: {
    __resolveType: (p: Place) => PLACE_TYPE[p.kind],
  },
  Training: {
    attendees: (t: Training, args: Args, ctx: RosterContext) =>
      ctx.chiefLoaders.owned(LISTS.attendees, t.id, page(args), (id) => chiefById(id, ctx)),
  },
  Patrol: {
    chief: (p: Patrol, _: Args, ctx: RosterContext) => ctx.chiefLoaders.byId(StreetChief, p.chiefId),
    street: (p: Patrol, _: Args, ctx: RosterContext) => ctx.loaders.place(p.streetId, 'STREET'),
    grid: (p: Patrol, _: Args, ctx: RosterContext) => ctx.chiefLoaders.byId(Grid, p.gridId),
  },
};
