import type { RequestInfo as KitRequestInfo } from '@sc/service';
import type { PopulationCounts, StatsPlace, StatsRepository } from '../repositories/stats.repository';
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
}
