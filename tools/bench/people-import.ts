/**
 * Benchmark of the resident CSV import (not a test): generates N valid rows (deterministic) into a temp
 * CSV, imports them into a fresh MariaDB database with validation, encryption and blind indexes, and
 * writes the figures to tools/bench/results/people-import.md. The bench database is dropped afterwards.
 *   npm run bench:import                 # 1,000,000 rows
 *   npm run bench:import -- --rows 50000 --batch 2000 [--no-write] [--no-reference]
 *   npm run bench:import -- --reference-only      # only the yardstick: how fast is this machine?
 * After the import it times the issue's yardstick on the same server (rawInsertReference) unless
 * --no-reference is given.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { format, resolveConfig } from 'prettier';
import { dropMysqlDatabase, ensureMysqlDatabase, mysqlLiteral, openDatabase } from '@sc/db';
import type { DataSource } from 'typeorm';
import { CAICHANG } from '@sc/demo';
import { FieldCipher, importResidentsCsv, makeTestIdNumber, parseFieldKeys, people } from '@sc/people';

const REGIONS: [code: string, origin: string, category: string][] = [
  ['510129', '大邑县', '户籍人口'],
  ['511823', '汉源县', '外来常住'],
  ['511324', '仪陇县', '外来常住'],
  ['511322', '营山县', '流动人口'],
  ['511702', '达州市', '外来常住'],
  ['510903', '遂宁市', '流动人口'],
  ['511902', '巴中市', '外来常住'],
];
const SURNAMES =
  '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志强海燕文玉兰德明春梅晓燕';
const STREETS = CAICHANG.groups.flatMap((g) => g.streets);
const DAY_MS = 86_400_000;
const FIRST_BIRTH = Date.UTC(1940, 0, 1);
const BIRTH_DAYS = 29_000; // 1940 … 2019

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** `list[i % length]`, typed as present (the lists are constant and non-empty). */
function pick<T>(list: readonly T[], i: number): T {
  const item = list[i % list.length];
  if (item === undefined) throw new Error('empty list');
  return item;
}

/** Row i of the generated file: unique ID number, plausible everything else; ~3 residents per door. */
function row(i: number): string {
  const [region, origin, category] = pick(REGIONS, i);
  const day = Math.floor(i / REGIONS.length) % BIRTH_DAYS;
  const seq = Math.floor(i / (REGIONS.length * BIRTH_DAYS)) % 500;
  const gender = i % 2 === 0 ? 'MALE' : 'FEMALE';
  const birth = new Date(FIRST_BIRTH + day * DAY_MS).toISOString().slice(0, 10);
  const id = makeTestIdNumber(region, birth, seq, gender);
  const name = `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7) % GIVEN.length]}${i % 3 === 0 ? '' : GIVEN[(i * 13) % GIVEN.length]}`;
  const phone = `13${String(i).padStart(9, '0')}`;
  const household = Math.floor(i / 3);
  const [street, yards] = pick(STREETS, household);
  const yard = pick(yards, Math.floor(household / STREETS.length));
  const door = String(household);
  return `${name},${gender === 'MALE' ? '男' : '女'},${id},${phone},${origin},${category},${street},${yard},${(household % 9) + 1},${(household % 3) + 1},${door},,\n`;
}

/** Server-wide InnoDB counters (other clients add to them too): where the database time goes. */
const COUNTERS = ['Innodb_buffer_pool_reads', 'Innodb_pages_written', 'Innodb_data_written'] as const;
async function innodbCounters(ds: DataSource): Promise<Record<(typeof COUNTERS)[number], number>> {
  const rows = (await ds.query(
    `SHOW GLOBAL STATUS WHERE Variable_name IN (${COUNTERS.map(() => '?').join(', ')})`,
    [...COUNTERS],
  )) as { Variable_name: (typeof COUNTERS)[number]; Value: string }[];
  const out = { Innodb_buffer_pool_reads: 0, Innodb_pages_written: 0, Innodb_data_written: 0 };
  for (const r of rows) out[r.Variable_name] = Number(r.Value);
  return out;
}

/**
 * CPU seconds the database server has used so far, when it runs on this machine (read from /proc through
 * its pid file); undefined otherwise. The import's own CPU is only half of the story on 2 cores.
 */
async function serverCpuSeconds(ds: DataSource): Promise<number | undefined> {
  try {
    const [row] = (await ds.query('SELECT @@pid_file AS f')) as { f: string }[];
    const pid = fs.readFileSync(String(row?.f), 'utf8').trim();
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, i.e. 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function generate(file: string, rows: number): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write('姓名,性别,身份证号,联系电话,户籍地,人员类别,街道,院落,楼栋,单元,门牌号,迁入日期,备注\n');
  let buf = '';
  for (let i = 0; i < rows; i++) {
    buf += row(i);
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

/**
 * The issue's yardstick: a raw MariaDB insert of as many resident-shaped rows by 1,000-row statements
 * ("about 15 s here" for a million on the machine the goal was set on). A copy of `resident` with its
 * primary key only, values pre-rendered as literals of the stored widths (UUIDs, tokens, blind indexes,
 * masked copies, a Chinese name): no validation, no encryption, no secondary index, no event. Machines
 * differ; the ratio of the import to this is what carries over from one to another.
 */
async function rawInsertReference(
  ds: DataSource,
  rows: number,
): Promise<{ ms: number; serverCpuS?: number }> {
  await ds.query('CREATE TABLE bench_raw_reference LIKE resident');
  const indexes = (await ds.query(
    "SELECT DISTINCT index_name AS n FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'bench_raw_reference' AND index_name <> 'PRIMARY'",
  )) as { n: string }[];
  if (indexes.length > 0) {
    await ds.query(
      `ALTER TABLE bench_raw_reference ${indexes.map((i) => `DROP INDEX \`${i.n}\``).join(', ')}`,
    );
  }
  const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
  const surnames = [...SURNAMES];
  const given = [...GIVEN];
  // 109 random bytes a row, drawn once per statement (one call instead of nine per row).
  const ROW_BYTES = 12 + 34 + 12 + 12 + 27 + 12;
  const statement = (from: number, count: number): string => {
    const tuples: string[] = [];
    const random = randomBytes(count * ROW_BYTES);
    let at = 0;
    const take = (n: number) => random.subarray(at, (at += n));
    const b64 = (n: number) => take(n).toString('base64url');
    const hex = (n: number) => take(n).toString('hex');
    for (let i = from; i < from + count; i++) {
      // Every value through mysqlLiteral, as the import renders its rows: constant today, escaped anyway.
      const values: (string | number | null)[] = [
        randomUUID(), `${pick(surnames, i)}${pick(given, i * 7)}`, i % 2 ? 'FEMALE' : 'MALE', 1940 + (i % 80),
        `v1.bench.${b64(12)}.${b64(34)}`, hex(12), `5101**********${String(i % 10_000).padStart(4, '0')}`,
        `v1.bench.${b64(12)}.${b64(27)}`, hex(12), `138****${String(i % 10_000).padStart(4, '0')}`, 'bench',
        pick(REGIONS, i)[1], 'MIGRANT_LONG_TERM', 'ACTIVE', '', randomUUID(), randomUUID(), randomUUID(), 1, null,
        1, now, now,
      ]; // prettier-ignore
      tuples.push(`(${values.map(mysqlLiteral).join(', ')})`);
    }
    return `INSERT INTO bench_raw_reference (id, name, gender, birth_year, id_number_enc, id_number_bidx, id_number_masked, phone_enc, phone_bidx, phone_masked, key_id, origin, category, status, needs, address_id, street_id, courtyard_id, is_test_data, moved_in_at, version, created_at, updated_at) VALUES ${tuples.join(', ')}`;
  };
  const cpuBefore = await serverCpuSeconds(ds);
  const t = Date.now();
  // The next statement is rendered while the database runs the current one.
  let next = statement(0, Math.min(1000, rows));
  for (let from = 0; from < rows; from += 1000) {
    const running = ds.query(next);
    await new Promise((resolve) => setImmediate(resolve)); // the statement is on its way
    if (from + 1000 < rows) next = statement(from + 1000, Math.min(1000, rows - from - 1000));
    await running;
  }
  const ms = Date.now() - t;
  const cpuAfter = await serverCpuSeconds(ds);
  await ds.query('DROP TABLE bench_raw_reference');
  return {
    ms,
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { serverCpuS: cpuAfter - cpuBefore } : {}),
  };
}

/**
 * Waits (up to 60 s) until the database server has used < 5 % of a core over a second: a previous run's
 * dirty pages or dropped tables are still being flushed for a while, and that work would count here.
 */
async function settle(ds: DataSource): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const before = await serverCpuSeconds(ds);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await serverCpuSeconds(ds);
    if (before === undefined || after === undefined || after - before < 0.05) return;
    if (i === 2) process.stdout.write('waiting for the database server to be idle (up to a minute)…\n');
  }
}

const USAGE =
  'usage: npm run bench:import -- [--rows N] [--batch N] [--no-write] [--no-reference | --reference-only]\n';

/** What is wrong with the arguments (one line), '' for --help, undefined when they are fine. */
function badArguments(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--help' || a === '-h') return '';
    if (a === '--rows' || a === '--batch') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) return `${a} needs a whole number ≥ 1`;
    } else if (!['--no-write', '--no-reference', '--reference-only'].includes(a)) {
      return `unknown argument ${a}`;
    }
  }
  if (argv.includes('--no-reference') && argv.includes('--reference-only')) {
    return '--no-reference and --reference-only exclude each other';
  }
  return undefined;
}

async function main(): Promise<void> {
  const bad = badArguments(process.argv.slice(2));
  if (bad !== undefined) {
    if (bad === '') process.stdout.write(USAGE);
    else process.stderr.write(`bench:import: ${bad}\n${USAGE}`);
    process.exit(bad === '' ? 0 : 2);
  }
  const rows = Number(arg('rows') ?? 1_000_000);
  const batchSize = Number(arg('batch') ?? 2000);
  const server = (process.env['TEST_MYSQL_URL'] ?? 'mariadb://root@127.0.0.1:3306').replace(/\/+$/, '');
  const url = `${server}/sc_bench_people_${randomBytes(3).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-bench-import-'));
  const file = path.join(dir, 'residents.csv');
  const log = (s: string) => process.stdout.write(`${s}\n`);

  if (process.argv.includes('--reference-only')) {
    // Calibrates a machine: how long the issue's yardstick takes here (see rawInsertReference).
    await ensureMysqlDatabase(url);
    const ds = await openDatabase({ url, entities: people.entities, migrations: people.migrations });
    try {
      await settle(ds);
      log(JSON.stringify({ rows, reference: await rawInsertReference(ds, rows) }));
    } finally {
      await ds.destroy();
      await dropMysqlDatabase(url);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  let t = Date.now();
  await generate(file, rows);
  const genMs = Date.now() - t;
  const bytes = fs.statSync(file).size;
  log(
    `generated ${rows.toLocaleString('en')} rows (${(bytes / 1e6).toFixed(1)} MB) in ${(genMs / 1000).toFixed(1)} s`,
  );

  await ensureMysqlDatabase(url);
  const ds = await openDatabase({ url, entities: people.entities, migrations: people.migrations });
  try {
    const cipher = new FieldCipher(
      parseFieldKeys(`bench:${randomBytes(32).toString('base64')}`, randomBytes(32).toString('base64')),
    );
    await settle(ds);
    let lastLog = Date.now();
    const cpuBefore = process.cpuUsage();
    const countersBefore = await innodbCounters(ds);
    const loadBefore = os.loadavg()[0] ?? 0;
    const serverCpuBefore = await serverCpuSeconds(ds);
    t = Date.now();
    const report = await importResidentsCsv(fs.createReadStream(file, { highWaterMark: 1 << 20 }), {
      dataSource: ds,
      cipher,
      actor: 'bench',
      batchSize,
      isTestData: true,
      totalBytes: bytes,
      onProgress: (p) => {
        if (Date.now() - lastLog < 5000) return;
        lastLog = Date.now();
        log(
          `  ${((Date.now() - t) / 1000).toFixed(0)} s: ${(p.imported + p.updated + p.unchanged).toLocaleString('en')} rows written`,
        );
      },
    });
    const ms = Date.now() - t;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const serverCpuAfter = await serverCpuSeconds(ds);
    const serverCpuS =
      serverCpuBefore === undefined || serverCpuAfter === undefined
        ? undefined
        : serverCpuAfter - serverCpuBefore;
    const countersAfter = await innodbCounters(ds);
    const perRow = (k: (typeof COUNTERS)[number]) => (countersAfter[k] - countersBefore[k]) / rows;
    const loadAfter = os.loadavg()[0] ?? 0;
    const rss = process.resourceUsage().maxRSS / 1024;
    let reference: Awaited<ReturnType<typeof rawInsertReference>> | undefined;
    if (!process.argv.includes('--no-reference')) {
      log('timing the reference: raw insert of as many rows by 1,000-row statements…');
      await settle(ds);
      reference = await rawInsertReference(ds, rows);
    }
    const rate = Math.round(rows / (ms / 1000));
    log(
      JSON.stringify({
        rows,
        imported: report.imported,
        events: report.events,
        ms,
        rate,
        rssMB: Math.round(rss),
        nodeCpuS: cpuS,
        serverCpuS,
        deferredIndexes: report.deferredIndexes.length,
        indexRebuildMs: report.indexRebuildMs,
        bufferPoolReadsPerRow: perRow('Innodb_buffer_pool_reads'),
        pagesWrittenPerRow: perRow('Innodb_pages_written'),
        loadAvg: [loadBefore, loadAfter],
        referenceMs: reference?.ms,
        referenceServerCpuS: reference?.serverCpuS,
        importToReference: reference === undefined ? undefined : Number((ms / reference.ms).toFixed(2)),
      }),
    );
    if (report.imported !== rows) throw new Error(`expected ${rows} imported rows, got ${report.imported}`);
    if (!process.argv.includes('--no-write')) {
      const [info] = (await ds.query('SELECT VERSION() AS version, @@innodb_buffer_pool_size AS pool')) as {
        version: string;
        pool: string;
      }[];
      const dbInfo = `${info?.version ?? '?'}, default settings (buffer pool ${Math.round(Number(info?.pool ?? 0) / 2 ** 20)} MB)`;
      const section = [
        `## ${new Date().toISOString()}: ${rows.toLocaleString('en')} rows`,
        '',
        `\`npm run bench:import${rows === 1_000_000 ? '' : ` -- --rows ${rows}`}${batchSize === 2000 ? '' : ` --batch ${batchSize}`}\``,
        '',
        '| | |',
        '| --- | --- |',
        `| machine | ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM |`,
        `| database | ${dbInfo} |`,
        `| rows | ${rows.toLocaleString('en')} (${(bytes / 1e6).toFixed(1)} MB CSV), batch size ${batchSize} |`,
        `| generation (not counted) | ${(genMs / 1000).toFixed(1)} s |`,
        `| **import elapsed** | **${(ms / 1000).toFixed(1)} s** (validation, encryption, blind indexes, upsert, events) |`,
        `| **rows/s** | **${rate.toLocaleString('en')}** |`,
        `| peak RSS | ${Math.round(rss)} MB |`,
        `| outbox events written | ${report.events.toLocaleString('en')} (each listing up to ~200 residents) |`,
        `| bulk mode | ${report.deferredIndexes.length > 0 ? `${report.deferredIndexes.length} non-unique indexes dropped and rebuilt in ${(report.indexRebuildMs / 1000).toFixed(1)} s (included above)` : 'no (every index maintained row by row)'} |`,
        `| CPU time of the import process | ${cpuS.toFixed(1)} s |`,
        `| CPU time of the database server | ${serverCpuS === undefined ? 'not measured (server not local)' : `${serverCpuS.toFixed(1)} s`} |`,
        `| InnoDB buffer-pool reads from disk per row | ${perRow('Innodb_buffer_pool_reads').toFixed(2)} |`,
        `| InnoDB pages written per row | ${perRow('Innodb_pages_written').toFixed(2)} (${((countersAfter.Innodb_data_written - countersBefore.Innodb_data_written) / 2 ** 30).toFixed(1)} GB written in all) |`,
        ...(reference === undefined
          ? []
          : [
              `| reference: raw insert, same server (not counted) | ${(reference.ms / 1000).toFixed(1)} s for ${rows.toLocaleString('en')} resident-shaped rows by 1,000-row statements, primary key only${reference.serverCpuS === undefined ? '' : ` (${reference.serverCpuS.toFixed(1)} s database CPU)`}; the goal was set where this took ~15 s for a million |`,
              `| **import ÷ reference** | **${(ms / reference.ms).toFixed(2)}** (goal: 60 s ÷ 15 s = 4.0) |`,
            ]),
        `| 1-min load average before / after | ${loadBefore.toFixed(1)} / ${loadAfter.toFixed(1)} (other work on the machine competes for the 2 cores) |`,
        '',
      ].join('\n');
      const file = path.join(__dirname, 'results', 'people-import.md');
      if (!fs.existsSync(file)) {
        fs.writeFileSync(
          file,
          '# Benchmark: resident CSV import\n\nWritten by tools/bench/people-import.ts, one section per run ' +
            '(newest last). Goal: 1,000,000 rows in ≤ 60 s. See docs/people-import.md (Performance).\n\n',
        );
      }
      fs.appendFileSync(file, `${section}\n`);
      // Formatted as the repository's format check expects (prettier pads the tables).
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, await format(text, { ...(await resolveConfig(file)), filepath: file }));
    }
  } finally {
    await ds.destroy();
    await dropMysqlDatabase(url);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
