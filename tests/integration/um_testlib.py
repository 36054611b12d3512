"""Helpers shared by the integration scripts: start and stop `unmogrowp serve`
on a free port, bounded waits, HTTP calls. Stdlib only."""
import argparse
import json
import os
import random
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

ADMIN = "integration-test-admin-token"


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.005)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Server:
    def __init__(self, binary, data_dir, log_path, extra_args=()):
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir,
             "--admin-token", ADMIN, "--log-level", "warn", *extra_args],
            stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not m:
            self.proc.kill()
            raise AssertionError(f"server did not start: {line!r} (see {log_path})")
        self.port = int(m.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.log.close()


def request(url, method="GET", body=None, headers=None):
    req = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, resp.read()


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def admin_json(url, path, method="GET", body=None):
    """Calls an admin endpoint; returns (status, parsed JSON body)."""
    data = json.dumps(body).encode() if body is not None else None
    try:
        status, raw = request(url + path, method, data, {"Authorization": f"Bearer {ADMIN}"})
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")
    return status, json.loads(raw)


def crash_test_args(description, name, default_cycles=5):
    """The command line the crash tests take (--binary, --cycles, --seed,
    --keep; UM_CRASH_CYCLES, else `default_cycles`, and UM_CRASH_SEED as
    defaults). Prints the run's header and returns (args, a random.Random
    seeded with args.seed)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--cycles", type=int,
                    default=int(os.environ.get("UM_CRASH_CYCLES", str(default_cycles))))
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("UM_CRASH_SEED", str(random.randrange(1 << 30)))))
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = ap.parse_args()
    print(f"{name}: {args.cycles} cycles, seed {args.seed}", flush=True)
    return args, random.Random(args.seed)


def pipeline_caught_up(url):
    """True once the pipeline has applied everything durable in the event log:
    status ok, lag 0 and the committed offset at the durable end. False while
    the server cannot be asked."""
    try:
        status, p = admin_json(url, "/v1/pipeline")
    except OSError:
        return False
    return (status == 200 and p["status"] == "ok" and p["lag_bytes"] == 0
            and p["committed_offset"] == p["durable_offset"])


def tree_diffs(a, b, path="", rel_tol=1e-9):
    """The differences between two JSON trees, one line each; numbers equal
    when either is a float and they agree to rel_tol (relative, at least 1)."""
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, bool) or isinstance(b, bool) or \
                not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return [f"{path}: {a!r} != {b!r}"]
        return [] if abs(a - b) <= rel_tol * max(1.0, abs(a), abs(b)) else [f"{path}: {a} != {b}"]
    if isinstance(a, dict) and isinstance(b, dict):
        diffs = [f"{path}/{k}: only on one side" for k in sorted(set(a) ^ set(b), key=str)]
        for k in sorted(set(a) & set(b), key=str):
            diffs += tree_diffs(a[k], b[k], f"{path}/{k}", rel_tol)
        return diffs
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} != {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b))
                for d in tree_diffs(x, y, f"{path}[{i}]", rel_tol)]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def log_bytes(data_dir):
    """Every byte of the files in `<data_dir>/log` (the event log's segments),
    concatenated in name order: for checking that redacted ids are gone."""
    log_dir = os.path.join(data_dir, "log")
    out = b""
    for name in sorted(os.listdir(log_dir)):
        path = os.path.join(log_dir, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                out += f.read()
    return out
