/**
 * Mints a token the running embedded system accepts, signed with the dev key in the data folder.
 *   npm run -s token -- --role ADMIN
 *   npm run -s token -- --role STREET_CHIEF --scope grid:<id> [--scope …] [--sub <id>] [--ttl 3600]
 * Prints only the token on stdout. Exit codes: 0 token printed (or --help), 2 bad arguments, 1 no
 * usable signing key in the data folder.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  devSigningKeyFile,
  loadDevSigningKey,
  ROLES,
  TokenIssuer,
  type Role,
  type SigningKey,
} from '@sc/auth';
import { envVar, loadEnvOrExit } from '@sc/config';

// The variables it shares with the services, checked the way they check them (`DATA_DIR=` is refused).
const env = loadEnvOrExit(
  z.object({
    DATA_DIR: envVar.dataDir(),
    AUTH_ISSUER: z.string().default('street-chief/roster'),
    AUTH_AUDIENCE: z.string().default('street-chief'),
  }),
  'token',
);

const USAGE = `usage: npm run -s token -- --role <role> [--role <role>…] [--scope kind:id…] [--sub id] [--name text] [--ttl seconds]

Prints a token (RS256 JWT) for the running system, signed with the development key in
<DATA_DIR>/keys (DATA_DIR defaults to .data): use the DATA_DIR that \`npm start\` uses.

  --role    ${ROLES.join(', ')} (repeatable)
  --scope   community:<code>, grid:<id>, resident:<id> (repeatable)
  --sub     the token's subject (default: dev-<roles>)
  --name    display name
  --ttl     lifetime in seconds (default 28800, 8 h)
  --issuer, --audience   default AUTH_ISSUER / AUTH_AUDIENCE, else street-chief/roster, street-chief
  -h, --help             this text
`;

function fail(code: number, message: string, usage = false): never {
  process.stderr.write(`token: ${message}\n${usage ? `\n${USAGE}` : ''}`);
  process.exit(code);
}

const options = {
  role: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  sub: { type: 'string' },
  name: { type: 'string' },
  ttl: { type: 'string', default: '28800' },
  issuer: { type: 'string', default: env.AUTH_ISSUER },
  audience: { type: 'string', default: env.AUTH_AUDIENCE },
  help: { type: 'boolean', short: 'h' },
} as const;

let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
try {
  ({ values } = parseArgs({ options }));
} catch (error) {
  // parseArgs explains what is wrong ("Unknown option '--x'"); its stack trace would not.
  fail(2, error instanceof Error ? error.message : String(error), true);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const roles = values.role ?? [];
const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
if (roles.length === 0) fail(2, 'at least one --role is needed', true);
if (unknown.length > 0) fail(2, `unknown role ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl < 1) fail(2, '--ttl must be a whole number of seconds');

// The folder `npm start` uses.
const dataDir = path.resolve(env.DATA_DIR);
let key: SigningKey | undefined;
try {
  key = loadDevSigningKey(dataDir);
} catch (error) {
  fail(
    1,
    `cannot use the signing key ${devSigningKeyFile(dataDir)}: ${error instanceof Error ? error.message : String(error)}`,
  );
}
if (!key) {
  // A new key here would sign tokens that the running system (with its own key) refuses.
  fail(
    1,
    `no signing key in ${path.dirname(devSigningKeyFile(dataDir))}: start the system with this data folder first ` +
      '(`npm start` creates the key), or set DATA_DIR to the folder the running system uses',
  );
}
const issuer = new TokenIssuer(key, { issuer: values.issuer, audience: values.audience, ttlSeconds: ttl });
const { token } = issuer.issue({
  subject: values.sub ?? `dev-${roles.join('-').toLowerCase()}`,
  roles: roles as Role[],
  scopes: values.scope ?? [],
  name: values.name ?? `dev ${roles.join(', ')}`,
});
process.stdout.write(`${token}\n`);
