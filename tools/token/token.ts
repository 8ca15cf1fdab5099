/**
 * Mints a token the running embedded system accepts, signed with the dev key in the data folder.
 *   npm run -s token -- --role ADMIN
 *   npm run -s token -- --role STREET_CHIEF --scope grid:<id> [--scope …] [--sub <id>] [--ttl 3600]
 * Prints only the token on stdout.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadOrCreateDevSigningKey, ROLES, TokenIssuer, type Role } from '@sc/auth';
import { dataDir, envVar, loadEnvOrExit } from '@sc/config';

// The variables it shares with the services, checked the way they check them (`DATA_DIR=` is refused).
const env = loadEnvOrExit(
  z.object({
    DATA_DIR: envVar.dataDir(),
    AUTH_ISSUER: z.string().default('street-chief/roster'),
    AUTH_AUDIENCE: z.string().default('street-chief'),
  }),
  'token',
);

const { values } = parseArgs({
  options: {
    role: { type: 'string', multiple: true },
    scope: { type: 'string', multiple: true },
    sub: { type: 'string' },
    name: { type: 'string' },
    ttl: { type: 'string', default: '28800' },
    issuer: { type: 'string', default: env.AUTH_ISSUER },
    audience: { type: 'string', default: env.AUTH_AUDIENCE },
  },
});

const roles = values.role ?? [];
const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
if (roles.length === 0 || unknown.length > 0) {
  process.stderr.write(
    `usage: npm run -s token -- --role <${ROLES.join('|')}> [--scope kind:id] [--sub id] [--ttl seconds]\n`,
  );
  process.exit(2);
}
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl < 1) {
  process.stderr.write('--ttl must be a whole number of seconds\n');
  process.exit(2);
}
const key = loadOrCreateDevSigningKey(dataDir(env.DATA_DIR));
const issuer = new TokenIssuer(key, { issuer: values.issuer, audience: values.audience, ttlSeconds: ttl });
const { token } = issuer.issue({
  subject: values.sub ?? `dev-${roles.join('-').toLowerCase()}`,
  roles: roles as Role[],
  scopes: values.scope ?? [],
  name: values.name ?? `dev ${roles.join(', ')}`,
});
process.stdout.write(`${token}\n`);
