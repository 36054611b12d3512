#!/usr/bin/env python3
"""Turns `unmogrowp gen` NDJSON into rows for ClickHouse's JSONEachRow: integer
ms timestamps, properties as a JSON string, every column present."""
import datetime
import json
import sys

COLUMNS = ["event_id", "event_type", "device_id", "user_id", "ip", "user_agent", "source",
           "medium", "campaign", "currency"]


def to_ms(ts):
    if isinstance(ts, int):
        return ts
    t = ts.replace("z", "Z").replace("t", "T")
    return int(datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000)


out = sys.stdout
for line in sys.stdin:
    if not line.strip():
        continue
    e = json.loads(line)
    row = {"app_id": "bench", "timestamp": to_ms(e["timestamp"]),
           "revenue": float(e.get("revenue", 0)),
           "properties": json.dumps(e["properties"]) if "properties" in e else ""}
    for c in COLUMNS:
        row[c] = e.get(c) or ""
    out.write(json.dumps(row, separators=(",", ":")))
    out.write("\n")
