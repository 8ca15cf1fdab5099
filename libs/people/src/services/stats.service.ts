import type { RequestInfo as KitRequestInfo } from '@sc/service';
import type { PeopleLoaders } from '../loaders';
import type {
  PeopleTally,
  PopulationCounts,
  StatsPlace,
  StatsRepository,
} from '../repositories/stats.repository';
import type { PeopleAccess } from './access';

export interface PopulationStats extends PopulationCounts {
  residents: number;
  migrants: number;
}

/** County dashboards: aggregates only, computed by the database. */
export class StatsService {
  constructor(
    private readonly access: PeopleAccess,
    private readonly stats: StatsRepository,
  ) {}

  async population({ principal }: KitRequestInfo, place: StatsPlace): Promise<PopulationStats> {
    this.access.requireStats(principal);
    const counts = await this.stats.population(place);
    const residents = counts.byCategory.reduce((sum, c) => sum + c.count, 0);
    const migrants = counts.byCategory
      .filter((c) => c.category !== 'REGISTERED')
      .reduce((sum, c) => sum + c.count, 0);
    return { ...counts, residents, migrants };
  }

  /**
   * `Street.counts` / `Grid.counts`: the same readers as {@link population}; null without an error for
   * anyone else (the roster's types are public, and a public page must not fail on them).
   */
  async tallyOf(
    req: KitRequestInfo & { loaders: PeopleLoaders },
    kind: 'STREET' | 'GRID',
    id: string,
  ): Promise<PeopleTally | null> {
    if (!this.access.mayReadStats(req.principal)) return null;
    return kind === 'STREET' ? req.loaders.streetCounts.load(id) : req.loaders.gridCounts.load(id);
  }
}
