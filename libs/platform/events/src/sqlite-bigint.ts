import { AbstractSqliteDriver } from 'typeorm/driver/sqlite-abstract/AbstractSqliteDriver';

// SQLite only auto-increments a primary key declared exactly `INTEGER` (an alias of the 64-bit
// rowid), so TypeORM's `bigint PRIMARY KEY AUTOINCREMENT` fails there, while MySQL needs `bigint`
// for a sequence that must not run out. Entities must stay identical in both modes, so the SQLite
// driver is taught to spell such a column `integer`: same range, and the only case it changes is
// one that cannot work today. Applied once per process, on import of the outbox entities.
const PATCHED = Symbol.for('sc.events.sqliteBigintAutoIncrement');

interface PatchableDriver {
  normalizeType(column: Record<string, unknown>): string;
  [PATCHED]?: true;
}

const proto = AbstractSqliteDriver.prototype as unknown as PatchableDriver;
if (!proto[PATCHED]) {
  const normalizeType = proto.normalizeType;
  proto.normalizeType = function (this: PatchableDriver, column: Record<string, unknown>): string {
    if (
      column['type'] === 'bigint' &&
      column['isGenerated'] === true &&
      column['generationStrategy'] === 'increment'
    ) {
      return 'integer';
    }
    return normalizeType.call(this, column);
  };
  proto[PATCHED] = true;
}
