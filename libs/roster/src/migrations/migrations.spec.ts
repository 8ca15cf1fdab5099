import { describeMigrations } from '@sc/testing';
import { ROSTER_ALL_MIGRATIONS, ROSTER_ENTITIES } from '../roster.service';

describeMigrations({
  service: 'roster',
  entities: ROSTER_ENTITIES,
  migrations: ROSTER_ALL_MIGRATIONS,
  tables: [
    'account',
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
    'place',
    'signboard',
    'street_chief',
    'training',
    'training_attendance',
  ],
});
