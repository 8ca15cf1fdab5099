import { describeMigrations } from '@sc/testing';
import { roster } from '../roster.service';

describeMigrations({
  service: 'roster',
  entities: roster.entities,
  migrations: roster.migrations,
  tables: [
    'account',
    'cache_generation',
    'chief_nomination',
    'chief_transition',
    'grid',
    'grid_change',
    'grid_member',
    'inbox_event',
    'login_throttle',
    'migrations',
    'outbox_event',
    'patrol',
    'people_resident',
    'place',
    'refresh_token',
    'signboard',
    'signboard_refresh',
    'signboard_refresh_lock',
    'street_chief',
    'training',
    'training_attendance',
  ],
});
