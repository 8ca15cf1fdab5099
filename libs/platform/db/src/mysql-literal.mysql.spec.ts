import { escape, format } from 'mysql2';
import { mysqlLiteral } from './mysql-admin';

describe('mysqlLiteral', () => {
  it('renders every value exactly as mysql2 escapes a parameter', () => {
    const values = [
      'plain',
      '',
      '张三',
      "O'Brien",
      'back\\slash',
      'quote"d',
      'nul\0byte',
      'line\nbreak',
      'tab\tand\rreturn\b\x1a',
      "'; DROP TABLE resident; --",
      'v1.k1.AbC-_x.YZ',
      0,
      -12,
      3.5,
      Number.NaN,
      null,
    ];
    for (const v of values) expect([v, mysqlLiteral(v)]).toEqual([v, escape(v)]);
  });

  it('gives statements identical to mysql2 formatting its placeholders', () => {
    const row = ['a', "b'c", null, 7];
    expect(`INSERT INTO t VALUES (${row.map(mysqlLiteral).join(', ')})`).toBe(
      format('INSERT INTO t VALUES (?, ?, ?, ?)', row),
    );
  });
});
