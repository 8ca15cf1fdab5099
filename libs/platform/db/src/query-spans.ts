import { BetterSqlite3QueryRunner } from 'typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner.js';
import { MysqlQueryRunner } from 'typeorm/driver/mysql/MysqlQueryRunner.js';
import { inSpan, SpanKind, tracingOn } from '@sc/tracing';

/**
 * A client span per SQL statement (docs/observability.md): `db SELECT`, `db INSERT`, … under the
 * request or event handling that ran it, with the database system and the operation — never the
 * statement's text or parameters (they can hold personal data). Every statement TypeORM sends goes
 * through its query runner's `query`, so wrapping that one method of the two runners we use covers
 * repositories, query builders, migrations and raw queries alike. With tracing off the wrapper calls
 * the original at once (no statement parsing, no span: ADR 0052).
 */
const OPERATION = /^\s*(?:\/\*.*?\*\/\s*)?([A-Za-z]+)/s;

type QueryFn = (
  this: unknown,
  query: string,
  parameters?: unknown[],
  structured?: boolean,
) => Promise<unknown>;

function wrap(proto: { query: QueryFn }, system: string): void {
  const original = proto.query;
  if ((original as { traced?: boolean }).traced) return;
  const traced: QueryFn = function (this: unknown, query, parameters, structured) {
    if (!tracingOn()) return original.call(this, query, parameters, structured);
    const operation = OPERATION.exec(query)?.[1]?.toUpperCase() ?? 'QUERY';
    return inSpan(
      `db ${operation}`,
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': system, 'db.operation.name': operation } },
      () => original.call(this, query, parameters, structured),
    );
  };
  (traced as { traced?: boolean }).traced = true;
  proto.query = traced;
}

wrap(MysqlQueryRunner.prototype as unknown as { query: QueryFn }, 'mysql');
wrap(BetterSqlite3QueryRunner.prototype as unknown as { query: QueryFn }, 'sqlite');
