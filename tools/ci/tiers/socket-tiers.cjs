// Which real services a test talks to (issue 18: the suite's claims, read off CI). Loaded by the jest
// test environment (tier-environment.cjs) and, through NODE_OPTIONS, by every Node child process a test
// starts. It notes a write on a TCP socket whose remote port is MariaDB's or a Kafka broker's:
//   MariaDB: the port of TEST_MYSQL_URL and SC_EVENTS_TEST_MYSQL (default 3306)
//   Kafka:   the ports of TEST_KAFKA_BROKERS (default 9092), SC_EVENTS_TEST_KAFKA_PORT (29092),
//            TEST_OUTAGE_KAFKA_PORT (29392), and SC_TEST_TIER_KAFKA_PORTS (comma-separated)
// In a child process it appends `<test id> <tier>` to <SC_TEST_TIER_DIR>/child-<pid>.marks, once per tier,
// where <test id> is SC_TEST_TIER_TEST, set by the environment while the test that started it runs.
// It never prints anything and changes nothing the socket does.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const KEY = Symbol.for('sc.socketTiers');

function urlPort(url, fallback) {
  if (!url) return fallback;
  try {
    const u = new URL(url);
    return u.port ? Number(u.port) : fallback;
  } catch {
    return fallback;
  }
}

function ports(env) {
  const mariadb = new Set([urlPort(env.TEST_MYSQL_URL, 3306), urlPort(env.SC_EVENTS_TEST_MYSQL, 3306)]);
  const kafka = new Set([29092, 29392]);
  const brokers = (env.TEST_KAFKA_BROKERS || '127.0.0.1:9092').split(',');
  for (const b of brokers) kafka.add(Number(b.trim().split(':').pop()));
  for (const p of [
    env.SC_EVENTS_TEST_KAFKA_PORT,
    env.TEST_OUTAGE_KAFKA_PORT,
    ...(env.SC_TEST_TIER_KAFKA_PORTS || '').split(','),
  ]) {
    if (p && Number(p) > 0) kafka.add(Number(p));
  }
  for (const p of mariadb) kafka.delete(p);
  return { mariadb, kafka };
}

/** Installs the socket hook once per process; returns the shared state ({ hit, reset }). */
function install() {
  if (globalThis[KEY]) return globalThis[KEY];
  const { mariadb, kafka } = ports(process.env);
  const state = {
    hit: { mariadb: false, kafka: false },
    reset() {
      state.hit = { mariadb: false, kafka: false };
    },
    onHit: null,
  };
  const write = net.Socket.prototype.write;
  net.Socket.prototype.write = function tieredWrite(...args) {
    const port = this.remotePort;
    if (port !== undefined) {
      const tier = mariadb.has(port) ? 'mariadb' : kafka.has(port) ? 'kafka' : null;
      if (tier && !state.hit[tier]) {
        state.hit[tier] = true;
        if (state.onHit) state.onHit(tier);
      }
    }
    return write.apply(this, args);
  };
  globalThis[KEY] = state;
  return state;
}

module.exports = { install, ports };

// Preloaded into a child process (NODE_OPTIONS=--require): report to the parent test's marks file.
if (require.main !== module && process.env.SC_TEST_TIER_CHILD === '1' && process.env.SC_TEST_TIER_DIR) {
  const dir = process.env.SC_TEST_TIER_DIR;
  const test = process.env.SC_TEST_TIER_TEST;
  if (test && !globalThis[KEY]) {
    const state = install();
    state.onHit = (tier) => {
      try {
        fs.appendFileSync(path.join(dir, `child-${process.pid}.marks`), `${test} ${tier}\n`);
      } catch {
        // the directory is gone: the run is over, nothing to report to
      }
    };
  }
}
