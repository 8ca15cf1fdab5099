import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevSigningKey, StaticKeyResolver, TokenVerifier } from '@sc/auth';

const root = path.resolve(__dirname, '../../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

/** `npm run -s token`, run from `cwd` (the tool resolves DATA_DIR against it), with the given DATA_DIR. */
function token(cwd: string, dataDir: string | undefined) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['DATA_DIR'];
  if (dataDir !== undefined) env['DATA_DIR'] = dataDir;
  return spawnSync(
    process.execPath,
    [
      tsx,
      '--tsconfig',
      path.join(root, 'tsconfig.json'),
      path.join(root, 'tools/token/token.ts'),
      '--role',
      'ADMIN',
    ],
    { cwd, env, encoding: 'utf8', timeout: 60_000 },
  );
}

describe('the token tool [starts: tools/token as a child process]', () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-token-tool-'));
  afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

  it.each([[''], ['  ']])(
    'refuses DATA_DIR=%j with one configuration line and writes no key into the working directory',
    (value) => {
      const run = token(cwd, value);
      expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
        status: 78,
        stdout: '',
        stderr:
          'token: invalid configuration: DATA_DIR: must not be empty (unset it for the default, .data)\n',
      });
      expect(fs.readdirSync(cwd)).toEqual([]);
    },
  );

  it('signs with the key under the data folder it is given (relative to the working directory)', async () => {
    // The key a system started with DATA_DIR=<cwd>/data created.
    const key = loadOrCreateDevSigningKey(path.join(cwd, 'data'));
    const run = token(cwd, 'data');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const verifier = new TokenVerifier(new StaticKeyResolver([key]), {
      issuer: 'street-chief/roster',
      audience: 'street-chief',
    });
    await expect(verifier.verify(run.stdout.trim())).resolves.toMatchObject({ roles: ['ADMIN'] });
  });
});
