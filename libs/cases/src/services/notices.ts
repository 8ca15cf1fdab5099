import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { type CaseRecord, CaseSupport, type CaseUpdateKind, CaseUpdateNotice } from '../entities';

/**
 * Tells the reporter and every supporter (附议) of a case of a public update, in the transaction of
 * the update: one `case_update_notice` row per recipient, read through `myCaseUpdates`. Internal
 * notes and the sweeper's overdue marks and warnings are not public updates.
 */
export async function notifyFollowers(
  m: EntityManager,
  c: Pick<CaseRecord, 'id' | 'status' | 'reporterResidentId'>,
  update: { kind: CaseUpdateKind; action: string; noteId: string | null; at: Date },
): Promise<void> {
  const supporters = await m
    .getRepository(CaseSupport)
    .find({ where: { caseId: c.id }, select: { residentId: true } });
  const recipients = new Set(supporters.map((s) => s.residentId));
  if (c.reporterResidentId) recipients.add(c.reporterResidentId);
  if (recipients.size === 0) return;
  const rows: CaseUpdateNotice[] = [...recipients].sort().map((residentId) => {
    const id = randomUUID();
    return {
      id,
      residentId,
      caseId: c.id,
      kind: update.kind,
      action: update.action,
      state: c.status,
      noteId: update.noteId,
      at: update.at,
      sortKey: noticeSortKey(update.at, id),
    };
  });
  for (let i = 0; i < rows.length; i += 500) await m.insert(CaseUpdateNotice, rows.slice(i, i + 500));
}

let sequence = 0;
/**
 * `<at ISO>~<sequence base 36>~<id without dashes>` (64 characters): unique, and in the order the
 * updates were written within a millisecond of one process (the id alone would order them by chance).
 */
function noticeSortKey(at: Date, id: string): string {
  sequence = (sequence + 1) % 36 ** 6;
  return `${at.toISOString()}~${sequence.toString(36).padStart(6, '0')}~${id.replace(/-/g, '')}`;
}
