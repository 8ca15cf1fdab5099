import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Principal } from '@sc/auth';
import { directionOf, toConnection, transaction } from '@sc/db';
import { BadUserInputError, type Page } from '@sc/graphql';
import { AccessLogEntry } from '../entities';
import type { CountedConnection } from '@sc/db';
import type { RequestInfo as KitRequestInfo } from '@sc/service';
import type { PeopleAccess } from './access';

/** Names of the personal fields as the access log and the API call them. */
export const SENSITIVE_FIELDS = ['ID_NUMBER', 'PHONE', 'DOOR', 'BIRTH_DATE'] as const;
export type SensitiveField = (typeof SENSITIVE_FIELDS)[number];

export interface AccessRecord {
  residentId: string | null;
  unitId?: string | null;
  fields: SensitiveField[];
  purpose: string;
  operation: string;
}

/**
 * Writes the access log of one request. Whole views resolved for many residents at once (a page of
 * 100 with `sensitive`) become one multi-row INSERT; each caller waits for it, so no whole value
 * leaves the service before its log entry is stored.
 */
export class AccessLogBatch {
  private readonly loader: DataLoader<AccessRecord, true>;

  constructor(ds: DataSource, principal: Principal) {
    this.loader = new DataLoader<AccessRecord, true>(
      async (records) => {
        const at = new Date();
        const rows = records.map((r) => ({
          actor: principal.subject.slice(0, 64),
          roles: principal.roles.join(','),
          residentId: r.residentId,
          unitId: r.unitId ?? null,
          fields: r.fields.join(','),
          operation: r.operation.slice(0, 100),
          purpose: r.purpose.slice(0, 200),
          tokenId: principal.tokenId.slice(0, 64),
          at,
        }));
        await transaction(ds, (m) => m.insert(AccessLogEntry, rows));
        return records.map(() => true as const);
      },
      { cache: false, maxBatchSize: 500 },
    );
  }

  async record(entry: AccessRecord): Promise<void> {
    await this.loader.load(entry);
  }
}

/** Reading the access log: COMMUNITY_STAFF of the community and ADMIN, newest first. */
export class AccessLogQueries {
  constructor(
    private readonly ds: DataSource,
    private readonly access: PeopleAccess,
  ) {}

  async list(
    { principal }: KitRequestInfo,
    residentId: string | null,
    page: Page,
  ): Promise<CountedConnection<AccessLogEntry>> {
    this.access.requireStaff(principal);
    const base = () => {
      const qb = this.ds.getRepository(AccessLogEntry).createQueryBuilder('a');
      if (residentId) qb.where('a.resident_id = :residentId', { residentId });
      return qb;
    };
    // Newest first; backward (last/before) reads the other way from the cursor.
    const backward = page.backward === true;
    const qb = base()
      .orderBy('a.seq', backward ? 'ASC' : 'DESC')
      .limit(page.first + 1);
    if (page.afterKey !== null) {
      const after = Number(page.afterKey);
      const field = backward ? 'before' : 'after';
      if (!Number.isSafeInteger(after))
        throw new BadUserInputError(`${field} is not a valid cursor`, [
          { field, message: 'not a valid cursor' },
        ]);
      qb.andWhere(`a.seq ${backward ? '>' : '<'} :after`, { after });
    }
    const rows = page.first === 0 ? [] : await qb.getMany();
    return {
      ...toConnection(rows, page.first, (a) => String(a.seq), directionOf(page)),
      totalCount: () => base().getCount(),
    };
  }
}
