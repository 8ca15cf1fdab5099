import { PEOPLE_EVENTS } from '@sc/people-contracts';
import { GRID_READ_MODEL, PLACES_READ_MODEL } from '@sc/roster-contracts';
import { defineService, type RunningService, type ServiceConfig } from '@sc/service';
import { PEOPLE_SERVICE, type PeopleEnv } from './config';
import type { PeopleContext } from './context';
import { configuredFieldCipher, type FieldCipher } from './crypto';
import { PEOPLE_EMBEDDED_UPGRADE } from './embedded-upgrade';
import { restoreMissingIndexes } from './import/deferred-indexes';
import { PeopleLoaders } from './loaders';
import { PEOPLE_MIGRATIONS } from './migrations';
import { PEOPLE_ENTITIES } from './people.entities';
import { HouseholdRepository } from './repositories/household.repository';
import { ResidentRepository } from './repositories/resident.repository';
import { StatsRepository } from './repositories/stats.repository';
import { UnitRepository } from './repositories/unit.repository';
import { resolvers } from './resolvers';
import { peopleSdl } from './schema';
import { seedDemoPopulation } from './seed/demo';
import { PeopleAccess } from './services/access';
import { AccessLogBatch, AccessLogQueries } from './services/access-log';
import { HouseholdService } from './services/household.service';
import { Records } from './services/records';
import { ResidentService } from './services/resident.service';
import { peopleSnapshot, SnapshotService } from './services/snapshot.service';
import { StatsService } from './services/stats.service';
import { UnitService } from './services/unit.service';

/** The field cipher from configuration, or dev keys in the data folder (refused in production). */
export function fieldCipher(env: PeopleEnv, config: Pick<ServiceConfig, 'nodeEnv' | 'dataDir'>): FieldCipher {
  return configuredFieldCipher(
    env,
    { keys: 'PEOPLE_FIELD_KEYS', blindIndexKey: 'PEOPLE_BLIND_INDEX_KEY' },
    { ...config, devFile: 'people-field-keys.json' },
  );
}

/**
 * The people subgraph (一标三实): residents, households, standard addresses, houses, units, moves;
 * personal data encrypted, masked, revealed only with an access-log entry; chiefs see their grid
 * through the roster's grid read model.
 */
export const people = defineService({
  ...PEOPLE_SERVICE,
  title: 'residents, households, standard addresses, houses and units (一标三实), personal data',
  sdl: peopleSdl,
  resolvers,
  entities: PEOPLE_ENTITIES,
  migrations: PEOPLE_MIGRATIONS,
  migrationsDir: 'libs/people/src/migrations',
  embeddedUpgrade: PEOPLE_EMBEDDED_UPGRADE,
  produces: PEOPLE_EVENTS,
  consumes: [GRID_READ_MODEL, PLACES_READ_MODEL],
  snapshot: peopleSnapshot,
  // The seed encrypts and inserts 11,000 residents and publishes them: in its own process, so the
  // ~75 MB that work leaves committed do not stay with the service (ADR 0050, 2026-12-04 evening).
  seedIn: 'child',
  async build({ env, config, dataSource, outbox, committed, logger }) {
    const cipher = fieldCipher(env, config);
    await restoreMissingIndexes(dataSource, logger);
    const access = new PeopleAccess(dataSource, env.PEOPLE_COMMUNITY_CODE);
    const records = new Records(cipher);
    const residents = new ResidentService(dataSource, outbox, cipher, access, records, committed);
    const households = new HouseholdService(dataSource, outbox, access, records, residents, committed);
    const statsRepository = new StatsRepository(dataSource);
    const stats = new StatsService(access, statsRepository);
    const units = new UnitService(dataSource, outbox, cipher, access, records, committed);
    const accessLogQueries = new AccessLogQueries(dataSource, access);
    const snapshots = new SnapshotService(dataSource, outbox, committed);
    const residentRepository = new ResidentRepository(dataSource);
    const householdRepository = new HouseholdRepository(dataSource);
    const unitRepository = new UnitRepository(dataSource);

    return {
      exposed: { cipher },
      // A fresh demo is announced as a snapshot, so read models of other services (deliberation's
      // electorates) start from it; the seed also announces its residents as residents.imported for the residents read models (roster).
      seed: async () => {
        const counts = await seedDemoPopulation(dataSource, cipher, logger, outbox);
        if (counts) await snapshots.publish('demo-seed');
        return counts;
      },
      context: ({ principal }): PeopleContext => {
        let scope: ReturnType<PeopleAccess['scopeOf']> | undefined;
        return {
          principal,
          scope: () => (scope ??= access.scopeOf(principal)),
          loaders: new PeopleLoaders(
            dataSource,
            residentRepository,
            householdRepository,
            unitRepository,
            statsRepository,
          ),
          accessLog: principal ? new AccessLogBatch(dataSource, principal) : null,
          residents,
          households,
          stats,
          units,
          accessLogQueries,
          snapshots,
        };
      },
    };
  },
});

/** The people service as started (tests reach the field cipher through `exposed`). */
export type RunningPeople = RunningService<{ cipher: FieldCipher }>;
