#!/usr/bin/env python3
"""How long after its 202 an event shows up in the reports, under load.

Starts `unmogrowp serve` in a temp dir, drives it with `unmogrowp load` (batch
mode, paced at --rate events/s, `unmogrowp gen` events) and meanwhile, every
--probe-interval seconds, posts one install for a fresh device and polls
GET /v1/apps/{app}/devices/{device} until it answers 200: the time from the
202 to that first 200 is one sample (the poll interval, 2 ms, bounds the
error). Every second it also reads GET /v1/pipeline and prints the lag.

Usage: bench/visibility_bench.py [--binary B] [--rate 50000] [--seconds 20]
Prints p50/p90/p99/max of the samples and the largest lag seen. Stdlib only.
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from um_testlib import ADMIN, Server, admin_json  # noqa: E402


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="build/release/src/cli/unmogrowp")
    ap.add_argument("--rate", type=float, default=50000, help="background events/s (0: no load)")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--probe-interval", type=float, default=0.05)
    ap.add_argument("--devices", type=int, default=200000, help="gen --devices for the load")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="unmogrowp-visibility-")
    server = None
    load = None
    try:
        events = os.path.join(tmp, "events.ndjson")
        subprocess.run([args.binary, "gen", "--seed", "3", "--devices", str(args.devices),
                        "--days", "7", "--out", events], check=True, stderr=subprocess.DEVNULL)
        server = Server(args.binary, os.path.join(tmp, "data"), os.path.join(tmp, "server.log"))
        status, app = admin_json(server.url, "/v1/apps", "POST", {"name": "vis", "platform": "ios"})
        assert status == 201, app
        if args.rate > 0:
            load = subprocess.Popen(
                [args.binary, "load", "--url", server.url, "--api-key", app["api_key"],
                 "--input", events, "--mode", "batch", "--batch-size", "1000",
                 "--connections", "4", "--rate", str(args.rate),
                 "--duration", str(args.seconds + 5), "--json"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            time.sleep(2)  # let the load and the pipeline settle before sampling

        lags = []
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                _, p = admin_json(server.url, "/v1/pipeline")
                lags.append(p["lag_bytes"])
                print(f"  lag {p['lag_bytes'] / 1e6:8.2f} MB, applied {p['events_applied']:,}",
                      flush=True)
                stop.wait(1)

        watcher = threading.Thread(target=watch)
        watcher.start()
        ingest = http.client.HTTPConnection("127.0.0.1", server.port)
        poll = http.client.HTTPConnection("127.0.0.1", server.port)
        samples = []
        deadline = time.monotonic() + args.seconds
        i = 0
        while time.monotonic() < deadline:
            next_probe = time.monotonic() + args.probe_interval
            device = f"probe-{i}"
            body = json.dumps({"event_type": "install", "device_id": device,
                               "timestamp": int(time.time() * 1000)})
            ingest.request("POST", "/v1/events", body,
                           {"X-Api-Key": app["api_key"], "Content-Type": "application/json"})
            r = ingest.getresponse()
            r.read()
            assert r.status == 202, r.status
            acked = time.monotonic()
            while True:
                poll.request("GET", f"/v1/apps/{app['id']}/devices/{device}",
                             headers={"Authorization": f"Bearer {ADMIN}"})
                r = poll.getresponse()
                r.read()
                if r.status == 200:
                    break
                assert r.status == 404, r.status
                if time.monotonic() - acked > 30:
                    raise AssertionError(f"{device} not visible after 30 s")
                time.sleep(0.002)
            samples.append((time.monotonic() - acked) * 1000)
            i += 1
            time.sleep(max(0, next_probe - time.monotonic()))
        stop.set()
        watcher.join()
        load_report = {}
        if load is not None:
            out, _ = load.communicate(timeout=60)
            load_report = json.loads(out or b"{}")
        print(f"visibility after 202 over {len(samples)} probes: "
              f"p50 {percentile(samples, 50):.1f} ms, p90 {percentile(samples, 90):.1f} ms, "
              f"p99 {percentile(samples, 99):.1f} ms, max {max(samples):.1f} ms")
        print(f"background load: {load_report.get('events_per_sec', 0):,.0f} events/s acknowledged "
              f"(asked {args.rate:,.0f}); largest pipeline lag {max(lags) / 1e6:.2f} MB, "
              f"last {lags[-1] / 1e6:.2f} MB")
    finally:
        if load is not None and load.poll() is None:
            load.kill()
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
