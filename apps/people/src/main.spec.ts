import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

describe('people main [starts: the people app as a child process]', () => {
  it('stops start-up with one clear line naming each wrong variable, without printing values', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/.bin/tsx'), 'apps/people/src/main.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          PEOPLE_PORT: 'not-a-port',
          PEOPLE_DATABASE_URL: 'postgres://secret@db/x',
          PEOPLE_COMMUNITY_CODE: 'Not A Code',
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.status).toBe(78);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^people: invalid configuration: /);
    expect(lines[0]).toContain('PEOPLE_PORT');
    expect(lines[0]).toContain('PEOPLE_DATABASE_URL');
    expect(lines[0]).toContain('PEOPLE_COMMUNITY_CODE');
    expect(lines[0]).not.toContain('secret');
  });
});
