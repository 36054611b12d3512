#!/usr/bin/env python3
"""Erasure crash test: an acknowledged erasure survives kill -9, and so does
the log redaction of a maintenance run.

A server gets events for 50 devices (click, install, purchase, open each).
Ten devices are erased (DELETE, each 202) and the server is killed with
SIGKILL right after the last 202, before anything flushes the state store.
After a restart the erased devices must be gone: GET devices 404, absent from
the export, and the stats totals (events, installs, revenue) equal a recount
of the other 40 devices' events. Then POST /v1/maintenance (200), SIGKILL
right after it, restart: the same must hold, and the event log files must
hold none of the erased device ids (their events and the erasure records are
redacted) while they still hold the kept ones.

Stdlib only. Stops by itself: every wait is bounded.
"""
import argparse
import datetime
import glob
import json
import os
import shutil
import sys
import tempfile
import time

from um_testlib import ADMIN, Server, admin_json, pipeline_caught_up, request, wait_for

DAY_MS = 86_400_000
DEVICES = 50
ERASED = 10


def day_text(day):
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=day)).isoformat()


def device_id(i):
    # Fixed width and a closing letter: no id is a substring of another.
    return f"erasure-crash-dev{i:04d}z"


def workload(now_ms):
    """Four events per device, all within the last few hours."""
    base = now_ms - 5 * 3_600_000
    events = []
    for i in range(DEVICES):
        dev = device_id(i)
        t = base + i * 60_000
        events.append({"event_id": f"c-{i}", "event_type": "click", "timestamp": t,
                       "device_id": dev, "source": ["google", "meta", "tiktok"][i % 3],
                       "campaign": f"camp{i % 4}"})
        events.append({"event_id": f"i-{i}", "event_type": "install", "timestamp": t + 10_000,
                       "device_id": dev})
        events.append({"event_id": f"p-{i}", "event_type": "purchase", "timestamp": t + 20_000,
                       "device_id": dev, "revenue": round(0.25 + (i % 7) * 1.5, 2),
                       "currency": "USD"})
        events.append({"event_id": f"o-{i}", "event_type": "open", "timestamp": t + 30_000,
                       "device_id": dev})
    return events


def caught_up(server):
    wait_for(lambda: pipeline_caught_up(server.url), 30, "the pipeline to catch up")


def export_events(server, app_id, days):
    status, raw = request(
        f"{server.url}/v1/apps/{app_id}/events/export?from={day_text(days[0])}"
        f"&to={day_text(days[-1])}&format=ndjson", headers={"Authorization": f"Bearer {ADMIN}"})
    assert status == 200, status
    return raw, [json.loads(line) for line in raw.decode().splitlines()]


def check_erased(server, app_id, events, erased, days, label):
    """The erased devices are gone everywhere; the rest is intact."""
    kept = [e for e in events if e["device_id"] not in erased]
    base = f"/v1/apps/{app_id}"
    for dev in sorted(erased):
        status, body = admin_json(server.url, f"{base}/devices/{dev}")
        assert status == 404, (label, dev, status, body)
    # A kept device still shows its four events.
    status, body = admin_json(server.url, f"{base}/devices/{kept[0]['device_id']}")
    assert status == 200 and len(body["events"]) == 4, (label, status, body)

    raw, exported = export_events(server, app_id, days)
    for dev in erased:
        assert dev.encode() not in raw, (label, "erased device in the export", dev)
    assert sorted(e["event_id"] for e in exported) == sorted(e["event_id"] for e in kept), \
        (label, "export differs from the kept events", len(exported), len(kept))

    status, stats = admin_json(
        server.url, f"{base}/stats?from={day_text(days[0])}&to={day_text(days[-1])}")
    assert status == 200, (label, stats)
    totals = stats["totals"]
    want_events = len(kept)
    want_installs = sum(1 for e in kept if e["event_type"] == "install")
    want_revenue = sum(e.get("revenue", 0) for e in kept)
    assert totals["events"] == want_events, (label, "events", totals, want_events)
    assert totals["installs"] == want_installs, (label, "installs", totals, want_installs)
    assert abs(totals["revenue"] - want_revenue) < 1e-6, (label, "revenue", totals, want_revenue)
    assert sum(d["events"] for d in stats["days"]) == want_events, (label, stats["days"])


def log_bytes(data_dir):
    files = sorted(glob.glob(os.path.join(data_dir, "log", "*.log")))
    assert files, f"no log files in {data_dir}/log"
    out = b""
    for path in files:
        with open(path, "rb") as f:
            out += f.read()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = ap.parse_args()
    print("erasure crash test", flush=True)

    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="unmogrowp-erasure-crash-")
    data_dir = os.path.join(tmp, "data")
    server_log = os.path.join(tmp, "server.log")
    server = None
    ok = False
    try:
        now_ms = int(time.time() * 1000)
        events = workload(now_ms)
        first_day = min(e["timestamp"] for e in events) // DAY_MS
        days = [first_day, now_ms // DAY_MS]  # every event is in [first_day, today]
        erased = {device_id(i) for i in range(0, DEVICES, DEVICES // ERASED)}
        assert len(erased) == ERASED
        kept_device = device_id(1)
        assert kept_device not in erased

        server = Server(args.binary, data_dir, server_log)
        status, app = admin_json(server.url, "/v1/apps", "POST",
                                 {"name": "erasure crash", "platform": "android"})
        assert status == 201, app
        status, body = request(f"{server.url}/v1/events/batch", "POST", json.dumps(events).encode(),
                               {"X-Api-Key": app["api_key"], "Content-Type": "application/json"})
        result = json.loads(body)
        assert status == 202 and result["accepted"] == len(events), (status, result)
        caught_up(server)
        log_before = log_bytes(data_dir)
        for dev in erased:
            assert dev.encode() in log_before, dev

        for dev in sorted(erased):
            status, body = admin_json(server.url, f"/v1/apps/{app['id']}/devices/{dev}", "DELETE")
            assert status == 202 and body["device_id"] == dev, (dev, status, body)
        server.kill9()
        server = None
        print("killed the server right after the last 202", flush=True)

        server = Server(args.binary, data_dir, server_log)
        caught_up(server)
        check_erased(server, app["id"], events, erased, days, "after the erasures and kill -9")

        status, report = admin_json(server.url, "/v1/maintenance", "POST")
        assert status == 200, (status, report)
        server.kill9()
        server = None
        # Each erased device's 4 events and its erasure record.
        assert report["erasures_completed"] == ERASED, report
        assert report["log_records_redacted"] == ERASED * 5, report
        print(f"killed the server right after maintenance: {report}", flush=True)

        server = Server(args.binary, data_dir, server_log)
        caught_up(server)
        check_erased(server, app["id"], events, erased, days, "after maintenance and kill -9")
        log_after = log_bytes(data_dir)
        leaked = sorted(dev for dev in erased if dev.encode() in log_after)
        assert not leaked, f"erased device ids still in the log files: {leaked}"
        assert kept_device.encode() in log_after, "a kept device is missing from the log"
        server.stop()
        server = None

        ok = True
        print(f"1 passed, 0 failed ({time.monotonic() - started:.1f} s)")
    finally:
        if server is not None:
            server.kill9()
        if ok and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp} (server log: {server_log})", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
