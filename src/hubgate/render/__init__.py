"""Renderers: a Report in, text out. One module per format; `render_report` picks one."""

from __future__ import annotations

from hubgate.check.report import Report
from hubgate.render.visible import printable

# The module each format is rendered by (the terminal table also wraps its lines with render/layout.py).
RENDERERS = {
    "table": ("hubgate.render.table", "hubgate.render.layout"),
    "json": ("hubgate.render.json_format",),
    "quiet": ("hubgate.render.quiet",),
    "github": ("hubgate.render.github",),
    "junit": ("hubgate.render.junit",),
    "markdown": ("hubgate.render.markdown",),
    "sarif": ("hubgate.render.sarif",),
    "cyclonedx": ("hubgate.render.cyclonedx",),
}
FORMATS = tuple(RENDERERS)


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
