# shellcheck shell=bash
# One least-privilege MySQL account per service: user <service>@'%' with the password from
# <SERVICE>_DB_PASSWORD, allowed to read/write and migrate (DDL) its own database and nothing else.
# Services whose password variable is unset or empty are skipped (not deployed yet).
#
# Two ways this runs:
#  - on the first start of an empty volume, SOURCED by the mysql image's entrypoint (keep this file
#    NOT executable: then it may use the entrypoint's docker_process_sql, talking to the temporary
#    init server over its socket);
#  - by hand on a running server, to add a service or rotate a password (idempotent):
#      docker compose -f docker/compose.yaml exec mysql bash /docker-entrypoint-initdb.d/02-service-users.sh
#    (the <SERVICE>_DB_PASSWORD variables must be in the mysql service's environment, see compose.yaml).
#
# Being sourced, it must neither `exit` nor leave variables or `set` options behind.

sc_create_service_users() {
  local services='roster people cases deliberation county_feed'
  local service var password
  for service in $services; do
    var="$(printf '%s' "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    password="${!var:-}"
    if [ -z "$password" ]; then
      echo "02-service-users: ${var} is not set; no account for ${service}"
      continue
    fi
    # SQL string literal: escape backslashes, then double single quotes.
    password="${password//\\/\\\\}"
    password="${password//\'/\'\'}"
    echo "02-service-users: account ${service}@'%' on database ${service}"
    sc_sql <<-SQL || return 1
	CREATE DATABASE IF NOT EXISTS \`${service}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
	CREATE USER IF NOT EXISTS '${service}'@'%' IDENTIFIED BY '${password}';
	ALTER USER '${service}'@'%' IDENTIFIED BY '${password}';
	GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES
	  ON \`${service}\`.* TO '${service}'@'%';
	SQL
  done
}

sc_sql() {
  if declare -F docker_process_sql >/dev/null; then
    # Sourced by the entrypoint: root over the init server's socket, password handled by it.
    docker_process_sql --database=mysql
  else
    # By hand in the running container: root@localhost over the socket. The password goes through
    # a process-substitution option file, never the command line.
    mysql --defaults-extra-file=<(printf '[client]\nuser=root\npassword="%s"\n' "${MYSQL_ROOT_PASSWORD:?MYSQL_ROOT_PASSWORD is not set}") \
      --protocol=socket --database=mysql
  fi
}

sc_create_service_users
sc_status=$?
unset -f sc_create_service_users sc_sql
if [ "$sc_status" -ne 0 ]; then
  unset sc_status
  # Sourced: fail the entrypoint (set -e) so a half-initialised volume is not taken for a good one.
  false
else
  unset sc_status
fi
