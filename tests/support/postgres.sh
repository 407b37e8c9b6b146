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
# for the role copsched, on a socket in a directory only that server uses. The server
# itself is started by deploy/lib.sh's pg_init/pg_start, which deploy/cluster uses too.
set -euo pipefail
source "$(dirname "$0")/../../deploy/lib.sh"

command=${1:?start or stop}
url_file=${2:?the file that holds the URL}
bin=$(pg_bin)
if [ -z "$bin" ]; then
  echo "postgres.sh: no PostgreSQL server in /usr/lib/postgresql (Debian package postgresql-15)" >&2
  exit 1
fi

case "$command" in
start)
  if [ -f "$url_file.dir" ]; then "$0" stop "$url_file" || true; fi
  dir=$(mktemp -d /tmp/copsched-pg.XXXXXX)
  echo "$dir" > "$url_file.dir"
  pg_init "$dir"
  # fsync stays on: the tests check what a commit promises.
  pg_start "$dir" -c max_connections=200 -c shared_buffers=64MB
  "$bin/createdb" -h "$dir" -U copsched copsched_test
  echo "postgresql://copsched@/copsched_test?host=$dir" > "$url_file"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $dir"
  ;;
stop)
  [ -f "$url_file.dir" ] || exit 0
  dir=$(cat "$url_file.dir")
  pg_stop "$dir"
  rm -rf "$dir" "$url_file" "$url_file.dir"
  ;;
*)
  echo "usage: $0 start|stop URL_FILE" >&2
  exit 2
  ;;
esac
