/**
 * Re-encrypts the people service's field tokens with the current field key, after a key rotation
 * (docs/deployment.md, "Rotating a field key"): put the new key first in PEOPLE_FIELD_KEYS, keep the old
 * ones, restart people, run this, then remove the old keys.
 *   npm run people:reencrypt [-- --database mysql://…|sqlite:<file>] [--batch 500]
 * Database and keys come from the people service's configuration (PEOPLE_DATABASE_URL, PEOPLE_FIELD_KEYS,
 * PEOPLE_BLIND_INDEX_KEY, DATA_DIR); --database overrides the URL. Safe while the service runs, and to run
 * again. Exit codes: 0 done (no row left with another key; or --help), 1 rows left (written with an old key
 * meanwhile: run again), 2 usage error, 3 failed (e.g. a token names a key that is not configured).
 */
import { createLogger } from '@sc/config';
import { openDatabase } from '@sc/db';
import { fieldCipher, PEOPLE_EMBEDDED_UPGRADE, people, peopleSettings, reencryptFields } from '@sc/people';

const USAGE = 'usage: npm run people:reencrypt [-- --database mysql://…|sqlite:<file>] [--batch 500]\n';

function parseArgs(argv: string[]): { database?: string; batch: number } | string {
  const args: { database?: string; batch: number } = { batch: 500 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--help' || a === '-h') return '';
    if (a === '--database' && v !== undefined) {
      args.database = v;
      i++;
    } else if (a === '--batch' && v !== undefined) {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 10_000) return '--batch must be an integer from 1 to 10000';
      args.batch = n;
      i++;
    } else if ((a === '--database' || a === '--batch') && v === undefined) {
      return `${a} needs a value`;
    } else {
      return `unknown argument ${a ?? ''}`;
    }
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    if (args.length === 0) {
      process.stdout.write(USAGE); // --help: asked for, not an error
      return 0;
    }
    process.stderr.write(`${args}\n${USAGE}`);
    return 2;
  }
  const { env, config } = peopleSettings(process.env);
  const logger = createLogger({ service: 'people-reencrypt', level: config.logLevel });
  const cipher = fieldCipher(env, config);
  const ds = await openDatabase({
    url: args.database ?? config.databaseUrl,
    entities: people.entities,
    migrations: people.migrations,
    logger,
    embeddedUpgrade: PEOPLE_EMBEDDED_UPGRADE,
  });
  try {
    let last = 0;
    const report = await reencryptFields(ds, cipher, {
      batchSize: args.batch,
      onProgress: (p) => {
        if (Date.now() - last < 2000) return;
        last = Date.now();
        logger.info({ table: p.table, rows: p.rows }, 're-encryption progress');
      },
    });
    logger.info(report, 're-encryption finished');
    const left = Object.values(report.remaining).reduce((a, b) => a + b, 0);
    process.stdout.write(
      `re-encrypted with key ${report.keyId}: ${Object.entries(report.rows)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')} rows in ${(report.elapsedMs / 1000).toFixed(1)} s; ` +
        (left === 0
          ? 'no row uses another key: the old keys can be removed from PEOPLE_FIELD_KEYS\n'
          : `${left} rows were written with another key meanwhile: run again\n`),
    );
    return left === 0 ? 0 : 1;
  } finally {
    await ds.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // The message only: a driver error object may quote SQL with values in it.
    process.stderr.write(`re-encryption failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(3);
  },
);
