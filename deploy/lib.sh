# Shared by deploy/run and deploy/test: install missing Debian packages, build.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian 12 packages. Boost 1.81 comes from the versioned packages: Debian's default
# Boost 1.74 dev packages clash with them and must not be installed.
BUILD_PACKAGES=(g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libical-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev catch2 tzdata)
TEST_PACKAGES=(sqlite3 curl python3
  python3-icalendar python3-recurring-ical-events python3-aiosmtpd nodejs)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs the packages that are not installed yet; does nothing when all are there.
install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build DIR [cmake options...]: configure (once) and build in ROOT/DIR.
build() {
  local dir="$ROOT/$1"; shift
  say "building in ${dir#"$ROOT"/}"
  cmake -S "$ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -- -j"$(nproc)"
}

# Installs the npm parsers of tests/feeds (ical.js, node-ical) with `npm ci` when
# node_modules is missing or older than package-lock.json. Installs Debian's npm only when
# there is no npm command: NodeSource's nodejs package (on these machines) bundles npm and
# conflicts with Debian's npm package, so npm cannot be in TEST_PACKAGES.
install_feed_parsers() {
  local dir="$ROOT/tests/feeds"
  if [ -f "$dir/node_modules/.package-lock.json" ] &&
     ! [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    return 0
  fi
  command -v npm >/dev/null || install_packages npm
  say "installing the feed parsers in tests/feeds (npm ci)"
  (cd "$dir" && npm ci --no-audit --no-fund)
}
