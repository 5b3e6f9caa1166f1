"""One line per repo that is not usable (`status<TAB>id`), or that a finding the policy selects fails
(`kind<TAB>id`, e.g. `remote-code`), nothing else: for scripts that read the exit code, and a person who
must see what failed it."""

from __future__ import annotations

from hubgate.check.report import Report
from hubgate.verdicts.verdict import USABLE


def render(report: Report) -> str:
    lines = []
    for verdict in report.verdicts:
        name = verdict.model_id or verdict.input
        if verdict.status not in USABLE:
            lines.append(f"{verdict.status.value}\t{name}")
        lines += [f"{kind}\t{name}" for kind in report.failed_by_finding(verdict)]
    return "".join(line + "\n" for line in lines)
