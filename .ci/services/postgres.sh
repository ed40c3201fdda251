#!/usr/bin/env bash
# A throwaway PostgreSQL 15 on 127.0.0.1 for the coordination tests: installs Debian's package when missing,
# runs a cluster of its own under $GMP_PG_DIR (never Debian's 15/main) and prints DATABASE_URL on stdout.
#   postgres.sh [start|stop|status]    env: GMP_PG_DIR (default /tmp/gomodproxy-pg), GMP_PG_PORT (default 25432)
# Idempotent and safe to call concurrently (a lock); a second start while it answers only prints the settings.
set -euo pipefail

dir=$(realpath -m "${GMP_PG_DIR:-/tmp/gomodproxy-pg}")
port=${GMP_PG_PORT:-25432} # below Linux's ephemeral range (32768+), so no outgoing connection can hold it
bin=/usr/lib/postgresql/15/bin
data=$dir/data
sock=$dir/run
app=gomodproxy # role and database
# libpq reads these; a caller's (e.g. another server's settings) must not steer our checks.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE PGSERVICE PGOPTIONS PGDATA PGPASSFILE

say() { echo "postgres.sh: $*" >&2; }
die() {
  say "$*"
  exit 1
}
[[ $port =~ ^[0-9]{1,5}$ ]] || die "GMP_PG_PORT must be a port number"
[[ $dir =~ ^/[A-Za-z0-9/._-]+$ ]] || die "GMP_PG_DIR: letters, digits and / . _ - only"

# Runs a command with only fds 0-2: the server must hold neither our lock nor a pipe of the caller's
# (a `$(postgres.sh)` waits until every writer of its pipe has closed it).
bare() (
  for f in /proc/$BASHPID/fd/*; do
    f=${f##*/}
    ((f > 2)) && eval "exec $f>&-"
  done
  exec "$@"
)
# initdb refuses root: as root the cluster runs as Debian's `postgres` user, otherwise as the caller.
as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd / && bare runuser -u postgres -- "$@"); else (cd / && bare "$@"); fi
}

# The live postmaster of $data, if any. After a kill -9 its pid can linger as a zombie (kill -0 still
# succeeds) or be reused by another process, so check the process state and its working directory.
postmaster() {
  local pid st
  pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] || return 1
  st=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ] && [ "/proc/$pid/cwd" -ef "$data" ] && echo "$pid"
}

answers() { # end to end, as the tests connect: TCP, password, the app's role and database
  [ -s "$dir/password" ] && [ "$(PGPASSWORD=$(cat "$dir/password") PGCONNECT_TIMEOUT=3 timeout 10 "$bin/psql" -X -At -w \
    -h 127.0.0.1 -p "$port" -U $app -d $app -c 'select 1' 2>/dev/null)" = 1 ]
}

stop() {
  local pid
  if pid=$(postmaster); then
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 30 stop >&2 || kill -KILL "$pid" 2>/dev/null || true
    say "stopped (pid $pid)"
  fi
  # A postmaster that died without cleaning up leaves its lock files; postgres refuses to start over them.
  if [ -e "$data/postmaster.pid" ] && ! postmaster >/dev/null; then rm -f "$data/postmaster.pid" "$sock"/.s.PGSQL.*; fi
}

install() {
  [ -x "$bin/postgres" ] && [ -x "$bin/initdb" ] && [ -x "$bin/psql" ] && return
  [ "$(id -u)" = 0 ] || die "PostgreSQL 15 is not installed; run this once as root to install it"
  say "installing postgresql-15 (log: $dir/apt.log)"
  # The package's postinst creates Debian's cluster 15/main and asks the init system to start it on
  # 5432; a policy-rc.d answering 101 ("forbidden") keeps it down. Ours is added only if none exists.
  policy=/usr/sbin/policy-rc.d mark="# written by gomodproxy's postgres.sh during apt-get install"
  ours() { if grep -qsF "$mark" $policy; then rm -f $policy; fi; }
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\n%s\nexit 101\n' "$mark" >$policy
    chmod 755 $policy
    trap ours EXIT
  fi
  local apt=(apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 postgresql-15)
  export DEBIAN_FRONTEND=noninteractive
  if ! bare "${apt[@]}" >"$dir/apt.log" 2>&1; then # package lists may be missing on a fresh machine
    { bare apt-get update -q -o DPkg::Lock::Timeout=600 && bare "${apt[@]}"; } >>"$dir/apt.log" 2>&1 || {
      tail -n 20 "$dir/apt.log" >&2
      die "apt-get install postgresql-15 failed"
    }
  fi
  ours
  [ -x "$bin/initdb" ] || die "installed, but $bin/initdb is missing"
}

start() {
  install
  if postmaster >/dev/null && [ -f "$dir/ready" ] && answers; then return; fi
  stop # half-started or stale leftovers
  mkdir -p "$sock"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir" "$sock"
  local fresh=0
  if [ ! -f "$dir/ready" ]; then # first start, or one interrupted before the role existed: begin again
    rm -rf "$data"
    (umask 077 && od -An -N12 -tx1 /dev/urandom | tr -d ' \n' >"$dir/password")
    say "initdb $data"
    as_pg "$bin/initdb" -D "$data" -U postgres -E UTF8 --no-locale --no-sync \
      --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 || {
      tail -n 20 "$dir/initdb.log" >&2
      die "initdb failed"
    }
    fresh=1
  fi
  # fsync and friends off: a throwaway server, commits about ten times faster. 300 connections: a small
  # pool per worker per replica, several replicas and test files at once.
  local opts="-c listen_addresses=127.0.0.1 -p $port -k $sock -c max_connections=300"
  opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if ! as_pg "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -o "$opts" -w -t 60 start >&2; then
    tail -n 15 "$dir/server.log" >&2 || true
    grep -qs 'Address already in use' "$dir/server.log" && say "port $port is taken; choose another with GMP_PG_PORT"
    die "postgres did not start"
  fi
  if [ $fresh = 1 ]; then
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U postgres -d postgres >/dev/null \
      -c "CREATE ROLE $app LOGIN PASSWORD '$(cat "$dir/password")'" -c "CREATE DATABASE $app OWNER $app"
    touch "$dir/ready"
  fi
  for _ in $(seq 50); do answers && return || sleep 0.2; done
  die "postgres started but does not answer on 127.0.0.1:$port (log: $dir/server.log)"
}

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock -w 900 9 || die "another postgres.sh holds $dir/.lock"
case "${1:-start}" in
start)
  start
  echo "DATABASE_URL='postgres://$app:$(cat "$dir/password")@127.0.0.1:$port/$app?sslmode=disable'"
  ;;
stop) stop ;;
status)
  if pid=$(postmaster); then echo "postgres: running (pid $pid, 127.0.0.1:$port, $data)"; else
    echo "postgres: stopped"
    exit 3
  fi
  ;;
*) die "usage: postgres.sh [start|stop|status]" ;;
esac
