import type { RequestInfo as KitRequestInfo } from '@sc/service';
import type { PeopleLoaders } from './loaders';
import type { ViewScope } from './domain/scope';
import type { AccessLogBatch, AccessLogQueries } from './services/access-log';
import type { HouseholdService } from './services/household.service';
import type { ResidentService } from './services/resident.service';
import type { SnapshotService } from './services/snapshot.service';
import type { StatsService } from './services/stats.service';
import type { UnitService } from './services/unit.service';

/** What a people service method knows about the request it serves (the kit's request info, plus …). */
export interface RequestInfo extends KitRequestInfo {
  /** The caller's view scope, resolved once per request (UNAUTHENTICATED when anonymous). */
  scope: () => Promise<ViewScope>;
  loaders: PeopleLoaders;
  /** Present for an authenticated caller; writes the whole views of this request. */
  accessLog: AccessLogBatch | null;
}

/** What every people resolver receives: who asks, per-request loaders, and the services. */
export interface PeopleContext extends RequestInfo {
  residents: ResidentService;
  households: HouseholdService;
  stats: StatsService;
  units: UnitService;
  accessLogQueries: AccessLogQueries;
  snapshots: SnapshotService;
}
