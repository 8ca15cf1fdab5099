import type { EntityManager } from 'typeorm';
import { CASES_EVENTS } from '@sc/cases-contracts';
import { type CloudEvent, Outbox } from '@sc/events';
import { ActivitiesTopic, ActivityEvents } from '@sc/roster-contracts';
import { CaseRecord } from '../entities';
import { CasesAccess } from './access';
import { CaseService } from './case.service';
import { LedgerService } from './ledger.service';
import { TaxonomyService } from './taxonomy.service';

/**
 * Inbox handler: a patrol finding of the roster (`patrol.finding-recorded`) becomes one hazard case
 * (channel PATROL, reported at the patrol's time, item set at triage). Exactly once: the inbox skips a
 * redelivered event, and the unique `patrol_id` makes a second case for the same patrol impossible. A
 * street the places read model does not know yet is a retriable failure (the places topic is consumed
 * by another group and may lag).
 */
export async function applyPatrolFinding(event: CloudEvent<unknown>, m: EntityManager): Promise<void> {
  if (!ActivityEvents.patrolFindingRecorded.matches(event)) return;
  const { data } = ActivityEvents.patrolFindingRecorded.parse(event);
  if (await m.getRepository(CaseRecord).existsBy({ patrolId: data.patrolId })) return;
  const ds = m.connection;
  const access = new CasesAccess('caichang');
  const at = new Date(data.patrolledAt);
  const cases = new CaseService(
    ds,
    new Outbox(CASES_EVENTS),
    access,
    new TaxonomyService(ds),
    new LedgerService(ds, access),
    () => at,
  );
  const description = data.findings.trim().slice(0, 2000) || `巡查发现 ${data.hazardCount} 处隐患`;
  await cases.reportIn(m, data.actor, {
    channel: 'PATROL',
    streetId: data.streetId,
    spot: '巡查发现',
    description,
    patrolId: data.patrolId,
    at,
  });
}

/** `consumes: [PATROL_FINDINGS]`: roster's patrol findings become hazard cases. */
export const PATROL_FINDINGS = {
  name: 'roster-patrol-findings',
  topics: [ActivitiesTopic],
  handler: applyPatrolFinding,
} as const;
