"""A Markdown table for $GITHUB_STEP_SUMMARY or a pull-request comment."""

from __future__ import annotations

from rich.text import Text

from hubgate.render.table import token_line
from hubgate.report import Report
from hubgate.verdict import USABLE


def _cell(text: str | None) -> str:
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render(report: Report) -> str:
    usable = len(report.usable())
    counts = ", ".join(f"{n} {status}" for status, n in report.summary().items())
    lines = [
        "## hubgate: model access",
        "",
        f"**{usable} of {len(report.verdicts)} usable** ({counts}). "
        + _cell(Text.from_markup(token_line(report.token)).plain),
        "",
        "| | Repo | Status | Gate | Next step |",
        "|---|---|---|---|---|",
    ]
    for verdict in report.verdicts:
        mark = "✅" if verdict.status in USABLE else "❌"
        name = verdict.model_id or verdict.input
        repo = f"[{_cell(name)}]({verdict.url})" if verdict.url else f"`{_cell(name)}`"
        if verdict.redirected:
            repo += f" (asked as `{_cell(verdict.requested_id or '')}`)"
        gate = verdict.gated_mode or (
            "private" if verdict.private else ("open" if verdict.is_gated is False else "")
        )
        step = verdict.next_step or ("" if verdict.status in USABLE else verdict.message)
        lines.append(f"| {mark} | {repo} | `{verdict.status.value}` | {gate} | {_cell(step)} |")
    return "\n".join(lines) + "\n"
