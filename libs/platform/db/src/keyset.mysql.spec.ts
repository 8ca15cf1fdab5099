import { randomBytes } from 'node:crypto';
import { openDatabase } from './data-source';
import { describeWalks, ItemSchema } from './keyset.spec-helpers';
import { dropMysqlDatabase, ensureMysqlDatabase } from './mysql-admin';

const SERVER = (process.env['TEST_MYSQL_URL'] ?? 'mariadb://root@127.0.0.1:3306').replace(/\/+$/, '');
const url = `${SERVER}/sc_test_db_keyset_${randomBytes(4).toString('hex')}`;

afterAll(async () => dropMysqlDatabase(url));

// MariaDB's default collation (utf8mb4_general_ci-like) compares text without case.
const caseless = (a: string, b: string) => {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
};

describeWalks(
  'MariaDB [needs: MariaDB]',
  async () => {
    await ensureMysqlDatabase(url);
    const ds = await openDatabase({ url, entities: [ItemSchema], migrations: [] });
    await ds.synchronize();
    return ds;
  },
  caseless,
);
