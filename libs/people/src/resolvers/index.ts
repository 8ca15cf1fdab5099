import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { DateTimeScalar, parseInput, parsePage } from '@sc/graphql';
import type { PeopleContext } from '../context';
import type {
  AccessLogEntry,
  House,
  Household,
  HouseholdMember,
  RealUnit,
  Resident,
  ResidentMove,
  StandardAddress,
} from '../entities';
import type { SensitiveField } from '../services/access-log';
import * as inputs from './inputs';

type Args = Record<string, unknown>;

const FIELD_OF: Record<string, SensitiveField> = {
  idNumber: 'ID_NUMBER',
  phone: 'PHONE',
  door: 'DOOR',
  birthDate: 'BIRTH_DATE',
};

/** Which whole values the query selects under `sensitive { … }` (fragments followed). */
export function selectedSensitiveFields(info: GraphQLResolveInfo): SensitiveField[] {
  const found = new Set<SensitiveField>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        const f = FIELD_OF[sel.name.value];
        if (f) found.add(f);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet);
      else walk(info.fragments[sel.name.value]?.selectionSet);
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet);
  return [...found].sort();
}

/**
 * The client's operation name. The gateway renames what it sends a subgraph to
 * `<name>__<subgraph>__<n>`; the log keeps the name the client chose.
 */
const operationOf = (info: GraphQLResolveInfo) =>
  (info.operation.name?.value ?? 'anonymous').replace(/__[A-Za-z0-9_-]+__\d+$/, '') || 'anonymous';
const ref = (id: string | null) => (id ? { id } : null);

export const resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    resident: (_: unknown, args: Args, ctx: PeopleContext) => ctx.residents.get(ctx, String(args['id'])),
    residents: (_: unknown, args: Args, ctx: PeopleContext) => {
      const filter = parseInput(inputs.residentFilter, args['filter'], 'filter');
      return ctx.residents.list(ctx, filter, parsePage(args));
    },
    household: (_: unknown, args: Args, ctx: PeopleContext) => ctx.households.get(ctx, String(args['id'])),
    households: (_: unknown, args: Args, ctx: PeopleContext) => {
      const filter = parseInput(inputs.householdFilter, args['filter'], 'filter');
      return ctx.households.list(ctx, filter, parsePage(args));
    },
    standardAddress: (_: unknown, args: Args, ctx: PeopleContext) =>
      ctx.households.address(ctx, String(args['id'])),
    populationStats: (_: unknown, args: Args, ctx: PeopleContext) => {
      const scope = parseInput(inputs.statsScope, args['scope'], 'scope');
      return ctx.stats.population(ctx.principal, scope);
    },
    units: (_: unknown, args: Args, ctx: PeopleContext) => {
      const filter = parseInput(inputs.unitFilter, args['filter'], 'filter');
      return ctx.units.list(ctx, filter, parsePage(args));
    },
    unit: (_: unknown, args: Args, ctx: PeopleContext) => ctx.units.get(ctx, String(args['id'])),
    accessLog: (_: unknown, args: Args, ctx: PeopleContext) => {
      const residentId = typeof args['residentId'] === 'string' ? args['residentId'] : null;
      return ctx.accessLogQueries.list(ctx.principal, residentId, parsePage(args));
    },
  },
  Mutation: {
    moveIn: (_: unknown, args: Args, ctx: PeopleContext) => {
      const { idNumber, ...input } = parseInput(inputs.moveInInput, args['input']);
      return ctx.residents.moveIn(ctx, { ...input, ...idNumber });
    },
    moveOut: (_: unknown, args: Args, ctx: PeopleContext) =>
      ctx.residents.moveOut(ctx, parseInput(inputs.moveOutInput, args['input'])),
    changeHousehold: (_: unknown, args: Args, ctx: PeopleContext) =>
      ctx.residents.changeHousehold(ctx, parseInput(inputs.changeHouseholdInput, args['input'])),
    registerUnit: (_: unknown, args: Args, ctx: PeopleContext) =>
      ctx.units.register(ctx, parseInput(inputs.registerUnitInput, args['input'])),
    recordUnitInspection: (_: unknown, args: Args, ctx: PeopleContext) =>
      ctx.units.recordInspection(ctx, parseInput(inputs.recordInspectionInput, args['input'])),
    reportNeeds: (_: unknown, args: Args, ctx: PeopleContext) =>
      ctx.residents.reportNeeds(ctx, parseInput(inputs.reportNeedsInput, args['input'])),
    createHousehold: (_: unknown, args: Args, ctx: PeopleContext) =>
      ctx.households.create(ctx, parseInput(inputs.createHouseholdInput, args['input'])),
  },
  Resident: {
    __resolveReference: (r: { id: string }, ctx: PeopleContext) => ctx.residents.get(ctx, r.id),
    needs: (r: Resident) => (r.needs ? r.needs.split(',') : []),
    languages: (r: Resident) => (r.languages ? r.languages.split(',') : []),
    address: (r: Resident, _: Args, ctx: PeopleContext) =>
      r.addressId ? ctx.loaders.address.load(r.addressId) : null,
    street: (r: Resident) => ref(r.streetId),
    courtyard: (r: Resident) => ref(r.courtyardId),
    household: (r: Resident, _: Args, ctx: PeopleContext) =>
      r.householdId ? ctx.households.get(ctx, r.householdId) : null,
    // The resident was scope-checked when it was resolved; its moves come with it.
    moves: (r: Resident, args: Args, ctx: PeopleContext) => ctx.loaders.movePage(r.id, parsePage(args)),
    sensitive: (r: Resident, args: Args, ctx: PeopleContext, info: GraphQLResolveInfo) => {
      const purpose = parseInput(inputs.purpose, args['purpose'], 'purpose');
      return ctx.residents.reveal(ctx, r, selectedSensitiveFields(info), purpose, operationOf(info));
    },
  },
  ResidentMove: {
    recordedAt: (m: ResidentMove) => m.occurredAt,
    fromHousehold: (m: ResidentMove, _: Args, ctx: PeopleContext) =>
      m.fromHouseholdId ? ctx.households.get(ctx, m.fromHouseholdId) : null,
    toHousehold: (m: ResidentMove, _: Args, ctx: PeopleContext) =>
      m.toHouseholdId ? ctx.households.get(ctx, m.toHouseholdId) : null,
  },
  StandardAddress: {
    street: (a: StandardAddress) => ({ id: a.streetId }),
    courtyard: (a: StandardAddress) => ref(a.courtyardId),
    house: (a: StandardAddress, _: Args, ctx: PeopleContext) => ctx.units.house(ctx, a.id),
  },
  Unit: {
    address: (u: RealUnit, _: Args, ctx: PeopleContext) => ctx.loaders.address.load(u.addressId),
    street: (u: RealUnit) => ({ id: u.streetId }),
    // The unit was scope-checked when it was resolved; its visits come with it.
    inspections: (u: RealUnit, args: Args, ctx: PeopleContext) =>
      ctx.loaders.inspectionPage(u.id, parsePage(args)),
    sensitive: (u: RealUnit, args: Args, ctx: PeopleContext, info: GraphQLResolveInfo) => {
      const purpose = parseInput(inputs.purpose, args['purpose'], 'purpose');
      return ctx.units.reveal(ctx, u, purpose, operationOf(info));
    },
  },
  House: {
    address: (h: House, _: Args, ctx: PeopleContext) => ctx.loaders.address.load(h.addressId),
    ownerResident: (h: House, _: Args, ctx: PeopleContext) =>
      h.ownerResidentId ? ctx.residents.get(ctx, h.ownerResidentId) : null,
    ownerUnit: (h: House, _: Args, ctx: PeopleContext) =>
      h.ownerUnitId ? ctx.units.get(ctx, h.ownerUnitId) : null,
  },
  Household: {
    address: (h: Household, _: Args, ctx: PeopleContext) => ctx.loaders.address.load(h.addressId),
    street: (h: Household) => ({ id: h.streetId }),
    courtyard: (h: Household) => ref(h.courtyardId),
    head: (h: Household, _: Args, ctx: PeopleContext) =>
      h.headResidentId ? ctx.residents.get(ctx, h.headResidentId) : null,
    landlord: (h: Household, _: Args, ctx: PeopleContext) =>
      h.landlordResidentId ? ctx.residents.get(ctx, h.landlordResidentId) : null,
    members: (h: Household, _: Args, ctx: PeopleContext) => ctx.households.members(ctx, h),
    memberCount: async (h: Household, _: Args, ctx: PeopleContext) =>
      (await ctx.loaders.members.load(h.id)).length,
  },
  HouseholdMember: {
    resident: (m: HouseholdMember, _: Args, ctx: PeopleContext) => ctx.loaders.resident.load(m.residentId),
  },
  StreetCount: {
    street: (s: { placeId: string }) => ({ id: s.placeId }),
  },
  CourtyardCount: {
    courtyard: (c: { placeId: string }) => ({ id: c.placeId }),
  },
  AccessLogEntry: {
    id: (a: AccessLogEntry) => String(a.seq),
    roles: (a: AccessLogEntry) => (a.roles ? a.roles.split(',') : []),
    fields: (a: AccessLogEntry) => (a.fields ? a.fields.split(',') : []),
  },
};
