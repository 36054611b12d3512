#!/usr/bin/env python3
"""The scaled-out deployment gives the embedded default's numbers (issue #6).

One `unmogrowp gen` dataset with re-sent duplicates goes, batch by batch in
the same order, to an embedded server and to a scaled-out one on loopback:
`unmogrowp kafka-mock` (4 partitions), 2 ingest nodes (taking turns), 2
pipeline workers, 1 API node, PostgreSQL (the ctest fixture) and a private
ClickHouse (it is paused below, which must not disturb other tests). After
each phase every report endpoint is asked of both with the same parameters
and the answers must agree (floats to 1e-9 relative):

  1. the first part of the data;
  2. the second part, with a pipeline worker killed (SIGKILL) mid-stream:
     its partitions move to the other worker, which rebuilds them by replay;
  3. the third part sent while ClickHouse is stopped (SIGSTOP) for
     --outage-seconds (default 30): ingest keeps answering 202, the pipeline
     retries, and the reports catch up once it is back.
"""
import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error

from um_scaleout import Deployment, create_app, embedded_caught_up, workers_caught_up
from um_testlib import ADMIN, admin_json, request, tree_diffs, wait_for

MODELS = ["first", "last", "linear", "time_decay", "position_based", "markov", "shapley"]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--postgres-url-file", required=True,
                    help="the PostgreSQL server's URL (tests/servers fixture)")
    ap.add_argument("--clickhouse-sh", required=True, help="tests/servers/clickhouse.sh")
    ap.add_argument("--outage-seconds", type=float, default=30)
    ap.add_argument("--devices", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    return ap.parse_args()


def http_json(url, path):
    try:
        status, raw = request(url + path, headers={"Authorization": f"Bearer {ADMIN}"})
    except urllib.error.HTTPError as e:
        # The message names the app, whose id differs: compare the code.
        return e.code, json.loads(e.read() or b"{}").get("error", {}).get("code")
    return status, raw.decode() if path.find("/events/export") >= 0 else json.loads(raw)


def send(url, key, events):
    status, body = request(f"{url}/v1/events/batch", "POST", json.dumps(events).encode(),
                           {"X-Api-Key": key, "Content-Type": "application/json"})
    answer = json.loads(body)
    assert status == 202 and answer["accepted"] == len(events), (status, answer)


def report_paths(first_day, last_day, devices):
    """Every report endpoint with the parameters that matter."""
    first = datetime.date.fromisoformat(first_day)
    last = datetime.date.fromisoformat(last_day)
    mid = first + (last - first) / 2
    ranges = [(first, last), (mid, last), (last, last)]
    paths = []
    for a, b in ranges:
        q = f"from={a}&to={b}"
        paths.append(f"stats?{q}")
        for g in ("source", "campaign", "event_type"):
            paths.append(f"stats?{q}&group_by={g}")
        for g in ("source", "campaign"):
            paths.append(f"attribution/installs?{q}&group_by={g}")
            paths.append(f"cohorts?{q}&group_by={g}")
        for m in MODELS:
            paths.append(f"attribution/mta?model={m}&{q}")
            paths.append(f"attribution/mta?model={m}&group_by=campaign&conversion=purchase&{q}")
        paths.append(f"events/export?{q}&format=ndjson")
    paths += [f"devices/{d}" for d in devices]
    return paths


def normalized(event):
    """An event as stored, without what differs by server: the app's id and
    the time the server received it."""
    return {k: v for k, v in event.items() if k not in ("app_id", "received_ms")}


def compare(embedded, emb_app, api, api_app, paths, phase):
    diffs = []
    for path in paths:
        s1, a = http_json(embedded.url, f"/v1/apps/{emb_app}/{path}")
        s2, b = http_json(api.url, f"/v1/apps/{api_app}/{path}")
        if s1 != s2:
            diffs.append(f"{path}: status {s1} != {s2}: {str(b)[:200]}")
            continue
        if "/export" in path and s1 == 200:
            # Ties in time may come in another order across partitions.
            a = sorted(json.dumps(normalized(json.loads(line)), sort_keys=True)
                       for line in a.splitlines() if line)
            b = sorted(json.dumps(normalized(json.loads(line)), sort_keys=True)
                       for line in b.splitlines() if line)
        elif path.startswith("devices/") and s1 == 200:
            a["events"] = [normalized(e) for e in a["events"]]
            b["events"] = [normalized(e) for e in b["events"]]
        for d in tree_diffs(a, b)[:5]:
            diffs.append(f"{path}: {d}")
    print(f"{phase}: {len(paths)} report requests compared, {len(diffs)} differences", flush=True)
    for d in diffs[:40]:
        print("  " + d)
    assert not diffs, f"{phase}: the scaled-out reports differ from the embedded ones"


def main():
    args = parse_args()
    print(f"scale_out_test: seed {args.seed}", flush=True)
    rng = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="unmogrowp_scale_out_")
    dep = Deployment(args, tmp)
    try:
        embedded = dep.embedded()
        api = dep.node("api", "api")
        ingest = [dep.node("ingest1", "ingest"), dep.node("ingest2", "ingest")]
        workers = [dep.node("worker1", "pipeline"), dep.node("worker2", "pipeline")]
        emb_app, emb_key = create_app(embedded.url)
        api_app, api_key = create_app(api.url)

        data = os.path.join(tmp, "events.ndjson")
        subprocess.run([args.binary, "gen", "--seed", str(args.seed), "--devices",
                        str(args.devices), "--days", "14", "--end", "2026-11-01",
                        "--duplicates", "0.05", "--out", data], check=True)
        with open(data) as f:
            events = [json.loads(line) for line in f]
        devices = sorted({e["device_id"] for e in events if "device_id" in e})
        sample = rng.sample(devices, 40) + ["no-such-device"]
        paths = report_paths("2026-10-18", "2026-10-31", sample)
        # Batches of 200 in data order, each sent to both sides before the
        # next: the same arrival order everywhere.
        batches = [events[i:i + 200] for i in range(0, len(events), 200)]
        thirds = [batches[:len(batches) // 3], batches[len(batches) // 3:2 * len(batches) // 3],
                  batches[2 * len(batches) // 3:]]
        print(f"{len(events)} events ({sum(1 for e in events if 'device_id' not in e)} web clicks) "
              f"in {len(batches)} batches", flush=True)
        turn = [0]

        def send_both(batch):
            send(embedded.url, emb_key, batch)
            send(ingest[turn[0] % 2].url, api_key, batch)
            turn[0] += 1

        def settle():
            wait_for(lambda: embedded_caught_up(embedded), 120, "the embedded pipeline")
            live = [w for w in workers if w.proc.poll() is None]
            wait_for(lambda: workers_caught_up(live), 180, "the pipeline workers")

        # 1. The first third.
        for batch in thirds[0]:
            send_both(batch)
        settle()
        compare(embedded, emb_app, api, api_app, paths, "phase 1")

        # 2. A worker killed mid-stream.
        for i, batch in enumerate(thirds[1]):
            send_both(batch)
            if i == len(thirds[1]) // 2:
                workers[0].kill9()
                print("killed worker1 (SIGKILL) mid-stream", flush=True)
        settle()
        status, p = admin_json(workers[1].url, "/v1/pipeline")
        assert len(p["partitions"]) == 4, p
        compare(embedded, emb_app, api, api_app, paths, "phase 2 (worker killed)")

        # 3. ClickHouse down while the last third arrives.
        dep.clickhouse("pause")
        stopped = time.monotonic()
        print(f"ClickHouse stopped for {args.outage_seconds:g} s", flush=True)
        for batch in thirds[2]:
            send_both(batch)  # ingest answers 202 throughout
        # The outage itself lasts its time; meanwhile the worker must report
        # its retries (paused) rather than fail for good.
        wait_for(lambda: admin_json(workers[1].url, "/v1/pipeline")[1]["status"] == "paused",
                 args.outage_seconds + 30, "the worker to report ClickHouse missing")
        print(f"pipeline paused {time.monotonic() - stopped:.1f} s into the outage", flush=True)
        time.sleep(max(0.0, args.outage_seconds - (time.monotonic() - stopped)))
        dep.clickhouse("resume")
        settle()
        compare(embedded, emb_app, api, api_app, paths, "phase 3 (ClickHouse outage)")
        print("scale_out_test: passed", flush=True)
    finally:
        dep.close()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
