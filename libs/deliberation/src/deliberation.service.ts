import { DELIBERATION_EVENTS } from '@sc/deliberation-contracts';
import { VOTERS_READ_MODEL } from '@sc/people-contracts';
import { GRID_READ_MODEL, PLACES_READ_MODEL } from '@sc/roster-contracts';
import { defineService } from '@sc/service';
import { DELIBERATION_SERVICE } from './config';
import type { DeliberationContext } from './context';
import { DELIBERATION_ENTITIES } from './entities';
import { DeliberationLoaders } from './loaders';
import { DELIBERATION_MIGRATIONS } from './migrations';
import { resolvers } from './resolvers';
import { deliberationSdl } from './schema';
import { seedDemoMatters } from './seed/demo';
import { BallotKey } from './services/ballot-key';
import { DiscussionService } from './services/discussion.service';
import { ImplementationService } from './services/implementation.service';
import { MatterService } from './services/matter.service';
import { ProxyService } from './services/proxy.service';

/**
 * The deliberation subgraph (民事、民议、民定): matters with their lifecycle, votes with a frozen
 * electorate, secret ballots, receipts and recounts. Places and grids come from the roster's events,
 * voters from the people's (VOTERS_READ_MODEL, bootstrapped by a people snapshot).
 */
export const deliberation = defineService({
  ...DELIBERATION_SERVICE,
  title: 'matters, discussion and votes (民事、民议、民定)',
  sdl: deliberationSdl,
  resolvers,
  entities: DELIBERATION_ENTITIES,
  migrations: DELIBERATION_MIGRATIONS,
  migrationsDir: 'libs/deliberation/src/migrations',
  produces: DELIBERATION_EVENTS,
  consumes: [PLACES_READ_MODEL, GRID_READ_MODEL, VOTERS_READ_MODEL],
  async build({ env, config, dataSource, outbox, committed, logger, clock }) {
    const key = BallotKey.from(env.DELIBERATION_BALLOT_KEY, config.nodeEnv, config.dataDir);
    const matters = new MatterService(dataSource, outbox, key, committed, clock);
    const discussion = new DiscussionService(dataSource, outbox, matters, committed, clock);
    const proxies = new ProxyService(dataSource, matters, committed);
    const implementation = new ImplementationService(dataSource, outbox, committed, clock);
    return {
      exposed: { matters, discussion, proxies, implementation },
      seed: () => seedDemoMatters(dataSource, matters, logger, clock, { discussion, implementation }),
      jobs: [
        {
          name: 'vote-closer',
          intervalMs: env.DELIBERATION_CLOSER_INTERVAL_MS,
          run: async (now) => void (await matters.closeDue(now)),
        },
      ],
      context: ({ principal }): DeliberationContext => ({
        principal,
        loaders: new DeliberationLoaders(dataSource, discussion, clock, principal),
        matters,
        discussion,
        proxies,
        implementation,
        now: clock,
      }),
    };
  },
});
