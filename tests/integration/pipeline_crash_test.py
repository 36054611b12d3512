#!/usr/bin/env python3
"""Pipeline crash test: the derived state survives kill -9 at any moment.

A server is driven with `unmogrowp gen` events in big batches over one
connection (so the arrival order is the file's, as the reference below needs:
install attribution depends on arrival order) while the pipeline lags behind
ingest, and the server is killed with SIGKILL at random moments
while the pipeline is mid-stream, over several cycles. Every cycle re-sends the
same file from its start, so most events arrive again and again: each must
still count once. After the last cycle a final server takes the whole file
once more and catches up.

Then a second server starts on a copy of the same event log and metadata with
no derived state at all -- a clean replay -- and every report must give the
same answers as the crashed-and-recovered one: installs by source and by
campaign, every multi-touch model, an in-app conversion type, and a sample of
devices. A third server that received the file exactly once (a log without
duplicates) must agree too, up to each event's app_id and received_ms.

Stdlib only. Stops by itself: every wait is bounded.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from um_testlib import Server, admin_json, crash_test_args, wait_for

MODELS = ["first", "last", "linear", "time_decay", "position_based", "markov", "shapley"]
RANGE = "from=2000-01-01&to=2100-12-31"


def caught_up(server):
    status, p = admin_json(server.url, "/v1/pipeline")
    return status == 200 and p["status"] == "ok" and p["committed_offset"] == p["durable_offset"]


def pipeline_processed(server):
    """Records the pipeline processed since this server started (0 while it
    cannot be asked)."""
    try:
        status, p = admin_json(server.url, "/v1/pipeline")
    except OSError:
        return 0
    return p["events_applied"] + p["duplicates_skipped"] if status == 200 else 0


def reports(server, app_id, devices):
    """Every answer the comparison covers, as one JSON-able dict."""
    out = {}
    base = f"/v1/apps/{app_id}"
    for group_by in ("source", "campaign"):
        status, body = admin_json(server.url, f"{base}/attribution/installs?{RANGE}&group_by={group_by}")
        assert status == 200, body
        body["rows"].sort(key=lambda r: r["channel"])
        out[f"installs/{group_by}"] = body
        for model in MODELS:
            status, body = admin_json(
                server.url, f"{base}/attribution/mta?{RANGE}&model={model}&group_by={group_by}")
            assert status == 200, body
            body["rows"].sort(key=lambda r: r["channel"])
            out[f"mta/{model}/{group_by}"] = body
    status, body = admin_json(server.url, f"{base}/attribution/mta?{RANGE}&model=linear&conversion=purchase")
    assert status == 200, body
    body["rows"].sort(key=lambda r: r["channel"])
    out["mta/linear/purchase"] = body
    for device in devices:
        status, body = admin_json(server.url, f"{base}/devices/{device}")
        assert status == 200, (device, body)
        out[f"device/{device}"] = body
    return out


def without_arrival(tree):
    """The reports minus what differs between two apps that got the same
    events: the app id and server receive time stamped on each event."""
    if isinstance(tree, dict):
        return {k: without_arrival(v) for k, v in tree.items() if k not in ("app_id", "received_ms")}
    if isinstance(tree, list):
        return [without_arrival(v) for v in tree]
    return tree


def same(a, b, path=""):
    """Differences between two report trees; floats equal to 1e-9 relative."""
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return [f"{path}: {a!r} != {b!r}"]
        return [] if abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)) else [f"{path}: {a} != {b}"]
    if isinstance(a, dict) and isinstance(b, dict):
        diffs = [f"{path}/{k}: only on one side" for k in set(a) ^ set(b)]
        for k in set(a) & set(b):
            diffs += same(a[k], b[k], f"{path}/{k}")
        return diffs
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} != {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in same(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def main():
    args, rng = crash_test_args(__doc__, "pipeline crash test")

    tmp = tempfile.mkdtemp(prefix="unmogrowp-pipeline-crash-")
    data_dir = os.path.join(tmp, "data")
    replay_dir = os.path.join(tmp, "replay")
    server_log = os.path.join(tmp, "server.log")
    events = os.path.join(tmp, "events.ndjson")
    ok = False
    server = None
    try:
        subprocess.run([args.binary, "gen", "--seed", str(args.seed % 100000), "--devices", "8000",
                        "--days", "3", "--out", events], check=True, stderr=subprocess.DEVNULL)
        with open(events) as f:
            lines = [json.loads(line) for line in f]
        devices = sorted({e["device_id"] for e in lines if "device_id" in e})
        sample = rng.sample(devices, min(25, len(devices)))

        server = Server(args.binary, data_dir, server_log)
        status, app = admin_json(server.url, "/v1/apps", "POST",
                                 {"name": "crash", "platform": "android"})
        assert status == 201, app
        for cycle in range(args.cycles + 1):
            if cycle > 0:
                server = Server(args.binary, data_dir, server_log)
            final = cycle == args.cycles
            load = subprocess.Popen(
                [args.binary, "load", "--url", server.url, "--api-key", app["api_key"],
                 "--input", events, "--mode", "batch", "--batch-size", "2000",
                 "--connections", "1", "--duration", "0"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if final:
                assert load.wait(timeout=300) == 0, "the final load failed"
                break
            # Kill once the pipeline has applied a random share of this
            # cycle's new work (or when the load is done and it is still
            # behind): mid-stream either way.
            target = rng.randrange(1, len(lines) // 2)
            try:
                wait_for(lambda: pipeline_processed(server) >= target
                         or load.poll() is not None, 180, f"the pipeline to reach {target} events")
            finally:
                server.kill9()
                load.kill()
                load.wait(timeout=30)
            print(f"cycle {cycle}: killed the server with the pipeline near {target} events "
                  f"processed this run", flush=True)

        wait_for(lambda: caught_up(server), 300, "the pipeline to catch up")
        recovered = reports(server, app["id"], sample)
        server.stop()
        server = None

        # Clean replay: the same log and metadata, no derived state.
        os.makedirs(replay_dir)
        shutil.copytree(os.path.join(data_dir, "log"), os.path.join(replay_dir, "log"))
        for name in os.listdir(data_dir):
            if name.startswith("meta.sqlite3") or name == "admin.token":
                shutil.copy(os.path.join(data_dir, name), replay_dir)
        server = Server(args.binary, replay_dir, server_log)
        wait_for(lambda: caught_up(server), 300, "the replay to catch up")
        replayed = reports(server, app["id"], sample)
        server.stop()
        server = None

        # Reference: the same events exactly once, into a fresh server.
        server = Server(args.binary, os.path.join(tmp, "reference"), server_log)
        status, ref_app = admin_json(server.url, "/v1/apps", "POST",
                                     {"name": "reference", "platform": "android"})
        assert status == 201, ref_app
        subprocess.run([args.binary, "load", "--url", server.url, "--api-key", ref_app["api_key"],
                        "--input", events, "--mode", "batch", "--batch-size", "2000",
                        "--connections", "1", "--duration", "0"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        wait_for(lambda: caught_up(server), 300, "the reference to catch up")
        reference = reports(server, ref_app["id"], sample)
        server.stop()
        server = None

        installs = sum(r["installs"] for r in recovered["installs/source"]["rows"]) + \
            recovered["installs/source"]["organic"]
        diffs = same(recovered, replayed)
        diffs += ["(reference) " + d for d in
                  same(without_arrival(recovered), without_arrival(reference))]
        print(f"compared {len(recovered)} report answers ({installs} first installs, "
              f"{recovered['mta/last/source']['total_conversions']} install conversions, "
              f"{len(sample)} devices): {len(diffs)} differences", flush=True)
        assert installs > 0, "no installs: the comparison would mean nothing"
        assert not diffs, "recovered state differs from a clean replay:\n" + "\n".join(diffs[:20])
        ok = True
        print("1 passed, 0 failed")
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
