"""Compact record of doctor reports: summary, findings and a digest of everything else.

The digest covers the whole report.json minus "created", "scan_seconds" and "workers"
(what differs between executors), so equal digests mean identical diagnoses.

    python docs/results/scaling/compare_reports.py /tmp/scaling-default/report.json ...
"""

from __future__ import annotations

import hashlib
import json
import sys


def record(path: str) -> dict[str, object]:
    with open(path) as fh:
        doc = json.load(fh)
    summary = dict(doc["summary"])
    doc.pop("created", None)
    for key in ("scan_seconds", "workers"):
        doc["summary"].pop(key)
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
    return {"report": path, "summary": summary, "digest_without_timings": digest,
            "findings": [[f["id"], f["severity"]] for f in doc["findings"]]}


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(json.dumps(record(p)))
