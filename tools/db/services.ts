import path from 'node:path';
import { SERVICES as REGISTRY } from '@sc/services';

const root = path.resolve(__dirname, '../..');

/** Each registered service's entities and migrations, for the migration tools. */
export const SERVICES: Record<
  string,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  { entities: Function[]; migrations: Function[]; migrationsDir: string; exportName: string }
> = Object.fromEntries(
  REGISTRY.map((s) => [
    s.name,
    {
      entities: s.entities,
      migrations: s.migrations,
      migrationsDir: path.join(root, s.migrationsDir),
      // The generated index exports `<NAME>_MIGRATIONS` (e.g. ROSTER_MIGRATIONS).
      exportName: `${s.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_MIGRATIONS`,
    },
  ]),
);
