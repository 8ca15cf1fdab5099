import { randomBytes } from 'node:crypto';
import { dropMysqlDatabase, ensureMysqlDatabase } from '@sc/db';
import { TEST_MYSQL_URL } from './infra';

export interface TestDatabase {
  url: string;
  name: string;
  drop: () => Promise<void>;
}

/**
 * A new, empty MariaDB/MySQL database for one spec file: `sc_test_<label>_<random>`. Drop it in
 * afterAll; a crashed run leaves only uniquely named databases behind, never shared state.
 */
export async function freshMysqlDatabase(label: string): Promise<TestDatabase> {
  const name = `sc_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const url = `${TEST_MYSQL_URL.replace(/\/+$/, '')}/${name}`;
  await ensureMysqlDatabase(url);
  return { url, name, drop: () => dropMysqlDatabase(url) };
}
