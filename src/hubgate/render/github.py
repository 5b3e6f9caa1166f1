"""GitHub Actions workflow commands: an ::error or ::warning per repo that needs action, with the next step.

Repos that fail the run (per --fail-on) are errors, other unusable ones warnings. When a repo came
from a file, the annotation points at its line, so it shows on the list in the pull request; with
`check --scan`, there is one annotation at each place the code uses the repo (`file=,line=,col=`).
"""

from __future__ import annotations

from hubgate.check.report import Report
from hubgate.inputs.scan.model import Place
from hubgate.render.table import exit_reason
from hubgate.verdicts.verdict import USABLE, Status, Verdict


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _where(verdict: Verdict, title: str) -> str:
    props = [f"title={_property(title)}"]
    if verdict.origin and ":" in verdict.origin:
        path, _, line = verdict.origin.rpartition(":")
        props = [f"file={_property(path)}", f"line={line}", *props]
    return ",".join(props)


def _position(place: Place) -> list[str]:
    """`line=`/`col=` of a place; a notebook cell has no line GitHub can show, so the file alone."""
    return [] if place.cell is not None else [f"line={place.line}", f"col={place.column}"]


def _used(place: Place) -> str:
    return f" (used by {place.via} at {place})" if place.via else f" (used at {place})"


def render(report: Report, failing: frozenset[str]) -> str:
    lines = []
    # Errors with one cause (the Hub unreachable) are one annotation naming the repos, not one each.
    causes = report.causes()
    grouped = {id(v) for _, together in causes for v in together}
    for cause, together in causes:
        level = "error" if Status.ERROR in failing else "warning"
        ids = ", ".join(v.model_id or v.input for v in together)
        text = f"{report.headline(cause, together)}: {ids}. Next: {together[0].next_step or ''}".rstrip(" :")
        lines.append(f"::{level} title={_property('hubgate: repos not checked')}::{_data(text)}")
    for verdict in report.verdicts:
        if id(verdict) in grouped:
            continue
        name = verdict.model_id or verdict.input
        # One annotation per pre-flight finding, an error when --fail-on picks its kind.
        for finding in verdict.findings:
            level = "error" if finding.kind in failing else "warning"
            title = f"hubgate: {name}: {finding.kind}"
            if finding.kind == "unpinned":  # one annotation on each line that loads without a revision
                for place in (p for p in verdict.places if p.unpinned):
                    props = [f"file={_property(place.file)}", *_position(place), f"title={_property(title)}"]
                    lines.append(f"::{level} {','.join(props)}::{_data(finding.message)}")
                continue
            lines.append(f"::{level} {_where(verdict, title)}::{_data(finding.message)}")
        if verdict.status in USABLE:
            continue
        level = "error" if verdict.status in failing else "warning"
        title = f"title={_property(f'hubgate: {name} is {verdict.status.value}')}"
        text = verdict.message + (f". Next: {verdict.next_step}" if verdict.next_step else "")
        if verdict.places:  # from `check --scan`: one annotation at each use
            for place in verdict.places:
                props = [f"file={_property(place.file)}", *_position(place), title]
                lines.append(f"::{level} {','.join(props)}::{_data(text + _used(place))}")
            continue
        props = [title]
        if verdict.origin and ":" in verdict.origin:
            path, _, line = verdict.origin.rpartition(":")
            props = [f"file={_property(path)}", f"line={line}", *props]
        lines.append(f"::{level} {','.join(props)}::{_data(text)}")
    usable = len(report.usable())
    summary = f"{len(report.verdicts)} checked, {usable} usable"
    if (reason := exit_reason(report)) is not None:
        summary += f"; {reason}"
    lines.append(f"::notice title=hubgate::{_data(summary)}")
    return "".join(line + "\n" for line in lines)
