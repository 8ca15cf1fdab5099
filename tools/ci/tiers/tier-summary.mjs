// Adds up what the specs talked to (tier-environment.cjs wrote one JSON file per spec file into the
// directory given as the argument) and prints one line per tier, so the suite's claims can be read off
// CI. A test is counted in every line that applies. Exit status 1 when a `*.mysql.spec.ts` file ran
// tests of which none talked to MariaDB (its name would claim more than it tests), else 0.
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tools/ci/tiers/tier-summary.mjs <SC_TEST_TIER_DIR>');
  process.exit(2);
}
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
const all = files.flatMap((f) => f.tests.map((t) => ({ ...t, file: f.file })));
const ran = all.filter((t) => t.status !== 'skipped');

function line(label, pick) {
  const tests = ran.filter(pick);
  const inFiles = new Set(tests.map((t) => t.file)).size;
  const failed = tests.filter((t) => t.status === 'failed').length;
  const count = String(tests.length).padStart(5);
  console.log(
    `  ${label.padEnd(44)} ${count} tests in ${String(inFiles).padStart(2)} files${failed ? `, ${failed} failed` : ''}`,
  );
}

console.log(
  'tiers (what each test, its hooks and its Node child processes wrote to; a test counts in every line that applies):',
);
line('real MariaDB', (t) => t.mariadb);
line('real Kafka', (t) => t.kafka);
line('real MariaDB and real Kafka', (t) => t.mariadb && t.kafka);
line('child processes (apps, CLIs, kafka.sh)', (t) => t.child);
line('neither MariaDB nor Kafka (unit, SQLite, HTTP)', (t) => !t.mariadb && !t.kafka);
line('all', () => true);
const skipped = all.length - ran.length;
if (skipped) console.log(`  skipped: ${skipped}`);

const claims = files.filter(
  (f) =>
    /\.mysql\.spec\.ts$/.test(f.file) &&
    f.tests.some((t) => t.status !== 'skipped') &&
    !f.tests.some((t) => t.mariadb),
);
for (const f of claims) console.error(`${f.file}: named .mysql.spec but none of its tests talked to MariaDB`);
process.exit(claims.length ? 1 : 0);
