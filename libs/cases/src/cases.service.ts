import path from 'node:path';
import { configuredFieldCipher, databaseKind } from '@sc/db';
import { CASES_EVENTS } from '@sc/cases-contracts';
import { RESIDENTS_READ_MODEL } from '@sc/people-contracts';
import { GRID_CHIEFS_READ_MODEL, GRID_READ_MODEL, PLACES_READ_MODEL } from '@sc/roster-contracts';
import { defineService, type RunningService } from '@sc/service';
import { CASES_ENTITIES } from './cases.entities';
import { CASES_SERVICE } from './config';
import type { CasesContext } from './context';
import { CasesLoaders } from './loaders';
import { CASES_MIGRATIONS } from './migrations';
import { open311Routes } from './open311/open311.routes';
import { Open311Service } from './open311/open311.service';
import { CaseRepository } from './repositories/case.repository';
import { resolvers } from './resolvers';
import { seedDemoCases } from './seed/demo';
import { casesSdl } from './schema';
import { CasesAccess } from './services/access';
import { CampaignService } from './services/campaign.service';
import { CaseService } from './services/case.service';
import { CsvExports } from './services/csv';
import { EvidenceService } from './services/evidence.service';
import { IntakeService } from './services/intake.service';
import { LedgerService } from './services/ledger.service';
import { PATROL_FINDINGS } from './services/patrol-findings';
import { CaseSweeper } from './services/sweeper';
import { TaxonomyAdminService } from './services/taxonomy-admin.service';
import { TaxonomyService } from './services/taxonomy.service';

/** What tests and tools reach on a running cases service. */
export interface CasesExposed {
  cases: CaseService;
  taxonomy: TaxonomyService;
  taxonomyAdmin: TaxonomyAdminService;
  ledger: LedgerService;
  sweeper: CaseSweeper;
  campaigns: CampaignService;
  intake: IntakeService;
  evidence: EvidenceService;
  open311: Open311Service;
}

/**
 * The cases subgraph (诉求/隐患/事件): the taxonomy with its time limits, intake, the lifecycle with
 * assignment by grid, deadlines and escalation, the ledger. Places, grids, chiefs and residents come
 * from the roster's and people's events (read models), never from their databases.
 */
export const cases = defineService({
  ...CASES_SERVICE,
  title: 'cases (诉求/隐患/事件): taxonomy, intake, lifecycle, deadlines, ledger',
  sdl: casesSdl,
  resolvers,
  entities: CASES_ENTITIES,
  migrations: CASES_MIGRATIONS,
  migrationsDir: 'libs/cases/src/migrations',
  produces: CASES_EVENTS,
  consumes: [
    PLACES_READ_MODEL,
    GRID_READ_MODEL,
    GRID_CHIEFS_READ_MODEL,
    RESIDENTS_READ_MODEL,
    PATROL_FINDINGS,
  ],
  async build({ env, config, dataSource, outbox, committed, logger, clock, authenticate }) {
    const taxonomy = new TaxonomyService(dataSource, clock);
    await taxonomy.ensureSeeded(logger);
    const taxonomyAdmin = new TaxonomyAdminService(dataSource, outbox, taxonomy, clock, committed);
    const access = new CasesAccess(env.CASES_COMMUNITY_CODE);
    const ledger = new LedgerService(dataSource, access);
    const caseService = new CaseService(dataSource, outbox, access, taxonomy, ledger, clock, committed, {
      warnAt: env.CASES_WARN_AT,
    });
    const repository = new CaseRepository(dataSource);
    const campaigns = new CampaignService(dataSource, outbox, access, clock, committed);
    const intake = new IntakeService(
      dataSource,
      outbox,
      access,
      taxonomy,
      ledger,
      caseService,
      clock,
      committed,
    );
    const csv = new CsvExports(access, repository, caseService, ledger, clock);
    const evidence = new EvidenceService(
      dataSource,
      access,
      databaseKind(config.databaseUrl) === 'sqlite'
        ? { kind: 'FILE', dir: path.join(config.dataDir, 'cases-evidence') }
        : { kind: 'DATABASE' },
      clock,
      authenticate,
      logger.child({ component: 'evidence' }),
    );
    const open311 = new Open311Service(
      dataSource,
      caseService,
      taxonomy,
      configuredFieldCipher(
        env,
        { keys: 'CASES_CONTACT_KEYS', blindIndexKey: 'CASES_CONTACT_BLIND_INDEX_KEY' },
        { nodeEnv: config.nodeEnv, dataDir: config.dataDir, devFile: 'cases-contact-keys.json' },
      ),
      clock,
      committed,
      { communityCode: env.CASES_COMMUNITY_CODE, defaultRatePerMinute: env.CASES_OPEN311_RATE_PER_MINUTE },
      logger.child({ component: 'open311' }),
    );
    const sweeper = new CaseSweeper(
      dataSource,
      outbox,
      caseService,
      taxonomy,
      ledger,
      {
        escalateAfterWorkingDays: env.CASES_ESCALATE_AFTER_WORKING_DAYS,
        autoCloseDays: env.CASES_AUTO_CLOSE_DAYS,
      },
      committed,
      logger.child({ component: 'case-sweeper' }),
    );
    return {
      exposed: {
        cases: caseService,
        taxonomy,
        taxonomyAdmin,
        ledger,
        sweeper,
        campaigns,
        intake,
        evidence,
        open311,
      },
      seed: () =>
        seedDemoCases(dataSource, { cases: caseService, taxonomy, ledger, campaigns }, logger, clock),
      jobs: [
        {
          name: 'case-sweeper',
          intervalMs: env.CASES_SWEEP_INTERVAL_MS,
          run: async (now) => void (await sweeper.sweep(now)),
        },
        {
          name: 'campaign-clock',
          intervalMs: env.CASES_SWEEP_INTERVAL_MS,
          run: async (now) => void (await campaigns.tick(now)),
        },
      ],
      context: ({ principal }): CasesContext => ({
        principal,
        loaders: new CasesLoaders(dataSource, repository, taxonomy),
        cases: caseService,
        taxonomy,
        taxonomyAdmin,
        ledger,
        campaigns,
        intake,
        csv,
        evidence,
        open311,
      }),
      routes: { ...evidence.routes(), ...open311Routes(open311, logger.child({ component: 'open311' })) },
    };
  },
});

/** The cases service as started. */
export type RunningCases = RunningService<CasesExposed>;
