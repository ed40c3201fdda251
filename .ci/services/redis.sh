#!/usr/bin/env bash
# A throwaway Redis on 127.0.0.1 for the coordination tests: installs Debian's redis-server if missing and
# runs it with a config of its own (append-only file on). `start` (default) prints REDIS_URL=... on stdout.
#   redis.sh [start|stop|status]
#   knobs: GMP_REDIS_DIR (state: config, log, pid, AOF; default /tmp/gomodproxy-redis),
#          GMP_REDIS_PORT (default 26379: below the ephemeral range, where outgoing connections never sit),
#          GMP_REDIS_PASSWORD (optional requirepass: letters, digits, . _ ~ -)
set -euo pipefail

dir=${GMP_REDIS_DIR:-/tmp/gomodproxy-redis}
port=${GMP_REDIS_PORT:-26379}
pass=${GMP_REDIS_PASSWORD:-}
conf=$dir/redis.conf
pidf=$dir/redis.pid
logf=$dir/redis.log
say() { echo "redis.sh: $*" >&2; }

case "$port" in '' | *[!0-9]*) say "GMP_REDIS_PORT must be a number"; exit 2 ;; esac
case "$pass" in *[!A-Za-z0-9._~-]*) say "GMP_REDIS_PASSWORD: letters, digits, . _ ~ - only"; exit 2 ;; esac

# Alive and not a zombie (a killed server stays one until init reaps it, sometimes late).
alive() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}

# The recorded pid, if that process is alive and ours: redis chdirs to its `dir`, so a stale pid file
# (after a reboot) never makes us signal someone else's process.
our_pid() {
  local pid
  pid=$(cat "$pidf" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && [ "/proc/$pid/cwd" -ef "$dir" ] && echo "$pid"
}

# PONG, from the given process: another server on the port (ours failing to bind) must not look like ours.
cli() { REDISCLI_AUTH=$pass timeout 3 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null; }
pong() { [ "$(cli ping)" = PONG ] && cli info server | tr -d '\r' | grep -qx "process_id:$1"; }

stop() {
  local pid
  if pid=$(our_pid); then
    kill -TERM "$pid" || true # redis flushes the AOF on SIGTERM, then exits
    for _ in $(seq 1 300); do our_pid >/dev/null || break; sleep 0.1; done
    if our_pid >/dev/null; then kill -KILL "$pid" || true; fi
    say "stopped (pid $pid)"
  fi
  rm -f "$pidf"
}

install() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return
  [ "$(id -u)" = 0 ] || { say "redis-server is missing; run this once as root to install it"; exit 1; }
  say "installing redis-server"
  # The package's postinst starts Debian's own service on port 6379: a policy-rc.d that denies every start
  # keeps it down. Only where none exists, and removed again (the EXIT trap also covers an interrupted apt).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends)
  # A fresh machine may have no package lists yet: update only when the install needs it.
  "${apt[@]}" install redis-server >"$dir/apt.log" 2>&1 || {
    apt-get -q -o DPkg::Lock::Timeout=300 update >>"$dir/apt.log" 2>&1
    "${apt[@]}" install redis-server >>"$dir/apt.log" 2>&1 || { tail -n 20 "$dir/apt.log" >&2; exit 1; }
  }
}

mkdir -p "$dir"
# One caller at a time (parallel test files all start it): the later ones find it running.
exec 9>"$dir/lock"
case "${1:-start}" in
status)
  if pid=$(our_pid); then echo "redis: running (pid $pid, port $(awk '$1 == "port" {print $2}' "$conf"), dir $dir)"; exit 0; fi
  echo "redis: stopped"; exit 3 ;;
stop) flock -w 300 9; stop; exit 0 ;;
start) flock -w 300 9 || { say "another redis.sh holds $dir/lock"; exit 1; } ;;
*) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac

want="bind 127.0.0.1
protected-mode yes
port $port
daemonize no
dir $dir
logfile \"\"
appendonly yes
appendfsync everysec
save \"\"${pass:+
requirepass $pass}"
url="redis://${pass:+default:$pass@}127.0.0.1:$port"

if pid=$(our_pid) && [ "$(cat "$conf" 2>/dev/null)" = "$want" ] && pong "$pid"; then
  echo "REDIS_URL=$url"
  exit 0
fi
stop # a changed config, or leftovers of a failed start
install
(umask 077 && printf '%s\n' "$want" >"$conf")
# In the foreground of its own session, so we know its pid at once (redis writes a pid file only once bound),
# holding neither our lock (fd 9) nor the caller's pipes (a `$(redis.sh)` would wait for it forever).
setsid redis-server "$conf" </dev/null >>"$logf" 2>&1 9>&- &
pid=$!
echo "$pid" >"$pidf"
# PONG once bound and the AOF is loaded; gone at once when it cannot start (port taken, a broken AOF).
for _ in $(seq 1 600); do
  pong "$pid" && { say "ready on 127.0.0.1:$port (pid $pid, redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'))"; echo "REDIS_URL=$url"; exit 0; }
  alive "$pid" || break
  sleep 0.1
done
say "redis did not start; the end of $logf:"
tail -n 15 "$logf" >&2
tail -n 3 "$logf" | grep -q 'Address already in use' && say "port $port is taken: choose another with GMP_REDIS_PORT"
stop
exit 1
