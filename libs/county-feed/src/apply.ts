import { type EntityManager, In } from 'typeorm';
import {
  FeedCase,
  FeedChief,
  FeedGridStreet,
  FeedHousehold,
  FeedMatter,
  FeedPlace,
  FeedResident,
} from './entities';

/**
 * How each event the document describes changes the statistics. The event has been validated against
 * its AsyncAPI schema before it gets here, so its data has the fields read below; the shapes are
 * written from the document, as a county system would write them (no import of our contract code).
 * Events that no figure needs (signboards, trainings, patrols, units, campaigns, opinions, meetings,
 * tasks) are validated and counted, and change nothing.
 */
export interface ValidEvent {
  type: string;
  subject: string;
  time: string;
  data: unknown;
}

const PREFIX = 'cn.caichang.';

/** `cn.caichang.roster.street.created.v1` → `roster.street.created`. */
function shortType(type: string): string {
  return type.startsWith(PREFIX) ? type.slice(PREFIX.length).replace(/\.v\d+$/, '') : type;
}

/** The type's version: `….v2` → 2 (1 when the type names none). */
function typeVersion(type: string): number {
  return Number(/\.v(\d+)$/.exec(type)?.[1] ?? 1);
}

export async function applyEvent(event: ValidEvent, m: EntityManager): Promise<void> {
  const name = shortType(event.type);
  const [service, aggregate, action] = name.split('.') as [string, string, string];
  switch (service) {
    case 'roster':
      return applyRoster(aggregate, action, event.data, m);
    case 'people':
      return applyPeople(aggregate, action, typeVersion(event.type), event.data, m);
    case 'cases':
      if (aggregate === 'case') return applyCase(event.data as CaseSnapshot, m);
      return;
    case 'deliberation':
      if (aggregate === 'matter' || aggregate === 'vote') return applyMatter(action, event.data, m);
      return;
    default:
      return;
  }
}

// ---- roster: places, grids, chiefs ----

const PLACE_KINDS: Record<string, string> = {
  community: 'COMMUNITY',
  'resident-group': 'RESIDENT_GROUP',
  street: 'STREET',
  courtyard: 'COURTYARD',
};

async function applyRoster(aggregate: string, action: string, data: unknown, m: EntityManager) {
  const places = m.getRepository(FeedPlace);
  if (PLACE_KINDS[aggregate] && (action === 'created' || action === 'retired')) {
    const { id } = data as { id: string };
    const kind = PLACE_KINDS[aggregate];
    await places.upsert({ id, kind, status: action === 'created' ? 'ACTIVE' : 'RETIRED' }, ['id']);
  } else if (aggregate === 'place' && action === 'snapshot') {
    const d = data as { id: string; kind: string; status: string };
    await places.upsert({ id: d.id, kind: d.kind, status: d.status }, ['id']);
  } else if (aggregate === 'grid' && (action === 'changed' || action === 'snapshot')) {
    const d = data as { id: string; streetIds: string[] };
    const members = m.getRepository(FeedGridStreet);
    await members.delete({ gridId: d.id });
    const streets = [...new Set(d.streetIds)];
    if (streets.length > 0) await members.insert(streets.map((streetId) => ({ gridId: d.id, streetId })));
  } else if (aggregate === 'chief') {
    const d = data as { id: string; status: string; gridId?: string | null };
    const chiefs = m.getRepository(FeedChief);
    const known = await chiefs.findOneBy({ id: d.id });
    await chiefs.upsert({ id: d.id, status: d.status, gridId: d.gridId ?? known?.gridId ?? null }, ['id']);
  }
}

// ---- people: residents and households ----

interface ResidentState {
  status?: string;
  category?: string;
  origin?: string;
  streetId?: string | null;
  householdId?: string | null;
  version?: number;
}

/** Applies a resident's new state unless the feed holds a newer version. */
function putResident(m: EntityManager, id: string, next: ResidentState): Promise<void> {
  return putResidents(m, [{ id, ...next }]);
}

/**
 * Applies many residents' new states (an import or snapshot part of a few hundred) in one read and a few
 * multi-row writes; each item is skipped when the feed holds the same or a newer version of that
 * resident. A `whole` state (a `snapshot.residents.v2` item: every field the figures count) is skipped
 * only for a newer one: at the same version it fills in what a thinner event of that version (v1's
 * part of the same snapshot, an import) left out.
 */
async function putResidents(
  m: EntityManager,
  items: (ResidentState & { id: string })[],
  whole = false,
): Promise<void> {
  const repo = m.getRepository(FeedResident);
  const known = new Map<string, FeedResident>();
  for (let i = 0; i < items.length; i += 500)
    for (const r of await repo.findBy({ id: In(items.slice(i, i + 500).map((x) => x.id)) }))
      known.set(r.id, r);
  const rows = new Map<string, FeedResident>();
  const households = new Set<string>();
  for (const next of items) {
    const held = rows.get(next.id) ?? known.get(next.id);
    if (held && next.version !== undefined) {
      if (held.version > next.version || (held.version === next.version && !whole)) continue;
    }
    rows.set(next.id, {
      id: next.id,
      status: next.status ?? held?.status ?? 'ACTIVE',
      category: next.category ?? held?.category ?? null,
      origin: next.origin ?? held?.origin ?? null,
      streetId: next.streetId !== undefined ? next.streetId : (held?.streetId ?? null),
      householdId: next.householdId !== undefined ? next.householdId : (held?.householdId ?? null),
      version: next.version ?? held?.version ?? 0,
    });
    if (next.householdId) households.add(next.householdId);
  }
  const all = [...rows.values()];
  for (let i = 0; i < all.length; i += 200) await repo.upsert(all.slice(i, i + 200), ['id']);
  for (const id of households) await joinedHousehold(m, id);
}

async function joinedHousehold(m: EntityManager, id: string): Promise<void> {
  const repo = m.getRepository(FeedHousehold);
  const known = await repo.findOneBy({ id });
  if (known) {
    if (!known.hadMember) await repo.update({ id }, { hadMember: true });
  } else {
    await repo.insert({ id, created: false, hadMember: true, streetId: null });
  }
}

/**
 * Households the people service has (created, their street known), a batch in one read and one
 * multi-row write; a dissolved one (its last member left) is counted no more while no member is active.
 */
async function createdHouseholds(
  m: EntityManager,
  items: { id: string; streetId: string; dissolved?: boolean }[],
): Promise<void> {
  const repo = m.getRepository(FeedHousehold);
  const known = new Map((await repo.findBy({ id: In(items.map((h) => h.id)) })).map((h) => [h.id, h]));
  const rows = new Map<string, FeedHousehold>();
  for (const h of items) {
    const held = rows.get(h.id) ?? known.get(h.id);
    rows.set(h.id, {
      id: h.id,
      created: true,
      hadMember: (held?.hadMember ?? false) || h.dissolved === true,
      streetId: h.streetId,
    });
  }
  const all = [...rows.values()];
  for (let i = 0; i < all.length; i += 200) await repo.upsert(all.slice(i, i + 200), ['id']);
}

async function applyPeople(
  aggregate: string,
  action: string,
  version: number,
  data: unknown,
  m: EntityManager,
) {
  if (aggregate === 'resident' && action === 'moved-in') {
    const d = data as {
      id: string;
      category: string;
      origin: string;
      streetId: string;
      householdId: string | null;
      version?: number;
    };
    await putResident(m, d.id, {
      status: 'ACTIVE',
      category: d.category,
      origin: d.origin,
      streetId: d.streetId,
      householdId: d.householdId,
      version: d.version,
    });
  } else if (aggregate === 'resident' && action === 'moved-out') {
    const d = data as { id: string; category: string; version?: number };
    await putResident(m, d.id, {
      status: 'MOVED_OUT',
      category: d.category,
      householdId: null,
      version: d.version,
    });
  } else if (aggregate === 'resident' && action === 'household-changed') {
    const d = data as {
      id: string;
      toHouseholdId: string | null;
      streetId?: string | null;
      version?: number;
    };
    await putResident(m, d.id, { householdId: d.toHouseholdId, streetId: d.streetId, version: d.version });
  } else if (aggregate === 'residents' && action === 'imported') {
    const d = data as {
      residents: { id: string; version: number; category: string; origin: string; streetId: string }[];
    };
    await putResidents(
      m,
      d.residents.map((r) => ({
        id: r.id,
        status: 'ACTIVE',
        category: r.category,
        origin: r.origin,
        streetId: r.streetId,
        version: r.version,
      })),
    );
  } else if (aggregate === 'snapshot' && action === 'residents' && version >= 2) {
    const d = data as {
      residents: {
        id: string;
        status: string;
        category: string;
        origin: string;
        householdId: string | null;
        streetId: string | null;
        version: number;
      }[];
    };
    // The whole state: applies at the version v1's part of the same snapshot brought too, whichever came first.
    await putResidents(
      m,
      d.residents.map((r) => ({
        id: r.id,
        status: r.status,
        category: r.category,
        origin: r.origin,
        streetId: r.streetId,
        householdId: r.householdId,
        version: r.version,
      })),
      true,
    );
  } else if (aggregate === 'snapshot' && action === 'residents') {
    const d = data as {
      residents: {
        id: string;
        status: string;
        householdId: string | null;
        streetId: string | null;
        version: number;
      }[];
    };
    // v1 restates status and places only; v2 (written beside it since 2026-12) adds category and 户籍地.
    // An older snapshot has v1 alone: its residents keep the category and 户籍地 that earlier events gave.
    await putResidents(
      m,
      d.residents.map((r) => ({
        id: r.id,
        status: r.status,
        streetId: r.streetId,
        householdId: r.householdId,
        version: r.version,
      })),
    );
  } else if (aggregate === 'household' && action === 'created') {
    await createdHouseholds(m, [data as { id: string; streetId: string }]);
  } else if (aggregate === 'households' && action === 'imported') {
    const d = data as { households: { id: string; streetId: string }[] };
    await createdHouseholds(m, d.households);
  } else if (aggregate === 'snapshot' && action === 'households') {
    const d = data as { households: { id: string; status: string; streetId: string }[] };
    await createdHouseholds(
      m,
      d.households.map((h) => ({ id: h.id, streetId: h.streetId, dissolved: h.status === 'DISSOLVED' })),
    );
  }
}

// ---- cases: the ledger ----

/** The ledger snapshot every case event carries (the fields the ledger counts). */
interface CaseSnapshot {
  caseId: string;
  itemCode: string | null;
  streetId: string;
  reportedAt: string;
  resolveDueAt: string | null;
  resolvedAt: string | null;
  rating: number | null;
  at: string;
}

/** YYYY-MM in China time (UTC+8 all year), the month the cases ledger files a date under. */
export function chinaMonth(iso: string): string {
  return new Date(new Date(iso).getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
}

async function applyCase(d: CaseSnapshot, m: EntityManager): Promise<void> {
  const repo = m.getRepository(FeedCase);
  const known = await repo.findOneBy({ id: d.caseId });
  // One case's events share its key, so they arrive in order; a restated older one changes nothing.
  if (known && Date.parse(known.changedAt) > Date.parse(d.at)) return;
  const resolvedAt = d.resolvedAt ? Date.parse(d.resolvedAt) : null;
  await repo.upsert(
    {
      id: d.caseId,
      itemCode: d.itemCode ?? '-',
      streetId: d.streetId,
      reportedMonth: chinaMonth(d.reportedAt),
      resolvedMonth: d.resolvedAt ? chinaMonth(d.resolvedAt) : null,
      resolvedOnTime:
        resolvedAt !== null && d.resolveDueAt !== null && resolvedAt <= Date.parse(d.resolveDueAt),
      rating: d.rating,
      changedAt: d.at,
    },
    ['id'],
  );
}

// ---- deliberation: matters and votes ----

const MATTER_STATES: Record<string, string> = {
  drafted: 'DRAFT',
  'opened-for-discussion': 'DISCUSSION',
  'opened-for-voting': 'VOTING',
  adopted: 'ADOPTED',
  rejected: 'REJECTED',
  withdrawn: 'WITHDRAWN',
  implementing: 'IMPLEMENTING',
  implemented: 'IMPLEMENTED',
};

async function applyMatter(action: string, data: unknown, m: EntityManager): Promise<void> {
  const repo = m.getRepository(FeedMatter);
  const { id } = data as { id: string };
  const known = await repo.findOneBy({ id });
  const state = MATTER_STATES[action];
  if (state) {
    if (known) await repo.update({ id }, { state });
    else await repo.insert({ id, state, voteClosed: false });
  } else if (action === 'closed') {
    const d = data as {
      electorateSize: number;
      participants: number;
      quorumMet: boolean;
      counts: Record<string, number>;
      outcome: string;
    };
    const tally = {
      voteClosed: true,
      electorateSize: d.electorateSize,
      participants: d.participants,
      quorumMet: d.quorumMet,
      outcome: d.outcome,
      counts: JSON.stringify(d.counts),
    };
    if (known) await repo.update({ id }, tally);
    else await repo.insert({ id, state: 'VOTING', ...tally });
  }
}
