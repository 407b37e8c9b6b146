# Shared by deploy/run and deploy/test: install missing Debian packages, build.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian 12 packages. Boost 1.81 comes from the versioned packages: Debian's default
# Boost 1.74 dev packages clash with them and must not be installed.
BUILD_PACKAGES=(g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libical-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev catch2 tzdata
  libhowardhinnant-date-dev zlib1g-dev libpq-dev libgmime-3.0-dev)
TEST_PACKAGES=(sqlite3 curl python3 clang-format git
  python3-icalendar python3-recurring-ical-events python3-aiosmtpd nodejs
  clang-15 libfuzzer-15-dev slowhttptest postgresql-15 dovecot-imapd chromium)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs the packages that are not installed yet; does nothing when all are there.
install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends "${missing[@]}"
}

# The lock files apt and dpkg hold while they run (unattended-upgrades on a new machine, or
# another apt-get): true while one of them is taken.
APT_LOCK_WAIT_SECONDS="${APT_LOCK_WAIT_SECONDS:-600}"
apt_locked() {
  lslocks -n -o PATH 2>/dev/null |
    grep -qE '^/var/lib/(dpkg/lock|dpkg/lock-frontend|apt/lists/lock|apt/archives/lock)$'
}

# apt_get ARGS...: apt-get as root, after waiting (up to APT_LOCK_WAIT_SECONDS) for another
# package manager to finish; apt-get itself waits as long for the dpkg lock.
apt_get() {
  local sudo=() waited=0
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  while apt_locked && [ "$waited" -lt "$APT_LOCK_WAIT_SECONDS" ]; do
    [ "$waited" -eq 0 ] &&
      say "waiting for another apt/dpkg to finish (up to ${APT_LOCK_WAIT_SECONDS} s; e.g. unattended-upgrades)"
    sleep 5
    waited=$((waited + 5))
  done
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get -o "DPkg::Lock::Timeout=$APT_LOCK_WAIT_SECONDS" "$@"
}

# build DIR [cmake options...]: configure (once) and build in ROOT/DIR.
build() {
  local dir="$ROOT/$1"; shift
  say "building in ${dir#"$ROOT"/}"
  cmake -S "$ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -- -j"$(nproc)"
}

# install_npm_packages DIR WHAT: `npm ci` in ROOT/DIR (a package.json with its
# package-lock.json) when node_modules is missing or older than package-lock.json. Installs
# Debian's npm only when there is no npm command: NodeSource's nodejs package (on these
# machines) bundles npm and conflicts with Debian's npm package, so npm cannot be in
# TEST_PACKAGES.
install_npm_packages() {
  local dir="$ROOT/$1" what="$2"
  if [ -f "$dir/node_modules/.package-lock.json" ] &&
     ! [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    return 0
  fi
  command -v npm >/dev/null || install_packages npm
  say "installing $what in $1 (npm ci)"
  (cd "$dir" && npm ci --no-audit --no-fund)
}

# The npm parsers of tests/feeds (ical.js, node-ical).
install_feed_parsers() { install_npm_packages tests/feeds "the feed parsers"; }

# PostgreSQL on a Unix socket only (no TCP port), for deploy/cluster and
# tests/support/postgres.sh. PostgreSQL refuses to run as root: as root, initdb and the
# server run as the `postgres` user that Debian's postgresql-15 package creates.
# Authentication is `trust` for the role copsched, on a socket in a directory only that
# server uses.

# pg_bin: the bin directory of the newest PostgreSQL server in /usr/lib/postgresql (empty
# when there is none).
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# pg_as_server_user COMMAND...: COMMAND as `postgres` when root, else as the caller.
pg_as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_init DIR: initdb DIR/data (superuser role copsched, trust, UTF-8, C.UTF-8) unless it
# holds a cluster already; DIR belongs to the server's user. Its output goes to DIR/initdb.log.
pg_init() {
  local dir="$1" bin
  bin="$(pg_bin)"
  [ -f "$dir/data/PG_VERSION" ] && return 0
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  pg_as_server_user "$bin/initdb" -D "$dir/data" -U copsched --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
}

# pg_start DIR [-c NAME=VALUE...]: starts the server of DIR/data, listening only on a Unix
# socket in DIR (DIR/.s.PGSQL.5432), logging to DIR/server.log; returns once it accepts
# connections. fsync stays on.
pg_start() {
  local dir="$1" bin
  shift
  bin="$(pg_bin)"
  pg_as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -c listen_addresses='' $*" start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
}

# pg_stop DIR: stops the server of DIR/data (fast: open sessions are ended); true when it
# was not running.
pg_stop() {
  local bin
  bin="$(pg_bin)"
  pg_as_server_user "$bin/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true
}

# The cluster tests (tests/cluster) put nginx in front of two instances.
TEST_PACKAGES+=(nginx-light)
