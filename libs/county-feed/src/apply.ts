import type { EntityManager } from 'typeorm';
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

export async function applyEvent(event: ValidEvent, m: EntityManager): Promise<void> {
  const name = shortType(event.type);
  const [service, aggregate, action] = name.split('.') as [string, string, string];
  switch (service) {
    case 'roster':
      return applyRoster(aggregate, action, event.data, m);
    case 'people':
      return applyPeople(aggregate, action, event.data, m);
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

/** Applies a resident's new state unless the feed holds a newer version; returns whether it did. */
async function putResident(m: EntityManager, id: string, next: ResidentState): Promise<boolean> {
  const repo = m.getRepository(FeedResident);
  const known = await repo.findOneBy({ id });
  if (known && next.version !== undefined && known.version >= next.version) return false;
  await repo.upsert(
    {
      id,
      status: next.status ?? known?.status ?? 'ACTIVE',
      category: next.category ?? known?.category ?? null,
      origin: next.origin ?? known?.origin ?? null,
      streetId: next.streetId !== undefined ? next.streetId : (known?.streetId ?? null),
      householdId: next.householdId !== undefined ? next.householdId : (known?.householdId ?? null),
      version: next.version ?? known?.version ?? 0,
    },
    ['id'],
  );
  if (next.householdId) await joinedHousehold(m, next.householdId);
  return true;
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

async function applyPeople(aggregate: string, action: string, data: unknown, m: EntityManager) {
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
    for (const r of d.residents)
      await putResident(m, r.id, {
        status: 'ACTIVE',
        category: r.category,
        origin: r.origin,
        streetId: r.streetId,
        version: r.version,
      });
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
    // The snapshot restates status and places; category and 户籍地 are not in it (see docs/county-feed.md).
    for (const r of d.residents)
      await putResident(m, r.id, {
        status: r.status,
        streetId: r.streetId,
        householdId: r.householdId,
        version: r.version,
      });
  } else if (aggregate === 'household' && action === 'created') {
    const d = data as { id: string; streetId: string };
    const repo = m.getRepository(FeedHousehold);
    const known = await repo.findOneBy({ id: d.id });
    if (known) await repo.update({ id: d.id }, { created: true, streetId: d.streetId });
    else await repo.insert({ id: d.id, created: true, hadMember: false, streetId: d.streetId });
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
