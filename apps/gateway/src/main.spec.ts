import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

describe('gateway main [starts: the gateway app as a child process]', () => {
  it('stops start-up with one clear line naming the wrong variable', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/.bin/tsx'), 'apps/gateway/src/main.ts'],
      {
        cwd: root,
        env: { ...process.env, AUTH_JWKS_URL: 'not a url' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.status).toBe(78);
    expect(run.stderr.trim()).toMatch(/^gateway: invalid configuration: AUTH_JWKS_URL: expected a URL$/);
  });
});
