#!/usr/bin/env bash
# Make sure a MariaDB server is reachable for local dev and CI.
#
#   mariadb.sh ensure             ping the server; if down and local, start it and wait
#   mariadb.sh create-db NAME...  ensure, then CREATE DATABASE IF NOT EXISTS (utf8mb4 / utf8mb4_unicode_ci)
#   mariadb.sh status             ping only (exit 0 reachable, 3 not reachable)
#
# Environment (all optional):
#   DB_HOST          default 127.0.0.1
#   DB_PORT          default 3306
#   DB_USER          default root
#   DB_PASSWORD      default empty (passed via MYSQL_PWD, never on the command line)
#   DB_WAIT_TIMEOUT  seconds to wait for the server after starting it, default 60
#   MARIADBD         server binary started when down, default /usr/sbin/mariadbd
set -euo pipefail

DB_HOST="${DB_HOST:-127.0.0.1}"
DB_PORT="${DB_PORT:-3306}"
DB_USER="${DB_USER:-root}"
DB_WAIT_TIMEOUT="${DB_WAIT_TIMEOUT:-60}"
MARIADBD="${MARIADBD:-/usr/sbin/mariadbd}"

log() { printf 'mariadb: %s\n' "$*"; }
die() { printf 'mariadb: ERROR: %s\n' "$*" >&2; exit 1; }

client_bin() {
  # Debian 12 ships mariadb / mariadb-admin; older ones only mysql / mysqladmin.
  local b
  for b in "$@"; do
    if command -v "$b" >/dev/null 2>&1; then echo "$b"; return 0; fi
  done
  return 1
}

ADMIN="$(client_bin mariadb-admin mysqladmin)" ||
  die "mariadb-admin not found (apt-get install mariadb-client)"
CLIENT="$(client_bin mariadb mysql)" ||
  die "mariadb client not found (apt-get install mariadb-client)"

# Run a client command with the connection settings; the password goes through
# MYSQL_PWD so it does not show up in `ps`.
with_conn() {
  local bin="$1"; shift
  if [[ -n "${DB_PASSWORD:-}" ]]; then
    MYSQL_PWD="$DB_PASSWORD" "$bin" --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" -u"$DB_USER" "$@"
  else
    env -u MYSQL_PWD "$bin" --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" -u"$DB_USER" "$@"
  fi
}

# `ping` succeeds as soon as the server answers, even when the credentials are wrong.
ping_ok() {
  with_conn "$ADMIN" --connect-timeout=2 ping >/dev/null 2>&1
}

is_local_host() {
  case "$DB_HOST" in
    127.* | localhost | ::1 | "$(hostname 2>/dev/null || echo localhost)") return 0 ;;
    *) return 1 ;;
  esac
}

start_local_server() {
  [[ -x "$MARIADBD" ]] || die "$MARIADBD not found: install the server (apt-get install mariadb-server)"
  command -v start-stop-daemon >/dev/null 2>&1 || die "start-stop-daemon not found"
  # /run is a tmpfs: the socket/pid dir may be missing after a reboot.
  if [[ ! -d /run/mysqld ]]; then
    mkdir -p /run/mysqld
    if id mysql >/dev/null 2>&1; then chown mysql:mysql /run/mysqld; fi
  fi
  log "not reachable on $DB_HOST:$DB_PORT; starting $MARIADBD"
  start-stop-daemon --start --oknodo --background --exec "$MARIADBD"
}

cmd_status() {
  if ping_ok; then
    log "reachable on $DB_HOST:$DB_PORT"
    return 0
  fi
  log "not reachable on $DB_HOST:$DB_PORT"
  return 3
}

cmd_ensure() {
  local t0=$SECONDS
  if ! ping_ok; then
    is_local_host || die "not reachable on $DB_HOST:$DB_PORT (remote host: not starting anything)"
    start_local_server
    local deadline=$((SECONDS + DB_WAIT_TIMEOUT))
    until ping_ok; do
      if ((SECONDS >= deadline)); then
        with_conn "$ADMIN" --connect-timeout=2 ping >&2 || true
        die "still not reachable on $DB_HOST:$DB_PORT after ${DB_WAIT_TIMEOUT} s"
      fi
      sleep 0.5
    done
  fi
  # Check the credentials as well: ping alone does not.
  local out
  if ! out="$(with_conn "$CLIENT" --connect-timeout=5 -N -B -e 'SELECT VERSION()' 2>&1)"; then
    die "server is up on $DB_HOST:$DB_PORT but login as '$DB_USER' failed: $out"
  fi
  log "ready on $DB_HOST:$DB_PORT (server $out, $((SECONDS - t0)) s)"
}

cmd_create_db() {
  [[ $# -ge 1 ]] || die "usage: mariadb.sh create-db NAME..."
  local name sql=""
  for name in "$@"; do
    [[ "$name" =~ ^[A-Za-z0-9_]{1,64}$ ]] || die "invalid database name '$name' (letters, digits, _ ; max 64)"
    sql+="CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
  done
  cmd_ensure
  with_conn "$CLIENT" --connect-timeout=5 -e "$sql" || die "creating databases failed"
  log "databases present: $*"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  ensure) cmd_ensure ;;
  create-db) cmd_create_db "$@" ;;
  status) cmd_status ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
