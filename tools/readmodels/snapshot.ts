/**
 * Writes a producer's read-model snapshot to its outbox (ADR 0023): the current state of what its
 * consumers' read models hold, as events those read models already apply. The producer's running relay
 * publishes it like any other event, so every consumer group — a new one, or one whose read model is
 * behind because the events it missed are past the topics' retention — catches up through its inbox.
 *   npm run readmodels:snapshot -- --service roster|people [--database mysql://…]
 * The database comes from the service's configuration (<SERVICE>_DATABASE_URL, DATA_DIR); --database
 * overrides it. Real mode only: embedded mode catches its read models up at every start. Safe while the
 * service runs, and to run again (a snapshot applied twice, or amid changes, leaves every read model at
 * the latest state). Exit codes: 0 written (or --help), 2 usage error, 3 failed.
 */
import { createLogger, envWithDefaults } from '@sc/config';
import { databaseKind, openDatabase } from '@sc/db';
import { SERVICES } from '@sc/services';

const PRODUCERS = SERVICES.filter((s) => s.snapshotOn !== undefined).map((s) => s.name);
const USAGE = `usage: npm run readmodels:snapshot -- --service <${PRODUCERS.join('|')}> [--database mysql://…]\n`;

function parseArgs(argv: string[]): { service: string; database?: string } | string {
  let service: string | undefined;
  let database: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--help' || a === '-h') return '';
    if ((a === '--service' || a === '--database') && v === undefined) return `${a} needs a value`;
    if (a === '--service') service = v;
    else if (a === '--database') database = v;
    else return `unknown argument ${a ?? ''}`;
    i++;
  }
  if (!service) return '--service is required';
  if (!PRODUCERS.includes(service))
    return `--service must be one of ${PRODUCERS.join(', ')} (got ${service})`;
  return { service, database };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    if (args.length === 0) {
      process.stdout.write(USAGE); // --help: asked for, not an error
      return 0;
    }
    process.stderr.write(`${args}\n${USAGE}`);
    return 2;
  }
  const service = SERVICES.find((s) => s.name === args.service);
  if (!service) return 2;
  const config = service.parseConfig(envWithDefaults({}));
  const url = args.database ?? config.databaseUrl;
  if (databaseKind(url) !== 'mysql') {
    process.stderr.write(
      `${url.split('?')[0]} is an embedded database: embedded mode catches its read models up at every start\n`,
    );
    return 2;
  }
  const logger = createLogger({ service: 'readmodels-snapshot', level: config.logLevel });
  const ds = await openDatabase({ url, entities: service.entities, migrations: service.migrations, logger });
  try {
    const snapshot = service.snapshotOn?.(ds);
    if (!snapshot) return 2;
    const counts = await snapshot.counts();
    const summary = await snapshot.publish('readmodels-snapshot');
    logger.info({ snapshot: summary, counts }, 'read-model snapshot written to the outbox');
    process.stdout.write(
      `${service.name} snapshot ${summary.snapshotId} written to the outbox: ` +
        `${Object.entries(summary.items)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}; a caught-up read model holds ${Object.entries(counts)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}. The running ${service.name} publishes it.\n`,
    );
    return 0;
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `readmodels:snapshot failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(3);
    },
  );
}
