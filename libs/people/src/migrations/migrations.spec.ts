import { describeMigrations } from '@sc/testing';
import { PEOPLE_ALL_MIGRATIONS, PEOPLE_ENTITIES } from '../people.entities';

describeMigrations({
  service: 'people',
  entities: PEOPLE_ENTITIES,
  migrations: PEOPLE_ALL_MIGRATIONS,
  tables: [
    'access_log',
    'grid_place',
    'house',
    'household',
    'household_member',
    'inbox_event',
    'migrations',
    'outbox_event',
    'real_unit',
    'resident',
    'resident_move',
    'standard_address',
    'unit_inspection',
  ],
});
