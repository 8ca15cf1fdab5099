import path from 'node:path';
import { PEOPLE_ALL_MIGRATIONS, PEOPLE_ENTITIES } from '@sc/people';
import { ROSTER_ALL_MIGRATIONS, ROSTER_ENTITIES } from '@sc/roster';

const root = path.resolve(__dirname, '../..');

/** Each service's entities and migrations, for the migration tools. */
export const SERVICES: Record<
  string,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  { entities: Function[]; migrations: Function[]; migrationsDir: string; exportName: string }
> = {
  roster: {
    entities: ROSTER_ENTITIES,
    migrations: ROSTER_ALL_MIGRATIONS,
    migrationsDir: path.join(root, 'libs/roster/src/migrations'),
    exportName: 'ROSTER_MIGRATIONS',
  },
  people: {
    entities: PEOPLE_ENTITIES,
    migrations: PEOPLE_ALL_MIGRATIONS,
    migrationsDir: path.join(root, 'libs/people/src/migrations'),
    exportName: 'PEOPLE_MIGRATIONS',
  },
};
