"""Renderers: a Report in, text out. One module per format; `render_report` picks one."""

from __future__ import annotations

from hubgate.check.report import Report
from hubgate.verdicts.verdict import TEXT_FIELDS, Verdict

FORMATS = ("table", "json", "quiet", "github", "junit", "markdown", "sarif", "cyclonedx")


def render_report(report: Report, fmt: str, *, failing: frozenset[str], color: bool = False) -> str:
    """The report as text in `fmt` (for files and pipes; the terminal table is printed by Rich directly)."""
    report = printable(report)
    if fmt == "json":
        from hubgate.render import json_format

        return json_format.render(report)
    if fmt == "quiet":
        from hubgate.render import quiet

        return quiet.render(report)
    if fmt == "github":
        from hubgate.render import github

        return github.render(report, failing)
    if fmt == "junit":
        from hubgate.render import junit

        return junit.render(report, failing)
    if fmt == "markdown":
        from hubgate.render import markdown

        return markdown.render(report)
    if fmt == "sarif":
        from hubgate.render import sarif

        return sarif.render(report, failing)
    if fmt == "cyclonedx":
        from hubgate.render import cyclonedx

        return cyclonedx.render(cyclonedx.items_from_report(report), report.endpoint)
    if fmt == "table":
        from hubgate.render import table

        return table.render(report, color=color)
    raise ValueError(f"unknown format {fmt!r}")


def printable(report: Report) -> Report:
    """The report with control and bidi characters in every text a verdict carries written as escapes
    (`\\x1b`, `\\u202e`): a Hub message or an id can never clear a terminal, reverse a line or break XML."""
    from dataclasses import replace

    return replace(report, verdicts=[_printable(v) for v in report.verdicts])


def _printable(verdict: Verdict) -> Verdict:
    from hubgate.inputs.refs import visible

    update = {
        name: visible(value, keep="\n\t")
        for name in TEXT_FIELDS
        if isinstance(value := getattr(verdict, name), str)
    }
    return (
        verdict.model_copy(update=update)
        if any(update[k] != getattr(verdict, k) for k in update)
        else verdict
    )
