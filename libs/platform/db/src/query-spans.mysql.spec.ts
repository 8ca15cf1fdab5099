import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inMemorySpanExporter, inSpan, startTracing, SpanKind, type RunningTracing } from '@sc/tracing';
import { openDatabase } from './data-source';
import { dropMysqlDatabase, ensureMysqlDatabase } from './mysql-admin';

const SERVER = (process.env['TEST_MYSQL_URL'] ?? 'mariadb://root@127.0.0.1:3306').replace(/\/+$/, '');

describe('SQL spans [needs: MariaDB at 127.0.0.1:3306 (database sc_test_spans_*); embedded SQLite in a temp folder]', () => {
  const exporter = inMemorySpanExporter();
  let tracing: RunningTracing;
  beforeAll(() => {
    tracing = startTracing({ service: 'spec', exporter });
  });
  afterAll(async () => {
    await tracing.shutdown();
  });

  it.each([
    ['MariaDB', 'mysql'],
    ['embedded SQLite', 'sqlite'],
  ])(
    'traces each statement on %s as a child of the work that ran it, without its text or values',
    async (_, system) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-spans-'));
      const url =
        system === 'mysql'
          ? `${SERVER}/sc_test_spans_${randomBytes(4).toString('hex')}`
          : `sqlite:${dir}/spans.sqlite`;
      if (system === 'mysql') await ensureMysqlDatabase(url);
      const ds = await openDatabase({ url, entities: [], migrations: [] });
      try {
        exporter.reset();
        await inSpan('request', {}, async () => {
          await ds.query('SELECT ? AS secret', ['李建国 13698765432']);
        });
        const spans = exporter.getFinishedSpans();
        const request = spans.find((s) => s.name === 'request');
        const select = spans.find((s) => s.name === 'db SELECT');
        expect(select?.kind).toBe(SpanKind.CLIENT);
        expect(select?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
        expect(select?.attributes).toEqual({ 'db.system.name': system, 'db.operation.name': 'SELECT' });
        expect(JSON.stringify(spans.map((s) => [s.name, s.attributes]))).not.toMatch(
          /李建国|13698765432|secret/,
        );
      } finally {
        await ds.destroy();
        if (system === 'mysql') await dropMysqlDatabase(url);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
