#!/usr/bin/env python3
"""Reads the outputs of bench/ingest_bench.sh and prints the ratios against
the issue's targets."""
import json
import os
import re
import sys

work = sys.argv[1]


def load(name):
    with open(os.path.join(work, name)) as f:
        return json.load(f)


def wrk(name):
    text = open(os.path.join(work, name)).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {}
    for pct, value, unit in re.findall(r"\s(50|75|90|99)%\s+([\d.]+)(us|ms|s)\b", text):
        lat[pct] = float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    return rps, lat, int(non2xx.group(1)) if non2xx else 0


ours = load("ours_batch.json")
ch = load("ch_batch.json")
ratio = ours["events_per_sec"] / ch["events_per_sec"] if ch["events_per_sec"] else float("inf")
print("== batch ingest, 1000 events/request ==")
print(f"UnMoGrowP (durable): {ours['events_per_sec']:,.0f} events/s, "
      f"p99 {ours['latency_ms']['p99']:.1f} ms per request  [target >= 1,000,000]")
print(f"ClickHouse JSONEachRow: {ch['events_per_sec']:,.0f} rows/s, "
      f"p99 {ch['latency_ms']['p99']:.1f} ms per request")
print(f"ratio {ratio:.2f}x  [target >= 5x]")

o_rps, o_lat, o_bad = wrk("ours_wrk.txt")
n_rps, n_lat, _ = wrk("nginx_wrk.txt")
print("== single-event requests, wrk -t2 -c64 ==")
print(f"UnMoGrowP: {o_rps:,.0f} req/s, p50 {o_lat.get('50', 0):.2f} ms, p99 {o_lat.get('99', 0):.2f} ms"
      f" (non-2xx: {o_bad})")
print(f"nginx return 204: {n_rps:,.0f} req/s, p50 {n_lat.get('50', 0):.2f} ms, p99 {n_lat.get('99', 0):.2f} ms")
print(f"throughput ratio {o_rps / n_rps:.2f}x  [target >= 1.0x]; "
      f"p99 ratio {o_lat.get('99', 0) / max(n_lat.get('99', 1e-9), 1e-9):.2f}x  [target <= 1.5x]")
