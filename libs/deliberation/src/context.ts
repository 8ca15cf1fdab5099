import type { RequestInfo as KitRequestInfo } from '@sc/service';
import type { DeliberationLoaders } from './loaders';
import type { DiscussionService } from './services/discussion.service';
import type { ImplementationService } from './services/implementation.service';
import type { MatterService } from './services/matter.service';
import type { ProxyService } from './services/proxy.service';

/** What every deliberation resolver receives: who asks, per-request loaders, and the services. */
export interface DeliberationContext extends KitRequestInfo {
  loaders: DeliberationLoaders;
  matters: MatterService;
  discussion: DiscussionService;
  proxies: ProxyService;
  implementation: ImplementationService;
  /** The service clock (overdue flags). */
  now: () => Date;
}
