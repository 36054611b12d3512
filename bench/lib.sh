# Shared by the benchmark scripts (bench/*.sh). Sourced, not executed; the
# caller sets WORK (a temp dir) and PIDS (processes its cleanup kills).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # URL
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "timed out waiting for $1" >&2
  return 1
}

# Debian's clickhouse-server in $WORK/ch on free ports; sets CH_HTTP.
start_clickhouse() {
  CH_HTTP=$(free_port)
  local tcp
  tcp=$(free_port)
  mkdir -p "$WORK/ch"/{data,tmp,user_files,logs}
  cp /etc/clickhouse-server/users.xml "$WORK/ch/users.xml"
  cat >"$WORK/ch/config.xml" <<CHXML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$WORK/ch/logs/server.log</log><errorlog>$WORK/ch/logs/error.log</errorlog></logger>
  <http_port>$CH_HTTP</http_port>
  <tcp_port>$tcp</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$WORK/ch/data/</path>
  <tmp_path>$WORK/ch/tmp/</tmp_path>
  <user_files_path>$WORK/ch/user_files/</user_files_path>
  <users_config>$WORK/ch/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>
CHXML
  clickhouse-server --config-file="$WORK/ch/config.xml" >"$WORK/ch/stdout" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$CH_HTTP/ping"
}
