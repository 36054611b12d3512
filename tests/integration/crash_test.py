#!/usr/bin/env python3
"""Crash test: nothing acknowledged is ever lost.

Each cycle starts `unmogrowp serve` on a free port, drives it with
`unmogrowp load` (batch and single requests, steady rate, acknowledged event
ids flushed to a file as 202s arrive), and kills the server with SIGKILL once
a randomly chosen number of events has been acknowledged. Every cycle sends
events with ids of its own (a different `gen` seed). At the end the server is
restarted once more (recovery must succeed), then `unmogrowp log dump --ids`
must contain every acknowledged event id exactly once.

Stdlib only. Stops by itself: every wait is bounded.
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

from um_testlib import ADMIN, Server, count_lines, crash_test_args, request, wait_for


def main():
    args, rng = crash_test_args(__doc__, "crash test")

    tmp = tempfile.mkdtemp(prefix="unmogrowp-crash-")
    data_dir = os.path.join(tmp, "data")
    server_log = os.path.join(tmp, "server.log")
    ok = False
    try:
        server = Server(args.binary, data_dir, server_log)
        status, body = request(f"{server.url}/v1/apps", "POST",
                               json.dumps({"name": "crash", "platform": "android"}).encode(),
                               {"Authorization": f"Bearer {ADMIN}"})
        assert status == 201, body
        api_key = json.loads(body)["api_key"]
        acked_files = []
        for cycle in range(args.cycles):
            if cycle > 0:
                server = Server(args.binary, data_dir, server_log)
            events = os.path.join(tmp, f"events-{cycle}.ndjson")
            subprocess.run([args.binary, "gen", "--seed", str(1000 + cycle), "--devices", "3000",
                            "--days", "2", "--out", events], check=True,
                           stderr=subprocess.DEVNULL)
            ack_file = os.path.join(tmp, f"acks-{cycle}.txt")
            acked_files.append(ack_file)
            mode = "batch" if cycle % 2 == 0 else "single"
            load = subprocess.Popen(
                [args.binary, "load", "--url", server.url, "--api-key", api_key,
                 "--input", events, "--mode", mode, "--batch-size", "50",
                 "--connections", "4", "--rate", "20000", "--duration", "0",
                 "--ack-file", ack_file],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            target = rng.randrange(200, 5000)
            try:
                wait_for(lambda: count_lines(ack_file) >= target or load.poll() is not None,
                         120, f"{target} acknowledgements")
            finally:
                server.kill9()
                load.kill()
                load.wait(timeout=30)
            print(f"cycle {cycle}: {mode} load, killed the server after "
                  f"{count_lines(ack_file)} acknowledged events", flush=True)

        # Recovery after the last kill must succeed and the server must answer.
        server = Server(args.binary, data_dir, server_log)
        status, _ = request(f"{server.url}/healthz")
        assert status == 200
        server.stop()

        dump = subprocess.run([args.binary, "log", "dump", "--ids", "--data-dir", data_dir],
                              check=True, capture_output=True)
        in_log = collections.Counter(dump.stdout.decode().split())
        acked = []
        for path in acked_files:
            with open(path) as f:
                # A line is complete only with its newline: the last one may be torn by the kill.
                content = f.read()
                acked.extend(line for line in content.split("\n")[:-1] if line)
        missing = [i for i in acked if in_log[i] == 0]
        doubled = [i for i in set(acked) if in_log[i] > 1]
        print(f"acknowledged {len(acked)} events over {args.cycles} kills; "
              f"log holds {sum(in_log.values())} events; missing {len(missing)}, "
              f"more than once {len(doubled)}", flush=True)
        assert len(acked) >= args.cycles * 200, "too few acknowledgements to mean anything"
        assert not missing, f"acknowledged but lost: {missing[:10]}"
        assert not doubled, f"in the log more than once: {doubled[:10]}"
        ok = True
        print("1 passed, 0 failed")
    finally:
        if ok and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp} (server log: {server_log})", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
