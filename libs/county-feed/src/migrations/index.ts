import { Init1796300000000 } from './1796300000000-Init';

/** The county feed's migrations, in order (after the platform's outbox and inbox migration). */
export const FEED_MIGRATIONS = [Init1796300000000];
