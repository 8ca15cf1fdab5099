import type { Principal } from '@sc/auth';
import type { ChiefLoaders, RosterLoaders } from './loaders';
import type { AccountService } from './services/account.service';
import type { ActivityService } from './services/activity.service';
import type { ChiefService } from './services/chief.service';
import type { GridService } from './services/grid.service';
import type { PlaceService } from './services/place.service';
import type { SignboardService } from './services/signboard.service';

/** What every roster resolver receives: who asks, per-request loaders, and the services. */
export interface RosterContext {
  principal: Principal | null;
  /** The caller's address (the connection's peer, or X-Forwarded-For from a trusted proxy). */
  clientAddress: string;
  loaders: RosterLoaders;
  chiefLoaders: ChiefLoaders;
  places: PlaceService;
  accounts: AccountService;
  grids: GridService;
  chiefs: ChiefService;
  signboards: SignboardService;
  activities: ActivityService;
}
