import type { RequestInfo } from '@sc/service';
import type { RosterLoaders } from './loaders';
import type { AccountService } from './services/account.service';
import type { ActivityService } from './services/activity.service';
import type { ChiefService } from './services/chief.service';
import type { GridService } from './services/grid.service';
import type { PlaceService } from './services/place.service';
import type { SignboardService } from './services/signboard.service';

/** What a roster service method knows about the request: who asks, and its per-request loaders. */
export interface RosterRequest extends RequestInfo {
  loaders: RosterLoaders;
}

/** What every roster resolver receives: the request and the services. */
export interface RosterContext extends RosterRequest {
  /** The caller's address (the connection's peer, or X-Forwarded-For from a trusted proxy): for `login`. */
  clientAddress: string;
  places: PlaceService;
  accounts: AccountService;
  grids: GridService;
  chiefs: ChiefService;
  signboards: SignboardService;
  activities: ActivityService;
}
