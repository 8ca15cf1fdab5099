import type { Principal } from '@sc/auth';
import type { RosterLoaders } from './loaders';
import type { AccountService } from './services/account.service';
import type { PlaceService } from './services/place.service';

/** What every roster resolver receives: who asks, per-request loaders, and the services. */
export interface RosterContext {
  principal: Principal | null;
  loaders: RosterLoaders;
  places: PlaceService;
  accounts: AccountService;
}
