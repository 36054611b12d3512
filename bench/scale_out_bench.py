#!/usr/bin/env python3
"""Scale-out throughput and report latency next to the embedded default
(issue #6), in one run on this machine:

- ingest: `unmogrowp load` (batch mode) against an ingest node whose log is
  the Kafka mock cluster (`unmogrowp kafka-mock`, 4 partitions), and the same
  file against the embedded server;
- ClickHouse sink: from the first event sent until 2 pipeline workers have
  applied every partition to its end, mirroring into ClickHouse (events/s,
  and ClickHouse rows written/s);
- reports: the median of --repeats calls of each report endpoint, over the
  same data, answered by the API node from ClickHouse and by the embedded
  server from RocksDB.

Needs a running PostgreSQL (--postgres-url-file; tests/servers/postgres.sh
start DIR writes DIR/url) and Debian's clickhouse-server (started privately).

Usage: bench/scale_out_bench.py --binary build/release/src/cli/unmogrowp \\
         --postgres-url-file /tmp/pg/url [--devices 20000] [--days 30]
Prints a Markdown table. Stdlib only.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from um_scaleout import Deployment, create_app, embedded_caught_up, workers_caught_up  # noqa: E402
from um_testlib import ADMIN, request, wait_for  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def load(binary, url, key, data, connections):
    out = subprocess.run([binary, "load", "--url", url, "--api-key", key, "--input", data,
                          "--duration", "0", "--no-repeat", "--connections", str(connections),
                          "--batch-size", "1000", "--json"],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def timed_get(url):
    start = time.perf_counter()
    status, _ = request(url, headers={"Authorization": f"Bearer {ADMIN}"})
    assert status == 200, (url, status)
    return (time.perf_counter() - start) * 1000


def clickhouse_rows(dep):
    with open(os.path.join(dep.ch_dir, "url")) as f:
        url = f.read().strip()
    sql = ("SELECT sum(rows) FROM system.parts WHERE database = 'scale_out' AND active "
           "FORMAT TabSeparated")
    status, body = request(url + "/", "POST", sql.encode())
    return int(body.decode().strip() or 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "build/release/src/cli/unmogrowp"))
    ap.add_argument("--postgres-url-file", required=True)
    ap.add_argument("--clickhouse-sh", default=os.path.join(ROOT, "tests/servers/clickhouse.sh"))
    ap.add_argument("--devices", type=int, default=20000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="unmogrowp_scale_out_bench_")
    dep = Deployment(args, tmp)
    try:
        embedded = dep.embedded()
        api = dep.node("api", "api")
        ingest = dep.node("ingest", "ingest")
        workers = [dep.node("worker1", "pipeline"), dep.node("worker2", "pipeline")]
        api_app, api_key = create_app(api.url, "bench")
        emb_app, emb_key = create_app(embedded.url, "bench")
        data = os.path.join(tmp, "events.ndjson")
        subprocess.run([args.binary, "gen", "--devices", str(args.devices), "--days",
                        str(args.days), "--end", "2026-11-01", "--duplicates", "0.02",
                        "--out", data], check=True, capture_output=True)
        with open(data) as f:
            n = sum(1 for _ in f)
        wait_for(lambda: workers_caught_up(workers), 60, "the workers to own every partition")

        start = time.perf_counter()
        kafka = load(args.binary, ingest.url, api_key, data, args.connections)
        wait_for(lambda: workers_caught_up(workers), 1800, "the pipeline workers")
        sink_s = time.perf_counter() - start
        rows = clickhouse_rows(dep)
        emb = load(args.binary, embedded.url, emb_key, data, args.connections)
        wait_for(lambda: embedded_caught_up(embedded), 600, "the embedded pipeline")

        q = "from=2026-10-02&to=2026-10-31"
        reports = [("stats", f"stats?{q}"), ("stats group_by=source", f"stats?{q}&group_by=source"),
                   ("attribution/installs", f"attribution/installs?{q}"),
                   ("cohorts", f"cohorts?{q}"), ("mta last", f"attribution/mta?model=last&{q}"),
                   ("mta markov", f"attribution/mta?model=markov&{q}"),
                   ("mta shapley", f"attribution/mta?model=shapley&{q}"),
                   ("events/export (30 days, NDJSON)", f"events/export?{q}")]
        with open(data) as f:
            device = next(json.loads(line)["device_id"] for line in f if '"install"' in line)
        reports.append(("devices/{id}", f"devices/{device}"))
        print(f"data: {n} events ({args.devices} devices, {args.days} days, 2% re-sent); "
              f"{os.cpu_count()} cores")
        print()
        print("| measure | Kafka / ClickHouse | embedded |")
        print("|---|---|---|")
        print(f"| ingest, events/s (load --connections {args.connections}, batches of 1000) | "
              f"{kafka['events_per_sec']:,.0f} | {emb['events_per_sec']:,.0f} |")
        print(f"| ingest p99 batch latency, ms | {kafka['latency_ms']['p99']:.1f} | "
              f"{emb['latency_ms']['p99']:.1f} |")
        print(f"| pipeline incl. ClickHouse mirror, events/s (first send to caught up) | "
              f"{n / sink_s:,.0f} | |")
        print(f"| ClickHouse rows written, rows/s | {rows / sink_s:,.0f} ({rows:,} rows) | |")
        for name, r in reports:
            ch = statistics.median(timed_get(f"{api.url}/v1/apps/{api_app}/{r}")
                                   for _ in range(args.repeats))
            em = statistics.median(timed_get(f"{embedded.url}/v1/apps/{emb_app}/{r}")
                                   for _ in range(args.repeats))
            print(f"| GET {name}, median ms | {ch:.1f} | {em:.1f} |")
    finally:
        dep.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
