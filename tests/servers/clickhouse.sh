#!/usr/bin/env bash
# A throwaway ClickHouse server for tests (Debian's clickhouse-server 18.16):
#   clickhouse.sh start DIR   write a minimal config into a fresh temp dir,
#                             start on free 127.0.0.1 ports, write the HTTP
#                             URL to DIR/url once /ping answers
#   clickhouse.sh stop DIR    stop it and remove both dirs
#   clickhouse.sh pause DIR / resume DIR   SIGSTOP / SIGCONT the server (an
#                             outage that keeps its data and ports)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|pause|resume DIR" >&2
  exit 2
fi
case $cmd in
  start)
    if [ -f "$dir/url" ]; then "$0" stop "$dir"; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    data=$(mktemp -d /tmp/unmogrowp-clickhouse.XXXXXX)
    echo "$data" >"$dir/datadir"
    http_port=$(free_port)
    tcp_port=$(free_port)
    cp /etc/clickhouse-server/users.xml "$data/users.xml"
    mkdir -p "$data/db" "$data/tmp" "$data/user_files" "$data/format_schemas"
    cat >"$data/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$data/server.log</log>
    <errorlog>$data/server.err.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$data/db/</path>
  <tmp_path>$data/tmp/</tmp_path>
  <user_files_path>$data/user_files/</user_files_path>
  <format_schema_path>$data/format_schemas/</format_schema_path>
  <users_config>$data/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>536870912</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
</yandex>
XML
    clickhouse-server --config-file="$data/config.xml" >"$data/stdout.log" 2>&1 &
    echo $! >"$data/pid"
    if ! wait_until 60 curl -sf "http://127.0.0.1:$http_port/ping"; then
      echo "clickhouse-server did not answer /ping within 60 s:" >&2
      tail -n 30 "$data/stdout.log" "$data/server.err.log" >&2 || true
      "$0" stop "$dir"
      exit 1
    fi
    echo "http://127.0.0.1:$http_port" >"$dir/url"
    echo "clickhouse: $(cat "$dir/url") (data in $data)"
    ;;
  stop)
    if [ -f "$dir/datadir" ]; then
      data=$(cat "$dir/datadir")
      if [ -f "$data/pid" ]; then
        pid=$(cat "$data/pid")
        kill -CONT "$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      fi
      rm -rf "$data"
    fi
    rm -rf "$dir"
    ;;
  pause | resume)
    data=$(cat "$dir/datadir")
    kill "-$([ "$cmd" = pause ] && echo STOP || echo CONT)" "$(cat "$data/pid")"
    ;;
  *)
    echo "usage: $0 start|stop|pause|resume DIR" >&2
    exit 2
    ;;
esac
