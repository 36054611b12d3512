#!/usr/bin/env python3
"""OpenAPI conformance test: the live server answers as docs/openapi.yaml says.

First the spec itself: it loads, every $ref resolves, every schema is a valid
JSON Schema 2020-12, and every 4xx/5xx response is the shared Error object.

Then a real `unmogrowp serve` on a temp data dir gets an app and a small
dataset (clicks, an impression, a web click; deterministic, probabilistic and
organic installs; in-app events with revenue) through all three batch body
forms and the single-event endpoint. Once the pipeline has caught up, every
operation in the spec is called, with at least one error case each (401, 400
naming the field, 404, 413), and every answer's status, headers and body are
validated against the spec's schema for that operation and status (NDJSON
exports line by line, CSV exports by their header). It fails on a status the
spec does not list for the operation, on an answer that does not match its
schema, and on any operation in the spec that was never exercised.

Needs python3-yaml and python3-jsonschema (4.10+). Stops by itself: every wait
is bounded.
"""
import argparse
import csv
import http.client
import io
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.parse

import jsonschema
import yaml

from um_testlib import ADMIN, Server, wait_for

SPEC_URI = "https://unmogrowp.invalid/openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Operations with no error case a test can provoke (no auth, no input).
NO_ERROR_CASE = {("GET", "/healthz"), ("GET", "/metrics")}


def pointer_escape(segment):
    return str(segment).replace("~", "~0").replace("/", "~1")


def resolve_pointer(doc, pointer):
    node = doc
    for raw in pointer.lstrip("/").split("/") if pointer else []:
        segment = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(segment)]
        else:
            node = node[segment]
    return node


class Spec:
    """The OpenAPI document and validators for the schemas in it."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        assert self.doc.get("openapi", "").startswith("3.1"), "the spec must be OpenAPI 3.1"
        self._validator = self._validator_factory()

    def _validator_factory(self):
        cls = jsonschema.Draft202012Validator
        try:
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012
        except ImportError:  # jsonschema < 4.18 (Debian 12 has 4.10)
            resolver = jsonschema.RefResolver(SPEC_URI, self.doc)
            return lambda pointer: cls(self._ref_to(pointer), resolver=resolver)
        registry = Registry().with_resource(
            SPEC_URI, Resource.from_contents(self.doc, default_specification=DRAFT202012))
        return lambda pointer: cls(self._ref_to(pointer), registry=registry)

    @staticmethod
    def _ref_to(pointer):
        return {"$ref": SPEC_URI + "#" + urllib.parse.quote(pointer, safe="/~")}

    def validator(self, pointer):
        return self._validator(pointer)

    def follow(self, pointer):
        """(pointer, node) of the object at `pointer`, following $refs."""
        node = resolve_pointer(self.doc, pointer)
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/"), f"only local refs are used: {ref}"
            pointer = ref[1:]
            node = resolve_pointer(self.doc, pointer)
        return pointer, node

    def operations(self):
        for path, item in self.doc["paths"].items():
            for method in METHODS:
                if method in item:
                    yield method.upper(), path

    def response(self, method, path, status):
        """(pointer, response object) for the operation and status, or None."""
        op_pointer = f"/paths/{pointer_escape(path)}/{method.lower()}"
        responses = resolve_pointer(self.doc, op_pointer)["responses"]
        if str(status) not in responses:
            return None
        return self.follow(f"{op_pointer}/responses/{status}")

    def self_check(self):
        """Refs resolve, schemas are valid 2020-12, errors use the Error object."""
        refs = []

        def walk(node, where):
            if isinstance(node, dict):
                if isinstance(node.get("$ref"), str):
                    refs.append((where, node["$ref"]))
                for key, value in node.items():
                    walk(value, f"{where}/{pointer_escape(key)}")
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    walk(value, f"{where}/{i}")

        walk(self.doc, "")
        for where, ref in refs:
            assert ref.startswith("#/"), f"{where}: non-local $ref {ref}"
            try:
                resolve_pointer(self.doc, ref[1:])
            except (KeyError, IndexError, ValueError) as e:
                raise AssertionError(f"{where}: $ref {ref} does not resolve ({e!r})") from e
        meta = jsonschema.Draft202012Validator
        for name, schema in self.doc["components"]["schemas"].items():
            meta.check_schema(schema)
            self.validator(f"/components/schemas/{name}")  # builds
        ids = set()
        for method, path in self.operations():
            op = self.doc["paths"][path][method.lower()]
            op_id = op.get("operationId")
            assert op_id and op_id not in ids, f"{method} {path}: missing or duplicate operationId"
            ids.add(op_id)
            for status in op["responses"]:
                _, response = self.response(method, path, status)
                for media in response.get("content", {}).values():
                    meta.check_schema(media["schema"])
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, \
                        f"{method} {path} {status} is not the Error object"
        return len(refs)


class Conformance:
    """Calls the server and checks every answer against the spec."""

    def __init__(self, spec, url):
        self.spec = spec
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.seen = {}  # (method, path template) -> set of statuses
        self.failures = []

    def call(self, method, template, params=None, query=None, body=None, auth="admin",
             content_type="application/json", expect=200, field=None):
        """Sends one request; checks status == expect (and the error's field)
        and the answer against the spec. `auth`: "admin" (the admin token),
        "Bearer ..." (that token), None, or else an API key. Returns (status,
        headers, body: parsed JSON, NDJSON items, CSV records or text)."""
        path = template
        for name, value in (params or {}).items():
            path = path.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
        if query:
            path += "?" + urllib.parse.urlencode(query)
        headers = {}
        if auth == "admin":
            headers["Authorization"] = f"Bearer {ADMIN}"
        elif auth is not None and auth.startswith("Bearer "):
            headers["Authorization"] = auth
        elif auth is not None:
            headers["X-Api-Key"] = auth
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            body = body.encode() if isinstance(body, str) else body
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            status, resp_headers = resp.status, {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        self.seen.setdefault((method, template), set()).add(status)
        what = f"{method} {path} -> {status}"
        parsed = self._check(method, template, status, resp_headers, raw, what)
        if status != expect:
            self.fail(what, f"expected {expect}; body {raw[:300]!r}")
        elif field is not None and _error_field(parsed) != field:
            self.fail(what, f"expected an error naming field {field!r}; body {raw[:300]!r}")
        return status, resp_headers, parsed

    def require(self, condition, what, message):
        """Records a failure unless `condition`: for answers that must not be
        trivial, or the schema paths they should exercise were not."""
        if not condition:
            self.fail(what, message)

    def fail(self, what, message):
        self.failures.append(f"{what}: {message}")
        print(f"FAIL {what}: {message}", flush=True)

    def _check(self, method, template, status, headers, raw, what):
        if (method, template) not in set(self.spec.operations()):
            self.fail(what, "the test called an operation the spec does not have")
            return None
        found = self.spec.response(method, template, status)
        if found is None:
            self.fail(what, "status not listed in the spec for this operation")
            return _parse_json(raw)
        pointer, response = found
        for name in response.get("headers", {}):
            _, header = self.spec.follow(f"{pointer}/headers/{pointer_escape(name)}")
            if header.get("required") and name.lower() not in headers:
                self.fail(what, f"missing required header {name}")
        content = response.get("content", {})
        if not content:
            if raw:
                self.fail(what, "the spec has no body for this status")
            return raw
        media = _match_media(content, headers.get("content-type", ""))
        if media is None:
            self.fail(what, f"content type {headers.get('content-type')!r} not in "
                      f"{sorted(content)}")
            return raw
        media_pointer = f"{pointer}/content/{pointer_escape(media)}"
        spec_media = content[media]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fail(what, "body is not UTF-8")
            return raw
        if media == "application/json":
            value = _parse_json(raw)
            if value is None:
                self.fail(what, f"body is not JSON: {raw[:200]!r}")
                return None
            self._validate(f"{media_pointer}/schema", value, what)
            return value
        if "x-item-schema" in spec_media:
            items = []
            for n, line in enumerate(text.splitlines()):
                item = _parse_json(line.encode())
                if item is None:
                    self.fail(what, f"line {n} is not JSON: {line[:200]!r}")
                    continue
                self._validate(f"{media_pointer}/x-item-schema", item, f"{what} line {n}")
                items.append(item)
            return items
        if "x-csv-columns" in spec_media:
            rows = list(csv.reader(io.StringIO(text, newline="")))
            columns = spec_media["x-csv-columns"]
            if not rows or rows[0] != columns:
                self.fail(what, f"CSV header {rows[:1]} is not {columns}")
                return rows
            records = [dict(zip(columns, row)) for row in rows[1:]]
            for n, row in enumerate(rows[1:], start=1):
                if len(row) != len(columns):
                    self.fail(what, f"CSV row {n} has {len(row)} fields, not {len(columns)}")
                elif not row[columns.index("timestamp")].isdigit():
                    self.fail(what, f"CSV row {n}: timestamp is not integer ms: {row}")
                elif row[columns.index("properties")] and not isinstance(
                        _parse_json(row[columns.index("properties")].encode()), dict):
                    self.fail(what, f"CSV row {n}: properties is not a JSON object: {row}")
            return records
        self._validate(f"{media_pointer}/schema", text, what)
        return text

    def _validate(self, pointer, value, what):
        errors = sorted(self.spec.validator(pointer).iter_errors(value),
                        key=lambda e: list(e.absolute_path))
        for e in errors[:5]:
            if e.context:  # oneOf/anyOf: the branch that got deepest says most
                e = max(e.context, key=lambda sub: len(sub.relative_path))
            where = "/".join(str(p) for p in e.absolute_path) or "(root)"
            self.fail(what, f"schema: at {where}: {e.message}")

    def coverage(self):
        """Prints the summary; records a failure per unexercised operation."""
        print("coverage (operation: statuses seen):")
        for method, path in self.spec.operations():
            seen = sorted(self.seen.get((method, path), ()))
            print(f"  {method:6} {path}: {', '.join(map(str, seen)) or 'NEVER CALLED'}")
            if not seen:
                self.fail(f"{method} {path}", "operation never exercised")
            elif not any(200 <= s < 300 for s in seen):
                self.fail(f"{method} {path}", "never answered with success")
            elif not any(s >= 400 for s in seen) and (method, path) not in NO_ERROR_CASE:
                self.fail(f"{method} {path}", "no error case exercised")


def _parse_json(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _error_field(body):
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("field") if isinstance(error, dict) else None


def _match_media(content, content_type):
    if content_type in content:
        return content_type
    base = content_type.split(";")[0].strip().lower()
    for media in content:
        if media.split(";")[0].strip().lower() == base:
            return media
    return None


def dataset(now_ms):
    """Touchpoints, installs, in-app events; each device's in time order."""
    hour = 3600 * 1000
    t0 = now_ms - 2 * 24 * hour
    touchpoints = [
        {"event_type": "click", "event_id": "tp-click", "timestamp": t0, "device_id": "dev-det",
         "source": "net_a", "campaign": "camp_1", "medium": "cpc"},
        {"event_type": "impression", "event_id": "tp-imp", "timestamp": t0,
         "device_id": "dev-imp", "source": "net_b"},
        {"event_type": "click", "event_id": "tp-web", "timestamp": t0, "ip": "203.0.113.7",
         "user_agent": "Mozilla/5.0 (openapi test)", "source": "net_c", "campaign": "camp_2"},
        {"event_type": "click", "event_id": "tp-del", "timestamp": t0, "device_id": "dev-del",
         "source": "net_a", "campaign": "camp_1"},
    ]
    installs = [
        {"event_type": "install", "event_id": "in-det", "timestamp": t0 + hour,
         "device_id": "dev-det", "user_id": "user-1"},
        {"event_type": "install", "event_id": "in-imp", "timestamp": t0 + hour,
         "device_id": "dev-imp"},
        {"event_type": "install", "event_id": "in-prob",
         "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.250Z", time.gmtime((t0 + 2 * hour) / 1000)),
         "device_id": "dev-prob", "ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (openapi test)"},
        {"event_type": "install", "event_id": "in-org", "timestamp": t0 + hour,
         "device_id": "dev-org"},
        {"event_type": "install", "event_id": "in-del", "timestamp": t0 + hour,
         "device_id": "dev-del"},
    ]
    in_app = [
        {"event_type": "purchase", "event_id": "ev-buy", "timestamp": t0 + 3 * hour,
         "device_id": "dev-det", "revenue": 4.99, "currency": "USD",
         "properties": {"sku": "gems,100", "note": "say \"hi\""}},
        {"event_type": "open", "event_id": "ev-open", "timestamp": t0 + 25 * hour,
         "device_id": "dev-org"},
        {"event_type": "purchase", "event_id": "ev-noinst", "timestamp": t0 + 26 * hour,
         "device_id": "dev-noinst", "revenue": 1.5, "currency": "EUR"},
        {"event_type": "open", "event_id": "ev-del", "timestamp": t0 + 26 * hour,
         "device_id": "dev-del"},
    ]
    single = {"event_type": "purchase", "event_id": "ev-single", "timestamp": t0 + 27 * hour,
              "device_id": "dev-prob", "revenue": 2, "currency": "USD"}
    return touchpoints, installs, in_app, single


def run(c):
    # Health and metrics.
    c.call("GET", "/healthz", auth=None)

    # Apps.
    app_path = "/v1/apps/{app_id}"
    c.call("POST", "/v1/apps", body={"name": "x", "platform": "ios"}, auth=None, expect=401)
    c.call("POST", "/v1/apps", body={"name": "x", "platform": "tv"}, expect=400, field="platform")
    c.call("POST", "/v1/apps", body={"name": "x", "platform": "ios",
                                     "settings": {"mta_lookback_days": 0}},
           expect=400, field="settings.mta_lookback_days")
    c.call("POST", "/v1/apps", body={"name": "x", "platform": "ios",
                                     "settings": {"retention_days": 0}},
           expect=400, field="settings.retention_days")
    _, _, app = c.call("POST", "/v1/apps", expect=201,
                       body={"name": "openapi", "platform": "android",
                             "settings": {"click_lookback_hours": 72}})
    app_id, old_key = app["id"], app["api_key"]
    c.require(isinstance(app, dict) and app.get("demo") is False, "POST /v1/apps",
              f"an app made through the API is not a demo app: {app}")
    c.call("GET", "/v1/apps")
    c.call("GET", "/v1/apps", auth=None, expect=401)
    c.call("GET", app_path, {"app_id": app_id})
    c.call("GET", app_path, {"app_id": app_id}, auth="Bearer wrong-token", expect=401)
    c.call("GET", app_path, {"app_id": "app_0000000000000000"}, expect=404)
    c.call("PATCH", app_path, {"app_id": app_id},
           body={"name": "openapi 2", "settings": {"retention_days": 30}})
    c.call("PATCH", app_path, {"app_id": app_id}, body={"settings": {"click_lookback_hours": "1"}},
           expect=400, field="settings.click_lookback_hours")
    c.call("PATCH", app_path, {"app_id": "app_0000000000000000"}, body={}, expect=404)
    c.call("PATCH", app_path, {"app_id": app_id}, body={}, auth=None, expect=401)
    rotate = "/v1/apps/{app_id}/rotate-key"
    _, _, rotated = c.call("POST", rotate, {"app_id": app_id})
    key = rotated["api_key"] if isinstance(rotated, dict) else old_key
    c.call("POST", rotate, {"app_id": "app_0000000000000000"}, expect=404)
    c.call("POST", rotate, {"app_id": app_id}, auth=None, expect=401)

    # Ingest: all three batch forms, then one single event.
    now_ms = int(time.time() * 1000)
    touchpoints, installs, in_app, single = dataset(now_ms)
    batch = "/v1/events/batch"
    c.call("POST", batch, body=touchpoints, auth=key, expect=202)
    c.call("POST", batch, body={"events": installs}, auth=key, expect=202)
    ndjson = "\n".join(json.dumps(e) for e in in_app) + "\n\n{not json}\n"
    _, _, result = c.call("POST", batch, body=ndjson, auth=key,
                          content_type="application/x-ndjson", expect=202)
    if isinstance(result, dict) and (result.get("accepted") != len(in_app) or
                                     [r.get("index") for r in result["rejected"]] != [len(in_app)]):
        c.fail("POST batch (ndjson)", f"expected {len(in_app)} accepted, line {len(in_app)} "
               f"rejected: {result}")
    c.call("POST", batch, body=touchpoints, auth=old_key, expect=401)
    c.call("POST", batch, body="[{", auth=key, expect=400)
    c.call("POST", batch, body=[{"event_type": "open"}] * 10001, auth=key, expect=413)
    c.call("POST", "/v1/events", body=single, auth=key, expect=202)
    c.call("POST", "/v1/events", body=single, auth=None, expect=401)
    c.call("POST", "/v1/events", body={"event_type": "open", "device_id": "d"}, auth=key,
           expect=400, field="timestamp")
    c.call("POST", "/v1/events", body=dict(single, app_id="app_0000000000000000"), auth=key,
           expect=400, field="app_id")
    c.call("POST", "/v1/events", body="{", auth=key, expect=400)

    def caught_up():
        status, _, p = c.call("GET", "/v1/pipeline")
        return status == 200 and p["status"] == "ok" and p["lag_bytes"] == 0

    wait_for(caught_up, 30, "the pipeline to catch up")
    c.call("GET", "/v1/pipeline", auth=None, expect=401)

    day = 24 * 3600 * 1000
    today = time.strftime("%Y-%m-%d", time.gmtime(now_ms / 1000))
    three_ago = time.strftime("%Y-%m-%d", time.gmtime((now_ms - 3 * day) / 1000))
    rng = {"from": three_ago, "to": today}
    ids = {"app_id": app_id}
    missing = {"app_id": "app_0000000000000000"}

    # Reports. Every report shares from/to; each gets its own bad parameters.
    stats = "/v1/apps/{app_id}/stats"
    c.call("GET", stats, ids)
    c.call("GET", stats, ids, rng)
    for group_by in ("source", "campaign", "event_type"):
        _, _, body = c.call("GET", stats, ids, dict(rng, group_by=group_by))
        c.require(isinstance(body, dict) and body.get("groups"), f"GET stats by {group_by}",
                  "no groups: the dataset does not exercise them")
    c.call("GET", stats, ids, {"from": "2024-13-01"}, expect=400, field="from")
    c.call("GET", stats, ids, {"group_by": "medium"}, expect=400, field="group_by")
    c.call("GET", stats, missing, expect=404)
    c.call("GET", stats, ids, auth=None, expect=401)

    # Live counts: everything acknowledged above, in the seconds it was.
    live = "/v1/apps/{app_id}/live"
    accepted = len(touchpoints) + len(installs) + len(in_app) + 1
    _, _, body = c.call("GET", live, ids, {"seconds": 300})
    counts = [s.get("events") for s in body.get("seconds", [])] if isinstance(body, dict) else []
    c.require(isinstance(body, dict) and body.get("events_total") == accepted and
              len(counts) == 300 and sum(counts) <= accepted, "GET live",
              f"want events_total {accepted} and 300 seconds summing to at most that, got {body}")
    _, _, body = c.call("GET", live, ids)
    c.require(isinstance(body, dict) and len(body.get("seconds", [])) == 60, "GET live",
              "the default window is not 60 seconds")
    c.call("GET", live, ids, {"seconds": 0}, expect=400, field="seconds")
    c.call("GET", live, ids, {"seconds": "301"}, expect=400, field="seconds")
    c.call("GET", live, missing, expect=404)
    c.call("GET", live, ids, auth=None, expect=401)

    cohorts = "/v1/apps/{app_id}/cohorts"
    c.call("GET", cohorts, ids, rng)
    _, _, body = c.call("GET", cohorts, ids, dict(rng, group_by="campaign", days="0,1,30"))
    cells = [r for row in body.get("rows", []) for r in row.get("retention", [])] \
        if isinstance(body, dict) else []
    c.require({r.get("active") is None for r in cells} == {True, False}, "GET cohorts",
              "want both past and future (null) retention cells")
    c.call("GET", cohorts, ids, {"days": "0,400"}, expect=400, field="days")
    c.call("GET", cohorts, ids, {"days": "1,x"}, expect=400, field="days")
    c.call("GET", cohorts, ids, {"group_by": "event_type"}, expect=400, field="group_by")
    c.call("GET", cohorts, missing, expect=404)
    c.call("GET", cohorts, ids, auth=None, expect=401)

    installs_report = "/v1/apps/{app_id}/attribution/installs"
    for group_by in ("source", "campaign"):
        c.call("GET", installs_report, ids, dict(rng, group_by=group_by))
    c.call("GET", installs_report, ids)
    c.call("GET", installs_report, ids, {"from": today, "to": three_ago}, expect=400,
           field="from")
    c.call("GET", installs_report, ids, {"to": "yesterday"}, expect=400, field="to")
    c.call("GET", installs_report, missing, expect=404)
    c.call("GET", installs_report, ids, auth=None, expect=401)

    mta = "/v1/apps/{app_id}/attribution/mta"
    models = c.spec.doc["components"]["schemas"]["MtaModel"]["enum"]
    for model in models:
        c.call("GET", mta, ids, dict(rng, model=model))
    c.call("GET", mta, ids, dict(rng, model="linear", conversion="purchase", group_by="campaign"))
    c.call("GET", mta, ids, {"model": "best"}, expect=400, field="model")
    c.call("GET", mta, ids, {"conversion": "click"}, expect=400, field="conversion")
    c.call("GET", mta, missing, expect=404)
    c.call("GET", mta, ids, auth=None, expect=401)

    # The dataset must cover every kind of install (and none), or the
    # nullable fields above were never exercised.
    device = "/v1/apps/{app_id}/devices/{device_id}"
    want_match = {"dev-det": "deterministic", "dev-imp": "deterministic",
                  "dev-prob": "probabilistic", "dev-org": "organic", "dev-noinst": None}
    for device_id, match in want_match.items():
        _, _, got = c.call("GET", device, dict(ids, device_id=device_id))
        got_match = (got.get("install") or {}).get("match") if isinstance(got, dict) else "?"
        if got_match != match:
            c.fail(f"GET device {device_id}", f"install match {got_match!r}, want {match!r}")
    c.call("GET", device, dict(ids, device_id="dev-unknown"), expect=404)
    c.call("GET", device, dict(missing, device_id="dev-det"), expect=404)
    c.call("GET", device, dict(ids, device_id="dev-det"), auth=None, expect=401)

    export = "/v1/apps/{app_id}/events/export"
    _, _, lines = c.call("GET", export, ids, dict(rng, format="ndjson"))
    _, _, records = c.call("GET", export, ids, dict(rng, format="csv"))
    c.call("GET", export, ids, rng)
    if isinstance(lines, list) and isinstance(records, list):
        want = {e["event_id"] for e in touchpoints + installs + in_app + [single]}
        for name, got in (("ndjson", lines), ("csv", records)):
            if {r.get("event_id") for r in got} != want:
                c.fail(f"GET {export} ({name})", f"exported {len(got)} events, "
                       f"want the {len(want)} sent")
    c.call("GET", export, ids, {"format": "xml"}, expect=400, field="format")
    c.call("GET", export, missing, {"format": "csv"}, expect=404)
    c.call("GET", export, ids, auth=None, expect=401)

    # Privacy: erase one device.
    c.call("DELETE", device, dict(ids, device_id="dev-del"), expect=202)
    c.call("DELETE", device, dict(missing, device_id="dev-del"), expect=404)
    c.call("DELETE", device, dict(ids, device_id="d" * 129), expect=400, field="device_id")
    c.call("DELETE", device, dict(ids, device_id="dev-del"), auth=None, expect=401)

    # Audit log.
    c.call("GET", "/v1/audit")
    _, _, page = c.call("GET", "/v1/audit", query={"app_id": app_id, "limit": 1})
    c.require(isinstance(page, dict) and page.get("next_before") is not None, "GET /v1/audit",
              "a full page (limit 1, after an erasure) has no next_before")
    if isinstance(page, dict) and page.get("next_before") is not None:
        c.call("GET", "/v1/audit", query={"app_id": app_id, "before": page["next_before"]})
    c.call("GET", "/v1/audit", query={"limit": "many"}, expect=400, field="limit")
    c.call("GET", "/v1/audit", query={"before": 0}, expect=400, field="before")
    c.call("GET", "/v1/audit", auth=None, expect=401)

    # Maintenance: after the erasure above, it completes it in the log.
    _, _, report = c.call("POST", "/v1/maintenance")
    c.require(isinstance(report, dict) and report.get("erasures_completed") == 1,
              "POST /v1/maintenance", f"want the erasure above completed, got {report}")
    c.call("POST", "/v1/maintenance", auth=None, expect=401)

    # Delete an app with data of its own; the first app is untouched.
    _, _, doomed = c.call("POST", "/v1/apps", expect=201,
                          body={"name": "doomed", "platform": "web", "demo": True})
    if isinstance(doomed, dict):
        c.require(doomed.get("demo") is False, "POST /v1/apps",
                  "a client's \"demo\" must be ignored")
        doomed_ids = {"app_id": doomed["id"]}
        c.call("POST", "/v1/events", body=dict(single, event_id="ev-doomed"),
               auth=doomed["api_key"], expect=202)
        wait_for(caught_up, 30, "the pipeline to catch up")
        c.call("DELETE", app_path, doomed_ids, auth=None, expect=401)
        c.call("DELETE", app_path, doomed_ids, expect=204)
        c.call("DELETE", app_path, doomed_ids, expect=404)
        c.call("GET", app_path, doomed_ids, expect=404)
        c.call("GET", export, doomed_ids, {"format": "csv"}, expect=404)
        c.call("POST", "/v1/events", body=dict(single, event_id="ev-doomed-2"),
               auth=doomed["api_key"], expect=401)
        _, _, listed = c.call("GET", "/v1/apps")
        c.require(isinstance(listed, dict) and
                  [a["id"] for a in listed.get("apps", [])] == [app_id], "GET /v1/apps",
                  f"after the delete only the first app should be listed: {listed}")
        _, _, audit = c.call("GET", "/v1/audit", query={"app_id": doomed["id"]})
        actions = [e.get("action") for e in audit.get("entries", [])] \
            if isinstance(audit, dict) else []
        c.require(actions == ["app.delete", "app.create"], "GET /v1/audit",
                  f"want app.delete then app.create for the deleted app, got {actions}")
        c.require(doomed["api_key"] not in json.dumps(audit), "GET /v1/audit",
                  "an audit entry holds an API key")
    c.call("DELETE", app_path, missing, expect=404)
    _, _, audit = c.call("GET", "/v1/audit", query={"app_id": app_id})
    actions = {e.get("action") for e in audit.get("entries", [])} \
        if isinstance(audit, dict) else set()
    c.require({"app.create", "app.update", "app.rotate_key", "device.erase"} <= actions,
              "GET /v1/audit", f"app actions missing from the audit log: {actions}")
    c.require(key not in json.dumps(audit) and old_key not in json.dumps(audit),
              "GET /v1/audit", "an audit entry holds an API key")
    _, _, rows = c.call("GET", export, ids, dict(rng, format="ndjson"))
    c.require(isinstance(rows, list) and len(rows) > 0, f"GET {export}",
              "the first app lost its events when another app was deleted")

    # Last, so the counters above are in it.
    _, _, metrics = c.call("GET", "/metrics", auth=None)
    if isinstance(metrics, str) and "unmogrowp_events_accepted_total" not in metrics:
        c.fail("GET /metrics", "no unmogrowp_events_accepted_total counter")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--spec", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "..", "docs", "openapi.yaml"))
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = ap.parse_args()

    started = time.monotonic()
    spec = Spec(args.spec)
    n_refs = spec.self_check()
    n_ops = len(list(spec.operations()))
    print(f"spec: {n_ops} operations, {n_refs} $refs resolve, schemas valid", flush=True)

    tmp = tempfile.mkdtemp(prefix="unmogrowp-openapi-")
    server = Server(args.binary, os.path.join(tmp, "data"), os.path.join(tmp, "server.log"))
    c = Conformance(spec, server.url)
    try:
        run(c)
    finally:
        server.stop()
    c.coverage()
    calls = sum(len(s) for s in c.seen.values())
    print(f"{len(c.seen)}/{n_ops} operations, {calls} distinct (operation, status) pairs, "
          f"{time.monotonic() - started:.1f}s", flush=True)
    if args.keep or c.failures:
        print(f"temp dir kept: {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    if c.failures:
        print(f"{len(c.failures)} failures", file=sys.stderr)
        sys.exit(1)
    print("openapi test: OK")


if __name__ == "__main__":
    main()
