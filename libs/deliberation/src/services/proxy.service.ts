import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { requireAuthenticated } from '@sc/auth';
import { isDeadlock, isMysqlFamily, isUniqueViolation, transaction } from '@sc/db';
import { ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import { PeopleVoter } from '@sc/people-contracts';
import { ElectorateMember, Participation, VoteProxy } from '../entities';
import { type MatterService, type RequestInfo } from './matter.service';
import { residentOf, voterInScope } from './scope';

/** At most this many voters per proxy (issue 12; ADR 0022). */
export const MAX_VOTERS_PER_PROXY = 2;

/**
 * 委托投票 (ADR 0022): the caster of a voter of the frozen electorate lets another adult cast for it —
 * a household head an adult member of the household always, anyone else of the scope only where the
 * matter allows proxies. At most two voters per proxy, one proxy per voter, revocable until the
 * voter's ballot is cast. The ballot stays secret: a proxy's ballot is stored like any other.
 */
export class ProxyService {
  constructor(
    private readonly ds: DataSource,
    private readonly matters: MatterService,
    private readonly committed: () => void,
  ) {}

  async grant(req: RequestInfo, matterId: string, proxyResidentId: string): Promise<VoteProxy> {
    const residentId = residentOf(requireAuthenticated(req.principal));
    if (!residentId)
      throw new ForbiddenError('only a resident gives a proxy (RESIDENT with a resident scope)');
    if (residentId === proxyResidentId)
      throw new ConflictError('A voter cannot be their own proxy', { currentState: 'VOTING' });
    for (let attempt = 1; ; attempt++) {
      try {
        const row = await transaction(this.ds, (m) =>
          this.grantOnce(m, matterId, residentId, proxyResidentId),
        );
        this.committed();
        return row;
      } catch (error) {
        if (attempt < 6 && isDeadlock(error)) continue;
        throw error;
      }
    }
  }

  private async grantOnce(
    m: EntityManager,
    matterId: string,
    residentId: string,
    proxyResidentId: string,
  ): Promise<VoteProxy> {
    const { matter, now } = await this.matters.lockOpenVote(m, matterId);
    const member = await m
      .getRepository(ElectorateMember)
      .findOneBy({ matterId, casterResidentId: residentId });
    if (!member) throw new ForbiddenError('you are not in the electorate frozen when this vote opened');
    const proxyVoter = await m.getRepository(PeopleVoter).findOneBy({ id: proxyResidentId });
    if (!proxyVoter || proxyVoter.status !== 'ACTIVE')
      throw new NotFoundError('Resident', proxyResidentId, 'proxyResidentId');
    if (proxyVoter.birthYear === null || proxyVoter.birthYear > now.getUTCFullYear() - 18)
      throw new ForbiddenError('a proxy must be an adult');
    const householdMember =
      matter.electorateKind === 'HOUSEHOLDS' && proxyVoter.householdId === member.voterId;
    if (!householdMember) {
      if (!matter.allowProxies)
        throw new ForbiddenError('this matter allows proxies only to an adult member of the household');
      const inScope =
        (await voterInScope(m, matter, proxyResidentId)) ||
        (await m.getRepository(ElectorateMember).existsBy({ matterId, casterResidentId: proxyResidentId }));
      if (!inScope) throw new ForbiddenError('a proxy must be a resident of the matter’s scope');
    }
    // Lock the voter's participation (as a ballot does) and refuse once the voter has voted.
    const pq = m
      .getRepository(Participation)
      .createQueryBuilder('p')
      .where('p.matter_id = :matterId AND p.voter_id = :voterId', { matterId, voterId: member.voterId });
    if (isMysqlFamily(this.ds)) pq.setLock('pessimistic_write');
    if (await pq.getOne())
      throw new ConflictError('This voter has voted: a proxy can no longer be given', {
        currentState: 'VOTED',
      });
    const base: VoteProxy = {
      id: randomUUID(),
      matterId,
      voterId: member.voterId,
      grantorResidentId: residentId,
      proxyResidentId,
      kind: householdMember ? 'HOUSEHOLD_MEMBER' : 'OTHER',
      status: 'ACTIVE',
      activeSlot: member.voterId,
      proxySlot: 1,
      grantedAt: now,
      revokedAt: null,
    };
    if (await m.getRepository(VoteProxy).existsBy({ matterId, activeSlot: member.voterId }))
      throw new ConflictError('A proxy for this voter is ACTIVE: revoke it first', {
        currentState: 'ACTIVE',
      });
    for (let slot = 1; slot <= MAX_VOTERS_PER_PROXY; slot++) {
      const row = { ...base, proxySlot: slot };
      try {
        // A savepoint per slot: a unique violation must not abort the transaction.
        await m.transaction((sp) => sp.getRepository(VoteProxy).insert(row));
        return row;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (await m.getRepository(VoteProxy).existsBy({ matterId, activeSlot: member.voterId }))
          throw new ConflictError('A proxy for this voter is ACTIVE: revoke it first', {
            currentState: 'ACTIVE',
          });
      }
    }
    throw new ConflictError(`This proxy already holds ${MAX_VOTERS_PER_PROXY} voters`, {
      currentState: 'FULL',
    });
  }

  /** Revokes the caller's proxy for this vote, as long as no ballot was cast for the voter. */
  async revoke(req: RequestInfo, matterId: string): Promise<VoteProxy> {
    const residentId = residentOf(requireAuthenticated(req.principal));
    if (!residentId)
      throw new ForbiddenError('only a resident revokes a proxy (RESIDENT with a resident scope)');
    const row = await transaction(this.ds, async (m) => {
      const { now } = await this.matters.lockOpenVote(m, matterId);
      const member = await m
        .getRepository(ElectorateMember)
        .findOneBy({ matterId, casterResidentId: residentId });
      if (!member) throw new ForbiddenError('you are not in the electorate frozen when this vote opened');
      const pq = m
        .getRepository(Participation)
        .createQueryBuilder('p')
        .where('p.matter_id = :matterId AND p.voter_id = :voterId', { matterId, voterId: member.voterId });
      if (isMysqlFamily(this.ds)) pq.setLock('pessimistic_write');
      const proxy = await m.getRepository(VoteProxy).findOneBy({ matterId, activeSlot: member.voterId });
      if (!proxy) throw new NotFoundError('Active proxy of this voter');
      if (await pq.getOne())
        throw new ConflictError('The proxy has voted: it can no longer be revoked', {
          currentState: 'VOTED',
        });
      const changes = { status: 'REVOKED' as const, activeSlot: null, proxySlot: null, revokedAt: now };
      await m.getRepository(VoteProxy).update({ id: proxy.id }, changes);
      return { ...proxy, ...changes };
    });
    this.committed();
    return row;
  }
}
