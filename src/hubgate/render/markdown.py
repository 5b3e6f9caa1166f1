"""A Markdown table for $GITHUB_STEP_SUMMARY or a pull-request comment."""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

from hubgate.check.report import Report
from hubgate.fit.judge import GpuFit
from hubgate.inputs.refs import visible
from hubgate.render.table import exit_reason, facts_line, finding_failure, token_line
from hubgate.verdicts.verdict import USABLE


def _cell(text: str | None) -> str:
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """A code span that holds any text (CommonMark): its fence is one backtick longer than the longest
    run of backticks inside, with a space inside the fence when the text has backticks."""
    text = _cell(text)
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if runs else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render(report: Report) -> str:
    usable = {id(v) for v in report.usable()}
    counts = ", ".join(f"{n} {status}" for status, n in report.summary().items())
    reason = exit_reason(report)
    if not report.verdicts and report.scan_where is not None:
        return f"## hubgate: model access\n\nNothing checked: the scan found no Hub repo ids in {_cell(report.scan_where)}.\n"
    lines = [
        "## hubgate: model access",
        "",
        f"**{len(usable)} of {len(report.verdicts)} usable** ({counts}). "
        + (f"**{_cell(reason[0].upper() + reason[1:])}.** " if reason else "")
        + _cell(Text.from_markup(token_line(report.token, report.hub_down)).plain),
        "",
    ]
    # Errors with one cause are one line with their ids, not one identical row each.
    causes = report.causes()
    grouped = {id(v) for _, together in causes for v in together}
    for cause, together in causes:
        ids = ", ".join(_code(v.model_id or v.input) for v in together)
        lines.append(f"- ⚠ **{_cell(report.headline(cause, together))}**: {ids}")
    if causes:
        lines.append("")
    if len(grouped) == len(report.verdicts):
        return "\n".join(lines[:-1]) + "\n"
    with_facts = any(v.registry for v in report.verdicts)
    gpus: list[dict[str, Any]] = next((v.fit["gpus"] for v in report.verdicts if v.fit), [])
    with_findings = any(v.findings for v in report.verdicts)
    header = ["", "Repo", "Status", "Gate", *(["Size · licence · context"] if with_facts else [])]
    header += ["Pre-flight"] if with_findings else []
    header += [f"{g['label']} fit" for g in gpus] + ["Next step"]
    lines += ["|" + "|".join(f" {h} " if h else " " for h in header) + "|", "|" + "---|" * len(header)]
    for verdict in report.verdicts:
        if id(verdict) in grouped:
            continue
        mark = "✅" if id(verdict) in usable else "❌"
        name = verdict.model_id or verdict.input
        repo = f"[{_cell(name)}]({verdict.url})" if verdict.url else _code(name)
        if verdict.asked_as:
            repo += f" (asked as {_code(verdict.asked_as)})"
        if verdict.revision:
            repo += f" @ {_code(verdict.revision)}" + (f" ({verdict.sha[:12]})" if verdict.sha else "")
        if verdict.collection and verdict.model_id is not None:
            repo += f"<br>from collection {_code(verdict.collection)}"
        if verdict.places:
            repo += "<br>" + ", ".join(_code(str(place)) for place in verdict.places)
        gate = verdict.gated_mode or (
            "private" if verdict.private else ("open" if verdict.is_gated is False else "")
        )
        step = verdict.next_step or ("" if verdict.status in USABLE else verdict.message)
        if kinds := report.failed_by_finding(verdict):
            step = finding_failure(report, kinds)
        if verdict.alternatives:
            step += " Meanwhile: " + ", ".join(alt.id for alt in verdict.alternatives) + "."
        cells = [mark, repo, _code(verdict.status.value), gate]
        if with_facts:
            cells.append(_cell(facts_line(verdict.registry) if verdict.registry else ""))
        if with_findings:
            cells.append("<br>".join(f"⚠ **{f.kind}**: {_cell(f.message)}" for f in verdict.findings))
        fits = {g["name"]: GpuFit(**g).summary() for g in (verdict.fit or {}).get("gpus", [])}
        cells += [_cell(fits.get(g["name"], "")) for g in gpus]
        lines.append("| " + " | ".join([*cells, _cell(step.strip())]) + " |")
    for outcome in report.collections:
        title = f" ({_cell(outcome.title)})" if outcome.title else ""
        lines.append(
            visible(f"\nCollection {_code(outcome.name)}{title}: {_cell(outcome.note())}", keep="\n")
        )
    return "\n".join(lines) + "\n"
