import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@sc/config';
import { InProcessBus } from '@sc/events';
import { errorCodes, freshMysqlDatabase, gqlRequest, type TestDatabase } from '@sc/testing';
import { Account } from './entities/account.entity';
import { roster as rosterService } from './roster.service';

// The first start of a deployment, on each database: MariaDB (what a real deployment runs) and the
// embedded SQLite. Events go to the in-process bus here; Kafka is the e2e specs' business.
describe.each([
  ['MariaDB [real: MariaDB; in-process bus]', 'mysql'],
  ['the embedded SQLite [in-process bus]', 'sqlite'],
] as const)('first start of a deployment on %s [starts: roster subgraph]', (_label, kind) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-bootstrap-'));
  let db: TestDatabase | undefined;
  let databaseUrl = `sqlite:${dir}/roster.sqlite`;
  beforeAll(async () => {
    if (kind === 'mysql') {
      db = await freshMysqlDatabase('roster_bootstrap');
      databaseUrl = db.url;
    }
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = (password: string) => {
    fs.writeFileSync(path.join(dir, 'admin-password'), `${password}\n`);
    const env = {
      NODE_ENV: 'test',
      DATA_DIR: dir,
      ROSTER_HOST: '127.0.0.1',
      ROSTER_PORT: '0',
      ROSTER_DATABASE_URL: databaseUrl,
      ROSTER_BOOTSTRAP_ADMIN: 'root-admin',
      ROSTER_BOOTSTRAP_ADMIN_PASSWORD_FILE: path.join(dir, 'admin-password'),
    };
    return rosterService.start({
      env: env,
      logger: createLogger({ service: 'test', level: 'silent' }),
      bus: new InProcessBus(),
    });
  };
  const LOGIN = 'mutation($p: String!) { login(username: "root-admin", password: $p) { account { roles } } }';

  it('creates the ADMIN from the secret file once, and never again', async () => {
    const first = await start('correct horse battery staple');
    try {
      const ok = await gqlRequest<{ login: { account: { roles: string[] } } }>(
        `${first.url}/graphql`,
        LOGIN,
        { p: 'correct horse battery staple' },
      );
      expect(ok.data?.login.account.roles).toEqual(['ADMIN']);
    } finally {
      await first.close();
    }
    // A later start with another password file does not reset the existing account.
    const second = await start('another password entirely');
    try {
      expect(await second.dataSource.getRepository(Account).count()).toBe(1);
      const refused = await gqlRequest(`${second.url}/graphql`, LOGIN, { p: 'another password entirely' });
      expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    } finally {
      await second.close();
    }
  });
});
