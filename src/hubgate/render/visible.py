"""What every text renderer does first: control and bidi characters in a verdict's texts written as escapes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hubgate.check.report import Report
from hubgate.inputs.refs import visible
from hubgate.verdicts.verdict import TEXT_FIELDS, Verdict


def printable(report: Report) -> Report:
    """The report with control and bidi characters in every text a verdict carries written as escapes
    (`\\x1b`, `\\u202e`): a Hub message or an id can never clear a terminal, reverse a line or break XML."""
    down = visible(report.hub_down, keep="\n\t") if report.hub_down else None
    return replace(report, verdicts=[_printable(v) for v in report.verdicts], hub_down=down)


def _printable(verdict: Verdict) -> Verdict:
    update: dict[str, Any] = {
        name: visible(value, keep="\n\t")
        for name in TEXT_FIELDS
        if isinstance(value := getattr(verdict, name), str)
    }
    return replace(verdict, **update) if any(update[k] != getattr(verdict, k) for k in update) else verdict
