"""One line per repo that is not usable (`status<TAB>id`), nothing else: for scripts that read the exit code."""

from __future__ import annotations

from hubgate.check.report import Report
from hubgate.verdicts.verdict import USABLE


def render(report: Report) -> str:
    lines = [f"{v.status.value}\t{v.model_id or v.input}" for v in report.verdicts if v.status not in USABLE]
    return "".join(line + "\n" for line in lines)
