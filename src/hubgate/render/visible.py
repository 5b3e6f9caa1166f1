"""What every text renderer does first: control and bidi characters in a verdict's texts written as escapes."""

from __future__ import annotations

from dataclasses import replace

from hubgate.check.report import Report
from hubgate.inputs.refs import visible
from hubgate.verdicts.verdict import with_texts


def printable(report: Report) -> Report:
    """The report with control and bidi characters in every text a verdict carries written as escapes
    (`\\x1b`, `\\u202e`): a Hub message or an id can never clear a terminal, reverse a line or break XML."""
    down = visible(report.hub_down, keep="\n\t") if report.hub_down else None
    verdicts = [with_texts(v, lambda text: visible(text, keep="\n\t")) for v in report.verdicts]
    return replace(report, verdicts=verdicts, hub_down=down)
