import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { Participation, VoteProxy } from '../entities';
import { DeliberationLoaders } from '../loaders';
import { ProxyService } from './proxy.service';
import {
  codeOf,
  deliberationFixture,
  residentPrincipal,
  STAFF,
  type DeliberationFixture,
  type Household,
} from './spec-helpers';

describe('deliberation: proxies (委托投票) and Household.ballotStatus on MariaDB [needs: MariaDB]', () => {
  let db: TestDatabase;
  let f: DeliberationFixture;
  let proxies: ProxyService;
  let hh: Household[];
  beforeAll(async () => {
    db = await freshMysqlDatabase('delib_proxy');
    f = await deliberationFixture(db.url, 6);
    proxies = new ProxyService(f.ds, f.matters, () => undefined);
    hh = f.households;
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    await db?.drop();
  });

  const voting = async (over: Parameters<DeliberationFixture['discussed']>[0] = {}) => {
    const id = await f.discussed(over);
    await f.matters.openVoting(f.req(STAFF), id, new Date('2026-12-10T00:00:00Z'), '表决');
    return id;
  };
  const as = (id: string) => f.req(residentPrincipal(id));
  const h = (i: number) => hh[i] as Household;

  it('a household head delegates to an adult member; the proxy casts, the head no longer can; ballot secret', async () => {
    const matterId = await voting({ electorateKind: 'HOUSEHOLDS' });
    // A child is no proxy; another household's member is not without allowProxies.
    expect(await codeOf(proxies.grant(as(h(0).head), matterId, h(0).child))).toBe('FORBIDDEN');
    expect(await codeOf(proxies.grant(as(h(0).head), matterId, h(1).adult))).toBe('FORBIDDEN');
    expect(await codeOf(proxies.grant(as(h(0).head), matterId, '00000000-0000-4000-8000-000000000000'))).toBe(
      'NOT_FOUND',
    );
    // Only the caster of a voter gives a proxy.
    expect(await codeOf(proxies.grant(as(h(0).adult), matterId, h(0).head))).toBe('FORBIDDEN');
    const proxy = await proxies.grant(as(h(0).head), matterId, h(0).adult);
    expect(proxy).toMatchObject({ kind: 'HOUSEHOLD_MEMBER', status: 'ACTIVE', voterId: h(0).id });
    await expect(proxies.grant(as(h(0).head), matterId, h(0).adult)).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', currentState: 'ACTIVE' },
    });
    expect(await codeOf(f.matters.castBallot(as(h(0).head), matterId, ['FOR']))).toBe('FORBIDDEN');
    // The proxy must name the voter; someone else naming it is refused.
    expect(await codeOf(f.matters.castBallot(as(h(1).head), matterId, ['FOR'], h(0).id))).toBe('FORBIDDEN');
    const { receipt } = await f.matters.castBallot(as(h(0).adult), matterId, ['AGAINST'], h(0).id);
    expect(await f.matters.verifyReceipt(matterId, receipt)).toBe('COUNTED');
    const p = await f.ds.getRepository(Participation).findOneByOrFail({ matterId, voterId: h(0).id });
    expect([p.casterResidentId, p.openChoices]).toEqual([h(0).adult, null]);
    // Revocation only before a ballot was cast.
    await expect(proxies.revoke(as(h(0).head), matterId)).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', currentState: 'VOTED' },
    });
    // The published list.
    const loaders = new DeliberationLoaders(f.ds, f.discussion);
    const list = await loaders.matterProxies(matterId, { first: 20, afterKey: null });
    expect(list.nodes.map((x) => [x.voterId, x.proxyResidentId])).toEqual([[h(0).id, h(0).adult]]);
    expect(await list.totalCount()).toBe(1);

    // Household.ballotStatus, batched for several households in one tick.
    const [s0, s1, sOut] = await Promise.all([
      loaders.ballotStatus.load(`${h(0).id}\u0000${matterId}`),
      loaders.ballotStatus.load(`${h(1).id}\u0000${matterId}`),
      loaders.ballotStatus.load(`00000000-0000-4000-8000-000000000000\u0000${matterId}`),
    ]);
    expect(s0).toMatchObject({
      inElectorate: true,
      voters: 1,
      voted: 1,
      channel: 'ONLINE',
      casterResidentId: h(0).adult,
    });
    expect(s0?.proxy?.proxyResidentId).toBe(h(0).adult);
    expect(s1).toMatchObject({
      inElectorate: true,
      voters: 1,
      voted: 0,
      channel: null,
      casterResidentId: h(1).head,
      proxy: null,
    });
    expect(sOut).toMatchObject({ inElectorate: false, voters: 0, voted: 0 });
  });

  it('revoking before the vote gives the ballot back to the head', async () => {
    const matterId = await voting({ electorateKind: 'HOUSEHOLDS' });
    await proxies.grant(as(h(1).head), matterId, h(1).adult);
    const revoked = await proxies.revoke(as(h(1).head), matterId);
    expect(revoked).toMatchObject({ status: 'REVOKED', activeSlot: null, proxySlot: null });
    expect(await codeOf(f.matters.castBallot(as(h(1).adult), matterId, ['FOR'], h(1).id))).toBe('FORBIDDEN');
    await f.matters.castBallot(as(h(1).head), matterId, ['FOR']);
    expect(await codeOf(proxies.revoke(as(h(1).head), matterId))).toBe('NOT_FOUND');
    // Voted: a proxy can no longer be given.
    await expect(proxies.grant(as(h(1).head), matterId, h(1).adult)).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', currentState: 'VOTED' },
    });
    expect(await f.ds.getRepository(VoteProxy).countBy({ matterId })).toBe(1);
  });

  it('other proxies only where the matter allows, at most two voters per proxy, also under concurrent grants', async () => {
    const closed = await voting({ electorateKind: 'ADULT_RESIDENTS' });
    expect(await codeOf(proxies.grant(as(h(1).head), closed, h(0).head))).toBe('FORBIDDEN');
    const matterId = await voting({ electorateKind: 'ADULT_RESIDENTS', allowProxies: true });
    // Outside the scope: refused.
    expect(await codeOf(proxies.grant(as(h(1).head), matterId, f.outsider))).toBe('FORBIDDEN');
    // Five voters try to give their proxy to the same resident at once: two win.
    const grantors = [h(1).head, h(1).adult, h(2).head, h(2).adult, h(3).head];
    const results = await Promise.allSettled(grantors.map((g) => proxies.grant(as(g), matterId, h(0).head)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(2);
    for (const r of lost)
      expect((r.reason as { extensions: Record<string, unknown> }).extensions).toMatchObject({
        code: 'CONFLICT',
        currentState: 'FULL',
      });
    const active = await f.ds.getRepository(VoteProxy).findBy({ matterId, status: 'ACTIVE' });
    expect(active.map((a) => a.proxySlot).sort()).toEqual([1, 2]);
    expect(active.every((a) => a.kind === 'OTHER')).toBe(true);
    // The proxy casts their own ballot and the two they hold.
    await f.matters.castBallot(as(h(0).head), matterId, ['FOR']);
    for (const a of active) await f.matters.castBallot(as(h(0).head), matterId, ['FOR'], a.voterId);
    expect(await f.ds.getRepository(Participation).countBy({ matterId })).toBe(3);
    // votableMatters of the proxy includes the matter (own vote and the held ones).
    expect((await f.matters.votable(h(0).head)).map((m) => m.id)).toContain(matterId);
  });
});
