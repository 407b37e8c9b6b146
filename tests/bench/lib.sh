# Shared by the benchmark scripts in tests/bench. Source after deploy/lib.sh.
# shellcheck shell=bash

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# median X...: the median of the numbers given.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# wait_http URL: waits up to 10 s until URL answers 2xx.
wait_http() {
  for _ in $(seq 1 200); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "no answer from $1" >&2; return 1
}

# wrk_summary: reads wrk --latency output on stdin and prints
# "REQUESTS_PER_SECOND P99_MS NON_2XX_3XX ERRORS" (latency in milliseconds).
wrk_summary() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ {r = $2}
    / 99%/ {p = ms($2)}
    /Non-2xx or 3xx responses/ {n = $5}
    /Socket errors/ {e = $4 + $6 + $8 + $10}
    END {printf "%s %.2f %d %d\n", r, p, n, e}'
}

# write_section FILE SECTION: replaces the section of the markdown FILE that starts with
# SECTION's first line (a "## " heading) up to the next "## " heading, or appends it.
write_section() {
  python3 - "$1" "$2" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Performance\n\nEvery figure here is written by a script in `tests/bench`; each compares against a baseline measured in the same run.\n"
title = section.splitlines()[0]
pattern = re.compile(re.escape(title) + r"\n.*?(?=\n## |\Z)", re.S)
text = pattern.sub(lambda m: section + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
}

# use_release_binary [BINARY]: sets $bin to BINARY, or to a release build made when missing.
use_release_binary() {
  bin="${1:-$ROOT/build/release/server/copsched}"
  if [ ! -x "$bin" ]; then
    build build/release -DCMAKE_BUILD_TYPE=Release -DCOPSCHED_TESTS=OFF
    bin="$ROOT/build/release/server/copsched"
  fi
}

# start_nginx WORK PORT HTTP_LINES: nginx with one worker per core and no access log,
# serving WORK/www on 127.0.0.1:PORT, with HTTP_LINES (types, charset) in its http block.
# Appends its pid to the caller's pids array.
start_nginx() {
  local work="$1" port="$2" extra="$3"
  mkdir -p "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  $extra
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:$port; root $work/www; keepalive_requests 1000000; }
}
CONF
  nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' &
  pids+=($!)
}

# start_nginx_proxy WORK PORT UPSTREAM_PORT...: nginx with one worker per core and no access
# log on 127.0.0.1:PORT as a load balancer in front of the copsched instances on
# 127.0.0.1:UPSTREAM_PORT... (round robin, keep-alive connections to them, the proxy
# headers of deploy/nginx-cluster.conf). Appends its pid to the caller's pids array.
start_nginx_proxy() {
  local work="$1" port="$2" servers="" p
  shift 2
  for p in "$@"; do servers+="    server 127.0.0.1:$p max_fails=1 fail_timeout=2s;"$'\n'; done
  mkdir -p "$work/nginx-proxy"
  cat >"$work/nginx-proxy/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx-proxy/nginx.pid;
error_log $work/nginx-proxy/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx-proxy; proxy_temp_path $work/nginx-proxy; fastcgi_temp_path $work/nginx-proxy;
  uwsgi_temp_path $work/nginx-proxy; scgi_temp_path $work/nginx-proxy;
  upstream copsched {
$servers    keepalive 64;
  }
  server {
    listen 127.0.0.1:$port;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://copsched;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout http_502 http_503;
    }
  }
}
CONF
  nginx -c "$work/nginx-proxy/nginx.conf" -p "$work/nginx-proxy" -e "$work/nginx-proxy/error.log" -g 'daemon off;' &
  pids+=($!)
}
