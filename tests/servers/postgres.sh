#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests (Debian's postgresql package):
#   postgres.sh start DIR   initdb in a fresh temp dir, start on a free
#                           127.0.0.1 port, write the connection URL to DIR/url
#   postgres.sh stop DIR    stop it and remove both dirs
# The data lives under /tmp, not in DIR: the postgres user must be able to
# reach it, and DIR may sit in a checkout only root can enter.
# Runs the server as the postgres user when started as root (initdb refuses
# root). Trust authentication: loopback only, throwaway data.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
bin=/usr/lib/postgresql/15/bin
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case $cmd in
  start)
    if [ -f "$dir/url" ]; then "$0" stop "$dir"; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    data=$(mktemp -d /tmp/unmogrowp-postgres.XXXXXX)
    echo "$data" >"$dir/datadir"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$data"
    port=$(free_port)
    as_owner "$bin/initdb" -D "$data/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$data/initdb.log"
    if ! as_owner "$bin/pg_ctl" -D "$data/data" -l "$data/server.log" -w -t 60 \
      -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null; then
      cat "$data/server.log" >&2
      exit 1
    fi
    echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$dir/url"
    echo "postgres: $(cat "$dir/url") (data in $data)"
    ;;
  stop)
    if [ -f "$dir/datadir" ]; then
      data=$(cat "$dir/datadir")
      as_owner "$bin/pg_ctl" -D "$data/data" -m immediate -w stop >/dev/null 2>&1 || true
      rm -rf "$data"
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
