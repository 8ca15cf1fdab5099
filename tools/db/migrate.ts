/**
 * Applies pending migrations of a service to its real database without starting the service
 * (services also apply them on start).
 *   ROSTER_DATABASE_URL=mysql://… npm run db:migrate -- roster
 */
import { createDataSource } from '@sc/db';
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
  const ds = createDataSource({ url, entities: def.entities, migrations: def.migrations });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    process.stderr.write(
      applied.length ? `applied ${applied.map((m) => m.name).join(', ')}\n` : 'nothing to apply\n',
    );
  } finally {
    await ds.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
