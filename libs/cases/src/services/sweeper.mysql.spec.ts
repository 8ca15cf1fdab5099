import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevSigningKey, StaticKeyResolver } from '@sc/auth';
import { createLogger } from '@sc/config';
import { OutboxEvent } from '@sc/events';
import { freshMysqlDatabase, TEST_KAFKA_BROKERS, TEST_LOG_LEVEL, type TestDatabase } from '@sc/testing';
import { cases as casesService, type RunningCases } from '../cases.service';
import { CasesLoaders } from '../loaders';
import { CaseRecord } from '../entities';
import { CaseRepository } from '../repositories/case.repository';
import { fillReadModels, IDS, report, RESIDENT, STAFF } from './spec-helpers';

const IDS_RESIDENT = IDS.resident;

describe('the case sweeper with a moved clock, two running copies [starts: two cases services on one MariaDB database; needs: MariaDB, Kafka]', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-cases-sweep-'));
  let db: TestDatabase;
  const copies: RunningCases[] = [];
  // Monday 2026-11-30 10:00 China time; the clock both copies run by.
  let now = new Date('2026-11-30T02:00:00.000Z');

  beforeAll(async () => {
    db = await freshMysqlDatabase('cases_sweep');
    for (let i = 0; i < 2; i++) {
      copies.push(
        await casesService.start({
          env: {
            NODE_ENV: 'test',
            DATA_DIR: dir,
            CASES_HOST: '127.0.0.1',
            CASES_PORT: '0',
            CASES_DATABASE_URL: db.url,
            KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
            KAFKA_GROUP_SUFFIX: `.${db.name}`.slice(0, 40),
            CASES_SWEEP_INTERVAL_MS: '3600000',
            CASES_ESCALATE_AFTER_WORKING_DAYS: '2',
          },
          logger: createLogger({ service: `cases-${i}`, level: TEST_LOG_LEVEL }),
          keyResolver: new StaticKeyResolver([loadOrCreateDevSigningKey(dir)]),
          clock: () => now,
        }),
      );
    }
    await fillReadModels(copies[0]!.dataSource);
  }, 120_000);
  afterAll(async () => {
    for (const c of copies) await c.close();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const request = (c: RunningCases, p: typeof STAFF) => ({
    principal: p,
    loaders: new CasesLoaders(c.dataSource, new CaseRepository(c.dataSource), c.exposed.taxonomy),
  });
  const sweepBoth = () => Promise.all(copies.map((c) => c.jobs.get('case-sweeper')!.runOnce()));
  const events = async (caseId: string) =>
    (
      await copies[0]!.dataSource
        .getRepository(OutboxEvent)
        .find({ where: { aggregateId: caseId }, order: { seq: 'ASC' } })
    ).map((e) => e.type.replace('cn.caichang.cases.case.', ''));

  it('marks each missed deadline once, escalates once by the rule, and does it in one copy at a time', async () => {
    const [a, b] = copies as [RunningCases, RunningCases];
    // Sanitation: respond 24 h, resolve 3 working days → end of Thursday 2026-12-03.
    let c = await a.exposed.cases.report(request(a, RESIDENT), report());
    c = await a.exposed.cases.accept(request(a, STAFF), { id: c.id, version: c.version });
    expect(c.resolveDueAt?.toISOString()).toBe('2026-12-03T16:00:00.000Z');

    now = new Date('2026-12-01T03:00:00.000Z'); // 25 h later: the response is late.
    const first = await sweepBoth();
    expect(first.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    await sweepBoth();
    expect(await events(c.id)).toEqual(['reported.v1', 'accepted.v1', 'overdue.v1']);

    c = await b.exposed.cases.assign(request(b, STAFF), { id: c.id, version: c.version });
    now = new Date('2026-12-04T01:00:00.000Z'); // Friday morning: past the resolve deadline, no whole working day yet.
    await sweepBoth();
    await sweepBoth();
    expect(await events(c.id)).toEqual([
      'reported.v1',
      'accepted.v1',
      'overdue.v1',
      'assigned.v1',
      'overdue.v1',
    ]);
    expect((await a.dataSource.getRepository(CaseRecord).findOneByOrFail({ id: c.id })).escalationLevel).toBe(
      'NONE',
    );

    now = new Date('2026-12-08T01:00:00.000Z'); // Tuesday: two working days overdue (Mon, Tue).
    await sweepBoth();
    await sweepBoth();
    expect(await events(c.id)).toEqual([
      'reported.v1',
      'accepted.v1',
      'overdue.v1',
      'assigned.v1',
      'overdue.v1',
      'escalated.v1',
    ]);
    const row = await a.dataSource.getRepository(CaseRecord).findOneByOrFail({ id: c.id });
    expect(row).toMatchObject({
      status: 'ESCALATED',
      escalationLevel: 'TOWN',
      respondOverdue: true,
      resolveOverdue: true,
    });
  }, 60_000);

  it('warns once per deadline when 80 % of the time is used, in one copy, before any overdue mark', async () => {
    const [a] = copies as [RunningCases, RunningCases];
    now = new Date('2026-12-07T02:00:00.000Z'); // Monday 10:00 China time.
    // Sanitation: respond 24 h (warn after 19.2 h), resolve 3 working days → end of Thursday 12-10.
    let c = await a.exposed.cases.report(request(a, RESIDENT), report({ spot: '预警' }));
    c = await a.exposed.cases.accept(request(a, STAFF), { id: c.id, version: c.version });
    expect(c.respondWarnAt?.toISOString()).toBe('2026-12-07T21:12:00.000Z');

    now = new Date('2026-12-07T21:00:00.000Z'); // 19 h: not yet.
    await sweepBoth();
    expect(await events(c.id)).toEqual(['reported.v1', 'accepted.v1']);

    now = new Date('2026-12-07T22:00:00.000Z'); // 20 h: the response is due soon.
    await sweepBoth();
    await sweepBoth();
    expect(await events(c.id)).toEqual(['reported.v1', 'accepted.v1', 'due-soon.v1']);

    c = await a.exposed.cases.assign(request(a, STAFF), { id: c.id, version: c.version });
    // 80 % of report → resolve deadline (12-10 16:00Z) is 12-09 22:48Z.
    now = new Date('2026-12-10T00:00:00.000Z');
    await sweepBoth();
    await sweepBoth();
    const all = await copies[0]!.dataSource
      .getRepository(OutboxEvent)
      .find({ where: { aggregateId: c.id }, order: { seq: 'ASC' } });
    expect(all.map((e) => e.type.replace('cn.caichang.cases.case.', ''))).toEqual([
      'reported.v1',
      'accepted.v1',
      'due-soon.v1',
      'assigned.v1',
      'due-soon.v1',
    ]);
    expect((JSON.parse(all.slice(-1)[0]!.envelope) as { data: unknown }).data).toMatchObject({
      deadline: 'RESOLVE',
      dueAt: '2026-12-10T16:00:00.000Z',
    });
    expect(await a.dataSource.getRepository(CaseRecord).findOneByOrFail({ id: c.id })).toMatchObject({
      respondWarned: true,
      resolveWarned: true,
      respondOverdue: false,
      resolveOverdue: false,
    });
  }, 60_000);

  it('closes a resolved request without rating after the wait as NO_RATING, once; never a hazard awaiting its check', async () => {
    const [a] = copies as [RunningCases, RunningCases];
    now = new Date('2026-12-14T02:00:00.000Z');
    const resolved = async (over: Record<string, unknown>, by = RESIDENT) => {
      let c = await a.exposed.cases.report(request(a, by), report(over));
      c = await a.exposed.cases.accept(request(a, STAFF), { id: c.id, version: c.version });
      c = await a.exposed.cases.assign(request(a, STAFF), { id: c.id, version: c.version });
      c = await a.exposed.cases.start(request(a, STAFF), { id: c.id, version: c.version, reason: '办理' });
      return a.exposed.cases.resolve(request(a, STAFF), {
        id: c.id,
        version: c.version,
        outcome: 'FIXED',
        resolution: '已处理',
      });
    };
    const requestCase = await resolved({ spot: '待评价' });
    const hazard = await resolved(
      { spot: '待复查', itemCode: 'FIRE_EXIT_BLOCKED', reporterResidentId: IDS_RESIDENT },
      STAFF,
    );
    now = new Date('2026-12-22T03:00:00.000Z'); // 8 days later
    await sweepBoth();
    await sweepBoth();
    const repo = a.dataSource.getRepository(CaseRecord);
    expect(await repo.findOneByOrFail({ id: requestCase.id })).toMatchObject({
      status: 'CLOSED',
      closedBy: 'NO_RATING',
    });
    expect((await events(requestCase.id)).filter((e) => e === 'closed.v1')).toHaveLength(1);
    expect((await repo.findOneByOrFail({ id: hazard.id })).status).toBe('RESOLVED');
  }, 60_000);
});
