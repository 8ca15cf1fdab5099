import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { Principal, Role } from '@sc/auth';
import { openDatabase } from '@sc/db';
import { Outbox } from '@sc/events';
import { ResidentRef } from '@sc/people-contracts';
import { GridChief, GridPlace, RosterPlace } from '@sc/roster-contracts';
import { CASES_EVENTS } from '@sc/cases-contracts';
import { cases } from '../cases.service';
import type { CasesRequest } from '../context';
import { CasesLoaders } from '../loaders';
import { CaseRepository } from '../repositories/case.repository';
import { CasesAccess } from './access';
import { CaseService } from './case.service';
import { CsvExports } from './csv';
import { IntakeService } from './intake.service';
import { LedgerService } from './ledger.service';
import { TaxonomyService } from './taxonomy.service';

/** Fixed ids of the read-model fixture: a community, a covered and an uncovered street, courtyards. */
export const IDS = {
  community: randomUUID(),
  street: randomUUID(),
  uncoveredStreet: randomUUID(),
  courtyard: randomUUID(),
  otherCourtyard: randomUUID(),
  grid: randomUUID(),
  chief: randomUUID(),
  chiefResident: randomUUID(),
  resident: randomUUID(),
  otherResident: randomUUID(),
};

export interface CasesFixture {
  ds: DataSource;
  cases: CaseService;
  taxonomy: TaxonomyService;
  ledger: LedgerService;
  outbox: Outbox;
  intake: IntakeService;
  csv: CsvExports;
  /** The moving clock every service uses. */
  clock: { now: Date };
  request: (principal: Principal | null) => CasesRequest;
  close: () => Promise<void>;
}

export const principal = (
  roles: Role[],
  scopes: string[] = [],
  subject = `acct-${roles.join('-')}`,
): Principal => ({
  subject,
  roles,
  scopes,
  tokenId: randomUUID(),
  expiresAt: new Date(Date.now() + 3_600_000),
});
export const STAFF = principal(['COMMUNITY_STAFF'], ['community:caichang'], 'staff-1');
export const ADMIN = principal(['ADMIN'], [], 'admin-1');
export const CHIEF = principal(['STREET_CHIEF'], [`grid:${IDS.grid}`], 'chief-1');
export const OTHER_CHIEF = principal(['STREET_CHIEF'], [`grid:${randomUUID()}`], 'chief-2');
export const OFFICER = principal(['TOWN_OFFICER'], ['community:caichang'], 'officer-1');
export const COUNTY = principal(['COUNTY_VIEWER'], [], 'county-1');
export const RESIDENT = principal(['RESIDENT'], [`resident:${IDS.resident}`], 'resident-1');
export const OTHER_RESIDENT = principal(['RESIDENT'], [`resident:${IDS.otherResident}`], 'resident-2');

/** The read models as the roster's and people's events would have filled them. */
export async function fillReadModels(ds: DataSource): Promise<void> {
  const place = (id: string, kind: RosterPlace['kind'], name: string, parentId: string | null) => ({
    id,
    kind,
    name,
    parentId,
    communityId: IDS.community,
    status: 'ACTIVE' as const,
  });
  await ds
    .getRepository(RosterPlace)
    .save([
      place(IDS.community, 'COMMUNITY', '蔡场社区', null),
      place(IDS.street, 'STREET', '正街', IDS.community),
      place(IDS.uncoveredStreet, 'STREET', '新街', IDS.community),
      place(IDS.courtyard, 'COURTYARD', '供销社院', IDS.street),
      place(IDS.otherCourtyard, 'COURTYARD', '粮站院', IDS.uncoveredStreet),
    ]);
  await ds.getRepository(GridPlace).save([{ gridId: IDS.grid, placeId: IDS.street, kind: 'STREET' }]);
  await ds
    .getRepository(GridChief)
    .save([{ gridId: IDS.grid, chiefId: IDS.chief, residentId: IDS.chiefResident, status: 'APPOINTED' }]);
  await ds.getRepository(ResidentRef).save([
    { id: IDS.resident, status: 'ACTIVE', householdId: null, streetId: IDS.street, courtyardId: null },
    { id: IDS.otherResident, status: 'ACTIVE', householdId: null, streetId: IDS.street, courtyardId: null },
  ]);
}

/** The cases services on a database (`sqlite:` file in a temp folder when no URL is given). */
export async function casesFixture(url?: string, migrations = !!url): Promise<CasesFixture> {
  const dir = url ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'sc-cases-'));
  const ds = await openDatabase({
    url: url ?? `sqlite:${dir}/cases.sqlite`,
    entities: cases.entities,
    migrations: migrations ? cases.migrations : [],
  });
  const clock = { now: new Date('2026-11-30T02:00:00.000Z') };
  const now = () => clock.now;
  const taxonomy = new TaxonomyService(ds, now);
  await taxonomy.ensureSeeded();
  await fillReadModels(ds);
  const access = new CasesAccess('caichang');
  const ledger = new LedgerService(ds, access);
  const outbox = new Outbox(CASES_EVENTS);
  const service = new CaseService(ds, outbox, access, taxonomy, ledger, now);
  const repository = new CaseRepository(ds);
  const intake = new IntakeService(ds, outbox, access, taxonomy, ledger, service, now);
  const csv = new CsvExports(access, repository, service, ledger, now);
  return {
    intake,
    csv,
    ds,
    cases: service,
    taxonomy,
    ledger,
    outbox,
    clock,
    request: (p) => ({ principal: p, loaders: new CasesLoaders(ds, repository, taxonomy) }),
    close: async () => {
      await ds.destroy();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A plain report on the covered street by the resident (PLATFORM). */
export const report = (over: Record<string, unknown> = {}) => ({
  channel: 'PLATFORM' as const,
  streetId: IDS.street,
  spot: '正街 23 号门口',
  description: '垃圾堆了三天没人清运',
  itemCode: 'GARBAGE_COLLECTION_LATE',
  ...over,
});
