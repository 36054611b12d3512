#!/usr/bin/env bash
# Ingest benchmarks (issue #2), all on this machine over loopback:
#   1. batch ingest, durable, 1000 events (~300 B) per request, `unmogrowp load`
#      -> events/s; the same events inserted into Debian's clickhouse-server
#      (JSONEachRow over HTTP, 1000 rows per INSERT, same client) -> ratio.
#   2. single-event requests with wrk (64 keep-alive connections) against
#      UnMoGrowP and against Debian's nginx answering `return 204;` -> ratio
#      of requests/s and of p99 latency.
# Prints a summary; paste it into docs/benchmarks.md with the machine facts.
#
# Env: UM_BENCH_SECONDS (default 20), UM_BENCH_DEVICES (default 300000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source bench/lib.sh

SECONDS_PER_RUN=${UM_BENCH_SECONDS:-20}
DEVICES=${UM_BENCH_DEVICES:-300000}
um_apt_install "${UM_BUILD_PACKAGES[@]}" wrk python3 curl clickhouse-server clickhouse-client
um_build release unmogrowp

BIN=$PWD/build/release/src/cli/unmogrowp
WORK=$(mktemp -d /tmp/unmogrowp-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT


# Starts `unmogrowp serve` on a free port with data in $WORK/<name> and an
# app; sets PORT and KEY (the app's API key).
start_unmogrowp() {  # NAME
  PORT=$(free_port)
  "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/$1" --admin-token bench \
    --log-level warn >"$WORK/serve-$1.out" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$PORT/healthz"
  KEY=$(curl -sf -X POST "http://127.0.0.1:$PORT/v1/apps" -H 'Authorization: Bearer bench' \
    -d '{"name":"bench","platform":"android"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
}

um_log "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
um_log "generating events ($DEVICES devices)"
"$BIN" gen --seed 7 --devices "$DEVICES" --days 7 --out "$WORK/events.ndjson"
EVENTS=$(wc -l <"$WORK/events.ndjson")
BYTES=$(wc -c <"$WORK/events.ndjson")
um_log "$EVENTS events, $((BYTES / EVENTS)) bytes each on average"

# --- UnMoGrowP ---------------------------------------------------------------
start_unmogrowp data

um_log "warm-up: 5 s of batch load (page cache, decoder buffers), not measured"
"$BIN" load --url "http://127.0.0.1:$PORT" --api-key "$KEY" --input "$WORK/events.ndjson" \
  --mode batch --batch-size 1000 --connections 16 --duration 5 --json >/dev/null 2>&1
um_log "1a. UnMoGrowP batch ingest (1000 events/request, durable) for ${SECONDS_PER_RUN}s"
"$BIN" load --url "http://127.0.0.1:$PORT" --api-key "$KEY" --input "$WORK/events.ndjson" \
  --mode batch --batch-size 1000 --connections 16 --duration "$SECONDS_PER_RUN" --json \
  >"$WORK/ours_batch.json"
cat "$WORK/ours_batch.json"
# The pipeline processes what ingest accepted, at its own pace (bench/
# visibility_bench.py and pipeline_throughput measure it); how far behind the
# batch run left it:
curl -sf -H 'Authorization: Bearer bench' "http://127.0.0.1:$PORT/v1/pipeline" \
  | tee "$WORK/pipeline_after_batch.json"; echo
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

# A fresh server for the single-event run, so the pipeline is not still
# working through the batch run's backlog: it processes the single events as
# they come, as in steady operation.
start_unmogrowp data-single
UM_API_KEY=$KEY wrk -t2 -c64 -d5s -s bench/wrk_post_event.lua "http://127.0.0.1:$PORT/v1/events" \
  >/dev/null  # warm-up

um_log "2a. UnMoGrowP single-event requests, wrk 64 connections, ${SECONDS_PER_RUN}s"
UM_API_KEY=$KEY wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency -s bench/wrk_post_event.lua \
  "http://127.0.0.1:$PORT/v1/events" | tee "$WORK/ours_wrk.txt"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

# --- nginx `return 204;` -----------------------------------------------------
um_log "2b. nginx return 204, same wrk load"
(cd "$WORK" && apt-get download nginx >/dev/null 2>&1 && dpkg -x nginx_*.deb nginx-root)
NPORT=$(free_port)
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server { listen 127.0.0.1:$NPORT; location / { return 204; } }
}
NGINX
"$WORK/nginx-root/usr/sbin/nginx" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
PIDS+=($!)
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$NPORT/" && break; sleep 0.1; done
UM_API_KEY=$KEY wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency -s bench/wrk_post_event.lua \
  "http://127.0.0.1:$NPORT/v1/events" | tee "$WORK/nginx_wrk.txt"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

# --- ClickHouse JSONEachRow ----------------------------------------------------
um_log "1b. ClickHouse (Debian clickhouse-server) JSONEachRow insert, same events, 1000 rows/INSERT"
start_clickhouse
curl -sf "http://127.0.0.1:$CH_HTTP/" --data-binary "CREATE TABLE events (
  app_id String, event_id String, event_type String, timestamp UInt64, device_id String,
  user_id String, ip String, user_agent String, source String, medium String, campaign String,
  revenue Float64, currency String, properties String)
  ENGINE = MergeTree PARTITION BY toYYYYMM(toDateTime(intDiv(timestamp, 1000)))
  ORDER BY (app_id, timestamp, event_id)"
# The same events in ClickHouse's terms: integer ms timestamps, properties as a
# JSON string (ClickHouse 18.16 has no JSON type), app_id filled in as we would.
python3 bench/to_clickhouse_rows.py <"$WORK/events.ndjson" >"$WORK/events_ch.ndjson"
"$BIN" load --url "http://127.0.0.1:$CH_HTTP" \
  --path "/?query=INSERT%20INTO%20events%20FORMAT%20JSONEachRow&input_format_skip_unknown_fields=1" \
  --api-key unused \
  --input "$WORK/events_ch.ndjson" --mode batch --batch-size 1000 --connections 16 \
  --duration "$SECONDS_PER_RUN" --json >"$WORK/ch_batch.json"
cat "$WORK/ch_batch.json"
ROWS=$(curl -sf "http://127.0.0.1:$CH_HTTP/" --data-binary "SELECT count() FROM events")
um_log "ClickHouse holds $ROWS rows"

python3 bench/summarize_ingest.py "$WORK"
