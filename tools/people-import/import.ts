/**
 * Imports residents from a community's spreadsheet (CSV UTF-8, format: docs/people-import.md).
 *   npm run people:import -- <file.csv> [--database mysql://…|sqlite:<file>] [--batch 2000]
 *                                       [--report bad-rows.csv] [--actor <account id>] [--bulk|--no-bulk]
 * --bulk / --no-bulk force bulk mode on or off (MySQL: non-unique indexes dropped during the import and
 * rebuilt after it); by default a large file into a smaller table is a bulk import (docs/people-import.md).
 * Database and keys come from the people service's configuration (PEOPLE_DATABASE_URL, PEOPLE_FIELD_KEYS,
 * PEOPLE_BLIND_INDEX_KEY, DATA_DIR); --database overrides the URL.
 * Exit codes: 0 every row imported (or --help), 1 some rows were bad (the good ones are imported), 2 usage error or a
 * file that cannot be read as the format (nothing imported), 3 the import failed (e.g. database).
 */
import fs from 'node:fs';
import os from 'node:os';
import { SingleBar } from 'cli-progress';
import { createLogger } from '@sc/config';
import { openDatabase } from '@sc/db';
import {
  fieldCipher,
  PEOPLE_EMBEDDED_UPGRADE,
  people,
  peopleSettings,
  type BadRow,
  ImportFileError,
  type ImportProgress,
  importResidentsCsv,
} from '@sc/people';

const USAGE =
  'usage: npm run people:import -- <file.csv> [--database mysql://…|sqlite:<file>] [--batch 2000] ' +
  '[--report bad-rows.csv] [--actor <account id>] [--bulk|--no-bulk]\n';
/** Bad rows shown on the terminal; all of them go to --report. */
const SHOWN_BAD_ROWS = 50;

interface Args {
  file: string;
  database?: string;
  batch: number;
  report?: string;
  actor: string;
  bulk: boolean | 'auto';
}

function parseArgs(argv: string[]): Args | string {
  const args: Partial<Args> = { batch: 2000, actor: `import-cli:${os.userInfo().username}`, bulk: 'auto' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === '--bulk') args.bulk = true;
      else if (a === '--no-bulk') args.bulk = false;
      else if (a === '--database') args.database = value();
      else if (a === '--report') args.report = value();
      else if (a === '--actor') args.actor = value();
      else if (a === '--batch') {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 10_000) return '--batch must be an integer from 1 to 10000';
        args.batch = n;
      } else if (a === '--help' || a === '-h') return '';
      else if (a.startsWith('--')) return `unknown option ${a}`;
      else if (args.file === undefined) args.file = a;
      else return `unexpected argument ${a}`;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }
  if (args.file === undefined) return 'no CSV file given';
  if (args.database !== undefined && !/^(mysql|mariadb):\/\/|^(sqlite|sqljs):/.test(args.database)) {
    return '--database must be mysql://…, mariadb://… or sqlite:<file>';
  }
  return args as Args;
}

/** The bad-row report as CSV: line and reasons only, never the row's values (they are personal data). */
function badRowsCsv(rows: BadRow[]): string {
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return `\uFEFF行号,原因\r\n${rows.map((r) => `${r.line},${quote(r.reasons.join('; '))}`).join('\r\n')}\r\n`;
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
  let size: number;
  try {
    const stat = fs.statSync(args.file);
    if (!stat.isFile()) throw new Error('not a file');
    size = stat.size;
  } catch {
    process.stderr.write(`cannot read ${args.file}\n${USAGE}`);
    return 2;
  }

  const { env, config } = peopleSettings(process.env);
  const logger = createLogger({ service: 'people-import', level: config.logLevel });
  const url = args.database ?? config.databaseUrl;
  const cipher = fieldCipher(env, config);
  const ds = await openDatabase({
    url,
    entities: people.entities,
    migrations: people.migrations,
    logger,
    embeddedUpgrade: PEOPLE_EMBEDDED_UPGRADE,
  });
  const tty = process.stdout.isTTY === true;
  const bar = tty
    ? new SingleBar({
        format:
          ' {bar} {percentage}% | {lines} rows: {imported} new, {updated} updated, {unchanged} unchanged, {bad} bad | ETA {eta_formatted}',
        hideCursor: true,
        fps: 5,
        stream: process.stdout,
      })
    : undefined;
  let lastLog = 0;
  let rebuilding = false;
  const onProgress = (p: ImportProgress) => {
    if (p.phase === 'rebuilding-indexes' && !rebuilding) {
      // Rows are all in; one ALTER per table sorts the indexes (~15 s per million rows): say so.
      rebuilding = true;
      bar?.stop();
      if (tty)
        process.stdout.write('\nall rows written; rebuilding the indexes dropped for the bulk import…\n');
      else logger.info('all rows written; rebuilding the indexes dropped for the bulk import');
      return;
    }
    if (rebuilding) return;
    const counts = {
      lines: p.lines,
      imported: p.imported,
      updated: p.updated,
      unchanged: p.unchanged,
      bad: p.bad,
    };
    if (bar) {
      bar.update(p.bytesRead, counts);
    } else if (Date.now() - lastLog >= 2000) {
      lastLog = Date.now();
      logger.info({ ...counts, bytesRead: p.bytesRead, totalBytes: size }, 'import progress');
    }
  };
  bar?.start(size, 0, { lines: 0, imported: 0, updated: 0, unchanged: 0, bad: 0 });
  try {
    const report = await importResidentsCsv(fs.createReadStream(args.file, { highWaterMark: 1 << 18 }), {
      dataSource: ds,
      cipher,
      actor: args.actor,
      batchSize: args.batch,
      totalBytes: size,
      onProgress,
      deferIndexes: args.bulk,
    });
    if (bar && !rebuilding) {
      bar.update(size, { ...report });
      bar.stop();
    }
    const summary = {
      lines: report.lines,
      imported: report.imported,
      updated: report.updated,
      unchanged: report.unchanged,
      bad: report.bad,
      events: report.events,
      seconds: Math.round(report.elapsedMs / 100) / 10,
      importId: report.importId,
      ...(report.deferredIndexes.length > 0
        ? {
            rebuiltIndexes: report.deferredIndexes.length,
            rebuildSeconds: Math.round(report.indexRebuildMs / 100) / 10,
          }
        : {}),
    };
    if (tty) {
      process.stdout.write(
        `\n${summary.lines} rows in ${summary.seconds} s: ${summary.imported} imported, ${summary.updated} updated, ` +
          `${summary.unchanged} unchanged, ${summary.bad} bad\n`,
      );
    } else {
      logger.info(summary, 'import finished');
    }
    if (report.ignoredColumns.length > 0) {
      process.stdout.write(`ignored columns (not part of the format): ${report.ignoredColumns.join(', ')}\n`);
    }
    if (report.bad > 0) {
      // One write, so that no log line can land inside the list.
      const lines = ['bad rows (line: reasons):'];
      for (const r of report.badRows.slice(0, SHOWN_BAD_ROWS))
        lines.push(`  ${r.line}: ${r.reasons.join('; ')}`);
      if (report.bad > SHOWN_BAD_ROWS) {
        lines.push(
          `  … and ${report.bad - SHOWN_BAD_ROWS} more${args.report ? '' : ' (write them all with --report bad-rows.csv)'}`,
        );
      }
      if (report.badTruncated) lines.push(`  (the report keeps the first ${report.badRows.length} bad rows)`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    if (args.report !== undefined) {
      fs.writeFileSync(args.report, badRowsCsv(report.badRows), { mode: 0o600 });
      process.stdout.write(`bad-row report written to ${args.report}\n`);
    }
    return report.bad > 0 ? 1 : 0;
  } catch (err) {
    bar?.stop();
    if (err instanceof ImportFileError) {
      process.stderr.write(`cannot import ${args.file}: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await ds.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // The message only: a stack or a driver error object may quote SQL with values in it.
    process.stderr.write(`import failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(3);
  },
);
