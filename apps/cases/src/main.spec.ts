import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

describe('cases main [starts: the cases app as a child process]', () => {
  it('stops start-up with one clear line naming each wrong variable, without printing values', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/.bin/tsx'), 'apps/cases/src/main.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          CASES_PORT: 'not-a-port',
          CASES_DATABASE_URL: 'postgres://secret@db/x',
          CASES_COMMUNITY_CODE: 'Not A Code',
          CASES_WARN_AT: '2',
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.status).toBe(78);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cases: invalid configuration: /);
    expect(lines[0]).toContain('CASES_PORT');
    expect(lines[0]).toContain('CASES_DATABASE_URL');
    expect(lines[0]).toContain('CASES_COMMUNITY_CODE');
    expect(lines[0]).toContain('CASES_WARN_AT');
    expect(lines[0]).not.toContain('secret');
  });
});
