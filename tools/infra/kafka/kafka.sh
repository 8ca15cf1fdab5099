#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, no ZooKeeper, no Docker) for dev and CI.
#
#   kafka.sh fetch            download the broker jars into .cache/lib (once)
#   kafka.sh start            start a broker+controller on $KAFKA_PORT and wait until ready
#   kafka.sh stop             stop it (SIGTERM, then SIGKILL after $KAFKA_STOP_TIMEOUT s)
#   kafka.sh restart          stop + start (same data dir: topics and data are kept)
#   kafka.sh status           print whether it runs (exit 0 running, 3 not running)
#   kafka.sh logs [N]         print the last N (default 100) lines of the broker log
#   kafka.sh clean            delete the data dir of $KAFKA_PORT (broker must be stopped)
#   kafka.sh topics ARGS...   org.apache.kafka.tools.TopicCommand --bootstrap-server <this broker> ARGS...
#   kafka.sh tool CLASS ARGS  run any main class from the Kafka jars (e.g. kafka.tools.ConsoleProducer)
#   kafka.sh classpath        print the classpath glob of the Kafka jars
#
# Environment (all optional):
#   KAFKA_PORT             client (PLAINTEXT) port                  default 9092
#   KAFKA_CONTROLLER_PORT  KRaft controller port                    default KAFKA_PORT+1000
#   KAFKA_HOST             address to bind/advertise                default 127.0.0.1
#   KAFKA_DATA_DIR         config, logs, pid file and data          default <script dir>/.cache/run-<port>
#   KAFKA_HEAP             heap flags                               default "-Xmx512m -Xms256m"
#   KAFKA_JVM_OPTS         extra JVM flags, appended
#   KAFKA_START_TIMEOUT    seconds to wait for readiness            default 60
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM            default 30
#   KAFKA_LOG_LEVEL        root log4j level of the broker           default INFO
#   KAFKA_CLUSTER_ID       cluster id used on first format          default random
#   KAFKA_EXTRA_PROPS      extra server.properties lines (newline separated), appended last
#   KAFKA_CACHE_DIR        where jars and default data dirs go      default <script dir>/.cache
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
POM="$SCRIPT_DIR/pom.xml"
CACHE_DIR="${KAFKA_CACHE_DIR:-$SCRIPT_DIR/.cache}"
LIB_DIR="$CACHE_DIR/lib"
MARKER="$LIB_DIR/.fetch-complete"

log() { printf 'kafka: %s\n' "$*"; }
err() { printf 'kafka: ERROR: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"; }

kafka_version() {
  # The <kafka.version> property of the fetch pom.
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1
}

pom_fingerprint() {
  printf '%s %s' "$(kafka_version)" "$(sha256sum "$POM" | cut -d' ' -f1)"
}

# ---------------------------------------------------------------------------
# fetch
# ---------------------------------------------------------------------------
fetch_is_done() {
  [[ -f "$MARKER" ]] && [[ "$(cat "$MARKER")" == "$(pom_fingerprint)" ]]
}

cmd_fetch() {
  if fetch_is_done; then
    log "jars already present (Kafka $(kafka_version), $LIB_DIR)"
    return 0
  fi
  need mvn "install Maven, e.g. apt-get install maven"
  need java "install a JDK 11+, e.g. apt-get install openjdk-17-jdk-headless"
  mkdir -p "$CACHE_DIR"
  # Serialise concurrent fetches (e.g. two brokers started at once).
  exec 8>"$CACHE_DIR/.fetch.lock"
  if command -v flock >/dev/null 2>&1; then flock 8; fi
  if fetch_is_done; then
    log "jars already present (Kafka $(kafka_version), $LIB_DIR)"
    exec 8>&-
    return 0
  fi
  local tmp="$CACHE_DIR/lib.tmp.$$" t0=$SECONDS
  rm -rf "$tmp"
  log "fetching Kafka $(kafka_version) jars with Maven into $LIB_DIR ..."
  if ! mvn -B -q -Dstyle.color=never -f "$POM" \
        dependency:copy-dependencies -DoutputDirectory="$tmp" >"$CACHE_DIR/fetch.log" 2>&1; then
    cat "$CACHE_DIR/fetch.log" >&2 || true
    rm -rf "$tmp"
    die "maven failed to fetch the Kafka jars (log: $CACHE_DIR/fetch.log)"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "kafka_2.13 jar missing after fetch"; }
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  pom_fingerprint >"$MARKER"
  log "fetched $(find "$LIB_DIR" -name '*.jar' | wc -l) jars in $((SECONDS - t0)) s"
  exec 8>&-
}

# ---------------------------------------------------------------------------
# per-broker settings
# ---------------------------------------------------------------------------
init_vars() {
  PORT="${KAFKA_PORT:-9092}"
  [[ "$PORT" =~ ^[0-9]+$ ]] || die "KAFKA_PORT must be a number (got '$PORT')"
  CPORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1000))}"
  [[ "$CPORT" =~ ^[0-9]+$ ]] || die "KAFKA_CONTROLLER_PORT must be a number (got '$CPORT')"
  [[ "$CPORT" != "$PORT" ]] || die "KAFKA_CONTROLLER_PORT must differ from KAFKA_PORT"
  HOST="${KAFKA_HOST:-127.0.0.1}"
  DATA_DIR="${KAFKA_DATA_DIR:-$CACHE_DIR/run-$PORT}"
  HEAP="${KAFKA_HEAP:--Xmx512m -Xms256m}"
  START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
  STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
  LOG_LEVEL="${KAFKA_LOG_LEVEL:-INFO}"
}

# Resolve DATA_DIR to an absolute path (creating it) and derive file names.
init_paths() {
  mkdir -p "$DATA_DIR"
  DATA_DIR="$(cd "$DATA_DIR" && pwd -P)"
  PROPS="$DATA_DIR/server.properties"
  LOG4J="$DATA_DIR/log4j.properties"
  PID_FILE="$DATA_DIR/kafka.pid"
  SERVER_LOG="$DATA_DIR/server.log"
  OUT_LOG="$DATA_DIR/kafka.out"
  KRAFT_DIR="$DATA_DIR/kraft-logs"
}

# Same, without creating anything (for stop/status on a dir that may not exist).
init_paths_noncreate() {
  if [[ -d "$DATA_DIR" ]]; then init_paths; return; fi
  PROPS="$DATA_DIR/server.properties"; PID_FILE="$DATA_DIR/kafka.pid"
  SERVER_LOG="$DATA_DIR/server.log"; OUT_LOG="$DATA_DIR/kafka.out"
}

# Serialise start/stop of one data dir (fd 9; closed for the broker process).
lock_data_dir() {
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$DATA_DIR/.kafka-sh.lock"
  flock -w "$((START_TIMEOUT + STOP_TIMEOUT + 30))" 9 || die "could not lock $DATA_DIR (another kafka.sh busy?)"
}

# ---------------------------------------------------------------------------
# process helpers
# ---------------------------------------------------------------------------
pid_alive() {
  local pid="$1" state
  [[ -n "$pid" && -d "/proc/$pid" ]] || return 1
  # a zombie (exited, not yet reaped) is not alive
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != "Z" && "$state" != "X" ]]
}

# Is $1 the broker java process that uses our server.properties?
is_our_broker() {
  local pid="$1" cmdline
  pid_alive "$pid" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *kafka.Kafka* && "$cmdline" == *"$PROPS"* ]]
}

# Print the pid of our broker (pid file first, then /proc scan for our exact config path).
find_pid() {
  local pid=""
  if [[ -f "$PID_FILE" ]]; then
    pid="$(tr -dc '0-9' <"$PID_FILE" || true)"
    if is_our_broker "$pid"; then echo "$pid"; return 0; fi
  fi
  local d
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    [[ -r "$d/cmdline" ]] || continue
    if is_our_broker "$pid"; then echo "$pid"; return 0; fi
  done
  return 1
}

port_open() {
  # TCP connect with a 1 s cap
  timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" >/dev/null 2>&1
}

print_log_tail() {
  local f
  for f in "$SERVER_LOG" "$OUT_LOG"; do
    if [[ -s "$f" ]]; then
      printf '\n----- last 40 lines of %s -----\n' "$f" >&2
      tail -n 40 "$f" >&2 || true
    fi
  done
}

# ---------------------------------------------------------------------------
# config files
# ---------------------------------------------------------------------------
write_server_properties() {
  local tmp="$PROPS.tmp.$$"
  cat >"$tmp" <<EOF
# Generated by tools/infra/kafka/kafka.sh on every start - edits are overwritten.
# Use KAFKA_EXTRA_PROPS to add or override settings.

# --- single node, KRaft combined mode ---
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CPORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CPORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER

# --- storage ---
log.dirs=$KRAFT_DIR

# --- topics / groups defaults for tests ---
auto.create.topics.enable=true
delete.topic.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0

# --- small footprint ---
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
log.segment.bytes=16777216
log.index.size.max.bytes=1048576
log.retention.hours=24
log.retention.bytes=268435456
log.retention.check.interval.ms=300000
metadata.log.max.record.bytes.between.snapshots=10485760
EOF
  if [[ -n "${KAFKA_EXTRA_PROPS:-}" ]]; then
    printf '\n# --- KAFKA_EXTRA_PROPS ---\n%s\n' "$KAFKA_EXTRA_PROPS" >>"$tmp"
  fi
  mv "$tmp" "$PROPS"
}

write_log4j_properties() {
  cat >"$LOG4J" <<EOF
# Generated by tools/infra/kafka/kafka.sh (log4j 1.x / reload4j syntax).
log4j.rootLogger=$LOG_LEVEL, file

log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$SERVER_LOG
log4j.appender.file.Append=false
log4j.appender.file.MaxFileSize=50MB
log4j.appender.file.MaxBackupIndex=1
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n

# noisy, per-partition / per-request loggers
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel\$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.kafka.log=WARN
log4j.logger.kafka.cluster=WARN
log4j.logger.org.apache.kafka.storage=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
log4j.logger.org.apache.zookeeper=WARN
EOF
}

# log4j config for the command-line tools (warnings to stderr only)
tools_log4j() {
  local f="$CACHE_DIR/tools-log4j.properties"
  if [[ ! -f "$f" ]]; then
    mkdir -p "$CACHE_DIR"
    cat >"$f" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  fi
  echo "$f"
}

# ---------------------------------------------------------------------------
# start / stop / status
# ---------------------------------------------------------------------------
is_formatted() {
  [[ -f "$KRAFT_DIR/meta.properties" ]]
}

new_cluster_id() {
  if [[ -n "${KAFKA_CLUSTER_ID:-}" ]]; then echo "$KAFKA_CLUSTER_ID"; return; fi
  # Kafka cluster ids are 16 random bytes, URL-safe base64 without padding (22 chars).
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    # avoid ids starting with '-' (would look like an option)
    [[ "$id" != -* ]] && break
  done
  echo "$id"
}

cmd_start() {
  init_vars
  need java "install a JDK 11+, e.g. apt-get install openjdk-17-jdk-headless"
  init_paths
  lock_data_dir

  local pid
  if pid="$(find_pid)"; then
    if port_open "$HOST" "$PORT" && grep -q 'Kafka Server started' "$SERVER_LOG" 2>/dev/null; then
      echo "$pid" >"$PID_FILE"
      log "already running on $HOST:$PORT (pid $pid)"
      return 0
    fi
    log "broker process $pid exists but is not ready yet; waiting"
    wait_ready "$pid" "$SECONDS"
    return
  fi
  rm -f "$PID_FILE"

  if port_open "$HOST" "$PORT"; then
    die "port $HOST:$PORT is already in use by another process (not a broker of $DATA_DIR)"
  fi
  if port_open "$HOST" "$CPORT"; then
    die "controller port $HOST:$CPORT is already in use (set KAFKA_CONTROLLER_PORT)"
  fi

  fetch_is_done || cmd_fetch >&2

  local t0=$SECONDS
  write_server_properties
  write_log4j_properties

  local cp="$LIB_DIR/*"
  if ! is_formatted; then
    local cid
    cid="$(new_cluster_id)"
    mkdir -p "$KRAFT_DIR"
    if ! java -Xmx256m -XX:+UseSerialGC -Djava.awt.headless=true \
          -Dlog4j.configuration="file:$(tools_log4j)" -cp "$cp" \
          kafka.tools.StorageTool format -t "$cid" -c "$PROPS" >"$DATA_DIR/format.log" 2>&1; then
      cat "$DATA_DIR/format.log" >&2
      die "formatting the storage in $KRAFT_DIR failed"
    fi
    log "formatted new storage in $KRAFT_DIR (cluster id $cid)"
  fi

  # keep the log of the previous run
  if [[ -f "$SERVER_LOG" ]]; then mv -f "$SERVER_LOG" "$SERVER_LOG.prev"; fi
  if [[ -f "$OUT_LOG" ]]; then mv -f "$OUT_LOG" "$OUT_LOG.prev"; fi

  # shellcheck disable=SC2206
  local heap=($HEAP) extra=(${KAFKA_JVM_OPTS:-})
  local jvm=(
    "${heap[@]}"
    -XX:+UseSerialGC
    -XX:MaxMetaspaceSize=256m
    -XX:ReservedCodeCacheSize=64m
    -Xss512k
    -Djava.awt.headless=true
    -Djava.net.preferIPv4Stack=true
    -Dlog4j.configuration="file:$LOG4J"
    -Dkafka.logs.dir="$DATA_DIR"
    "${extra[@]}"
  )

  # setsid + nohup: the broker survives the calling shell / terminal; the inner
  # bash writes its own pid, then execs java so that pid is the JVM's.
  # shellcheck disable=SC2016  # $$ / $1 / $@ are for the inner bash
  setsid nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PID_FILE" \
    java "${jvm[@]}" -cp "$cp" kafka.Kafka "$PROPS" \
    >"$OUT_LOG" 2>&1 </dev/null 9>&- 8>&- &
  local launcher=$!

  # wait for the pid file written by the launcher
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s "$PID_FILE" ]] && break
    sleep 0.1
  done
  pid="$(tr -dc '0-9' <"$PID_FILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] || pid="$launcher"
  echo "$pid" >"$PID_FILE"
  wait_ready "$pid" "$t0"
}

# wait_ready PID T0 - wait until the broker answers clients, or fail with the log tail
wait_ready() {
  local pid="$1" t0="$2" deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if ! pid_alive "$pid"; then
      err "broker process $pid exited during start-up"
      print_log_tail
      rm -f "$PID_FILE"
      exit 1
    fi
    if grep -q 'Kafka Server started' "$SERVER_LOG" 2>/dev/null && port_open "$HOST" "$PORT"; then
      log "ready on $HOST:$PORT (pid $pid, $((SECONDS - t0)) s, data $DATA_DIR)"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      err "broker on $HOST:$PORT not ready after ${START_TIMEOUT} s; stopping it (pid $pid)"
      print_log_tail
      stop_pid "$pid"
      exit 1
    fi
    sleep 0.25
  done
}

cmd_stop() {
  init_vars
  init_paths_noncreate
  if [[ -d "$DATA_DIR" ]]; then lock_data_dir; fi
  local pid
  if ! pid="$(find_pid)"; then
    rm -f "$PID_FILE"
    log "not running on port $PORT (nothing to stop)"
    return 0
  fi
  local t0=$SECONDS
  stop_pid "$pid"
  log "stopped broker on port $PORT (pid $pid, $((SECONDS - t0)) s)"
}

# stop_pid PID - SIGTERM, wait up to STOP_TIMEOUT s, then SIGKILL; removes the pid file
stop_pid() {
  local pid="$1" t0=$SECONDS i
  kill -TERM "$pid" 2>/dev/null || true
  while pid_alive "$pid" && ((SECONDS - t0 < STOP_TIMEOUT)); do
    sleep 0.25
  done
  if pid_alive "$pid"; then
    err "broker $pid did not stop within ${STOP_TIMEOUT} s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do pid_alive "$pid" || break; sleep 0.25; done
  fi
  rm -f "$PID_FILE"
}

cmd_status() {
  init_vars
  init_paths_noncreate
  local pid
  if pid="$(find_pid)"; then
    if port_open "$HOST" "$PORT"; then
      log "running on $HOST:$PORT (pid $pid, data $DATA_DIR)"
    else
      log "starting (pid $pid, port $HOST:$PORT not open yet)"
    fi
    return 0
  fi
  log "not running on port $PORT"
  return 3
}

cmd_logs() {
  init_vars
  init_paths_noncreate
  [[ -f "$SERVER_LOG" ]] || die "no log at $SERVER_LOG"
  tail -n "${1:-100}" "$SERVER_LOG"
}

cmd_clean() {
  init_vars
  init_paths_noncreate
  if find_pid >/dev/null; then die "broker on port $PORT is running; stop it first"; fi
  rm -rf "$DATA_DIR"
  log "removed $DATA_DIR"
}

cmd_tool() {
  [[ $# -ge 1 ]] || die "usage: kafka.sh tool MAIN_CLASS [ARGS...]"
  need java "install a JDK 11+"
  fetch_is_done || cmd_fetch >&2
  local cls="$1"; shift
  exec java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$(tools_log4j)" -cp "$LIB_DIR/*" "$cls" "$@"
}

cmd_topics() {
  init_vars
  cmd_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:$PORT" "$@"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    fetch) cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart) cmd_stop; cmd_start ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    clean) cmd_clean ;;
    tool) cmd_tool "$@" ;;
    topics) cmd_topics "$@" ;;
    classpath) echo "$LIB_DIR/*" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
