#!/usr/bin/env bash
# The test command (`npm test`): starts what the tests need, checks everything, stops what it started.
#   1. MariaDB on 127.0.0.1:3306 (started if down)      tools/infra/mariadb.sh
#   2. a Kafka 3.9 KRaft broker from the official jars   tools/infra/kafka/kafka.sh
#   3. supergraph composition, SDL descriptions and generated-file checks, the example operations of
#      docs/frontend against the API schema, typecheck, format check, lint
#      (Nx module boundaries)
#   4. every jest project through Nx, integration specs against the real MariaDB and Kafka
#   5. a line per tier: how many tests talked to MariaDB, to Kafka, started child processes, neither
#      (tools/ci/tiers: observed on the sockets, not read from the spec names)
# Exits non-zero on the first failure. Run through npm so Node 24 (the node devDependency) is used.
set -euo pipefail
cd "$(dirname "$0")/../.."

export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true NX_TUI=false
export TEST_KAFKA_PORT="${TEST_KAFKA_PORT:-9092}"
export TEST_KAFKA_BROKERS="127.0.0.1:${TEST_KAFKA_PORT}"
export TEST_MYSQL_URL="${TEST_MYSQL_URL:-mariadb://${DB_USER:-root}${DB_PASSWORD:+:${DB_PASSWORD}}@${DB_HOST:-127.0.0.1}:${DB_PORT:-3306}}"

step() { printf '\n== %s\n' "$*"; }
started=$(date +%s)

step "node $(node --version)"
node tools/scripts/node-check.mjs

step "MariaDB"
bash tools/infra/mariadb.sh ensure

step "Kafka broker on ${TEST_KAFKA_BROKERS}"
kafka_was_running=0
if KAFKA_PORT="$TEST_KAFKA_PORT" bash tools/infra/kafka/kafka.sh status >/dev/null 2>&1; then kafka_was_running=1; fi
KAFKA_PORT="$TEST_KAFKA_PORT" bash tools/infra/kafka/kafka.sh start
cleanup() {
  if [ "$kafka_was_running" = 0 ]; then KAFKA_PORT="$TEST_KAFKA_PORT" bash tools/infra/kafka/kafka.sh stop || true; fi
}
trap cleanup EXIT

step "supergraph composes; every SDL definition is described; generated files are current"
npx tsx tools/registry/manifest.ts --check
npx tsx tools/supergraph/compose.ts --check
npx tsx tools/lint/sdl-descriptions.ts
npx tsx tools/asyncapi/generate.ts --check
npx tsx tools/codegen/codegen.ts --check
npx tsx tools/codegen/operations.ts

step "typecheck"
npx tsc -p tsconfig.json --noEmit

step "format"
npx prettier --check . --log-level warn

step "lint"
npx nx run-many -t lint --parallel=2 --outputStyle=static

step "tests"
SC_TEST_TIER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sc-test-tiers.XXXXXX")
export SC_TEST_TIER_DIR
trap 'rm -rf "$SC_TEST_TIER_DIR"; cleanup' EXIT
# A hung test (an open handle) must fail the run, not eat the CI budget.
tests_rc=0
# Two projects at a time: most specs wait on MariaDB, Kafka and child processes rather than compute,
# and nothing is shared between projects but the servers (every spec takes its own database, topics
# or broker port, and port 0 for what it starts).
timeout --kill-after=30 1500 npx nx run-many -t test --parallel=2 --outputStyle=static -- --ci || tests_rc=$?

step "tests by tier"
tiers_rc=0
node tools/ci/tiers/tier-summary.mjs "$SC_TEST_TIER_DIR" || tiers_rc=$?
if [ "$tests_rc" != 0 ]; then exit "$tests_rc"; fi
if [ "$tiers_rc" != 0 ]; then exit "$tiers_rc"; fi

step "all green in $(( $(date +%s) - started )) s"
