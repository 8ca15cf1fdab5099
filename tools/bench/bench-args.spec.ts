import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const STACK = /^\s+at |node:internal|\.ts:\d+/m;

/** Runs a bench as its npm script does (tsx from the repository root). */
function bench(file: string, args: string[]) {
  const run = spawnSync(process.execPath, [path.join(root, 'node_modules/.bin/tsx'), file, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

// Only the argument handling: with --help or a bad argument a bench must stop before it starts anything.
describe('bench CLIs, arguments [starts: the benches as child processes; needs: nothing]', () => {
  describe.each([
    [
      'tools/bench/people-import.ts',
      /^usage: npm run bench:import -- \[--rows N\]/,
      [
        [['--bogus'], /^bench:import: unknown argument --bogus\n/],
        [['--rows', 'many'], /^bench:import: --rows needs a whole number ≥ 1\n/],
        [['--batch'], /^bench:import: --batch needs a whole number ≥ 1\n/],
        [
          ['--no-reference', '--reference-only'],
          /^bench:import: --no-reference and --reference-only exclude/,
        ],
      ],
    ],
    [
      'tools/bench/embedded-mutation.ts',
      /^usage: npm run bench:embedded \[-- --n 300\]/,
      [
        [['--bogus'], /^bench:embedded: Unknown option '--bogus'\n/],
        [['--n', '3'], /^bench:embedded: --n must be a whole number ≥ 10\n/],
        [['--n'], /^bench:embedded: Option '--n <value>' argument missing\n/],
      ],
    ],
    [
      'tools/bench/roster-writes.ts',
      /^usage: npm run bench:writes \[-- --n 600\]/,
      [
        [['--bogus'], /^bench:writes: Unknown option '--bogus'\n/],
        [['--n', '3'], /^bench:writes: --n must be a whole number ≥ 50\n/],
        [['--clients', '1'], /^bench:writes: --clients must be a whole number from 2 to 50\n/],
      ],
    ],
    [
      'tools/bench/cases.ts',
      /^usage: npm run bench:cases \[-- --cases N\]/,
      [
        [['--bogus'], /^bench:cases: Unknown option '--bogus'\n/],
        [['--cases', '10'], /^bench:cases: --cases must be a whole number ≥ 1000\n/],
        [['--open'], /^bench:cases: Option '--open <value>' argument missing\n/],
      ],
    ],
    [
      'tools/bench/gateway.ts',
      /^usage: npm run bench:gateway \[-- --quick\]/,
      [
        [['--bogus'], /^bench:gateway: Unknown option '--bogus'\n/],
        [['--runs', 'many'], /^bench:gateway: --runs needs a whole number ≥ 1\n/],
        [
          ['--connections', '10,x'],
          /^bench:gateway: --connections needs whole numbers ≥ 1, comma-separated\n/,
        ],
        [['--targets', 'direct,nginx'], /^bench:gateway: --targets: unknown nginx \(one of direct, /],
        [['--from', 'docker'], /^bench:gateway: --from is bundle or source\n/],
      ],
    ],
    [
      'tools/bench/deliberation-vote.ts',
      /^usage: npm run bench:vote \[-- --quick\]/,
      [
        [['--bogus'], /^bench:vote: Unknown option '--bogus'\n/],
        [['--concurrency', '0'], /^bench:vote: --concurrency needs a whole number ≥ 1\n/],
        [['--concurrency'], /^bench:vote: Option '--concurrency <value>' argument missing\n/],
      ],
    ],
  ] as [string, RegExp, [string[], RegExp][]][])('%s', (file, usage, bad) => {
    it('prints its usage for --help, exit 0', () => {
      const run = bench(file, ['--help']);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(usage);
      expect(run.stderr).toBe('');
    });

    it.each(bad)('refuses %j with one line and the usage, exit 2, no stack trace', (args, message) => {
      const run = bench(file, args);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toEqual([expect.any(String), expect.stringMatching(usage)]);
      expect(run.stderr).not.toMatch(STACK);
      expect(run.stdout).toBe('');
    });
  });
});
