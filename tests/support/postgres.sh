#!/bin/bash
# A throwaway PostgreSQL server for the tests, on a Unix socket only (no TCP port).
#
#   tests/support/postgres.sh start URL_FILE   initdb in a new directory under /tmp, start
#                                              it, create the database copsched_test and
#                                              write its URL to URL_FILE
#   tests/support/postgres.sh stop URL_FILE    stop that server and remove its directory
#
# PostgreSQL refuses to run as root: as root (CI), initdb and the server run as the
# `postgres` user that Debian's postgresql-15 package creates. Authentication is `trust`
# for the role copsched, on a socket in a directory only that server uses.
set -euo pipefail

command=${1:?start or stop}
url_file=${2:?the file that holds the URL}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
  echo "postgres.sh: no PostgreSQL server in /usr/lib/postgresql (Debian package postgresql-15)" >&2
  exit 1
fi

as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
  if [ -f "$url_file.dir" ]; then "$0" stop "$url_file" || true; fi
  dir=$(mktemp -d /tmp/copsched-pg.XXXXXX)
  echo "$dir" > "$url_file.dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  as_server_user "$bin/initdb" -D "$dir/data" -U copsched --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  # fsync stays on: the tests check what a commit promises.
  as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -c listen_addresses='' -c max_connections=200 -c shared_buffers=64MB" start > /dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  "$bin/createdb" -h "$dir" -U copsched copsched_test
  echo "postgresql://copsched@/copsched_test?host=$dir" > "$url_file"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $dir"
  ;;
stop)
  [ -f "$url_file.dir" ] || exit 0
  dir=$(cat "$url_file.dir")
  as_server_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null 2>&1 || true
  rm -rf "$dir" "$url_file" "$url_file.dir"
  ;;
*)
  echo "usage: $0 start|stop URL_FILE" >&2
  exit 2
  ;;
esac
