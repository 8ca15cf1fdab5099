import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { hasRole, requireAuthenticated, requireRole, type Principal } from '@sc/auth';
import {
  applyKeyset,
  fetchOrderedPage,
  isDeadlock,
  isMysqlFamily,
  isUniqueViolation,
  transaction,
  type CountedConnection,
  type OrderedPage,
} from '@sc/db';
import type { Outbox } from '@sc/events';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import { DeliberationEvents } from '@sc/deliberation-contracts';
import { PeopleHouse, PeopleVoter } from '@sc/people-contracts';
import { activePlace, type RosterPlaceKind } from '@sc/roster-contracts';
import { historyId } from '@sc/service';
import { MATTER_LIFECYCLE, type MatterAction } from '../domain/lifecycle';
import {
  customRule,
  decide,
  needed,
  presetRule,
  type ElectorateKind,
  type RulePreset,
  type ThresholdKind,
  type VoteRule,
} from '../domain/rules';
import {
  Ballot,
  ElectorateMember,
  Matter,
  MatterTask,
  MatterTransition,
  Participation,
  VoteProxy,
  type MatterKind,
  type MatterState,
  type PublishedTally,
  type ScopeKind,
} from '../entities';
import type { BallotKey } from './ballot-key';
import { residentOf, streetsOf, voterInScope } from './scope';

export interface RequestInfo {
  readonly principal: Principal | null;
}

export interface DraftInput {
  title: string;
  description: string;
  kind: MatterKind;
  scopeKind: ScopeKind;
  scopeId: string;
  electorateKind: ElectorateKind;
  rulePreset: RulePreset;
  specialMatter: boolean;
  quorum: { num: number; den: number } | null;
  threshold: ThresholdKind | null;
  choices: string[] | null;
  maxSelections: number;
  secret: boolean;
  resultsHidden: boolean;
  allowProxies?: boolean;
}

export interface MatterFilter {
  status?: MatterState;
  kind?: MatterKind;
  scopeId?: string;
  streetId?: string;
  courtyardId?: string;
}

const YES_NO = ['FOR', 'AGAINST', 'ABSTAIN'];
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** SHA-256 over the sorted list joined by newlines (electorates, receipts). */
export const listHash = (ids: readonly string[]) => sha256([...ids].sort().join('\n'));
export const receiptOf = (matterId: string, ballotId: string, choices: readonly string[], nonce: string) =>
  sha256(`${matterId}\n${ballotId}\n${[...choices].sort().join(',')}\n${nonce}`);

/** The rule of a matter from its stored settings. */
export function ruleOf(m: Matter): VoteRule {
  if (m.rulePreset === 'CUSTOM') {
    return customRule(
      { num: m.quorumNum ?? 1, den: m.quorumDen ?? 2 },
      (m.thresholdKind ?? 'MAJORITY_OF_CAST') as ThresholdKind,
    );
  }
  return presetRule(m.rulePreset as Exclude<RulePreset, 'CUSTOM'>, m.specialMatter);
}

/** The distinct options of a ballot, checked against the matter (BAD_USER_INPUT naming `field`). */
export function validChoices(matter: Matter, choices: string[], field: string): string[] {
  const distinct = [...new Set(choices)];
  const unknown = distinct.find((c) => !matter.options.includes(c));
  if (
    distinct.length === 0 ||
    distinct.length !== choices.length ||
    distinct.length > matter.maxSelections ||
    unknown
  ) {
    throw new BadUserInputError('Invalid choices', [
      { field, message: `1 to ${matter.maxSelections} distinct options of ${matter.options.join(', ')}` },
    ]);
  }
  return distinct;
}

/** Matters: drafts, lifecycle moves with history, the vote (electorate, ballots, close, recount). */
export class MatterService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly key: BallotKey,
    private readonly committed: () => void,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  get(id: string): Promise<Matter | null> {
    return this.ds.getRepository(Matter).findOneBy({ id });
  }

  /** The public list (两公开): any caller; by id, or an order of MATTER_ORDERS (ADR 0051). */
  list(filter: MatterFilter, page: OrderedPage<Matter>): Promise<CountedConnection<Matter>> {
    const where = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
    const repo = this.ds.getRepository(Matter);
    return fetchOrderedPage(
      page,
      (limit, after, backward) =>
        applyKeyset(repo.createQueryBuilder('m').where(where), page.order, after, backward, limit).getMany(),
      () => repo.countBy(where),
    );
  }

  transitions(matterId: string): Promise<MatterTransition[]> {
    return this.ds.getRepository(MatterTransition).find({ where: { matterId }, order: { at: 'ASC' } });
  }

  async draft(req: RequestInfo, input: DraftInput): Promise<Matter> {
    const principal = requireAuthenticated(req.principal);
    const residentId = residentOf(principal);
    if (!residentId && !hasRole(principal, 'STREET_CHIEF', 'COMMUNITY_STAFF')) {
      throw new ForbiddenError('requires RESIDENT, STREET_CHIEF or COMMUNITY_STAFF');
    }
    if (input.rulePreset === 'CUSTOM' && (!input.quorum || !input.threshold)) {
      throw new BadUserInputError('A custom rule needs a quorum and a threshold', [
        { field: 'input.quorum', message: 'required with rulePreset CUSTOM' },
      ]);
    }
    if (input.rulePreset === 'HOMEOWNERS' && input.electorateKind !== 'HOMEOWNERS') {
      throw new BadUserInputError('The HOMEOWNERS rule needs the HOMEOWNERS electorate', [
        { field: 'input.electorateKind', message: 'must be HOMEOWNERS with rulePreset HOMEOWNERS' },
      ]);
    }
    // Homeowners' votes weigh ballots by floor area, which would identify a secret ballot (ADR 0020).
    if (input.electorateKind === 'HOMEOWNERS' && input.secret) {
      throw new BadUserInputError('Homeowners’ votes are open (weighted by floor area)', [
        { field: 'input.secret', message: 'must be false for the HOMEOWNERS electorate' },
      ]);
    }
    const options = input.choices ?? YES_NO;
    if (input.maxSelections > options.length || (input.choices === null && input.maxSelections !== 1)) {
      throw new BadUserInputError('maxSelections exceeds the options', [
        {
          field: 'input.maxSelections',
          message: `must be between 1 and ${input.choices ? options.length : 1}`,
        },
      ]);
    }
    const matter = await transaction(this.ds, async (m) => {
      const place = await activePlace(m, input.scopeId, input.scopeKind as RosterPlaceKind);
      if (!place) throw new NotFoundError(capitalise(input.scopeKind), input.scopeId);
      if (residentId && !(await voterInScope(m, input, residentId))) {
        throw new ForbiddenError('a resident may propose matters of their own scope only');
      }
      const now = this.clock();
      const row: Matter = {
        id: randomUUID(),
        title: input.title,
        description: input.description,
        kind: input.kind,
        scopeKind: input.scopeKind,
        scopeId: input.scopeId,
        streetId:
          input.scopeKind === 'STREET'
            ? input.scopeId
            : input.scopeKind === 'COURTYARD'
              ? place.parentId
              : null,
        courtyardId: input.scopeKind === 'COURTYARD' ? input.scopeId : null,
        proposer: principal.subject,
        proposerResidentId: residentId,
        status: 'DRAFT',
        version: 1,
        electorateKind: input.electorateKind,
        rulePreset: input.rulePreset,
        specialMatter: input.specialMatter,
        quorumNum: input.quorum?.num ?? null,
        quorumDen: input.quorum?.den ?? null,
        thresholdKind: input.threshold,
        optionsKind: input.choices ? 'CHOICES' : 'YES_NO',
        options,
        maxSelections: input.maxSelections,
        secret: input.secret,
        resultsHidden: input.resultsHidden,
        allowProxies: input.allowProxies ?? false,
        opensAt: null,
        closesAt: null,
        electorateSize: null,
        electorateHash: null,
        electorateArea: null,
        tally: null,
        closedAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await m.getRepository(Matter).insert(row);
      await m.getRepository(MatterTransition).insert({
        id: historyId(),
        matterId: row.id,
        action: 'draft',
        fromState: null,
        toState: 'DRAFT',
        actor: principal.subject,
        reason: 'drafted',
        at: now,
      });
      await this.outbox.add(
        m,
        DeliberationEvents.matterDrafted,
        row.id,
        {
          id: row.id,
          actor: principal.subject,
          reason: 'drafted',
          kind: row.kind,
          scopeKind: row.scopeKind,
          scopeId: row.scopeId,
        },
        { time: now },
      );
      return row;
    });
    this.committed();
    return matter;
  }

  /** A lifecycle move by a person (openVoting and closes have their own methods). */
  async move(
    req: RequestInfo,
    id: string,
    action: Exclude<MatterAction, 'openVoting' | 'closeAdopted' | 'closeRejected'>,
    reason: string,
  ): Promise<Matter> {
    const principal = MATTER_LIFECYCLE.requireActor(req.principal, action);
    const event = {
      openDiscussion: DeliberationEvents.openedForDiscussion,
      withdraw: DeliberationEvents.withdrawn,
      startImplementing: DeliberationEvents.implementing,
      completeImplementation: DeliberationEvents.implemented,
    }[action];
    const matter = await transaction(this.ds, (m) =>
      this.transition(m, id, action, principal.subject, reason, async (mm) => {
        if (action === 'completeImplementation') {
          // The final report closes the matter once every task is done.
          const open = await mm.getRepository(MatterTask).countBy({ matterId: id, status: 'OPEN' });
          if (open > 0)
            throw new ConflictError(`${open} task(s) of this matter are still OPEN`, {
              currentState: 'IMPLEMENTING',
            });
        }
        return { event: { contract: event, data: { id, actor: principal.subject, reason } } };
      }),
    );
    this.committed();
    return matter;
  }

  /** Opens the vote: freezes the electorate from the people read model, stores its size and hash. */
  async openVoting(req: RequestInfo, id: string, closesAt: Date, reason: string): Promise<Matter> {
    const principal = MATTER_LIFECYCLE.requireActor(req.principal, 'openVoting');
    const now = this.clock();
    if (closesAt.getTime() <= now.getTime()) {
      throw new BadUserInputError('The vote must close in the future', [
        { field: 'closesAt', message: 'must be later than now' },
      ]);
    }
    const matter = await transaction(this.ds, (m) =>
      this.transition(m, id, 'openVoting', principal.subject, reason, async (mm, row) => {
        const members = await this.electorate(mm, row, now);
        for (let i = 0; i < members.length; i += 1000) {
          await mm.getRepository(ElectorateMember).insert(members.slice(i, i + 1000));
        }
        const hash = listHash(members.map((e) => e.voterId));
        const area = members.reduce((s, e) => s + (e.weight ?? 0), 0);
        return {
          changes: {
            opensAt: now,
            closesAt,
            electorateSize: members.length,
            electorateHash: hash,
            electorateArea: row.electorateKind === 'HOMEOWNERS' ? Math.round(area * 100) / 100 : null,
          },
          event: {
            contract: DeliberationEvents.openedForVoting,
            data: {
              id,
              actor: principal.subject,
              reason,
              electorateKind: row.electorateKind as ElectorateKind,
              electorateSize: members.length,
              electorateHash: hash,
              rule: row.rulePreset,
              secret: row.secret,
              opensAt: now.toISOString(),
              closesAt: closesAt.toISOString(),
            },
          },
        };
      }),
    );
    this.committed();
    return matter;
  }

  /** Extends an open vote (later only), logged with its reason. */
  async extendVote(req: RequestInfo, id: string, closesAt: Date, reason: string): Promise<Matter> {
    const principal = requireRole(req.principal, 'COMMUNITY_STAFF');
    const matter = await transaction(this.ds, async (m) => {
      const row = await this.lock(m, id);
      if (row.status !== 'VOTING')
        throw new ConflictError(`A matter in state ${row.status} has no open vote`, {
          currentState: row.status,
        });
      if (!row.closesAt || closesAt.getTime() <= row.closesAt.getTime()) {
        throw new BadUserInputError('An extension must close later', [
          { field: 'closesAt', message: 'must be later than the current closing time' },
        ]);
      }
      const now = this.clock();
      await m.getRepository(Matter).update({ id }, { closesAt, version: row.version + 1, updatedAt: now });
      await m.getRepository(MatterTransition).insert({
        id: historyId(),
        matterId: id,
        action: 'extendVote',
        fromState: 'VOTING',
        toState: 'VOTING',
        actor: principal.subject,
        reason,
        at: now,
      });
      await this.outbox.add(
        m,
        DeliberationEvents.voteExtended,
        id,
        {
          id,
          actor: principal.subject,
          reason,
          closesAt: closesAt.toISOString(),
          previousClosesAt: row.closesAt.toISOString(),
        },
        { time: now },
      );
      return { ...row, closesAt, version: row.version + 1 };
    });
    this.committed();
    return matter;
  }

  /**
   * Casts (or replaces) the caller's ballot. One participation row per voter (primary key) and one
   * current ballot per voter (unique slot) make "one ballot per voter" the database's rule, also under
   * concurrent attempts: a losing attempt retries and then replaces. Returns the receipt.
   */
  async castBallot(
    req: RequestInfo,
    matterId: string,
    choices: string[],
    voterId: string | null = null,
  ): Promise<{ receipt: string; matter: Matter }> {
    const principal = requireAuthenticated(req.principal);
    const residentId = residentOf(principal);
    if (!residentId)
      throw new ForbiddenError('only a resident casts a ballot (RESIDENT with a resident scope)');
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await transaction(this.ds, (m) =>
          this.castOnce(m, matterId, residentId, choices, voterId),
        );
        return result;
      } catch (error) {
        if (attempt < 8 && (isUniqueViolation(error) || isDeadlock(error))) continue;
        throw error;
      }
    }
  }

  /**
   * The matter under a shared lock, checked to take ballots now: ballots run side by side, a close
   * waits for them (and they for it). NOT_FOUND, or CONFLICT naming the state.
   */
  async lockOpenVote(m: EntityManager, matterId: string): Promise<{ matter: Matter; now: Date }> {
    const qb = m.getRepository(Matter).createQueryBuilder('m').where('m.id = :id', { id: matterId });
    if (isMysqlFamily(this.ds)) qb.setLock('pessimistic_read');
    const matter = await qb.getOne();
    if (!matter) throw new NotFoundError('Matter', matterId);
    const now = this.clock();
    if (matter.status !== 'VOTING')
      throw new ConflictError(`A matter in state ${matter.status} takes no ballot`, {
        currentState: matter.status,
      });
    if (matter.closesAt && now.getTime() >= matter.closesAt.getTime())
      throw new ConflictError('The vote has closed', { currentState: matter.status });
    return { matter, now };
  }

  private async castOnce(
    m: EntityManager,
    matterId: string,
    residentId: string,
    choices: string[],
    voterId: string | null,
  ) {
    const { matter, now } = await this.lockOpenVote(m, matterId);
    const distinct = validChoices(matter, choices, 'input.choices');
    const members = m.getRepository(ElectorateMember);
    const member = voterId
      ? await members.findOneBy({ matterId, voterId })
      : await members.findOneBy({ matterId, casterResidentId: residentId });
    if (!member)
      throw voterId
        ? new NotFoundError('Voter of this electorate', voterId, 'input.voterId')
        : new ForbiddenError('you are not in the electorate frozen when this vote opened');
    const own = member.casterResidentId === residentId;
    // Checked after the voter's participation row is locked, so a proxy granted or revoked meanwhile
    // is seen (grantProxy locks the same row).
    const check = async () => {
      const proxies = m
        .getRepository(VoteProxy)
        .createQueryBuilder('x')
        .where('x.matter_id = :matterId AND x.active_slot = :voterId', { matterId, voterId: member.voterId });
      if (isMysqlFamily(this.ds)) proxies.setLock('pessimistic_read');
      const proxy = await proxies.getOne();
      if (own && proxy)
        throw new ForbiddenError('you gave a proxy for this vote: revoke it to vote yourself');
      if (!own && proxy?.proxyResidentId !== residentId)
        throw new ForbiddenError('you hold no proxy of this voter for this vote');
    };
    const receipt = await this.writeBallot(m, matter, member, residentId, 'ONLINE', distinct, now, check);
    return { receipt, matter };
  }

  /**
   * Stores a voter's ballot (first or replacing), on the channel it came by: one participation row
   * per voter, one current ballot (slot) per voter. A voter who voted on the other channel is a
   * CONFLICT (online and in person exclude each other). The caller holds the matter's lock and has
   * checked the vote is open. Returns the receipt.
   */
  async writeBallot(
    m: EntityManager,
    matter: Matter,
    member: ElectorateMember,
    casterResidentId: string,
    channel: 'ONLINE' | 'IN_PERSON',
    distinct: string[],
    now: Date,
    check?: () => Promise<void>,
  ): Promise<string> {
    const matterId = matter.id;
    const slot = this.key.slot(matterId, member.voterId);
    const pRepo = m.getRepository(Participation);
    const pq = pRepo
      .createQueryBuilder('p')
      .where('p.matter_id = :matterId AND p.voter_id = :voterId', { matterId, voterId: member.voterId });
    if (isMysqlFamily(this.ds)) pq.setLock('pessimistic_write');
    const known = await pq.getOne();
    await check?.();
    if (known && known.channel !== channel)
      throw new ConflictError(
        known.channel === 'IN_PERSON' ? 'This voter voted in person' : 'This voter voted online',
        { currentState: matter.status },
      );
    if (known) {
      await pRepo.update(
        { matterId, voterId: member.voterId },
        {
          ballots: known.ballots + 1,
          lastAt: now,
          casterResidentId,
          openChoices: matter.secret ? null : distinct,
        },
      );
      await m.getRepository(Ballot).update({ matterId, currentSlot: slot }, { currentSlot: null });
    } else {
      await pRepo.insert({
        matterId,
        voterId: member.voterId,
        casterResidentId,
        channel,
        ballots: 1,
        openChoices: matter.secret ? null : distinct,
        weight: member.weight,
        firstAt: now,
        lastAt: now,
      });
    }
    const id = randomUUID();
    const nonce = randomBytes(16).toString('hex');
    const receipt = receiptOf(matterId, id, distinct, nonce);
    await m.getRepository(Ballot).insert({
      id,
      matterId,
      currentSlot: slot,
      choices: distinct,
      weight: matter.secret ? null : member.weight,
      nonce,
      receipt,
    });
    return receipt;
  }

  /** Closes the vote: the tally, in the closing transaction, published on the matter and in events. */
  async closeVote(req: RequestInfo | null, id: string, reason: string): Promise<Matter> {
    const actor = req ? requireRole(req.principal, 'COMMUNITY_STAFF').subject : 'vote-closer';
    const matter = await transaction(this.ds, async (m) => {
      const row = await this.lock(m, id);
      if (row.status !== 'VOTING')
        throw new ConflictError(`A matter in state ${row.status} has no open vote`, {
          currentState: row.status,
        });
      const tally = await this.count(m, row);
      const action = tally.outcome === 'ADOPTED' ? 'closeAdopted' : 'closeRejected';
      const now = this.clock();
      const stored: PublishedTally = { ...tally };
      delete stored.receipts;
      const closed = await this.transition(m, id, action, actor, reason, () => ({
        changes: { tally: stored, closedAt: now },
        event: {
          contract: tally.outcome === 'ADOPTED' ? DeliberationEvents.adopted : DeliberationEvents.rejected,
          data: { id, actor, reason },
        },
      }));
      await this.outbox.add(
        m,
        DeliberationEvents.voteClosed,
        id,
        {
          id,
          actor,
          reason,
          electorateSize: row.electorateSize ?? 0,
          participants: tally.participants,
          quorumMet: tally.quorumMet,
          counts: tally.counts,
          outcome: tally.outcome,
          winner: tally.winner,
          ballotsHash: tally.ballotsHash,
        },
        { time: now },
      );
      return closed;
    });
    this.committed();
    return matter;
  }

  /** Closes every vote whose time is up (the `vote-closer` job). */
  async closeDue(now: Date): Promise<number> {
    const due = await this.ds
      .getRepository(Matter)
      .createQueryBuilder('m')
      .where('m.status = :s AND m.closes_at <= :now', { s: 'VOTING', now })
      .getMany();
    for (const d of due) await this.closeVote(null, d.id, 'closing time reached').catch(() => undefined);
    return due.length;
  }

  /** The tally from the stored current ballots (what close publishes and recount recomputes). */
  async count(m: EntityManager, matter: Matter): Promise<PublishedTally> {
    const ballots = await m
      .getRepository(Ballot)
      .createQueryBuilder('b')
      .where('b.matter_id = :id AND b.current_slot IS NOT NULL', { id: matter.id })
      .getMany();
    const counts: Record<string, number> = Object.fromEntries(matter.options.map((o) => [o, 0]));
    const areaCounts: Record<string, number> = Object.fromEntries(matter.options.map((o) => [o, 0]));
    let participantArea = 0;
    for (const b of ballots) {
      participantArea += b.weight ?? 0;
      for (const c of b.choices) {
        counts[c] = (counts[c] ?? 0) + 1;
        areaCounts[c] = (areaCounts[c] ?? 0) + (b.weight ?? 0);
      }
    }
    const rule = ruleOf(matter);
    const result = decide(rule, {
      electorate: matter.electorateSize ?? 0,
      participants: ballots.length,
      counts,
      adoptingOption: matter.optionsKind === 'YES_NO' ? 'FOR' : null,
      electorateArea: matter.electorateArea ?? 0,
      participantArea,
      areaCounts,
    });
    const receipts = ballots.map((b) => b.receipt).sort();
    return {
      participants: ballots.length,
      counts,
      ...(rule.byArea
        ? { participantArea: round2(participantArea), areaCounts: mapValues(areaCounts, round2) }
        : {}),
      quorumMet: result.quorumMet,
      outcome: result.outcome,
      winner: result.winner,
      receipts,
      ballotsHash: listHash(receipts),
    };
  }

  /** Live turnout (always shown) and how far the quorum is. */
  async turnout(matter: Matter): Promise<{ participants: number; missingForQuorum: number }> {
    if (matter.tally) return { participants: matter.tally.participants, missingForQuorum: 0 };
    const participants =
      matter.status === 'VOTING'
        ? await this.ds.getRepository(Participation).countBy({ matterId: matter.id })
        : 0;
    const need = needed(matter.electorateSize ?? 0, ruleOf(matter).quorum) ?? 0;
    return { participants, missingForQuorum: Math.max(0, need - participants) };
  }

  /** Live counts while open, unless the matter hides results until close. */
  async liveTally(matter: Matter): Promise<PublishedTally | null> {
    if (matter.tally) return matter.tally;
    if (matter.status !== 'VOTING' || matter.resultsHidden) return null;
    return this.count(this.ds.manager, matter);
  }

  /** Whether the receipt is one of the ballots counted (or, while open, currently counting). */
  async verifyReceipt(matterId: string, receipt: string): Promise<'COUNTED' | 'REPLACED' | 'UNKNOWN'> {
    const matter = await this.get(matterId);
    if (!matter) throw new NotFoundError('Matter', matterId);
    const ballot = await this.ds.getRepository(Ballot).findOneBy({ matterId, receipt });
    if (!ballot) return 'UNKNOWN';
    // After close the ballots are immutable: the current ones are the counted ones (a changed row
    // shows up in recount as a hash that no longer matches the published one).
    return ballot.currentSlot ? 'COUNTED' : 'REPLACED';
  }

  /** Recomputes the tally from the stored ballots and compares it with the published one. */
  async recount(matterId: string) {
    const matter = await this.get(matterId);
    if (!matter) throw new NotFoundError('Matter', matterId);
    if (!matter.tally)
      throw new ConflictError(`A matter in state ${matter.status} has no published tally`, {
        currentState: matter.status,
      });
    const recomputed = await this.count(this.ds.manager, matter);
    const ballots = await this.ds.getRepository(Ballot).findBy({ matterId });
    const tampered = ballots.filter(
      (b) => receiptOf(matterId, b.id, b.choices, b.nonce) !== b.receipt,
    ).length;
    const agrees =
      tampered === 0 &&
      recomputed.ballotsHash === matter.tally.ballotsHash &&
      JSON.stringify(recomputed.counts) === JSON.stringify(matter.tally.counts) &&
      recomputed.outcome === matter.tally.outcome;
    return { agrees, published: matter.tally, recomputed, tamperedBallots: tampered };
  }

  /** Whether a resident may cast on this matter (frozen electorate). */
  async mayCast(matterId: string, residentId: string): Promise<boolean> {
    return this.ds.getRepository(ElectorateMember).existsBy({ matterId, casterResidentId: residentId });
  }

  /** Resident.votableMatters: the resident themself, COMMUNITY_STAFF or ADMIN; empty for anyone else. */
  votableFor(req: RequestInfo, residentId: string): Promise<Matter[]> {
    const self = residentOf(req.principal) === residentId;
    if (!self && !hasRole(req.principal, 'COMMUNITY_STAFF')) return Promise.resolve([]);
    return this.votable(residentId);
  }

  /** Open votes a resident may cast (Resident.votableMatters). */
  async votable(residentId: string): Promise<Matter[]> {
    const own = await this.ds.getRepository(ElectorateMember).findBy({ casterResidentId: residentId });
    const held = await this.ds
      .getRepository(VoteProxy)
      .findBy({ proxyResidentId: residentId, status: 'ACTIVE' });
    const rows = [...own, ...held];
    if (rows.length === 0) return [];
    return this.ds.getRepository(Matter).find({
      where: { id: In(rows.map((r) => r.matterId)), status: 'VOTING' },
      order: { id: 'ASC' },
      take: 100,
    });
  }

  private async lock(m: EntityManager, id: string): Promise<Matter> {
    const qb = m.getRepository(Matter).createQueryBuilder('m').where('m.id = :id', { id });
    if (isMysqlFamily(this.ds)) qb.setLock('pessimistic_write');
    const row = await qb.getOne();
    if (!row) throw new NotFoundError('Matter', id);
    return row;
  }

  private transition(
    m: EntityManager,
    id: string,
    action: MatterAction,
    actor: string,
    reason: string,
    apply: Parameters<typeof MATTER_LIFECYCLE.transition<Matter>>[1]['apply'],
  ): Promise<Matter> {
    return MATTER_LIFECYCLE.transition<Matter>(m, {
      entity: Matter,
      id,
      action,
      actor,
      reason,
      at: this.clock(),
      apply,
      outbox: this.outbox,
      history: (row, from, to, at) => ({
        entity: MatterTransition,
        row: { id: historyId(), matterId: row.id, action, fromState: from, toState: to, actor, reason, at },
      }),
    });
  }

  /** The voters of the matter's scope today, from the people read model (ADR 0020). */
  private async electorate(m: EntityManager, matter: Matter, now: Date): Promise<ElectorateMember[]> {
    const voters = m
      .getRepository(PeopleVoter)
      .createQueryBuilder('v')
      .where('v.status = :s', { s: 'ACTIVE' });
    const houses = m.getRepository(PeopleHouse).createQueryBuilder('h');
    if (matter.scopeKind === 'COURTYARD') {
      voters.andWhere('v.courtyard_id = :c', { c: matter.scopeId });
      houses.where('h.courtyard_id = :c', { c: matter.scopeId });
    } else {
      const streets = await streetsOf(m, matter.scopeKind, matter.scopeId);
      if (streets.length === 0) return [];
      voters.andWhere('v.street_id IN (:...streets)', { streets });
      houses.where('h.street_id IN (:...streets)', { streets });
    }
    const base = { matterId: matter.id };
    if (matter.electorateKind === 'ADULT_RESIDENTS') {
      // Adults by calendar year: whoever turns 18 in the opening year (people keeps the birth year only).
      const rows = await voters.andWhere('v.birth_year <= :y', { y: now.getUTCFullYear() - 18 }).getMany();
      return rows.map((v) => ({ ...base, voterId: v.id, casterResidentId: v.id, weight: null }));
    }
    if (matter.electorateKind === 'HOUSEHOLDS') {
      const rows = await voters.andWhere('v.household_id IS NOT NULL').getMany();
      const byHousehold = new Map<string, string | null>();
      for (const v of rows) {
        const hh = v.householdId as string;
        if (!byHousehold.has(hh)) byHousehold.set(hh, null);
        if (v.relationship === 'HEAD') byHousehold.set(hh, v.id);
      }
      return [...byHousehold].map(([voterId, head]) => ({
        ...base,
        voterId,
        casterResidentId: head,
        weight: null,
      }));
    }
    // HOMEOWNERS: resident owners of houses in scope, weighted by their floor area there.
    const owned = await houses.andWhere('h.owner_resident_id IS NOT NULL').getMany();
    const owners = new Map<string, number>();
    for (const h of owned)
      owners.set(
        h.ownerResidentId as string,
        (owners.get(h.ownerResidentId as string) ?? 0) + (h.floorArea ?? 0),
      );
    const active = owners.size
      ? new Set(
          (await m.getRepository(PeopleVoter).findBy({ id: In([...owners.keys()]), status: 'ACTIVE' })).map(
            (v) => v.id,
          ),
        )
      : new Set<string>();
    return [...owners]
      .filter(([id]) => active.has(id))
      .map(([voterId, area]) => ({ ...base, voterId, casterResidentId: voterId, weight: round2(area) }));
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const mapValues = (o: Record<string, number>, f: (n: number) => number) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
const capitalise = (s: string) => s.charAt(0) + s.slice(1).toLowerCase().replace('_', ' ');
