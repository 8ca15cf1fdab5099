import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevSigningKey, StaticKeyResolver, TokenVerifier } from '@sc/auth';

const root = path.resolve(__dirname, '../..');

/** Runs the CLI as `npm run -s token` does (tsx from the repository root). */
function token(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/.bin/tsx'), 'tools/token/token.ts', ...args],
    {
      cwd: root,
      env: { ...process.env, AUTH_ISSUER: '', AUTH_AUDIENCE: '', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
const STACK = /^\s+at |node:internal|\.ts:\d+/m;

describe('npm run -s token [starts: the token CLI as a child process]', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-token-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints its usage for --help and -h, exit 0', () => {
    for (const flag of ['--help', '-h']) {
      const run = token([flag], { DATA_DIR: dir });
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^usage: npm run -s token -- --role <role>/);
      expect(run.stdout).toContain('STREET_CHIEF');
      expect(run.stderr).toBe('');
    }
  });

  it.each([
    [['--bogus'], /^token: Unknown option '--bogus'/],
    [[], /^token: at least one --role is needed/],
    [['--role', 'KING'], /^token: unknown role KING; roles are RESIDENT, /],
    [['--role', 'ADMIN', '--ttl', 'soon'], /^token: --ttl must be a whole number of seconds/],
    [['--role'], /^token: Option '--role <value>' argument missing/],
  ])('refuses %j with one clear line and exit 2, no stack trace', (args, message) => {
    const run = token(args, { DATA_DIR: dir });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(STACK);
    expect(run.stdout).toBe('');
  });

  it('refuses to sign without a key in the data folder, naming the folder, and creates nothing', () => {
    const empty = path.join(dir, 'never-started');
    const run = token(['--role', 'ADMIN'], { DATA_DIR: empty });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `token: no signing key in ${path.join(empty, 'keys')}: start the system with this data folder first ` +
        '(`npm start` creates the key), or set DATA_DIR to the folder the running system uses\n',
    );
    expect(fs.existsSync(empty)).toBe(false);
  });

  it('says so when the key file is not a key', () => {
    fs.mkdirSync(path.join(dir, 'keys'));
    fs.writeFileSync(path.join(dir, 'keys', 'jwt-signing-key.pem'), 'not a key');
    const run = token(['--role', 'ADMIN'], { DATA_DIR: dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^token: cannot use the signing key .*jwt-signing-key\.pem: /);
    expect(run.stderr).not.toMatch(STACK);
  });

  it('prints one token, signed with the data folder’s key, that the system verifies', async () => {
    const key = loadOrCreateDevSigningKey(dir);
    const run = token(['--role', 'STREET_CHIEF', '--scope', 'grid:g1', '--sub', 'chief-1', '--ttl', '600'], {
      DATA_DIR: dir,
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const verifier = new TokenVerifier(new StaticKeyResolver([key]), {
      issuer: 'street-chief/roster',
      audience: 'street-chief',
    });
    const principal = await verifier.verify(run.stdout.trim());
    expect(principal).toMatchObject({ subject: 'chief-1', roles: ['STREET_CHIEF'], scopes: ['grid:g1'] });
  });
});
