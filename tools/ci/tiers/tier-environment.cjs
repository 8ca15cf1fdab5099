// The jest test environment of every project (jest.preset.js): Node's, plus a record of what each test
// talked to (socket-tiers.cjs). With SC_TEST_TIER_DIR set (tools/ci/test.sh sets it), each spec file
// writes <dir>/<file id>.json: per test its name, status, and whether it (its beforeEach/afterEach, the
// beforeAll hooks of its describe blocks, or a Node child process it started) wrote to MariaDB or Kafka,
// and whether it started a child process. tier-summary.mjs adds them up.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const childProcess = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { TestEnvironment } = require('jest-environment-node');
const { install } = require('./socket-tiers.cjs');

const TRACKER = path.join(__dirname, 'socket-tiers.cjs');
const ROOT = path.resolve(__dirname, '../../..');

const spawned = { any: false };
if (!childProcess[Symbol.for('sc.spawnTier')]) {
  // ChildProcess#spawn underlies spawn, exec, execFile and fork; the *Sync forms are wrapped one by one.
  const proto = childProcess.ChildProcess.prototype;
  const spawn = proto.spawn;
  proto.spawn = function tieredSpawn(...args) {
    spawned.any = true;
    return spawn.apply(this, args);
  };
  for (const name of ['spawnSync', 'execSync', 'execFileSync']) {
    const original = childProcess[name];
    childProcess[name] = function tieredSync(...args) {
      spawned.any = true;
      return original.apply(this, args);
    };
  }
  childProcess[Symbol.for('sc.spawnTier')] = true;
}

function fullName(test) {
  const names = [];
  for (let block = test; block; block = block.parent) {
    if (block.name && block.name !== 'ROOT_DESCRIBE_BLOCK') names.unshift(block.name);
  }
  return names.join(' › ');
}

class TierEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.dir = process.env.SC_TEST_TIER_DIR || '';
    this.file = path.relative(ROOT, context.testPath);
    this.fileId = `${path.basename(context.testPath)}-${randomBytes(6).toString('hex')}`;
    this.state = install();
    this.state.onHit = null; // this process is a jest worker, not a child of a test
    this.blocks = new WeakMap();
    this.tests = [];
    this.seq = 0;
    this.current = null;
    if (this.dir) {
      const preload = `--require ${TRACKER}`;
      for (const env of [process.env, this.global.process.env]) {
        if (!(env.NODE_OPTIONS || '').includes(TRACKER))
          env.NODE_OPTIONS = `${env.NODE_OPTIONS || ''} ${preload}`.trim();
        env.SC_TEST_TIER_CHILD = '1';
      }
    }
  }

  setTestId(id) {
    for (const env of [process.env, this.global.process.env]) {
      if (id) env.SC_TEST_TIER_TEST = id;
      else delete env.SC_TEST_TIER_TEST;
    }
  }

  handleTestEvent(event) {
    switch (event.name) {
      case 'hook_start':
        if (event.hook.type === 'beforeAll') {
          this.state.reset();
          spawned.any = false;
          this.current = `${this.fileId}#h${this.seq++}`;
          event.hook.scTierId = this.current;
          this.setTestId(this.current);
        }
        break;
      case 'hook_success':
      case 'hook_failure':
        if (event.hook.type === 'beforeAll') {
          const prev = this.blocks.get(event.hook.parent) || {
            mariadb: false,
            kafka: false,
            child: false,
            ids: [],
          };
          this.blocks.set(event.hook.parent, {
            mariadb: prev.mariadb || this.state.hit.mariadb,
            kafka: prev.kafka || this.state.hit.kafka,
            child: prev.child || spawned.any,
            ids: [...prev.ids, event.hook.scTierId],
          });
          this.setTestId(null);
        }
        break;
      case 'test_start':
        this.state.reset();
        spawned.any = false;
        this.current = `${this.fileId}#t${this.seq++}`;
        event.test.scTierId = this.current;
        this.setTestId(this.current);
        break;
      case 'test_done': {
        const own = { mariadb: this.state.hit.mariadb, kafka: this.state.hit.kafka, child: spawned.any };
        const ids = [event.test.scTierId];
        for (let block = event.test.parent; block; block = block.parent) {
          const b = this.blocks.get(block);
          if (b) {
            own.mariadb ||= b.mariadb;
            own.kafka ||= b.kafka;
            own.child ||= b.child;
            ids.push(...b.ids);
          }
        }
        this.tests.push({
          name: fullName(event.test),
          status: event.test.errors.length > 0 ? 'failed' : 'passed',
          ...own,
          ids,
        });
        this.setTestId(null);
        break;
      }
      case 'test_skip':
      case 'test_todo':
        this.tests.push({
          name: fullName(event.test),
          status: 'skipped',
          mariadb: false,
          kafka: false,
          child: false,
          ids: [],
        });
        break;
      default:
        break;
    }
  }

  async teardown() {
    if (this.dir) {
      // What the child processes of this file's tests reported (socket-tiers.cjs).
      const marks = new Map();
      try {
        for (const f of fs.readdirSync(this.dir)) {
          if (!f.endsWith('.marks')) continue;
          for (const line of fs.readFileSync(path.join(this.dir, f), 'utf8').split('\n')) {
            const [id, tier] = line.split(' ');
            if (id && id.startsWith(`${this.fileId}#`)) marks.set(`${id} ${tier}`, true);
          }
        }
      } catch {
        // no marks: no child talked to MariaDB or Kafka
      }
      const tests = this.tests.map(({ ids, ...t }) => ({
        ...t,
        mariadb: t.mariadb || ids.some((id) => marks.has(`${id} mariadb`)),
        kafka: t.kafka || ids.some((id) => marks.has(`${id} kafka`)),
      }));
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(
        path.join(this.dir, `${this.fileId}.json`),
        JSON.stringify({ file: this.file, tests }),
      );
    }
    await super.teardown();
  }
}

module.exports = TierEnvironment;
