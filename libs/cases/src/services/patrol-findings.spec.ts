import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@sc/events';
import { transaction } from '@sc/db';
import { OutboxEvent } from '@sc/events';
import { CaseRecord } from '../entities';
import { applyPatrolFinding } from './patrol-findings';
import { casesFixture, IDS, type CasesFixture } from './spec-helpers';

const finding = (patrolId: string, streetId = IDS.street): CloudEvent<unknown> => ({
  specversion: '1.0',
  id: randomUUID(),
  source: '/caichang/roster',
  type: 'cn.caichang.roster.patrol.finding-recorded.v1',
  subject: patrolId,
  time: '2026-11-30T02:00:00.000Z',
  datacontenttype: 'application/json',
  data: {
    patrolId,
    chiefId: IDS.chief,
    gridId: IDS.grid,
    streetId,
    patrolledAt: '2026-11-30T01:30:00.000Z',
    hazardCount: 1,
    requestCount: 0,
    findings: '消防通道被三轮车堵塞',
    actor: 'chief-1',
  },
});

describe('patrol findings become hazard cases (SQLite)', () => {
  let f: CasesFixture;
  beforeAll(async () => {
    f = await casesFixture();
  });
  afterAll(async () => f?.close());

  it('opens exactly one PATROL case per patrol, even when the finding arrives twice under new event ids', async () => {
    const patrolId = randomUUID();
    await transaction(f.ds, (m) => applyPatrolFinding(finding(patrolId), m));
    await transaction(f.ds, (m) => applyPatrolFinding(finding(patrolId), m));
    const rows = await f.ds.getRepository(CaseRecord).findBy({ patrolId });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      channel: 'PATROL',
      status: 'REPORTED',
      gridId: IDS.grid,
      reportedAt: new Date('2026-11-30T01:30:00.000Z'),
      reporterResidentId: null,
    });
    expect(await f.ds.getRepository(OutboxEvent).countBy({ aggregateId: rows[0]!.id })).toBe(1);
  });

  it('fails (to be retried) for a street the read model does not know yet, writing nothing', async () => {
    const patrolId = randomUUID();
    await expect(
      transaction(f.ds, (m) => applyPatrolFinding(finding(patrolId, randomUUID()), m)),
    ).rejects.toThrow(/streetId/);
    expect(await f.ds.getRepository(CaseRecord).countBy({ patrolId })).toBe(0);
  });
});
