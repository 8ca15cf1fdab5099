/**
 * Applies pending migrations of a service to its real database without starting the service
 * (services also apply them on start).
 *   ROSTER_DATABASE_URL=mysql://… npm run db:migrate -- roster
 */
import { createLogger } from '@sc/config';
import { openDatabase } from '@sc/db';
import { SERVICES } from './services';

async function main(): Promise<void> {
  const service = process.argv[2];
  const def = service ? SERVICES[service] : undefined;
  const url = service ? process.env[`${service.toUpperCase()}_DATABASE_URL`] : undefined;
  if (!def || !url || !/^(mysql|mariadb):/.test(url)) {
    process.stderr.write(
      `usage: <SERVICE>_DATABASE_URL=mysql://… npm run db:migrate -- <${Object.keys(SERVICES).join('|')}>\n`,
    );
    process.exit(2);
  }
  // The same path a service takes on start: migrations under the per-database lock.
  const logger = createLogger({ service: `db:migrate:${service}` });
  const ds = await openDatabase({ url, entities: def.entities, migrations: def.migrations, logger });
  await ds.destroy();
  process.stderr.write('migrations are up to date\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
