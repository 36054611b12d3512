#!/usr/bin/env python3
"""App deletion crash test: DELETE /v1/apps/{app_id} is all or nothing under
kill -9, and so is the log redaction of the maintenance run after it.

One data dir, an app B whose reports are compared and an app C that only
keeps the pipeline busy live throughout; every cycle (seeded) makes a new app
A and sends A and B a few hundred events each (clicks, installs, purchases,
opens; every device id carries a marker of its app and cycle, so the log
files can be searched for it). B's reports are recorded once the pipeline has
applied its events; then C gets a backlog of a few thousand events and A is
deleted right behind it, so that the deletion record waits in the log behind
other apps' events (and, but in_flight, right behind A's own events, in the
same pipeline batch). The server is killed with SIGKILL at one of three
points, in turn:
  in_flight    0-20 ms after DELETE A was sent, from another thread (A's
               events applied and its reports recorded before): A may or may
               not be deleted after the restart, but all or nothing;
  after_204    right after DELETE A answered 204;
  maintenance  right after the POST /v1/maintenance that follows a DELETE A
               (204).
After the restart and a pipeline catch-up, A is either listed with every
report as recorded (then it is deleted again, 204) or gone: 404 on the app and
on every report, its key a 401 on POST /v1/events, not listed. Every app
deleted so far stays gone; B's reports are as recorded and C counts every
event it got; the audit log holds exactly one app.delete per deleted app,
none for the others, and no API key;
once a maintenance run has followed a deletion, no file under <data-dir>/log
holds the deleted app's device ids while every B device id is still there,
and each run redacted exactly the deleted apps' records not redacted before.
Then the server is stopped, its derived state (<data-dir>/state) deleted and
the server started again: it rebuilds from the log (the deletion records
replayed, or already redacted with the app's events) and all of the above
holds again. A last maintenance run redacts what is left and is checked too.

Stdlib only. Stops by itself: every wait is bounded.
"""
import datetime
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.error

from um_testlib import (ADMIN, Server, admin_json, crash_test_args, log_bytes, pipeline_caught_up,
                        request, tree_diffs, wait_for)

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MODES = ["in_flight", "after_204", "maintenance"]
SOURCES = ["google", "meta", "tiktok", "unity"]
# Every deletion that took effect must have exactly one app.delete entry: the
# pipeline writes it when it applies the deletion record (src/api/service.cc,
# Pipeline::Options::app_deleted), so a kill -9 between the record's append
# and the handler's answer cannot leave a deletion unaudited. (Before that,
# the handler audited after the append, and 4 of 30 in-flight kills left a
# deletion without its entry.)
STRICT_AUDIT = True


def day_text(day):
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=day)).isoformat()


class App:
    """One app as the test knows it: its id and key, its device-id marker, its
    events (and so how many log records it has), a few of its devices."""

    def __init__(self, server, name, marker):
        status, body = admin_json(server.url, "/v1/apps", "POST",
                                  {"name": name, "platform": "android"})
        assert status == 201, (status, body)
        self.id = body["id"]
        self.key = body["api_key"]
        self.marker = marker
        self.events = []
        self.devices = []  # one or two per batch, for the device reports
        self.redacted = False  # a maintenance run has wiped its records

    def device(self, cycle, i):
        # Fixed width and a closing letter: no id is a substring of another,
        # and the marker is in no other app's ids.
        return f"{self.marker}{cycle:03d}x{i:04d}z"

    def cycle_marker(self, cycle):
        return f"{self.marker}{cycle:03d}x".encode()


def workload(rng, app, cycle, now_ms):
    """A few hundred events over the last six hours."""
    base = now_ms - 6 * HOUR_MS
    events = []
    for i in range(rng.randint(60, 90)):
        dev = app.device(cycle, i)
        tag = f"{cycle}-{i}"
        t = base + rng.randrange(4 * HOUR_MS)
        if rng.random() < 0.7:
            events.append({"event_id": f"c-{tag}", "event_type": "click", "timestamp": t,
                           "device_id": dev, "source": rng.choice(SOURCES),
                           "campaign": f"camp{rng.randrange(3)}"})
        events.append({"event_id": f"i-{tag}", "event_type": "install",
                       "timestamp": t + rng.randrange(1_000, 600_000), "device_id": dev})
        for k in range(rng.randrange(3)):
            events.append({"event_id": f"p-{tag}-{k}", "event_type": "purchase",
                           "timestamp": t + 700_000 + k * 60_000, "device_id": dev,
                           "revenue": round(rng.uniform(0.5, 20.0), 2), "currency": "USD"})
        if rng.random() < 0.5:
            events.append({"event_id": f"o-{tag}", "event_type": "open",
                           "timestamp": t + 900_000, "device_id": dev})
    return events


def backlog(rng, app, cycle, now_ms):
    """A few thousand small events (an install and an open per device), to
    keep the pipeline busy for tens of milliseconds."""
    events = []
    for i in range(rng.randint(1000, 2000)):
        dev = app.device(cycle, i)
        t = now_ms - rng.randrange(1, 5 * HOUR_MS)
        events.append({"event_id": f"i-{cycle}-{i}", "event_type": "install", "timestamp": t,
                       "device_id": dev})
        events.append({"event_id": f"o-{cycle}-{i}", "event_type": "open", "timestamp": t + 1,
                       "device_id": dev})
    return events


def send(server, app, events):
    status, body = request(f"{server.url}/v1/events/batch", "POST", json.dumps(events).encode(),
                           {"X-Api-Key": app.key, "Content-Type": "application/json"})
    result = json.loads(body)
    assert status == 202 and result["accepted"] == len(events), (status, result)
    app.events += events


def admin_raw(server, path, method="GET"):
    """(status, body bytes) of an admin call, errors included."""
    try:
        return request(server.url + path, method, None, {"Authorization": f"Bearer {ADMIN}"})
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def caught_up(server):
    wait_for(lambda: pipeline_caught_up(server.url), 30, "the pipeline to catch up")


def report_paths(app, days):
    base = f"/v1/apps/{app.id}"
    span = f"from={day_text(days[0])}&to={day_text(days[1])}"
    return [f"{base}/stats?{span}",
            f"{base}/attribution/installs?{span}&group_by=source",
            f"{base}/attribution/installs?{span}&group_by=campaign",
            f"{base}/attribution/mta?{span}&model=position_based&group_by=campaign",
            f"{base}/cohorts?{span}",
            f"{base}/events/export?{span}&format=ndjson"] + \
        [f"{base}/devices/{dev}" for dev in app.devices]


def sorted_rows(tree):
    """Report rows sorted by channel: their order is not part of the answer."""
    if isinstance(tree, dict):
        out = {k: sorted_rows(v) for k, v in tree.items()}
        if isinstance(out.get("rows"), list) and all("channel" in r for r in out["rows"]):
            out["rows"].sort(key=lambda r: r["channel"])
        return out
    if isinstance(tree, list):
        return [sorted_rows(v) for v in tree]
    return tree


def reports(server, app, days, label):
    """Every report of the app, parsed (the export as a list of events)."""
    out = {}
    for path in report_paths(app, days):
        status, raw = admin_raw(server, path)
        assert status == 200, (label, path, status, raw[:300])
        if "/events/export" in path:
            out[path] = [json.loads(line) for line in raw.decode().splitlines()]
        else:
            out[path] = sorted_rows(json.loads(raw))
    return out


def check_reports(server, app, days, recorded, label):
    """The app's reports equal the recorded ones (floats to 1e-9 relative:
    a rebuild may sum in other batches)."""
    diffs = tree_diffs(recorded, reports(server, app, days, label))
    assert not diffs, (label, app.id, diffs[:10])


def listed_ids(server):
    status, body = admin_json(server.url, "/v1/apps")
    assert status == 200, body
    return {a["id"] for a in body["apps"]}


def key_status(server, app):
    """What POST /v1/events answers to the app's key (the event is valid)."""
    event = {"event_id": f"probe-{time.monotonic_ns()}", "event_type": "open",
             "timestamp": int(time.time() * 1000), "device_id": app.device(999, 0)}
    try:
        status, _ = request(f"{server.url}/v1/events", "POST", json.dumps(event).encode(),
                            {"X-Api-Key": app.key, "Content-Type": "application/json"})
    except urllib.error.HTTPError as e:
        return e.code, event
    return status, event


def check_gone(server, app, days, label):
    """The app answers 404 everywhere, its key 401, and it is not listed."""
    for path in [f"/v1/apps/{app.id}"] + report_paths(app, days):
        status, raw = admin_raw(server, path)
        assert status == 404, (label, "deleted app answers", path, status, raw[:300])
    assert app.id not in listed_ids(server), (label, "deleted app listed", app.id)
    status, _ = key_status(server, app)
    assert status == 401, (label, "deleted app's key accepted", app.id, status)


def audit(server):
    """Every audit entry, and every page's raw bytes."""
    entries, raw, before = [], b"", None
    while True:
        path = "/v1/audit?limit=1000" + (f"&before={before}" if before is not None else "")
        status, body = admin_raw(server, path)
        assert status == 200, (status, body)
        raw += body
        page = json.loads(body)
        entries += page["entries"]
        if page["next_before"] is None:
            return entries, raw
        before = page["next_before"]


def app_delete_entries(server, app_id):
    entries, _ = audit(server)
    return sum(1 for e in entries if e["action"] == "app.delete" and e["app_id"] == app_id)


def check_audit(server, apps, deleted, unaudited, label):
    """One app.delete entry per deleted app but those in `unaudited` (see
    STRICT_AUDIT), none for the others; no API key anywhere."""
    entries, raw = audit(server)
    deletes = [e for e in entries if e["action"] == "app.delete"]
    for app in apps:
        want = 1 if app.id in deleted and app.id not in unaudited else 0
        got = sum(1 for e in deletes if e["app_id"] == app.id)
        assert got == want, (label, "app.delete entries", app.id, got, want)
        assert app.key.encode() not in raw and app.key[4:].encode() not in raw, \
            (label, "an API key in the audit log", app.id)
    assert len(deletes) == len(deleted) - len(unaudited), (label, len(deletes), len(deleted))


def check_log(data_dir, apps, keeper, label):
    """Redacted apps' device ids are in no log file; the keeper's all are."""
    raw = log_bytes(data_dir)
    for app in apps:
        if app.redacted:
            assert app.marker.encode() not in raw, (label, "redacted app in the log", app.id)
    kept = {e["device_id"] for e in keeper.events}
    missing = sorted(dev for dev in kept if dev.encode() not in raw)
    assert not missing, (label, "kept app's devices missing from the log", missing[:5])


class Run:
    """The state of a run: the server, the apps and what must hold."""

    def __init__(self, args, rng, tmp):
        self.binary = args.binary
        self.rng = rng
        self.data_dir = os.path.join(tmp, "data")
        self.server_log = os.path.join(tmp, "server.log")
        self.server = Server(self.binary, self.data_dir, self.server_log)
        today = int(time.time() * 1000) // DAY_MS
        self.days = [today - 370, today + 1]
        self.keeper = App(self.server, "keeper B", "adcB")
        self.keeper_reports = None
        self.busy = App(self.server, "backlog C", "adcC")
        self.apps = []  # every A, deleted or not
        self.deleted = set()  # ids whose deletion took effect
        self.unaudited = set()  # deleted without an app.delete entry (STRICT_AUDIT)
        self.in_flight_outcomes = {"deleted": 0, "kept": 0}

    def restart(self, rebuild=False):
        if rebuild:
            self.server.stop()
            self.server = None
            shutil.rmtree(os.path.join(self.data_dir, "state"))
        self.server = Server(self.binary, self.data_dir, self.server_log)
        caught_up(self.server)

    def kill(self):
        self.server.kill9()
        self.server = None

    def check(self, label):
        """Everything that must hold between cycles."""
        check_reports(self.server, self.keeper, self.days, self.keeper_reports, label)
        status, stats = admin_json(self.server.url, report_paths(self.busy, self.days)[0])
        assert status == 200 and stats["totals"]["events"] == len(self.busy.events), \
            (label, "app C's events", stats["totals"], len(self.busy.events))
        for app in self.apps:
            if app.id in self.deleted:
                check_gone(self.server, app, self.days, label)
        check_audit(self.server, self.apps + [self.keeper, self.busy], self.deleted,
                    self.unaudited, label)
        check_log(self.data_dir, self.apps, self.keeper, label)

    def delete(self, app, label):
        status, raw = admin_raw(self.server, f"/v1/apps/{app.id}", "DELETE")
        assert status == 204 and raw == b"", (label, status, raw)
        self.deleted.add(app.id)

    def maintain(self, label):
        """POST /v1/maintenance: it redacts exactly the records (events and
        the deletion record) of every deleted app not redacted before."""
        pending = [a for a in self.apps if a.id in self.deleted and not a.redacted]
        raw = log_bytes(self.data_dir)
        for app in pending:
            assert app.marker.encode() in raw, (label, "a deleted app not in the log", app.id)
        status, report = admin_json(self.server.url, "/v1/maintenance", "POST")
        assert status == 200, (label, status, report)
        want = sum(len(a.events) + 1 for a in pending)
        assert report["log_records_redacted"] == want, (label, report, want)
        for app in pending:
            app.redacted = True
        return report

    def delete_in_flight(self, app, recorded, label):
        """DELETE from a thread, SIGKILL 0-20 ms later; after the restart the
        app is wholly there (its reports as `recorded`) or wholly gone."""
        answer = {}

        def call(server):
            try:
                answer["status"] = admin_raw(server, f"/v1/apps/{app.id}", "DELETE")[0]
            except (OSError, http.client.HTTPException) as e:
                answer["error"] = repr(e)

        thread = threading.Thread(target=call, args=(self.server,))
        # 0-20 ms, denser near 0: the record is appended within a few ms of
        # the request, and the kill should land on both sides of that.
        delay = 0.020 * self.rng.random()**3
        thread.start()
        time.sleep(delay)  # the kill point, not a wait for anything
        self.kill()
        thread.join(30)
        assert not thread.is_alive(), "the DELETE did not return after the kill"
        self.restart()

        status, body = admin_json(self.server.url, f"/v1/apps/{app.id}")
        if answer.get("status") in (202, 204):
            assert status == 404, (label, "acknowledged deletion undone", answer, status, body)
        if status == 404:
            self.deleted.add(app.id)
            self.in_flight_outcomes["deleted"] += 1
            outcome = "deleted"
            if "status" not in answer and app_delete_entries(self.server, app.id) == 0:
                assert not STRICT_AUDIT, (label, "deleted without an app.delete entry", app.id)
                self.unaudited.add(app.id)
                outcome += " WITHOUT an audit entry (see STRICT_AUDIT)"
        else:
            assert status == 200, (label, status, body)
            self.in_flight_outcomes["kept"] += 1
            outcome = "kept"
            # Wholly there: listed, every report as recorded, its key works.
            assert app.id in listed_ids(self.server), (label, "app not listed", app.id)
            check_reports(self.server, app, self.days, recorded, label)
        print(f"  killed {delay * 1000:.1f} ms after sending DELETE ({answer}): app {outcome}",
              flush=True)
        self.check(label)
        if outcome == "kept":
            # Its key still works, and a new DELETE deletes it (the probe
            # event is one more of its records).
            status, event = key_status(self.server, app)
            assert status == 202, (label, "surviving app's key rejected", status)
            app.events.append(event)
            caught_up(self.server)
            self.delete(app, label + ", deleted again")
            check_gone(self.server, app, self.days, label + ", deleted again")

    def cycle(self, cycle, mode):
        label = f"cycle {cycle} ({mode})"
        app = App(self.server, f"deleted A{cycle}", f"adcA{cycle:03d}-")  # one A per cycle
        self.apps.append(app)
        now_ms = int(time.time() * 1000)
        send(self.server, self.keeper, workload(self.rng, self.keeper, cycle, now_ms))
        app_events = workload(self.rng, app, cycle, now_ms)
        recorded = None
        app.devices = [app_events[0]["device_id"], app_events[-1]["device_id"]]
        self.keeper.devices = (self.keeper.devices + [self.keeper.device(cycle, 0)])[-3:]
        if mode == "in_flight":
            send(self.server, app, app_events)
        caught_up(self.server)
        self.keeper_reports = reports(self.server, self.keeper, self.days, label)
        if mode == "in_flight":
            recorded = reports(self.server, app, self.days, label)

        # The deletion record goes into the log behind a backlog (and A's
        # events), which the pipeline applies first.
        send(self.server, self.busy, backlog(self.rng, self.busy, cycle, now_ms))
        if mode != "in_flight":
            send(self.server, app, app_events)
        raw = log_bytes(self.data_dir)
        assert app.cycle_marker(cycle) in raw and self.keeper.cycle_marker(cycle) in raw, label

        if mode == "in_flight":
            self.delete_in_flight(app, recorded, label)
        else:
            started = time.monotonic()
            self.delete(app, label)
            took = time.monotonic() - started
            if mode == "maintenance":
                report = self.maintain(label)
                print(f"  DELETE took {took * 1000:.0f} ms; killed right after maintenance: "
                      f"{report}", flush=True)
            else:
                print(f"  DELETE took {took * 1000:.0f} ms; killed right after its 204",
                      flush=True)
            self.kill()
            self.restart()
            self.check(label + ", after kill -9")

        # A rebuild of the derived state from the log brings nothing back.
        self.restart(rebuild=True)
        self.check(label + ", after a rebuild from the log")


def main():
    args, rng = crash_test_args(__doc__, "app delete crash test", default_cycles=9)
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="unmogrowp-app-delete-crash-")
    run = None
    ok = False
    try:
        run = Run(args, rng, tmp)
        for cycle in range(args.cycles):
            mode = MODES[cycle % len(MODES)]
            print(f"cycle {cycle}: {mode}", flush=True)
            run.cycle(cycle, mode)
        # A last maintenance run redacts every deletion left; a restart and a
        # rebuild keep it so.
        run.maintain("final maintenance")
        run.restart(rebuild=True)
        run.check("after the final maintenance and a rebuild")
        assert all(a.id in run.deleted and a.redacted for a in run.apps)
        run.server.stop()
        run.server = None
        ok = True
        print(f"in flight: {run.in_flight_outcomes}; deleted without an audit entry"
              f": {len(run.unaudited)}")
        print(f"{args.cycles} cycles passed ({time.monotonic() - started:.1f} s)")
    finally:
        if run is not None and run.server is not None:
            run.server.kill9()
        if ok and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp} (server log: {os.path.join(tmp, 'server.log')}, seed {args.seed})",
                  file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
