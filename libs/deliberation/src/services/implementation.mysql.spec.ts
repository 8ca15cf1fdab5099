import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { DeliberationEvents } from '@sc/deliberation-contracts';
import { MatterTask, TaskReport } from '../entities';
import { DeliberationLoaders } from '../loaders';
import { ImplementationService } from './implementation.service';
import {
  CHIEF,
  codeOf,
  deliberationFixture,
  principal,
  residentPrincipal,
  STAFF,
  type DeliberationFixture,
  type Household,
} from './spec-helpers';

describe('deliberation: carrying out an adopted matter (tasks, supervisors, progress) on MariaDB [needs: MariaDB]', () => {
  let db: TestDatabase;
  let f: DeliberationFixture;
  let impl: ImplementationService;
  beforeAll(async () => {
    db = await freshMysqlDatabase('delib_impl');
    f = await deliberationFixture(db.url, 6);
    impl = new ImplementationService(
      f.ds,
      f.outbox,
      () => undefined,
      () => f.clock.now,
    );
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    await db?.drop();
  });
  const h = (i: number) => f.households[i] as Household;

  /** A households vote on the street, adopted by four of six. */
  const adopted = async () => {
    const id = await f.discussed({ electorateKind: 'HOUSEHOLDS', kind: 'CLEANING', title: '保洁费' });
    await f.matters.openVoting(f.req(STAFF), id, new Date('2026-12-10T00:00:00Z'), '表决');
    for (let i = 0; i < 4; i++) await f.matters.castBallot(f.req(residentPrincipal(h(i).head)), id, ['FOR']);
    const closed = await f.matters.closeVote(f.req(STAFF), id, '结束');
    expect(closed.status).toBe('ADOPTED');
    return id;
  };

  it('supervisors at adoption, tasks with due times, progress with evidence, notes, overdue, then IMPLEMENTED', async () => {
    const matterId = await adopted();
    // Supervisors: the chief and resident representatives of the scope.
    expect(await codeOf(impl.chooseSupervisors(f.req(STAFF), matterId, [h(0).head]))).toBe('FORBIDDEN');
    expect(await codeOf(impl.chooseSupervisors(f.req(CHIEF), matterId, [f.outsider]))).toBe('BAD_USER_INPUT');
    expect(
      await codeOf(impl.chooseSupervisors(f.req(CHIEF), matterId, ['00000000-0000-4000-8000-000000000000'])),
    ).toBe('NOT_FOUND');
    await impl.chooseSupervisors(f.req(CHIEF), matterId, [h(0).head, h(1).adult]);
    const loaders = new DeliberationLoaders(f.ds, f.discussion, () => f.clock.now);
    expect((await loaders.supervisors.load(matterId)).map((s) => [s.kind, s.ref])).toEqual([
      ['CHIEF', 'chief-1'],
      ['RESIDENT', [h(0).head, h(1).adult].sort()[0]],
      ['RESIDENT', [h(0).head, h(1).adult].sort()[1]],
    ]);
    const t1 = await impl.addTask(f.req(CHIEF), {
      matterId,
      title: '签订保洁合同',
      owner: '社区居委会',
      dueAt: new Date('2026-12-05T00:00:00Z'),
    });
    const t2 = await impl.addTask(f.req(STAFF), {
      matterId,
      title: '每周清运',
      owner: '保洁公司',
      dueAt: new Date('2026-12-20T00:00:00Z'),
    });
    // Progress only while IMPLEMENTING.
    await expect(
      impl.reportProgress(f.req(CHIEF), { taskId: t1.id, percent: 10, note: '洽谈', evidence: [] }),
    ).rejects.toMatchObject({ extensions: { code: 'CONFLICT', currentState: 'ADOPTED' } });
    await f.matters.move(f.req(CHIEF), matterId, 'startImplementing', '开始实施');
    // Supervisors are chosen at adoption only.
    await expect(impl.chooseSupervisors(f.req(CHIEF), matterId, [])).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', currentState: 'IMPLEMENTING' },
    });
    await impl.reportProgress(f.req(CHIEF), {
      taskId: t1.id,
      percent: 50,
      note: '合同草拟',
      evidence: ['doc:1'],
    });
    expect(
      await codeOf(
        impl.reportProgress(f.req(CHIEF), { taskId: t1.id, percent: 40, note: '回退', evidence: [] }),
      ),
    ).toBe('BAD_USER_INPUT');
    expect(
      await codeOf(
        impl.reportProgress(f.req(residentPrincipal(h(0).head)), {
          taskId: t1.id,
          percent: 60,
          note: 'x',
          evidence: [],
        }),
      ),
    ).toBe('FORBIDDEN');
    // Past t1's due time: flagged overdue.
    f.clock.now = new Date('2026-12-06T00:00:00Z');
    let progress = await new DeliberationLoaders(f.ds, f.discussion, () => f.clock.now).progress.load(
      matterId,
    );
    expect(progress).toEqual({ tasks: 2, done: 0, overdue: 1, percent: 25 });
    // Supervision notes: a resident representative yes, another resident or an outside chief no.
    const note = await impl.addSupervisionNote(f.req(residentPrincipal(h(0).head)), {
      taskId: t1.id,
      note: '合同已逾期，请加快',
      evidence: [],
    });
    expect(note).toMatchObject({ kind: 'SUPERVISION', authorRole: 'RESIDENT' });
    expect(
      await codeOf(
        impl.addSupervisionNote(f.req(residentPrincipal(h(2).head)), {
          taskId: t1.id,
          note: 'x',
          evidence: [],
        }),
      ),
    ).toBe('FORBIDDEN');
    const otherChief = principal(['STREET_CHIEF'], ['grid:g2'], 'chief-2');
    expect(
      await codeOf(impl.addSupervisionNote(f.req(otherChief), { taskId: t1.id, note: 'x', evidence: [] })),
    ).toBe('FORBIDDEN');
    // IMPLEMENTED waits for every task.
    await expect(
      f.matters.move(f.req(CHIEF), matterId, 'completeImplementation', '完成'),
    ).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', currentState: 'IMPLEMENTING' },
    });
    f.clock.now = new Date('2026-12-06T01:00:00Z');
    await impl.reportProgress(f.req(CHIEF), {
      taskId: t1.id,
      percent: 100,
      note: '合同已签',
      evidence: ['doc:2'],
    });
    await impl.reportProgress(f.req(STAFF), {
      taskId: t2.id,
      percent: 100,
      note: '已开始清运',
      evidence: [],
    });
    await expect(
      impl.reportProgress(f.req(STAFF), { taskId: t2.id, percent: 100, note: '再报', evidence: [] }),
    ).rejects.toMatchObject({ extensions: { code: 'CONFLICT', currentState: 'DONE' } });
    progress = await new DeliberationLoaders(f.ds, f.discussion, () => f.clock.now).progress.load(matterId);
    expect(progress).toEqual({ tasks: 2, done: 2, overdue: 0, percent: 100 });
    const done = await f.matters.move(
      f.req(CHIEF),
      matterId,
      'completeImplementation',
      '终期报告：保洁已常态化',
    );
    expect(done.status).toBe('IMPLEMENTED');
    // The public view: reports in order, with totalCount.
    const reports = await loaders.taskReports(t1.id, { first: 10, afterKey: null });
    expect(reports.nodes.map((r) => [r.kind, r.percent])).toEqual([
      ['PROGRESS', 50],
      ['SUPERVISION', null],
      ['PROGRESS', 100],
    ]);
    expect(await reports.totalCount()).toBe(3);
    const tasks = await loaders.matterTasks(matterId, { first: 1, afterKey: null });
    expect(tasks.nodes.map((t) => t.id)).toEqual([t1.id]);
    expect(tasks.pageInfo.hasNextPage).toBe(true);
    const events = (await f.events(DeliberationEvents.taskReported.type)).filter((e) => e['id'] === matterId);
    expect(events.map((e) => [e['percent'], e['done'], e['overdue']])).toEqual([
      [50, false, false],
      [100, true, true],
      [100, true, false],
    ]);
    expect(await f.ds.getRepository(TaskReport).countBy({ matterId })).toBe(4);
    expect(await f.ds.getRepository(MatterTask).countBy({ matterId, status: 'DONE' })).toBe(2);
  });

  it('refuses tasks on matters not adopted, and unknown ids', async () => {
    const matterId = await f.discussed();
    await expect(
      impl.addTask(f.req(CHIEF), { matterId, title: 'x', owner: 'y', dueAt: new Date() }),
    ).rejects.toMatchObject({ extensions: { code: 'CONFLICT', currentState: 'DISCUSSION' } });
    expect(
      await codeOf(
        impl.reportProgress(f.req(CHIEF), {
          taskId: '00000000-0000-4000-8000-000000000000',
          percent: 1,
          note: 'x',
          evidence: [],
        }),
      ),
    ).toBe('NOT_FOUND');
  });
});
