import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Principal, Role } from '@sc/auth';
import { openDatabase } from '@sc/db';
import { Outbox, OutboxEvent } from '@sc/events';
import { DELIBERATION_EVENTS } from '@sc/deliberation-contracts';
import { PeopleVoter } from '@sc/people-contracts';
import { GridPlace, RosterPlace } from '@sc/roster-contracts';
import type { DeliberationContext } from '../context';
import { deliberation } from '../deliberation.service';
import { DeliberationLoaders } from '../loaders';
import { BallotKey } from './ballot-key';
import { DiscussionService } from './discussion.service';
import { ImplementationService } from './implementation.service';
import { MatterService, type DraftInput, type RequestInfo } from './matter.service';
import { ProxyService } from './proxy.service';

/** Places of the read-model fixture: a community, a street with a courtyard, another street. */
export const PLACES = {
  community: randomUUID(),
  street: randomUUID(),
  courtyard: randomUUID(),
  otherStreet: randomUUID(),
};

export const principal = (
  roles: Role[],
  scopes: string[] = [],
  subject = `acct-${randomUUID()}`,
): Principal => ({
  subject,
  roles,
  scopes,
  tokenId: randomUUID(),
  expiresAt: new Date(Date.now() + 3_600_000),
});
export const STAFF = principal(['COMMUNITY_STAFF'], ['community:caichang'], 'staff-1');
export const STAFF2 = principal(['COMMUNITY_STAFF'], ['community:caichang'], 'staff-2');
/** The chief of grid `g1`, which holds the street (and so its courtyard): the fixture's matters. */
export const CHIEF = principal(['STREET_CHIEF'], ['grid:g1'], 'chief-1');
/** The grid of {@link CHIEF} (roster's grid read model, ADR 0047). */
export const CHIEF_GRID = 'g1';
export const residentPrincipal = (id: string) =>
  principal(['RESIDENT'], [`resident:${id}`], `resident-${id}`);

export interface Household {
  id: string;
  head: string;
  adult: string;
  child: string;
}

export interface DeliberationFixture {
  ds: DataSource;
  matters: MatterService;
  discussion: DiscussionService;
  outbox: Outbox;
  clock: { now: Date };
  /** Households on the street (head, another adult, a child); the first `inCourtyard` in the courtyard. */
  households: Household[];
  /** A resident of the other street. */
  outsider: string;
  req: (p: Principal | null) => RequestInfo;
  /** A matter on the street, drafted by staff and opened for discussion. */
  discussed: (over?: Partial<DraftInput>) => Promise<string>;
  /** The payloads (`data`) of the outbox events of a type, oldest first. */
  events: (type: string) => Promise<Record<string, unknown>[]>;
  close: () => Promise<void>;
}

/** The resolvers' context over a fixture's services, for `principal` (the resolver specs). */
export function resolverContext(f: DeliberationFixture, principal: Principal | null): DeliberationContext {
  return {
    principal,
    loaders: new DeliberationLoaders(f.ds, f.discussion, () => f.clock.now, principal),
    matters: f.matters,
    discussion: f.discussion,
    proxies: new ProxyService(f.ds, f.matters, () => undefined),
    implementation: new ImplementationService(
      f.ds,
      f.outbox,
      () => undefined,
      () => f.clock.now,
    ),
    now: () => f.clock.now,
  } as DeliberationContext;
}

export const draftInput = (over: Partial<DraftInput> = {}): DraftInput => ({
  title: '正街停车位分配',
  description: '按户轮换',
  kind: 'PARKING',
  scopeKind: 'STREET',
  scopeId: PLACES.street,
  electorateKind: 'ADULT_RESIDENTS',
  rulePreset: 'RESIDENTS_MEETING',
  specialMatter: false,
  quorum: null,
  threshold: null,
  choices: null,
  maxSelections: 1,
  secret: true,
  resultsHidden: false,
  ...over,
});

/** The deliberation services on a database with its migrations, read models filled as events would. */
export async function deliberationFixture(url: string, householdCount = 6): Promise<DeliberationFixture> {
  const ds = await openDatabase({
    url,
    entities: deliberation.entities,
    migrations: deliberation.migrations,
  });
  const clock = { now: new Date('2026-12-01T02:00:00.000Z') };
  const now = () => clock.now;
  const place = (id: string, kind: RosterPlace['kind'], name: string, parentId: string | null) => ({
    id,
    kind,
    name,
    parentId,
    communityId: PLACES.community,
    status: 'ACTIVE' as const,
  });
  await ds
    .getRepository(RosterPlace)
    .save([
      place(PLACES.community, 'COMMUNITY', '蔡场社区', null),
      place(PLACES.street, 'STREET', '正街', PLACES.community),
      place(PLACES.courtyard, 'COURTYARD', '供销社院', PLACES.street),
      place(PLACES.otherStreet, 'STREET', '新街', PLACES.community),
    ]);
  // A chief writes and reads details in own grid only (ADR 0047): CHIEF's grid holds the street.
  await ds.getRepository(GridPlace).insert({ gridId: CHIEF_GRID, placeId: PLACES.street, kind: 'STREET' });
  const households: Household[] = [];
  const voters: PeopleVoter[] = [];
  for (let i = 0; i < householdCount; i++) {
    const h = { id: randomUUID(), head: randomUUID(), adult: randomUUID(), child: randomUUID() };
    households.push(h);
    const courtyardId = i < 2 ? PLACES.courtyard : null;
    const v = (id: string, birthYear: number, relationship: string): PeopleVoter => ({
      id,
      status: 'ACTIVE',
      birthYear,
      householdId: h.id,
      relationship,
      streetId: PLACES.street,
      courtyardId,
      version: 1,
    });
    voters.push(v(h.head, 1960, 'HEAD'), v(h.adult, 1990, 'SPOUSE'), v(h.child, 2015, 'CHILD'));
  }
  const outsider = randomUUID();
  voters.push({
    id: outsider,
    status: 'ACTIVE',
    birthYear: 1970,
    householdId: randomUUID(),
    relationship: 'HEAD',
    streetId: PLACES.otherStreet,
    courtyardId: null,
    version: 1,
  });
  await ds.getRepository(PeopleVoter).save(voters);
  const outbox = new Outbox(DELIBERATION_EVENTS);
  const key = BallotKey.from(randomBytes(32).toString('base64'), 'test', '/nonexistent');
  const matters = new MatterService(ds, outbox, key, () => undefined, now);
  const discussion = new DiscussionService(ds, outbox, matters, () => undefined, now);
  const req = (p: Principal | null): RequestInfo => ({ principal: p });
  return {
    ds,
    matters,
    discussion,
    outbox,
    clock,
    households,
    outsider,
    req,
    discussed: async (over) => {
      const m = await matters.draft(req(STAFF), draftInput(over));
      await matters.move(req(STAFF), m.id, 'openDiscussion', '民议');
      return m.id;
    },
    events: async (type) =>
      (await ds.getRepository(OutboxEvent).find({ where: { type }, order: { seq: 'ASC' } })).map(
        (e) => (JSON.parse(e.envelope) as { data: Record<string, unknown> }).data,
      ),
    close: () => ds.destroy(),
  };
}

/** The GraphQL error code of a rejection (or 'none'). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (error) {
    return String((error as { extensions?: { code?: string } }).extensions?.code ?? error);
  }
}
