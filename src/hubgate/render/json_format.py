from __future__ import annotations

import json

from hubgate.check.report import Report, report_json


def render(report: Report) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"
