#!/usr/bin/env bash
# An S3-compatible object store for the storage tests: OpenStack Swift (Debian's python3-swift) with its
# s3api middleware, one node, one replica, bound to 127.0.0.1. `start` prints the settings (KEY=VALUE) on stdout.
#
#   s3.sh start    install if missing, configure, start, wait, create the test bucket, print settings
#   s3.sh stop     stop the servers (by pid file)
#   s3.sh status   say whether it runs (exit 0) or not (exit 3)
#
# Knobs: GMP_S3_STATE (state dir, default /tmp/gmp-s3), GMP_S3_PORT (S3 endpoint, default 18480; the
# account, container and object servers and memcached take the next four ports).
set -euo pipefail

STATE=${GMP_S3_STATE:-/tmp/gmp-s3}
PORT=${GMP_S3_PORT:-18480}
BUCKET=gmp-test
ACCOUNT=gmp USER_=tester SECRET=gmp-s3-test-secret
PY=/usr/bin/python3 # Debian's python, where python3-swift lives (PATH may have another one first)
RUN_AS=nobody
SERVERS="memcached account container object proxy"
port_of() { case $1 in proxy) echo "$PORT" ;; account) echo $((PORT + 1)) ;; container) echo $((PORT + 2)) ;; object) echo $((PORT + 3)) ;; memcached) echo $((PORT + 4)) ;; esac; }

say() { printf 's3.sh: %s\n' "$*" >&2; }
# A pid from our pid file that runs (an exited one may stay a zombie for a while until init reaps it).
alive() { [ -s "$STATE/run/$1.pid" ] && pid_runs "$(cat "$STATE/run/$1.pid")"; }
pid_runs() { local st; st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]; }
healthy() { curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/healthcheck" 2>/dev/null; }
running() { command -v curl >/dev/null && for s in $SERVERS; do alive "$s" || return 1; done && healthy; }

stop_all() {
  local s p pids=""
  for s in $SERVERS; do
    if alive "$s"; then pids="$pids $(cat "$STATE/run/$s.pid")" && say "stopping $s"; fi
    rm -f "$STATE/run/$s.pid"
  done
  [ -z "$pids" ] && return 0
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 50); do
    local left=""
    for p in $pids; do pid_runs "$p" && left="$left $p"; done
    pids=$left
    [ -z "$pids" ] && return 0
    sleep 0.1
  done
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
}

settings() {
  cat <<EOF
AWS_ACCESS_KEY_ID=$ACCOUNT:$USER_
AWS_SECRET_ACCESS_KEY=$SECRET
AWS_REGION=us-east-1
AWS_ENDPOINT_URL_S3=http://127.0.0.1:$PORT
GMP_TEST_S3_BUCKET=$BUCKET
EOF
}

install_packages() {
  local p missing=""
  for p in python3-swift memcached curl; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"; done
  [ -z "$missing" ] && return 0
  say "installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  # Keep memcached's own service (port 11211) from starting: we run our own.
  local policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy=1; fi
  # unsafe-io: no fsync per unpacked file (dpkg is most of the install time on a slow disk).
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-unsafe-io --no-install-recommends)
  local ok=1
  # shellcheck disable=SC2086
  { "${apt[@]}" install $missing || { apt-get -q -o DPkg::Lock::Timeout=600 update && "${apt[@]}" install $missing; }; } >"$STATE/apt.log" 2>&1 || ok=0
  [ $policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ $ok = 1 ] || { tail -n 20 "$STATE/apt.log" >&2; exit 1; }
}

write_configs() {
  mkdir -p "$STATE/etc" "$STATE/srv/d1" "$STATE/run" "$STATE/log"
  # Swift reads /etc/swift/swift.conf and logs to syslog, both hard-wired: this launcher points it at our
  # swift.conf, logs to stderr (our log file) only, records the pid and runs one server (what
  # /usr/bin/swift-*-server do, without the packages that ship them, their init scripts and rsyslog).
  cat >"$STATE/etc/launch.py" <<'EOF'
import logging, os, sys
swift_conf, pidfile, kind, conf_file = sys.argv[1:5]
import swift.common.utils as utils
utils.SWIFT_CONF_FILE = swift_conf
utils.ThreadSafeSysLogHandler = lambda *a, **kw: logging.NullHandler()
with open(pidfile, 'w') as f:
    f.write(str(os.getpid()))
from swift.common.wsgi import run_wsgi
extra = {}
if kind == 'object':
    from swift.obj import server
    extra['global_conf_callback'] = server.global_conf_callback
# verbose: log to stderr, which Swift then keeps open instead of pointing it at /dev/null
sys.exit(run_wsgi(conf_file, kind + '-server', verbose=True, **extra))
EOF
  # The constraints approach S3's (object names up to 1024 bytes, 2 KiB metadata values, 5 GiB objects).
  cat >"$STATE/etc/swift.conf" <<'EOF'
[swift-hash]
swift_hash_path_prefix = gmp
swift_hash_path_suffix = gmp
[storage-policy:0]
name = gold
default = yes
[swift-constraints]
max_file_size = 5368709122
max_object_name_length = 1024
max_meta_value_length = 2048
max_meta_overall_size = 8192
max_header_size = 16384
EOF
  local s common="[DEFAULT]
bind_ip = 127.0.0.1
swift_dir = $STATE/etc
devices = $STATE/srv
mount_check = false
disable_fallocate = true
workers = 0
user = $RUN_AS"
  for s in account container object; do
    # container_update_timeout: a slow container update would otherwise become an "async pending" that
    # only the (not running) updater applies, and the object would be missing from listings.
    printf '%s\nbind_port = %s\n\n[pipeline:main]\npipeline = healthcheck %s-server\n\n[app:%s-server]\nuse = egg:swift#%s\ncontainer_update_timeout = 30\n\n[filter:healthcheck]\nuse = egg:swift#healthcheck\n' \
      "$common" "$(port_of "$s")" "$s" "$s" "$s" >"$STATE/etc/$s-server.conf"
  done
  cat >"$STATE/etc/proxy-server.conf" <<EOF
$common
bind_port = $PORT

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy_logging cache listing_formats s3api tempauth copy slo dlo versioned_writes proxy_logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
node_timeout = 30
conn_timeout = 2

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_${ACCOUNT}_${USER_} = $SECRET .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$(port_of memcached)
EOF
  for f in catch_errors gatekeeper healthcheck proxy_logging listing_formats copy slo dlo versioned_writes; do
    printf '[filter:%s]\nuse = egg:swift#%s\n' "$f" "$f"
  done >>"$STATE/etc/proxy-server.conf"
  # One ring per server kind: one device, one replica, 2^6 partitions; rebuilt when the ports change.
  if [ "$(cat "$STATE/etc/rings.stamp" 2>/dev/null)" != "$PORT" ]; then
    "$PY" - "$STATE/etc" "$(port_of account)" "$(port_of container)" "$(port_of object)" <<'EOF'
import sys
from swift.common.ring import RingBuilder
etc, ports = sys.argv[1], zip(('account', 'container', 'object'), map(int, sys.argv[2:5]))
for kind, port in ports:
    b = RingBuilder(6, 1, 1)
    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': port, 'device': 'd1', 'weight': 1})
    b.rebalance()
    b.get_ring().save(f'{etc}/{kind}.ring.gz')
EOF
    echo "$PORT" >"$STATE/etc/rings.stamp"
  fi
  chown -R "$RUN_AS" "$STATE/srv"
}

launch() { # name command...: detached, without our descriptors (the lock, the caller's pipes)
  local s=$1
  shift
  setsid "$@" </dev/null >>"$STATE/log/$s.log" 2>&1 9>&- &
}

start_all() {
  write_configs
  # Swift keeps object metadata in user xattrs: refuse early and clearly where the file system has none.
  "$PY" -c 'import os,sys; f=sys.argv[1]+"/.xattr"; open(f,"w").close(); os.setxattr(f,"user.x",b"1"); os.unlink(f)' "$STATE/srv/d1" ||
    { say "$STATE has no user xattrs (Swift needs them): set GMP_S3_STATE to a dir on ext4 or xfs"; exit 1; }
  launch memcached memcached -l 127.0.0.1 -p "$(port_of memcached)" -U 0 -m 64 -u "$RUN_AS"
  echo $! >"$STATE/run/memcached.pid" # setsid execs in place: a background job of a script leads no process group
  local s
  for s in account container object proxy; do
    launch "$s" "$PY" "$STATE/etc/launch.py" "$STATE/etc/swift.conf" "$STATE/run/$s.pid" "$s" "$STATE/etc/$s-server.conf"
  done
}

# The bucket is a Swift container, made through Swift's own API (a tempauth token): curl's SigV4 cannot
# carry an access key with a ':' in it. Idempotent (201 or 202).
make_bucket() {
  local tok
  tok=$(curl -fsS -m 5 -D - -o /dev/null -H "X-Auth-User: $ACCOUNT:$USER_" -H "X-Auth-Key: $SECRET" "http://127.0.0.1:$PORT/auth/v1.0" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "x-auth-token" { print $2 }') || return 1
  [ -n "$tok" ] && curl -fsS -m 10 -o /dev/null -X PUT -H "X-Auth-Token: $tok" "http://127.0.0.1:$PORT/v1/AUTH_$ACCOUNT/$BUCKET"
}

wait_ready() {
  local s
  for _ in $(seq 300); do
    if healthy && make_bucket 2>/dev/null; then return 0; fi
    for s in $SERVERS; do
      if [ -s "$STATE/run/$s.pid" ] && ! alive "$s"; then
        say "$s died; end of $STATE/log/$s.log:"
        tail -n 20 "$STATE/log/$s.log" >&2
        exit 1
      fi
    done
    sleep 0.2
  done
  say "not ready after 60 s (logs in $STATE/log)"
  exit 1
}

mkdir -p "$STATE"
exec 9>"$STATE/lock"
flock 9
case "${1:-}" in
  start)
    t0=$(date +%s%N)
    if running && make_bucket; then
      say "already running on 127.0.0.1:$PORT"
    else
      install_packages
      stop_all
      start_all
      wait_ready
      say "ready in $((($(date +%s%N) - t0) / 1000000)) ms on 127.0.0.1:$PORT (logs in $STATE/log)"
    fi
    settings
    ;;
  stop) stop_all ;;
  status)
    if running; then echo "running on 127.0.0.1:$PORT"; else
      echo "not running"
      exit 3
    fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
