"""GitHub Actions workflow commands: an ::error or ::warning per repo that needs action, with the next step.

Repos that fail the run (per --fail-on) are errors, other unusable ones warnings. When a repo came
from a file, the annotation points at its line, so it shows on the list in the pull request.
"""

from __future__ import annotations

from hubgate.check.report import Report
from hubgate.verdicts.verdict import USABLE, Status


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, failing: frozenset[Status]) -> str:
    lines = []
    for verdict in report.verdicts:
        if verdict.status in USABLE:
            continue
        level = "error" if verdict.status in failing else "warning"
        name = verdict.model_id or verdict.input
        props = [f"title={_property(f'hubgate: {name} is {verdict.status.value}')}"]
        if verdict.origin and ":" in verdict.origin:
            path, _, line = verdict.origin.rpartition(":")
            props = [f"file={_property(path)}", f"line={line}", *props]
        text = verdict.message + (f". Next: {verdict.next_step}" if verdict.next_step else "")
        lines.append(f"::{level} {','.join(props)}::{_data(text)}")
    usable = len(report.usable())
    lines.append(f"::notice title=hubgate::{_data(f'{len(report.verdicts)} checked, {usable} usable')}")
    return "".join(line + "\n" for line in lines)
