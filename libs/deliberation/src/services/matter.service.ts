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
  BALLOT_COUNT_SHARDS,
  BallotCount,
  BALLOTS_COUNTED,
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
import { requireChiefGrid, residentOf, streetsOf, voterInScope } from './scope';
import { streamedListHash } from './sorted-hash';

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
      const streetId =
        input.scopeKind === 'STREET'
          ? input.scopeId
          : input.scopeKind === 'COURTYARD'
            ? place.parentId
            : null;
      if (residentId) {
        if (!(await voterInScope(m, input, residentId)))
          throw new ForbiddenError('a resident may propose matters of their own scope only');
      } else await requireChiefGrid(m, principal, { ...input, streetId }); // a chief: own grid (ADR 0047)
      const now = this.clock();
      const row: Matter = {
        id: randomUUID(),
        title: input.title,
        description: input.description,
        kind: input.kind,
        scopeKind: input.scopeKind,
        scopeId: input.scopeId,
        streetId,
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
    const matter = await transaction(this.ds, async (m) => {
      // A chief moves matters of own grid only (ADR 0047); unknown ids are the transition's NOT_FOUND.
      if (!hasRole(principal, 'COMMUNITY_STAFF')) {
        const row = await m.getRepository(Matter).findOneBy({ id });
        if (row) await requireChiefGrid(m, principal, row);
      }
      return this.transition(m, id, action, principal.subject, reason, async (mm) => {
        if (action === 'completeImplementation') {
          // The final report closes the matter once every task is done.
          const open = await mm.getRepository(MatterTask).countBy({ matterId: id, status: 'OPEN' });
          if (open > 0)
            throw new ConflictError(`${open} task(s) of this matter are still OPEN`, {
              currentState: 'IMPLEMENTING',
            });
        }
        return { event: { contract: event, data: { id, actor: principal.subject, reason } } };
      });
    });
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
        const { size, hash, area } = await this.freeze(mm, row, now);
        // The running counts start at zero for every option and shard (ADR 0047).
        const counters: BallotCount[] = [];
        for (const choice of [BALLOTS_COUNTED, ...row.options])
          for (let shard = 0; shard < BALLOT_COUNT_SHARDS; shard++)
            counters.push({ matterId: id, choice, shard, ballots: 0, area: 0 });
        await mm.getRepository(BallotCount).insert(counters);
        return {
          changes: {
            opensAt: now,
            closesAt,
            electorateSize: size,
            electorateHash: hash,
            electorateArea: row.electorateKind === 'HOMEOWNERS' ? round2(area) : null,
          },
          event: {
            contract: DeliberationEvents.openedForVoting,
            data: {
              id,
              actor: principal.subject,
              reason,
              electorateKind: row.electorateKind as ElectorateKind,
              electorateSize: size,
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
    // The hot path of a vote speaks plain statements (ADR 0047): the ORM's query building cost more
    // CPU than the database's work for these one-row reads and writes.
    const [row] = (await m.query(
      `SELECT voter_id, caster_resident_id, weight FROM electorate_member WHERE matter_id = ? AND ${voterId ? 'voter_id' : 'caster_resident_id'} = ? LIMIT 1`,
      [matterId, voterId ?? residentId],
    )) as { voter_id: string; caster_resident_id: string | null; weight: string | number | null }[];
    const member: ElectorateMember | null = row
      ? {
          matterId,
          voterId: row.voter_id,
          casterResidentId: row.caster_resident_id,
          weight: row.weight === null ? null : Number(row.weight),
        }
      : null;
    if (!member)
      throw voterId
        ? new NotFoundError('Voter of this electorate', voterId, 'input.voterId')
        : new ForbiddenError('you are not in the electorate frozen when this vote opened');
    const own = member.casterResidentId === residentId;
    // Checked after the voter's participation row is locked, so a proxy granted or revoked meanwhile
    // is seen (grantProxy locks the same row).
    const check = async () => {
      const [proxy] = (await m.query(
        `SELECT proxy_resident_id AS proxyResidentId FROM proxy WHERE matter_id = ? AND active_slot = ?${isMysqlFamily(this.ds) ? ' LOCK IN SHARE MODE' : ''}`,
        [matterId, member.voterId],
      )) as { proxyResidentId: string }[];
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
    // The voter's participation row, locked before `check` (grantProxy locks the same row). A first
    // ballot inserts it straight away: a locking read of a missing row would take a gap lock, and two
    // first ballots of neighbouring voters, each holding the gap and inserting into it, deadlocked
    // (ADR 0047). A plain read tells first from replacing ballots; a row committed after it makes the
    // insert a unique violation, and castBallot's retry replaces.
    const [seen] = (await m.query(
      'SELECT 1 AS seen FROM participation WHERE matter_id = ? AND voter_id = ?',
      [matterId, member.voterId],
    )) as { seen: number }[];
    let known: { channel: Participation['channel']; ballots: number } | undefined;
    if (seen) {
      [known] = (await m.query(
        `SELECT channel, ballots FROM participation WHERE matter_id = ? AND voter_id = ?${isMysqlFamily(this.ds) ? ' FOR UPDATE' : ''}`,
        [matterId, member.voterId],
      )) as { channel: Participation['channel']; ballots: number }[];
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
    await check?.();
    if (known && known.channel !== channel)
      throw new ConflictError(
        known.channel === 'IN_PERSON' ? 'This voter voted in person' : 'This voter voted online',
        { currentState: matter.status },
      );
    const id = randomUUID();
    const weight = matter.secret ? null : member.weight;
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
      // The replaced ballot leaves the count (its shard's rows) before the new one enters it. Read
      // locking, so the latest one (committed by this voter's previous cast, after this transaction's
      // snapshot) is the one replaced rather than a unique violation on the slot and a retry.
      const rq = m
        .getRepository(Ballot)
        .createQueryBuilder('b')
        .select(['b.id', 'b.choices', 'b.weight'])
        .where('b.matter_id = :matterId AND b.current_slot = :slot', { matterId, slot });
      if (isMysqlFamily(this.ds)) rq.setLock('pessimistic_write');
      const replaced = await rq.getOne();
      if (replaced) {
        await m.getRepository(Ballot).update({ id: replaced.id }, { currentSlot: null });
        await this.addToCounts(m, matterId, replaced.id, replaced.choices, replaced.weight, -1);
      }
    }
    const nonce = randomBytes(16).toString('hex');
    const receipt = receiptOf(matterId, id, distinct, nonce);
    await m.query(
      'INSERT INTO ballot (id, matter_id, current_slot, choices, weight, nonce, receipt) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [id, matterId, slot, JSON.stringify(distinct), weight, nonce, receipt],
    );
    await this.addToCounts(m, matterId, id, distinct, weight, 1);
    return receipt;
  }

  /**
   * Adds a ballot to (sign 1) or takes it from (sign -1) the running counts: the rows of its shard
   * for its options and for the ballots counted, in one statement. A vote opened before the counters
   * existed has no rows (nothing changes; its close counts the ballots).
   */
  private async addToCounts(
    m: EntityManager,
    matterId: string,
    ballotId: string,
    choices: readonly string[],
    weight: number | null,
    sign: 1 | -1,
  ): Promise<void> {
    const keys = [BALLOTS_COUNTED, ...choices];
    await m.query(
      `UPDATE ballot_count SET ballots = ballots + ?, area = area + ? WHERE matter_id = ? AND shard = ? AND choice IN (${keys.map(() => '?').join(', ')})`,
      [sign, sign * (weight ?? 0), matterId, shardOf(ballotId), ...keys],
    );
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
      const tally = await this.closingTally(m, row);
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

  /**
   * The tally a close publishes (ADR 0047): the sums of the running counts, the receipts' hash
   * streamed in keyset chunks — no ballot is loaded. A vote without counters (opened before them)
   * is counted from its ballots. `recount` recomputes the same from the ballots.
   */
  async closingTally(m: EntityManager, matter: Matter): Promise<PublishedTally> {
    const sums = await this.countsOf(m, matter);
    if (!sums) return this.count(m, matter);
    return { ...this.decideTally(matter, sums), ballotsHash: await this.receiptsHash(m, matter.id) };
  }

  /**
   * SHA-256 over the sorted receipts of the current ballots, streamed in keyset chunks over
   * `ix_ballot_matter_receipt` (matter, receipt): every ballot of the matter in receipt order, minus
   * the replaced ones, read first (few; `uq_ballot_current` finds them).
   */
  private async receiptsHash(m: EntityManager, matterId: string): Promise<string> {
    const replaced = (
      (await m
        .getRepository(Ballot)
        .createQueryBuilder('b')
        .select('b.receipt', 'receipt')
        .where('b.matter_id = :id AND b.current_slot IS NULL', { id: matterId })
        .getRawMany()) as { receipt: string }[]
    ).map((r) => r.receipt);
    const { hash } = await streamedListHash(
      async (after, limit) => {
        const rows = (await m.query(
          `SELECT receipt FROM ballot WHERE matter_id = ?${after === null ? '' : ' AND receipt > ?'} ORDER BY receipt LIMIT ${limit}`,
          after === null ? [matterId] : [matterId, after],
        )) as { receipt: string }[];
        return rows.map((r) => r.receipt);
      },
      async () => (await this.currentBallots(m, matterId)).map((b) => b.receipt),
      { skip: new Set(replaced) },
    );
    return hash;
  }

  /** The sums of a vote's running counts, or null when it has none (opened before them). */
  private async countsOf(m: EntityManager, matter: Matter): Promise<TallySums | null> {
    const rows = (await m
      .getRepository(BallotCount)
      .createQueryBuilder('c')
      .select('c.choice', 'choice')
      .addSelect('SUM(c.ballots)', 'ballots')
      .addSelect('SUM(c.area)', 'area')
      .where('c.matter_id = :id', { id: matter.id })
      .groupBy('c.choice')
      .getRawMany()) as { choice: string; ballots: number | string; area: number | string | null }[];
    if (rows.length === 0) return null;
    const sums: TallySums = {
      participants: 0,
      participantArea: 0,
      counts: Object.fromEntries(matter.options.map((o) => [o, 0])),
      areaCounts: Object.fromEntries(matter.options.map((o) => [o, 0])),
    };
    for (const r of rows) {
      const n = Number(r.ballots);
      const area = Number(r.area ?? 0);
      if (r.choice === BALLOTS_COUNTED) {
        sums.participants = n;
        sums.participantArea = area;
      } else {
        sums.counts[r.choice] = n;
        sums.areaCounts[r.choice] = area;
      }
    }
    return sums;
  }

  private currentBallots(m: EntityManager, matterId: string): Promise<Ballot[]> {
    return m
      .getRepository(Ballot)
      .createQueryBuilder('b')
      .where('b.matter_id = :id AND b.current_slot IS NOT NULL', { id: matterId })
      .getMany();
  }

  /** Quorum, threshold and outcome of counted sums under the matter's rule. */
  private decideTally(matter: Matter, sums: TallySums): Omit<PublishedTally, 'ballotsHash'> {
    const rule = ruleOf(matter);
    const result = decide(rule, {
      electorate: matter.electorateSize ?? 0,
      participants: sums.participants,
      counts: sums.counts,
      adoptingOption: matter.optionsKind === 'YES_NO' ? 'FOR' : null,
      electorateArea: matter.electorateArea ?? 0,
      participantArea: sums.participantArea,
      areaCounts: sums.areaCounts,
    });
    return {
      participants: sums.participants,
      counts: sums.counts,
      ...(rule.byArea
        ? { participantArea: round2(sums.participantArea), areaCounts: mapValues(sums.areaCounts, round2) }
        : {}),
      quorumMet: result.quorumMet,
      outcome: result.outcome,
      winner: result.winner,
    };
  }

  /** The tally recomputed from the stored current ballots (what `recount` compares with the published one). */
  async count(m: EntityManager, matter: Matter): Promise<PublishedTally> {
    const ballots = await this.currentBallots(m, matter.id);
    const sums: TallySums = {
      participants: ballots.length,
      participantArea: 0,
      counts: Object.fromEntries(matter.options.map((o) => [o, 0])),
      areaCounts: Object.fromEntries(matter.options.map((o) => [o, 0])),
    };
    for (const b of ballots) {
      sums.participantArea += b.weight ?? 0;
      for (const c of b.choices) {
        sums.counts[c] = (sums.counts[c] ?? 0) + 1;
        sums.areaCounts[c] = (sums.areaCounts[c] ?? 0) + (b.weight ?? 0);
      }
    }
    const receipts = ballots.map((b) => b.receipt).sort();
    return { ...this.decideTally(matter, sums), receipts, ballotsHash: listHash(receipts) };
  }

  /** The running counts of an open vote (ADR 0047), for specs and checks: null without counters. */
  async runningCounts(matter: Matter): Promise<TallySums | null> {
    return this.countsOf(this.ds.manager, matter);
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
    // The running counts; a live tally lists no receipts (they are published at close).
    const sums = await this.countsOf(this.ds.manager, matter);
    if (!sums) return this.count(this.ds.manager, matter);
    return {
      ...this.decideTally(matter, sums),
      receipts: [],
      ballotsHash: await this.receiptsHash(this.ds.manager, matter.id),
    };
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

  /**
   * Freezes the electorate of the matter's scope today from the people read model (ADR 0020) into
   * `electorate_member`: adults and households in one `INSERT … SELECT` (ADR 0047), owners (weighted
   * by floor area, few) through the service. Returns its size, the SHA-256 over the sorted voter ids
   * (streamed in keyset chunks) and its floor area.
   */
  private async freeze(
    m: EntityManager,
    matter: Matter,
    now: Date,
  ): Promise<{ size: number; hash: string; area: number }> {
    if (matter.electorateKind === 'HOMEOWNERS') {
      const members = await this.owners(m, matter);
      for (let i = 0; i < members.length; i += 1000) {
        await m.getRepository(ElectorateMember).insert(members.slice(i, i + 1000));
      }
    } else {
      let where: string;
      let params: unknown[];
      if (matter.scopeKind === 'COURTYARD') {
        where = 'v.courtyard_id = ?';
        params = [matter.scopeId];
      } else {
        const streets = await streetsOf(m, matter.scopeKind, matter.scopeId);
        where = streets.length ? `v.street_id IN (${streets.map(() => '?').join(', ')})` : '1 = 0';
        params = streets;
      }
      // Adults by calendar year: whoever turns 18 in the opening year (people keeps the birth year
      // only). A household votes through its head (none: no caster until one is known).
      const sql =
        matter.electorateKind === 'ADULT_RESIDENTS'
          ? `INSERT INTO electorate_member (matter_id, voter_id, caster_resident_id, weight)
             SELECT ?, v.id, v.id, NULL FROM people_voter v
             WHERE v.status = 'ACTIVE' AND ${where} AND v.birth_year <= ?`
          : `INSERT INTO electorate_member (matter_id, voter_id, caster_resident_id, weight)
             SELECT ?, v.household_id, MAX(CASE WHEN v.relationship = 'HEAD' THEN v.id END), NULL
             FROM people_voter v
             WHERE v.status = 'ACTIVE' AND ${where} AND v.household_id IS NOT NULL
             GROUP BY v.household_id`;
      await m.query(
        sql,
        matter.electorateKind === 'ADULT_RESIDENTS'
          ? [matter.id, ...params, now.getUTCFullYear() - 18]
          : [matter.id, ...params],
      );
    }
    const members = m.getRepository(ElectorateMember);
    const [sum] = (await members
      .createQueryBuilder('e')
      .select('SUM(e.weight)', 'area')
      .where('e.matter_id = :id', { id: matter.id })
      .getRawMany()) as { area: number | string | null }[];
    const { hash, count } = await streamedListHash(
      async (after, limit) => {
        const qb = members
          .createQueryBuilder('e')
          .select('e.voter_id', 'voterId')
          .where('e.matter_id = :id', { id: matter.id })
          .orderBy('e.voter_id', 'ASC')
          .limit(limit);
        if (after !== null) qb.andWhere('e.voter_id > :after', { after });
        return ((await qb.getRawMany()) as { voterId: string }[]).map((r) => r.voterId);
      },
      async () =>
        (await members.find({ where: { matterId: matter.id }, select: { voterId: true } })).map(
          (e) => e.voterId,
        ),
    );
    return { size: count, hash, area: Number(sum?.area ?? 0) };
  }

  /** HOMEOWNERS: resident owners of houses in scope, weighted by their floor area there. */
  private async owners(m: EntityManager, matter: Matter): Promise<ElectorateMember[]> {
    const houses = m.getRepository(PeopleHouse).createQueryBuilder('h');
    if (matter.scopeKind === 'COURTYARD') {
      houses.where('h.courtyard_id = :c', { c: matter.scopeId });
    } else {
      const streets = await streetsOf(m, matter.scopeKind, matter.scopeId);
      if (streets.length === 0) return [];
      houses.where('h.street_id IN (:...streets)', { streets });
    }
    const base = { matterId: matter.id };
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

/** What a tally counts: current ballots, their area, per option the ballots and area choosing it. */
export interface TallySums {
  participants: number;
  participantArea: number;
  counts: Record<string, number>;
  areaCounts: Record<string, number>;
}

/** The counter shard of a ballot: the first hex digit of its random id (ADR 0047). */
export const shardOf = (ballotId: string): number => parseInt(ballotId.charAt(0), 16) % BALLOT_COUNT_SHARDS;

const round2 = (n: number) => Math.round(n * 100) / 100;
const mapValues = (o: Record<string, number>, f: (n: number) => number) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
const capitalise = (s: string) => s.charAt(0) + s.slice(1).toLowerCase().replace('_', ' ');
